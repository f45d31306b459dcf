// Builds a running server from configuration: database (PGlite or PostgreSQL), migrations, the app.
// src/index.ts calls it for `bun run dev` / `start`; tests call it to get real HTTP servers.
import type { Server } from "bun";
import { connectPostgres, openDatabase, type Database } from "./db/client";
import { createLsnStore } from "./db/lsn-store";
import { FlooredCache } from "./db/replica-cache";
import { ReadRouting } from "./db/replicas";
import { migrate } from "./db/migrate";
import type { Env } from "./env";
import { createApp } from "./app";
import type { Logger } from "./lib/logger";
import type { AppDeps } from "./trpc/context";
import { createCache } from "./lib/cache";
import { createMailer } from "./lib/mail/mailer";
import { createRateLimits } from "./lib/rate-limit";
import { connectRedis } from "./lib/redis";
import { createPubSub } from "./lib/pubsub";
import { openMediaStore, type MediaStore } from "./lib/s3";
import { rewriteEmbeddedMediaUrls } from "./modules/media/media.urls";
import { allJobs } from "./jobs";
import { formatSeedReport, isEmptyDatabase, seedDatabase } from "./db/seed";
import { startJobs } from "./jobs/runner";

export interface RunningServer {
  deps: AppDeps;
  server: Server<unknown>;
  url: string;
  stop(): Promise<void>;
}

