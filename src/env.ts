// The only module that reads process.env: everything else receives typed configuration.
import { z } from "zod";

const flag = z
  .enum(["true", "false", "1", "0", ""])
  .default("false")
  .transform((v) => v === "true" || v === "1");
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

/** A comma separated list: trimmed, empty items dropped (unset = []). */
const csvList = z
  .string()
  .optional()
  .transform((v) => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean));

/**
 * Development and test only: a fixed, published (so not secret) TOTP encryption key, so that the
 * TOTP secrets in a development database still decrypt after a restart. Production refuses it.
 */
export const DEVELOPMENT_TOTP_ENCRYPTION_KEY = "767273732064657620746f7470206b6579202d206e6f74206120736563726574"; // "vrss dev totp key - not a secret"

/** 32 bytes as 64 hex characters, or as base64 / base64url (padding optional). */
export function isTotpEncryptionKey(value: string): boolean {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return true;
  return /^[A-Za-z0-9+/_-]{43}=?$/.test(value) && Buffer.from(value, "base64").length === 32;
}

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Unset: an embedded PGlite database persisted under DATA_DIR. */
  DATABASE_URL: optionalString,
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /**
   * Named prepared statements. Off by default: behind a transaction pooler (PgBouncer < 1.21, or
   * without max_prepared_statements) a statement prepared on one server connection is executed on
   * another, the transaction aborts and its COMMIT silently rolls back. Turn on only for a direct
   * connection or PgBouncer >= 1.21 with max_prepared_statements.
   */
  DATABASE_PREPARE: flag,
  /**
   * Pipelining: postgres.js sends a query behind an unfinished autocommit query on the same
   * connection. Off by default: a transaction pooler (PgBouncer 1.18) releases the server at the
   * first query's end and the pipelined one is never answered — the connection hangs. Turn on only
   * for a direct connection.
   */
  DATABASE_PIPELINE: flag,
  /** Read replicas (comma separated URLs): lag-tolerant reads go there, see src/db/replicas.ts. */
  DATABASE_READ_URL: csvList,
  /** A replica further behind than this (by replay timestamp) gets no reads until it catches up. */
  DATABASE_REPLICA_MAX_LAG_MS: z.coerce.number().int().min(0).default(10_000),
  /** A connection attempt to PostgreSQL (or the pooler) that has not succeeded by then fails (postgres.js connect_timeout). */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  /** A request that waits longer than this for a free pool connection gets 503 DATABASE_BUSY instead of queueing without limit (src/db/client.ts, PoolGate). */
  DATABASE_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  /**
   * statement_timeout of every app connection (a startup parameter; PgBouncer 1.18 refuses the
   * connection unless ignore_startup_parameters lists it, and then drops it: set it there with
   * connect_query or as a role default). Jobs' transactions set their own, longer one (src/jobs/runner.ts).
   */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(5_000),
  /** idle_in_transaction_session_timeout of every app connection: a transaction left open by a dead handler is ended by the server. */
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  /**
   * Every RPC request's deadline: when it passes (or the client disconnects) the request's running
   * query is cancelled and its transaction rolls back instead of committing; the answer is 503.
   */
  REQUEST_DEADLINE_MS: z.coerce.number().int().min(100).max(600_000).default(8_000),
  /** On SIGTERM/SIGINT: how long in-flight requests may still finish before the process closes its dependencies and exits. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** Where `bun run db:migrate` connects: the primary itself, not a transaction pooler. Default DATABASE_URL. */
  DATABASE_MIGRATE_URL: optionalString,
  /**
   * Apply pending migrations when the server starts. On for the embedded/dev path; in a
   * multi-process production deployment set it off and run `bun run db:migrate` as a deploy step.
   */
  MIGRATE_ON_START: z
    .enum(["true", "false", "1", "0", ""])
    .default("true")
    .transform((v) => v === "true" || v === "1"),
  DATA_DIR: z.string().default(".data"),
  /** Unset: an in-process cache, rate limiter and pub/sub. */
  REDIS_URL: optionalString,
  /** Redis Cluster seed nodes (comma separated host:port); selects ioredis' Cluster client. */
  REDIS_CLUSTER_NODES: csvList,
  /** Unset: an embedded S3-compatible server on loopback, storing under DATA_DIR. */
  S3_ENDPOINT: optionalString,
  S3_BUCKET: z.string().default("vrss-media"),
  S3_REGION: z.string().default("us-east-1"),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_PUBLIC_URL: optionalString,
  /** Apply the bucket's CORS rule (ALLOWED_ORIGINS) at start on a real S3 (needs s3:PutBucketCORS). */
  S3_CONFIGURE_BUCKET: flag,
  /** The embedded store's fixed loopback port (0 = any free port; its objects are served under /media either way). */
  S3_EMBEDDED_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** Origins allowed to make cookie-authenticated mutations (comma separated). */
  ALLOWED_ORIGINS: z
    .string()
    .default("http://localhost:3000,http://localhost:5173")
    .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean)),
  /** Honour X-Forwarded-For only behind a proxy you control. */
  TRUST_PROXY: flag,
  MAX_BATCH_SIZE: z.coerce.number().int().min(1).max(100).default(20),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  /** Background jobs (scheduler, purges, reconciliation) run in this process. */
  RUN_JOBS: z
    .enum(["true", "false", "1", "0", ""])
    .default("true")
    .transform((v) => v === "true" || v === "1"),
  /** `off` disables the result cache (the benchmark measures queries, not cache hits). */
  CACHE: z.enum(["on", "off"]).default("on"),
  /** Prefix of every Redis key (lets several deployments or test runs share one Redis). */
  REDIS_KEY_PREFIX: z.string().default("vrss:"),
  /** A Redis command not answered by then fails (a frozen server): the caller falls back (cache miss, in-memory rate limit). */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(10).max(10_000).default(200),
  /** After a Redis failure every caller skips Redis this long, then a probe decides (the circuit breaker). */
  REDIS_BREAKER_OPEN_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
  /**
   * Key of the HMAC that seals pagination cursors (src/lib/pagination.ts): every process behind one
   * load balancer needs the same value. Required in production (at least 32 characters); unset in
   * development and test: a random key per process (cursors do not survive a restart).
   */
  CURSOR_SECRET: optionalString.pipe(z.string().min(32, "CURSOR_SECRET must be at least 32 characters").optional()),
  /**
   * AES-256-GCM key that encrypts TOTP secrets at rest (src/modules/auth/totp-crypto.ts): 32 bytes,
   * as 64 hex characters or base64/base64url. Required in production (the same value in every
   * process; never the development key below); unset in development and test:
   * DEVELOPMENT_TOTP_ENCRYPTION_KEY.
   */
  TOTP_ENCRYPTION_KEY: optionalString.pipe(z.string().refine(isTotpEncryptionKey, "TOTP_ENCRYPTION_KEY must be 32 bytes: 64 hex characters or base64").optional()),
  /** Sessions live this long after their last use (sliding renewal). */
  SESSION_TTL_DAYS: z.coerce.number().min(1).max(365).default(30),
  /**
   * How long a process keeps a resolved session in memory (src/modules/auth/session-cache.ts);
   * 0 = every request reads its row. Revocations reach every process over pub/sub at once; this
   * bounds staleness only when that fails. At most 5 minutes: the sliding renewal reads the row then anyway.
   */
  SESSION_CACHE_TTL_MS: z.coerce.number().int().min(0).max(300_000).default(30_000),
  /**
   * This app's public origin: links in mails, and the base of media served through /media.
   * Unset: http://localhost:<PORT>, so a dev server on another port stores URLs that reach it.
   */
  PUBLIC_APP_URL: z.string().url().optional(),
  /** SMTP server for outgoing mail; unset in development: mail links are logged instead. */
  SMTP_URL: optionalString,
  MAIL_FROM: z.string().default("VRSS <no-reply@vrss.local>"),
  /** Rate limits (attempts per window). */
  RATE_LIMIT_LOGIN_PER_IP: z.coerce.number().int().min(1).default(30),
  RATE_LIMIT_LOGIN_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  RATE_LIMIT_REGISTER_PER_IP: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_REGISTER_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
  RATE_LIMIT_MAIL_PER_TARGET: z.coerce.number().int().min(1).default(5),
  RATE_LIMIT_MAIL_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
  /** Test harness: a server where each test file gets its own database. */
  TEST_DATABASE_URL: optionalString,
  /** Test harness: Redis for tests (CI sets it); unset: tests use the in-process fallbacks. */
  TEST_REDIS_URL: optionalString,
  /** Test harness: a transaction pooler (PgBouncer) in front of TEST_DATABASE_URL's server; app connections go through it. */
  TEST_POOLER_URL: optionalString,
  /** Test harness: a streaming replica of TEST_DATABASE_URL's server (tests of read routing). */
  TEST_REPLICA_URL: optionalString,
  /** Test harness: Redis Cluster seed nodes (comma separated host:port). */
  TEST_REDIS_CLUSTER_NODES: optionalString,
  /** Test harness: a real S3 (Ceph RGW in CI, .ci/ceph-rgw.sh) for the strict media lane. */
  TEST_S3_ENDPOINT: optionalString,
  TEST_S3_BUCKET: z.string().default("vrss-media"),
  TEST_S3_REGION: z.string().default("us-east-1"),
  TEST_S3_ACCESS_KEY_ID: optionalString,
  TEST_S3_SECRET_ACCESS_KEY: optionalString,
  /** Test harness: a Chromium binary for browser tests (default /usr/bin/chromium when present). */
  TEST_CHROMIUM_PATH: optionalString,
});

