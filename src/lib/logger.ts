// The application logger (pino), built so that no secret reaches a log line:
//  * `redact` censors credentials wherever a log object carries them by name: Authorization,
//    Cookie and Set-Cookie headers, passwords, tokens and token hashes, and SQL parameters
//    (`params` / `parameters`) and text (`query`) attached to a logged object.
//  * `serializers.err` reduces every logged error (walking `.cause`) to a whitelist of safe fields
//    (safeError below). Drizzle's DrizzleQueryError says "Failed query: <sql>\nparams: <values>"
//    in its message (and so in its stack's first line), and carries `query` / `params`; postgres.js
//    errors carry `query` / `parameters` and, for constraint violations, a `detail` such as
//    "Key (email)=(x@y) already exists". None of those survive; the SQLSTATE code, the constraint /
//    table / column names, PostgreSQL's own message (values quoted in data-exception messages
//    censored) and the stack (its message line rewritten the same way) do.
//  * a logMethod hook gives `log.error(err)` / `log.error({ err })` without a message the safe
//    message (pino would otherwise copy err.message, the SQL included, into `msg`), and a last
//    streamWrite pass cuts any "Failed query: …" that still got into a line some other way.
// Every `{ err }` logged by the app goes through this; a log call must put errors under `err`.
import pino from "pino";
import { env } from "../env";

export type Logger = pino.Logger;

export const REDACTED = "[Redacted]";

/** Keys whose value is a secret wherever they appear (top level and up to two levels deep). */
const SECRET_KEYS = [
  "password", "currentPassword", "newPassword", "passwordHash", "password_hash",
  "token", "tokenHash", "token_hash", "sessionToken", "accessToken", "refreshToken",
  "authorization", "cookie", "set-cookie", "params", "parameters", "query",
  // two-factor sign-in (auth.totp.*, auth.loginMfa): never logged today, censored should one ever be
  "secret", "uri", "challenge", "recoveryCodes", "recoveryCode", "totpSecret",
];
const HEADER_KEYS = ["authorization", "cookie", "set-cookie", "x-api-key"];

/** The redact paths: secret keys at depths 0–2, and credential headers of req/res/headers objects. */
export const REDACT_PATHS: string[] = [
  ...SECRET_KEYS.flatMap((k) => {
    const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
    const dot = key.startsWith("[") ? "" : ".";
    return [key, `*${dot}${key}`, `*.*${dot}${key}`];
  }),
  ...HEADER_KEYS.flatMap((h) => [
    `req.headers["${h}"]`, `res.headers["${h}"]`, `headers["${h}"]`, `*.headers["${h}"]`, `request.headers["${h}"]`, `response.headers["${h}"]`,
  ]),
];

/** PostgreSQL error fields that name things but carry no row values. */
const PG_SAFE_FIELDS = ["code", "severity", "constraint_name", "table_name", "column_name", "schema_name", "routine"] as const;
/** Fields of other errors (Node, nodemailer, S3, ioredis) that carry no payload. */
const OTHER_SAFE_FIELDS = ["errno", "syscall", "responseCode", "statusCode", "appCode"] as const;
const MAX_CAUSE_DEPTH = 5;

const FAILED_QUERY = /^Failed query:[\s\S]*$/;
const FAILED_QUERY_NOTE = "Failed query (SQL text and parameters omitted from logs)";

function isPgError(e: Record<string, unknown>): boolean {
  return typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.severity === "string";
}

/**
 * An error message safe to log: Drizzle's "Failed query: <sql>\nparams: <values>" becomes a fixed
 * note; in PostgreSQL data-exception messages (SQLSTATE class 22, e.g. `invalid input syntax for
 * type uuid: "<value>"`) quoted values are censored.
 */
export function safeMessage(message: string, pgCode?: unknown): string {
  if (FAILED_QUERY.test(message)) return FAILED_QUERY_NOTE;
  let text = message.replace(/Failed query:[\s\S]*?(?:\nparams:[^\n]*|$)/g, FAILED_QUERY_NOTE);
  if (typeof pgCode === "string" && pgCode.startsWith("22")) text = text.replace(/"[^"]*"/g, `"${REDACTED}"`);
  return text.slice(0, 2000);
}

