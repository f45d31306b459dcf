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
import { attachTimelines, MemoryTimelineStore } from "./modules/feed/timeline-store";
import { RedisTimelineStore } from "./modules/feed/timeline-store.redis";
import { createMailer } from "./lib/mail/mailer";
import { createRateLimits } from "./lib/rate-limit";
import { connectRedis } from "./lib/redis";
import { createPubSub } from "./lib/pubsub";
import { SessionCache } from "./modules/auth/session-cache";
import { RENEW_AFTER_SECONDS } from "./modules/auth/session.service";
import { openMediaStore, type MediaStore } from "./lib/s3";
import { rewriteEmbeddedMediaUrls } from "./modules/media/media.urls";
import { allJobs } from "./jobs";
import { formatSeedReport, isEmptyDatabase, seedDatabase } from "./db/seed";
import { startJobs } from "./jobs/runner";
import { endMessageStreams } from "./modules/message/message.events";
import { endNotificationStreams } from "./modules/notification/notification.events";

export interface RunningServer {
  deps: AppDeps;
  server: Server<unknown>;
  url: string;
  /** Fast stop (tests): open connections are reset, then everything is closed. */
  stop(): Promise<void>;
  /**
   * Graceful stop (SIGTERM/SIGINT, src/index.ts): see "Shutdown" below. Resolves once everything
   * is closed; `forced` when requests were still running at the deadline (their connections reset).
   */
  drain(graceMs: number): Promise<DrainReport>;
  /** True from the start of a drain: /ready answers 503 `draining`. */
  readonly draining: boolean;
}

export interface DrainReport {
  /** Requests being handled when the drain started. */
  inFlight: number;
  /** Message and notification event streams ended with a `reconnect` event. */
  streams: number;
  /** Whether the grace deadline passed with requests still running (connections reset). */
  forced: boolean;
  ms: number;
}

// Shutdown. The drain, in order:
//  1. `draining`: /ready answers 503 (the load balancer stops sending); any other new request gets
//     503 + Retry-After + Connection: close (a retry lands on another process) — the listener stays
//     open until in-flight requests are done, so probes see 503 rather than a refused connection;
//     message and notification streams send `reconnect` and end (message.events.ts,
//     notification.events.ts); jobs stop
//     claiming (a running job finishes).
//  2. In-flight handlers finish, up to the grace deadline; then Bun's server.stop() without force
//     stops listening and waits for response bodies still streaming (the deadline still holds).
//  3. Past the deadline: server.stop(true) resets what is left, and the database pool is destroyed
//     first, so a handler still inside a transaction never commits after its client lost the answer.
//  4. Pub/sub, Redis, S3, replicas, database — in that order, only after the handlers are done, so
//     none of them fails under a running request (CONNECTION_ENDED, EPIPE).

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
      onWarning: (message) => log.warn(`DATABASE_URL: ${message}`),
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
  const gate = new RequestGate();
  const server = Bun.serve({
    port: env.PORT,
    hostname: env.HOST,
    fetch: (req, srv) =>
      ready ? gate.handle(req, srv, ready) : Response.json({ status: "starting" }, { status: 503, headers: { "retry-after": "1" } }),
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
      onWarning: (message) => log.warn(`DATABASE_READ_URL: ${message}`),
    }),
  );
  const reads = replicas.length ? new ReadRouting(database, replicas, lsnStore, { maxLagMs: env.DATABASE_REPLICA_MAX_LAG_MS, log }) : null;
  if (reads) {
    await reads.start();
    log.info({ replicas: replicas.map((r) => r.describe) }, "read replicas (DATABASE_READ_URL)");
  }
  const baseCache = createCache(redis, env.CACHE);
  const pubsub = createPubSub(redis);
  // Subscribes in the background; until its revocation channel is live it serves nothing.
  const sessions = new SessionCache({ ttlMs: env.SESSION_CACHE_TTL_MS, pubsub, redis, log, renewAfterMs: RENEW_AFTER_SECONDS * 1000 });
  sessions.start();
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
    pubsub,
    sessions,
  };
  // Materialized home timelines go with the cache (CACHE=off reads every timeline with the engine).
  if (env.CACHE === "on") attachTimelines(deps.cache, redis ? new RedisTimelineStore(redis) : new MemoryTimelineStore());
  const app = createApp(deps, { draining: () => gate.draining });
  const jobs = env.RUN_JOBS && !readOnly ? startJobs(deps, allJobs) : null;
  ready = (req, srv) => app.fetch(req, { server: srv });
  const closeAll = async () => {
    await deps.sessions.close();
    await deps.pubsub.close();
    await redis?.close();
    await deps.media.close();
    await reads?.close();
    if (!opts.database) await database.close();
  };
  let drained: Promise<DrainReport> | null = null;
  return {
    deps,
    server,
    url,
    get draining() {
      return gate.draining;
    },
    async stop() {
      gate.draining = true;
      endMessageStreams(deps.pubsub);
      endNotificationStreams(deps.pubsub);
      await server.stop(true);
      await jobs?.stop();
      await closeAll();
    },
    drain(graceMs) {
      drained ??= (async () => {
        const started = performance.now();
        const deadline = started + graceMs;
        const inFlight = gate.inFlight;
        gate.draining = true;
        const streams = endMessageStreams(deps.pubsub) + endNotificationStreams(deps.pubsub);
        const jobsStopped = jobs?.stop().catch((err) => log.error({ err }, "stopping jobs failed"));
        log.info({ inFlight, streams, graceMs }, "draining: /ready is 503, waiting for in-flight requests");
        let forced = !(await gate.idle(deadline - performance.now()));
        // Nothing left running: stop listening and let streaming bodies end (graceful, no reset).
        if (!forced) forced = (await within(server.stop(false), deadline - performance.now())) === TIMED_OUT;
        if (forced) {
          log.warn({ running: gate.inFlight, graceMs }, "grace period over: resetting the connections left");
          // Destroyed before the reset: a handler inside a transaction fails rather than commits.
          if (!opts.database) await within(database.sql.end({ timeout: 0 }), 1_000);
          await server.stop(true);
        }
        await within(jobsStopped ?? Promise.resolve(), forced ? 500 : Math.max(500, deadline - performance.now()));
        await within(closeAll(), 2_000);
        return { inFlight, streams, forced, ms: Math.round(performance.now() - started) };
      })();
      return drained;
    },
  };
}

