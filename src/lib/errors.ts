// Business code throws AppError(code); toTRPCError is the single place that turns any thrown value
// (AppError, a PostgreSQL error, anything else) into what a client may see.
import { TRPCError } from "@trpc/server";
import type { AppErrorCode } from "./app-codes";

export { APP_CODES, isAppErrorCode, type AppErrorCode } from "./app-codes";

/** The tRPC error code (and so the HTTP status) of an AppError. */
export type ErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "PAYLOAD_TOO_LARGE"
  | "TOO_MANY_REQUESTS"
  | "TIMEOUT"
  | "SERVICE_UNAVAILABLE"
  | "INTERNAL_SERVER_ERROR";

export interface AppErrorOptions {
  /** Stable machine-readable reason, e.g. USERNAME_TAKEN, STORAGE_QUOTA_EXCEEDED. */
  appCode?: AppErrorCode;
  /** The input field at fault, for BAD_REQUEST. */
  field?: string;
  /** Extra safe-to-show data (e.g. availableBytes, retryAfterSeconds). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly appCode?: AppErrorCode;
  readonly field?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message?: string, opts: AppErrorOptions = {}) {
    super(message ?? defaultMessage(code), { cause: opts.cause });
    this.name = "AppError";
    this.code = code;
    this.appCode = opts.appCode;
    this.field = opts.field;
    this.details = opts.details;
  }
}

function defaultMessage(code: ErrorCode): string {
  switch (code) {
    case "NOT_FOUND": return "Not found";
    case "UNAUTHORIZED": return "Authentication required";
    case "FORBIDDEN": return "Forbidden";
    case "CONFLICT": return "Conflict";
    case "TOO_MANY_REQUESTS": return "Too many requests";
    case "SERVICE_UNAVAILABLE": return "Service temporarily unavailable, please retry";
    default: return "Request failed";
  }
}

/** Unique constraints whose violation has a stable, documented appCode. */
const UNIQUE_APP_CODES: Record<string, { appCode: AppErrorCode; field: string; message: string }> = {
  users_username_key: { appCode: "USERNAME_TAKEN", field: "username", message: "Username is taken" },
  users_username_lower_key: { appCode: "USERNAME_TAKEN", field: "username", message: "Username is taken" },
  users_email_key: { appCode: "EMAIL_TAKEN", field: "email", message: "Email is already registered" },
  users_email_lower_key: { appCode: "EMAIL_TAKEN", field: "email", message: "Email is already registered" },
  custom_feeds_user_name_unique: { appCode: "FEED_NAME_TAKEN", field: "name", message: "You already have a feed with this name" },
  user_lists_user_name_unique: { appCode: "LIST_NAME_TAKEN", field: "name", message: "You already have a list with this name" },
};

interface PgError {
  code: string;
  constraint_name?: string;
  column_name?: string;
}

export function isPgError(error: unknown): error is PgError {
  return (
    typeof error === "object" && error !== null && "code" in error &&
    typeof (error as { code: unknown }).code === "string" && /^[0-9A-Z]{5}$/.test((error as { code: string }).code) &&
    (error as { name?: string }).name === "PostgresError"
  );
}

/**
 * The PostgreSQL error behind a thrown value, if any. Drizzle wraps driver errors in a
 * DrizzleQueryError whose message carries the SQL text, so we walk the cause chain and never
 * surface the wrapper's message.
 */
export function findPgError(error: unknown): PgError | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (isPgError(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/**
 * SQLSTATEs that mean "the database (or the pooler in front of it) cannot serve this now": class 08
 * (connection exception; PgBouncer reports its own failures as 08P01), 53300 too many connections,
 * 57P01–57P03 shutdown / not accepting connections, 26000 a prepared statement the pooler lost.
 * They answer 503 + Retry-After: the client may retry, and nothing was acknowledged.
 */
const UNAVAILABLE_SQLSTATES = new Set(["08000", "08001", "08003", "08004", "08006", "08007", "08P01", "53300", "57P01", "57P02", "57P03", "26000"]);

/** postgres.js' own connection failures (no SQLSTATE) and the socket errors beneath them. */
const CONNECTION_ERROR_CODES = new Set([
  "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT",
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH",
]);

/** A lost or refused database connection somewhere in the cause chain. */
export function isConnectionError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && CONNECTION_ERROR_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * 503 + Retry-After 1: DATABASE_UNAVAILABLE (no server), DATABASE_READ_ONLY (a standby), or
 * DATABASE_BUSY (no pool connection within DATABASE_ACQUIRE_TIMEOUT_MS: src/db/client.ts). Never
 * sent for a write that committed: each of these fails before, or instead of, the COMMIT.
 */
export function databaseUnavailable(cause: unknown, appCode: AppErrorCode = "DATABASE_UNAVAILABLE"): AppError {
  return new AppError("SERVICE_UNAVAILABLE", "The database is unavailable, please retry", {
    appCode,
    details: { retryAfterSeconds: 1 },
    cause,
  });
}

/** SQLSTATEs that mean "run the transaction again". */
export const RETRYABLE_SQLSTATES = new Set(["40001", "40P01"]);

export function appErrorFromPg(error: PgError): AppError {
  const constraint = error.constraint_name;
  switch (error.code) {
    case "23505": {
      const known = constraint ? UNIQUE_APP_CODES[constraint] : undefined;
      if (known) return new AppError("CONFLICT", known.message, { appCode: known.appCode, field: known.field, cause: error });
      return new AppError("CONFLICT", "Already exists", { appCode: "ALREADY_EXISTS", cause: error });
    }
    case "23514":
      return new AppError("BAD_REQUEST", "A value is out of range", { appCode: "CONSTRAINT_VIOLATION", details: constraint ? { constraint } : undefined, cause: error });
    case "23502":
      return new AppError("BAD_REQUEST", "A required value is missing", { field: error.column_name, cause: error });
    case "23503":
      return new AppError("NOT_FOUND", "A referenced item does not exist", { cause: error });
    case "57014":
      return new AppError("TIMEOUT", "The query took too long", { appCode: "QUERY_TIMEOUT", cause: error });
    case "40001": case "40P01":
      return new AppError("CONFLICT", "Concurrent update, please retry", { appCode: "RETRY", cause: error });
    case "25006":
      // A write reached a read-only server: a replica, or a primary being demoted. Never a success.
      return databaseUnavailable(error, "DATABASE_READ_ONLY");
    default:
      // Class 22, data exception (22P02 invalid text, 22003 out of range, 22021 / 22P05 characters
      // the database cannot store, 22007 / 22008 dates, 22001 too long, 22023, 2202E, 22025, 22P06…):
      // the value sent is at fault. The input boundary (src/lib/input-safety.ts, idSchema) refuses
      // these before SQL; this is the safety net, never a 500.
      if (error.code.startsWith("22")) return new AppError("BAD_REQUEST", "A value has the wrong format or size", { cause: error });
      if (UNAVAILABLE_SQLSTATES.has(error.code)) return databaseUnavailable(error);
      return new AppError("INTERNAL_SERVER_ERROR", "Internal server error", { cause: error });
  }
}

function findAppError(error: unknown): AppError | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof AppError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

function fromApp(app: AppError): TRPCError {
  return new TRPCError({ code: app.code, message: app.message, cause: app });
}

/** The single mapping from anything thrown to a TRPCError a client may see. */
export function toTRPCError(error: unknown): TRPCError {
  let inner: unknown = error;
  if (error instanceof TRPCError) {
    // tRPC wraps whatever a procedure throws in INTERNAL_SERVER_ERROR; look inside that one only.
    if (error.code !== "INTERNAL_SERVER_ERROR" || !error.cause) return error;
    inner = error.cause;
  }
  // An AppError thrown beneath a query (the pool gate's DATABASE_BUSY, a deadline) reaches us
  // wrapped in Drizzle's DrizzleQueryError: its cause chain is walked like a PostgreSQL error's.
  const app = findAppError(inner);
  if (app) return fromApp(app);
  const pg = findPgError(inner);
  if (pg) return fromApp(appErrorFromPg(pg));
  if (isConnectionError(inner)) return fromApp(databaseUnavailable(inner));
  if (error instanceof TRPCError) return error;
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "Internal server error", cause: error instanceof Error ? error : undefined });
}