export async function startServer(
  env: Env,
  log: Logger,
  opts: {
    database?: Database;
    /** Where the embedded S3 server keeps objects (tests pass a temp dir). */
    s3Dir?: string;
    /**
     * This server's public URL, the base of the media it serves itself (GET /media): default
     * PUBLIC_APP_URL; "listening" = the URL it listens on (tests, whose ports are random).
     */
    appUrl?: string | "listening";
  } = {},
): Promise<RunningServer> {
  const database =
    opts.database ??
    (await openDatabase({
      url: env.DATABASE_URL, dataDir: env.DATA_DIR, poolMax: env.DATABASE_POOL_MAX, prepare: env.DATABASE_PREPARE, pipeline: env.DATABASE_PIPELINE,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS, acquireTimeoutMs: env.DATABASE_ACQUIRE_TIMEOUT_MS,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS, idleInTransactionTimeoutMs: env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    }));
  if (!opts.database) {
    log.info(
      { database: database.describe },
      database.kind === "pglite" ? "DATABASE_URL unset: using embedded PGlite" : "using PostgreSQL (DATABASE_URL)",
    );
  }
  // A server pointed at a standby starts: it serves what it can read, and neither migrates nor runs jobs.
  const readOnly = await isReadOnlyServer(database);
  if (readOnly) log.warn("DATABASE_URL is a read-only server (in recovery): migrations and jobs are skipped");
  if (env.MIGRATE_ON_START && !readOnly) {
    const result = await migrate(database.sql);
    if (result.applied.length) log.info({ applied: result.applied.length, total: result.total }, "migrations applied");
  }
  // Listening before the media store opens: the embedded store's public URLs are this server's own
  // (GET /media), and with PORT=0 its URL is known only now. Until the app is ready: 503. The store
  // opens before the seed, which may store media in it.
  let ready: ((req: Request, srv: Server<unknown>) => Response | Promise<Response>) | null = null;
  const server = Bun.serve({
    port: env.PORT,
    hostname: env.HOST,
    fetch: (req, srv) => ready?.(req, srv) ?? Response.json({ status: "starting" }, { status: 503, headers: { "retry-after": "1" } }),
  });
  const url = `http://${env.HOST === "0.0.0.0" ? "127.0.0.1" : env.HOST}:${server.port}`;
  let media: MediaStore;
  try {
    media = await openMediaStore(env, log, { dataDir: opts.s3Dir, appUrl: opts.appUrl === "listening" ? url : opts.appUrl });
    if (media.kind === "embedded" && !readOnly) {
      const changed = await rewriteEmbeddedMediaUrls(database.db, media.bucket, media.publicBaseUrl);
      if (Object.keys(changed).length) log.info({ changed, base: media.publicBaseUrl }, "rewrote media URLs of an earlier embedded store to the current base");
    }
  } catch (error) {
    await server.stop(true);
    throw error;
  }
  // A new developer's first `bun run dev` (embedded database, nothing in it) sees a living platform.
  // Never on a real PostgreSQL: there `bun run db:seed` is an explicit choice.
  if (!opts.database && database.kind === "pglite" && env.NODE_ENV !== "production" && (await isEmptyDatabase(database.sql))) {
    const report = await seedDatabase(database.sql, { media, log: (msg) => log.info(`seed: ${msg}`) });
    // The report goes in the message: pino's redaction would strip a `password` field.
    log.info(`empty embedded database: wrote the development seed\n${formatSeedReport(report)}`);
  }

  const redisOptions = { log, commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS, breakerOpenMs: env.REDIS_BREAKER_OPEN_MS };
  const redisTarget = env.REDIS_CLUSTER_NODES.length ? env.REDIS_CLUSTER_NODES : env.REDIS_URL;
  const redis = redisTarget ? connectRedis(redisTarget, env.REDIS_KEY_PREFIX, redisOptions) : null;
  log.info(redis ? `using Redis, ${redis.describe} (${redis.mode === "cluster" ? "REDIS_CLUSTER_NODES" : "REDIS_URL"})` : "REDIS_URL and REDIS_CLUSTER_NODES unset: in-process cache, rate limits and pub/sub");
  const lsnStore = createLsnStore(redis);
  const replicas = env.DATABASE_READ_URL.map((url) =>
    connectPostgres(url, {
      max: env.DATABASE_POOL_MAX, prepare: env.DATABASE_PREPARE, pipeline: env.DATABASE_PIPELINE, applicationName: "vrss-read",
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS, acquireTimeoutMs: env.DATABASE_ACQUIRE_TIMEOUT_MS,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS, idleInTransactionTimeoutMs: env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    }),
  );
  const reads = replicas.length ? new ReadRouting(database, replicas, lsnStore, { maxLagMs: env.DATABASE_REPLICA_MAX_LAG_MS, log }) : null;
  if (reads) {
    await reads.start();
    log.info({ replicas: replicas.map((r) => r.describe) }, "read replicas (DATABASE_READ_URL)");
  }
  const baseCache = createCache(redis, env.CACHE);
  const deps: AppDeps = {
    env,
    log,
    database,
    redis,
    cache: reads ? new FlooredCache(baseCache, lsnStore, () => reads.primaryLsn(), reads.writeTtlSeconds) : baseCache,
    reads,
    rateLimits: createRateLimits(env, redis),
    mailer: createMailer({ smtpUrl: env.SMTP_URL, from: env.MAIL_FROM, nodeEnv: env.NODE_ENV }, log),
    media,
    pubsub: createPubSub(redis),
  };
  const app = createApp(deps);
  const jobs = env.RUN_JOBS && !readOnly ? startJobs(deps, allJobs) : null;
  ready = (req, srv) => app.fetch(req, { server: srv });
  return {
    deps,
    server,
    url,
    async stop() {
      await server.stop(true);
      await jobs?.stop();
      await deps.pubsub.close();
      await deps.media.close();
      await reads?.close();
      await redis?.close();
      if (!opts.database) await database.close();
    },
  };
}

/** True on a standby (pg_is_in_recovery), where every write would fail with 25006. */
async function isReadOnlyServer(database: Database): Promise<boolean> {
  if (database.kind === "pglite") return false;
  const [row] = await database.sql<{ recovery: boolean }[]>`SELECT pg_is_in_recovery() AS recovery`;
  return Boolean(row?.recovery);
}