export type Env = Omit<z.infer<typeof envSchema>, "PUBLIC_APP_URL" | "TOTP_ENCRYPTION_KEY"> & { PUBLIC_APP_URL: string; TOTP_ENCRYPTION_KEY: string };

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  const data = result.data;
  if (data.NODE_ENV === "production" && !data.CURSOR_SECRET) {
    throw new Error("Invalid environment:\n  CURSOR_SECRET: required in production (the same random value of 32+ characters in every process)");
  }
  if (data.NODE_ENV === "production" && (!data.TOTP_ENCRYPTION_KEY || data.TOTP_ENCRYPTION_KEY.toLowerCase() === DEVELOPMENT_TOTP_ENCRYPTION_KEY)) {
    throw new Error("Invalid environment:\n  TOTP_ENCRYPTION_KEY: required in production (32 random bytes as 64 hex characters or base64, the same in every process; not the development key)");
  }
  return {
    ...data,
    PUBLIC_APP_URL: data.PUBLIC_APP_URL ?? `http://localhost:${data.PORT || 3000}`,
    TOTP_ENCRYPTION_KEY: data.TOTP_ENCRYPTION_KEY ?? DEVELOPMENT_TOTP_ENCRYPTION_KEY,
  };
}

export const env: Env = parseEnv(process.env);
