// Every `data.appCode` the server sends, in one table. Dependency-free: src/client.ts re-exports it
// to frontends, and AppError takes only these (a typo fails typecheck). tests/client.test.ts checks
// that every `appCode: "…"` in src/ is listed here. Add a code here first, then throw it.
export const APP_CODES = [
  // sessions and requests (src/trpc/init.ts, src/lib/rate-limit.ts, src/lib/pagination.ts)
  "SESSION_REQUIRED",
  "SESSION_INVALID",
  "CSRF",
  "RATE_LIMITED",
  "INVALID_CURSOR",
  // the input boundary (src/lib/input-safety.ts)
  "UNSAFE_TEXT",
  "UNSAFE_KEY",
  "INPUT_TOO_DEEP",
  // accounts (auth)
  "INVALID_CREDENTIALS",
  "ACCOUNT_SUSPENDED",
  "WRONG_PASSWORD",
  "TOKEN_INVALID",
  // two-factor sign-in (src/modules/auth/auth.totp.ts, auth.mfa.ts)
  "INVALID_CODE",
  "MFA_CHALLENGE_INVALID",
  "TOTP_ALREADY_ENABLED",
  "TOTP_NOT_ENABLED",
  "TOTP_SETUP_REQUIRED",
  // unique constraints (src/lib/errors.ts)
  "USERNAME_TAKEN",
  "EMAIL_TAKEN",
  "FEED_NAME_TAKEN",
  "LIST_NAME_TAKEN",
  "ALREADY_EXISTS",
  // other database outcomes (src/lib/errors.ts)
  "CONSTRAINT_VIOLATION",
  "QUERY_TIMEOUT",
  "RETRY",
  "DATABASE_UNAVAILABLE",
  "DATABASE_READ_ONLY",
  // fail fast on the database (src/db/client.ts gate, src/db/request-deadline.ts)
  "DATABASE_BUSY",
  "REQUEST_DEADLINE_EXCEEDED",
  // profile, sections, social
  "CSS_TOO_LARGE",
  "INVALID_SECTION_CONFIG",
  "TOO_MANY_SECTIONS",
  "TOO_MANY_ITEMS",
  "SELF_TARGET",
  // posts and media
  "PIN_LIMIT",
  "MEDIA_NOT_AVAILABLE",
  "DURATION_OUT_OF_RANGE",
  "UNSUPPORTED_FILE_TYPE",
  "IMAGE_TOO_LARGE",
  "VIDEO_TOO_LARGE",
  "AUDIO_TOO_LARGE",
  "TOO_MANY_UPLOADS",
  "UPLOAD_CLOSED",
  "UPLOAD_EXPIRED",
  "UPLOAD_MISSING",
  "SIZE_MISMATCH",
  "TYPE_MISMATCH",
  "LAST_MEDIA_OF_POST",
  "NOT_YOUR_MEDIA",
  "STORAGE_UNAVAILABLE",
  // storage and subscriptions
  "STORAGE_QUOTA_EXCEEDED",
  "TIER_NOT_FOUND",
  "NO_ACTIVE_SUBSCRIPTION",
  // feeds and lists
  "TOO_MANY_FEEDS",
  "INVALID_FEED_CONFIG",
  "TOO_MANY_LISTS",
  "LIST_FULL",
  // messages
  "TOO_MANY_PARTICIPANTS",
  "MESSAGING_NOT_ALLOWED",
  "BLOCKED",
  // moderation (src/trpc/init.ts moderatorProcedure, src/modules/moderation)
  "MODERATOR_REQUIRED",
  "ADMIN_REQUIRED",
  "REPORT_CLOSED",
  "ALREADY_SUSPENDED",
  "NOT_SUSPENDED",
  "ALREADY_REMOVED",
  // polls (src/modules/poll)
  "POLL_EXPIRED",
  "ALREADY_VOTED",
  "POLL_NOT_ALLOWED",
] as const;

/** A stable, machine-readable reason a request failed: `TRPCClientError#data.appCode`. */
export type AppErrorCode = (typeof APP_CODES)[number];

const KNOWN: ReadonlySet<string> = new Set(APP_CODES);

/** Narrows a string (e.g. from an untyped client) to an AppErrorCode. */
export function isAppErrorCode(value: unknown): value is AppErrorCode {
  return typeof value === "string" && KNOWN.has(value);
}
