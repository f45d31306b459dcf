// `bun run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded PGlite).
import { env } from "../env";
import { logger } from "../lib/logger";
import { openDatabase } from "./client";
import { migrate } from "./migrate";

const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.DATA_DIR, poolMax: 1 });
try {
  const result = await migrate(database.sql);
  logger.info({ database: database.describe, applied: result.applied, total: result.total }, "migrations done");
  console.log(`${database.describe}: applied ${result.applied.length} of ${result.total} migrations`);
} finally {
  await database.close();
}
