// `bun run db:seed`: applies pending migrations, then (re)writes the development seed into
// DATABASE_URL (or the embedded PGlite) and its media files into the media store (S3_* or the
// embedded store under DATA_DIR/s3, as the server would open it). Running it again replaces the
// previous seed accounts.
import { env } from "../env";
import { logger } from "../lib/logger";
import { openMediaStore } from "../lib/s3";
import { openDatabase } from "./client";
import { migrate } from "./migrate";
import { formatSeedReport, seedDatabase } from "./seed";

if (env.NODE_ENV === "production") {
  console.error("db:seed refuses to run with NODE_ENV=production");
  process.exit(1);
}

// The seed writes its media files (rendered, checked as confirmUpload would) inside its one
// transaction, so the transaction sits idle between statements for as long as that takes: on a busy
// machine longer than the app's 10 s idle-in-transaction bound, which then ended the session
// (CONNECTION_CLOSED). An explicit admin command, not a request: no idle bound here.
const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.DATA_DIR, poolMax: 1, idleInTransactionTimeoutMs: 0 });
try {
  const migrated = await migrate(database.sql);
  if (migrated.applied.length) console.log(`${database.describe}: applied ${migrated.applied.length} of ${migrated.total} migrations`);
  const media = await openMediaStore(env, logger);
  try {
    const report = await seedDatabase(database.sql, { media, log: (msg) => console.log(`seed: ${msg}`) });
    console.log(`${database.describe}, media at ${media.publicBaseUrl}:`);
    console.log(formatSeedReport(report));
  } finally {
    await media.close();
  }
} finally {
  await database.close();
}