/**
 * Counts requests being handled and, once draining, turns new ones away: /ready and /health still
 * go to the app (its /ready answers `draining`), anything else is 503 with Retry-After.
 */
class RequestGate {
  draining = false;
  inFlight = 0;
  private waiters = new Set<() => void>();

  async handle(req: Request, srv: Server<unknown>, app: (req: Request, srv: Server<unknown>) => Response | Promise<Response>): Promise<Response> {
    if (this.draining) {
      const path = new URL(req.url).pathname;
      if (path === "/ready" || path === "/health") return app(req, srv);
      return Response.json(
        { error: { message: "Server is shutting down, please retry", code: -32603, data: { code: "SERVICE_UNAVAILABLE", httpStatus: 503 } } },
        { status: 503, headers: { "retry-after": "1", connection: "close" } },
      );
    }
    this.inFlight++;
    try {
      const res = await app(req, srv);
      // Answered during the drain: the client must not reuse this connection (it is about to close).
      if (this.draining && !res.headers.has("connection")) {
        try {
          res.headers.set("connection", "close");
        } catch {} // immutable headers (a relayed fetch Response): the close comes anyway
      }
      return res;
    } finally {
      if (--this.inFlight === 0) for (const w of this.waiters) w();
    }
  }

  /** Resolves true once no request is being handled, false when `ms` pass first. */
  idle(ms: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(ok);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), Math.max(0, ms));
      this.waiters.add(wake);
    });
  }
}

const TIMED_OUT = Symbol("timed out");
/** Waits for `promise` at most `ms` (its rejection is swallowed: shutdown goes on regardless). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise.catch(() => undefined),
      new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms), TIMED_OUT))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** True on a standby (pg_is_in_recovery), where every write would fail with 25006. */
async function isReadOnlyServer(database: Database): Promise<boolean> {
  if (database.kind === "pglite") return false;
  const [row] = await database.sql<{ recovery: boolean }[]>`SELECT pg_is_in_recovery() AS recovery`;
  return Boolean(row?.recovery);
}
