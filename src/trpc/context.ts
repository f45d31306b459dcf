import type { Database, Db } from "../db/client";
import type { Env } from "../env";
import type { Logger } from "../lib/logger";

/** Long-lived dependencies of one server process, built once in src/index.ts (or by a test). */
export interface AppDeps {
  env: Env;
  log: Logger;
  database: Database;
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
  };
}
