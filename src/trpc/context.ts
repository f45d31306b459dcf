import type { Database, Db } from "../db/client";
import type { ReadRouting } from "../db/replicas";
import type { Env } from "../env";
import type { Cache } from "../lib/cache";
import type { Logger } from "../lib/logger";
import type { Mailer } from "../lib/mail/mailer";
import type { RateLimits } from "../lib/rate-limit";
import type { PubSub } from "../lib/pubsub";
import type { RedisHandle } from "../lib/redis";
import type { MediaStore } from "../lib/s3";
import type { SessionCache } from "../modules/auth/session-cache";

/** Long-lived dependencies of one server process, built once in src/server.ts (or by a test). */
export interface AppDeps {
  env: Env;
  log: Logger;
  database: Database;
  redis: RedisHandle | null;
  cache: Cache;
  rateLimits: RateLimits;
  mailer: Mailer;
  /** Media objects (S3, or the embedded S3-compatible server). */
  media: MediaStore;
  /** Cross-process events (Redis pub/sub, or in-process). */
  pubsub: PubSub;
  /** Resolved sessions, dropped in every process over `pubsub` on revocation (session-cache.ts). */
  sessions: SessionCache;
  /** Read replicas with read-your-writes (DATABASE_READ_URL), or null: everything on the primary. */
  reads: ReadRouting | null;
}

/** The authenticated caller, resolved from a Bearer token or the session cookie. */
export interface SessionInfo {
  sessionId: string;
  userId: string;
  username: string;
  source: "bearer" | "cookie";
}

/** What every procedure receives. */
export interface Context {
  deps: AppDeps;
  db: Db;
  log: Logger;
  requestId: string;
  /** The client's address: the socket peer, or X-Forwarded-For only when TRUST_PROXY is set. */
  clientIp: string;
  req: Request;
  /** Headers to add to the HTTP response (Set-Cookie, Retry-After). */
  resHeaders: Headers;
  /** Set by the session middleware (viewerProcedure / authedProcedure). */
  session: SessionInfo | null;
  /**
   * Users whose writes this request made (the caller of a mutation; a user who just registered or
   * signed in). With replicas, their next reads wait for a replica that has these writes.
   */
  writers: Set<string>;
}

export function createContext(
  deps: AppDeps,
  request: { req: Request; resHeaders: Headers; requestId: string; clientIp: string },
): Context {
  return {
    deps,
    db: deps.database.db,
    log: deps.log.child({ requestId: request.requestId }),
    requestId: request.requestId,
    clientIp: request.clientIp,
    req: request.req,
    resHeaders: request.resHeaders,
    session: null,
    writers: new Set(),
  };
}