function safeStack(stack: string, name: string, message: string): string {
  // V8 stacks start with "<name>: <message>" (message lines included) then the "    at …" frames.
  const frames = stack.indexOf("\n    at ");
  return `${name}: ${message}${frames === -1 ? "" : stack.slice(frames)}`;
}

export interface SafeError {
  type: string;
  message: string;
  stack?: string;
  code?: string | number;
  cause?: SafeError;
  [field: string]: unknown;
}

/** An error (or any thrown value) reduced to fields that are safe to log (see the header). */
export function safeError(value: unknown, depth = 0, seen = new Set<unknown>()): SafeError {
  if (!(value instanceof Error) && (typeof value !== "object" || value === null)) {
    return { type: typeof value, message: safeMessage(String(value)) };
  }
  seen.add(value);
  const e = value as Error & Record<string, unknown>;
  const pg = isPgError(e);
  const type = value instanceof Error ? (e.constructor?.name && e.constructor.name !== "Error" ? e.constructor.name : e.name) : "Object";
  const message = safeMessage(typeof e.message === "string" ? e.message : String(e.message ?? ""), pg ? e.code : undefined);
  const out: SafeError = { type, message };
  if (e.name && e.name !== type) out.name = e.name;
  for (const field of pg ? PG_SAFE_FIELDS : (["code", ...OTHER_SAFE_FIELDS] as const)) {
    const v = e[field];
    if (typeof v === "string" || typeof v === "number") out[field] = typeof v === "string" ? v.slice(0, 200) : v;
  }
  if (typeof e.stack === "string") out.stack = safeStack(e.stack, e.name ?? type, message);
  if (Array.isArray(e.errors) && depth < MAX_CAUSE_DEPTH) {
    out.errors = e.errors.slice(0, 5).map((inner) => (seen.has(inner) ? { type: "Circular", message: "" } : safeError(inner, depth + 1, seen)));
  }
  if (e.cause !== undefined && e.cause !== null && depth < MAX_CAUSE_DEPTH && !seen.has(e.cause)) {
    out.cause = safeError(e.cause, depth + 1, seen);
  }
  return out;
}

/** One line about an error, safe to store or log (e.g. a job's or a mail's last_error column). */
export function safeErrorText(value: unknown, max = 500): string {
  const e = safeError(value);
  const code = e.code !== undefined ? ` [${e.code}]` : "";
  const cause = e.cause ? ` (cause: ${e.cause.type}: ${e.cause.message}${e.cause.code !== undefined ? ` [${e.cause.code}]` : ""})` : "";
  return `${e.name ?? e.type}: ${e.message}${code}${cause}`.slice(0, max);
}

export interface LoggerOptions {
  level?: pino.LevelWithSilent;
  base?: Record<string, unknown>;
}

/** The app's logger configuration, writing to `destination` (default: stdout). */
export function createLogger(opts: LoggerOptions = {}, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? "info",
    base: opts.base ?? { service: "vrss" },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    serializers: { err: (value: unknown) => safeError(value) },
    hooks: {
      logMethod(args, method) {
        // pino copies err.message into msg when a call gives no message: give it the safe one.
        const [first, second] = args as unknown[];
        if (typeof second !== "string") {
          const err = first instanceof Error ? first : (first as { err?: unknown } | null)?.err;
          if (err instanceof Error && (first instanceof Error || (first as { msg?: unknown }).msg === undefined)) {
            return method.apply(this, [first, safeError(err).message] as Parameters<typeof method>);
          }
        }
        return method.apply(this, args);
      },
      streamWrite: (line) => (line.includes("Failed query:") ? line.replace(/Failed query:(?:[^"\\]|\\.)*/g, FAILED_QUERY_NOTE) : line),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export const logger: Logger = createLogger({
  level: env.NODE_ENV === "test" && env.LOG_LEVEL === "info" ? "warn" : env.LOG_LEVEL,
});
