// `bun run db:seed`: applies pending migrations, then (re)writes the development seed into
// DATABASE_URL (or the embedded PGlite). Running it again replaces the previous seed accounts.
import { env } from "../env";
import { openDatabase } from "./client";
import { migrate } from "./migrate";
import { formatSeedReport, seedDatabase } from "./seed";

if (env.NODE_ENV === "production") {
  console.error("db:seed refuses to run with NODE_ENV=production");
  process.exit(1);
}

const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.DATA_DIR, poolMax: 1 });
try {
  const migrated = await migrate(database.sql);
  if (migrated.applied.length) console.log(`${database.describe}: applied ${migrated.applied.length} of ${migrated.total} migrations`);
  const report = await seedDatabase(database.sql, { log: (msg) => console.log(`seed: ${msg}`) });
  console.log(`${database.describe}:`);
  console.log(formatSeedReport(report));
} finally {
  await database.close();
}
