// `bun run account:status <suspend|restore> <username>`: the operator's switch for an account, on
// DATABASE_URL (and REDIS_URL / REDIS_CLUSTER_NODES, whose caches it invalidates). A status set by
// hand in SQL also takes effect at once on reads (profile reads check status fresh; timelines
// hydrate under the policy), but only this path drops cached profiles and sessions.
import { env } from "../src/env";
import { openDatabase } from "../src/db/client";
import { createCache } from "../src/lib/cache";
import { connectRedis } from "../src/lib/redis";
import { setAccountStatus, type OperatorStatus } from "../src/modules/user/account-status";

const [action, username] = process.argv.slice(2);
const statuses: Record<string, OperatorStatus> = { suspend: "suspended", restore: "active" };
if (!action || !username || !statuses[action]) {
  console.error("usage: bun run account:status <suspend|restore> <username>");
  process.exit(2);
}
const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.DATA_DIR, poolMax: 1 });
const redisTarget = env.REDIS_CLUSTER_NODES.length ? env.REDIS_CLUSTER_NODES : env.REDIS_URL;
const redis = redisTarget ? connectRedis(redisTarget, env.REDIS_KEY_PREFIX) : null;
try {
  const { id, previous } = await setAccountStatus(database.db, createCache(redis), username, statuses[action]!);
  console.log(`${username} (id ${id}): ${previous} → ${statuses[action]}`);
} catch (error) {
  console.error(`${action} failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await redis?.close();
  await database.close();
}
