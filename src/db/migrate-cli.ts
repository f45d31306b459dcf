// `bun run db:migrate`: the deploy step that applies pending migrations. It connects to
// DATABASE_MIGRATE_URL (the primary itself) or else DATABASE_URL, or the embedded PGlite. The
// migrator holds one transaction and a transaction-scoped advisory lock, so it also works through
// a transaction pooler, but a direct connection keeps DDL away from pooled application traffic.
import { env } from "../env";
import { logger } from "../lib/logger";
import { openDatabase } from "./client";
import { migrate } from "./migrate";

const database = await openDatabase({ url: env.DATABASE_MIGRATE_URL ?? env.DATABASE_URL, dataDir: env.DATA_DIR, poolMax: 1 });
try {
  const result = await migrate(database.sql);
  logger.info({ database: database.describe, applied: result.applied, total: result.total }, "migrations done");
  console.log(`${database.describe}: applied ${result.applied.length} of ${result.total} migrations`);
} catch (error) {
  const code = (error as { code?: string }).code;
  console.error(
    code === "25006"
      ? `${database.describe} is read-only (a replica?): point DATABASE_MIGRATE_URL at the primary`
      : `migration failed: ${(error as Error).message}`,
  );
  process.exitCode = 1;
} finally {
  await database.close();
}
