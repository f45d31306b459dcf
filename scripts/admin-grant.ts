// `bun run admin:grant <username> <user|moderator|admin>`: the operator's switch for an account's
// role on DATABASE_URL; `user` revokes. Recorded in the audit log (moderation_actions, role.set,
// no moderator). Nothing to announce to running servers: moderatorProcedure reads the role on every
// call, so the change holds on the next request. Exit codes: 0 done (or unchanged), 1 failed
// (unknown or deleted account, database error), 2 usage.
import { env } from "../src/env";
import { openDatabase } from "../src/db/client";
import { ROLES } from "../src/modules/moderation/moderation.schema";
import { isRole, setUserRole } from "../src/modules/moderation/roles";

const [username, role, ...rest] = process.argv.slice(2);
if (!username || !role || rest.length || !isRole(role)) {
  console.error(`usage: bun run admin:grant <username> <${ROLES.join("|")}>`);
  process.exit(2);
}
const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.DATA_DIR, poolMax: 1 });
try {
  const { id, username: name, previous } = await setUserRole(database.db, username, role);
  console.log(previous === role ? `${name} (id ${id}): already ${role}` : `${name} (id ${id}): ${previous} → ${role}`);
} catch (error) {
  console.error(`admin:grant failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await database.close();
}
