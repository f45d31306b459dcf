// tRPC instance, the error formatter and the procedure tiers every router builds on.
import { initTRPC } from "@trpc/server";
import { z, ZodError } from "zod";
import { FlooredCache } from "../db/replica-cache";
import { deadlineExceeded, withRequestDeadline } from "../db/request-deadline";
import { AppError, toTRPCError } from "../lib/errors";
import { assertSafeInput } from "../lib/input-safety";
import { cursorKey, sealCursor, unsealCursor } from "../lib/pagination";
import { isSameOriginRequest, readCredential } from "../modules/auth/cookies";
import { resolveSession } from "../modules/auth/session.service";
import { requireModerator } from "../modules/moderation/roles";
import type { Context, SessionInfo } from "./context";

/** The input field an issue is about; for unknown keys, the keys themselves. */
function issueField(issue: ZodError["issues"][number]): string {
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") return issue.keys.map((k) => (path ? `${path}.${k}` : k)).join(",");
  return path;
}

const t = initTRPC.context<Context>().create({
  // Never send a stack trace, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const app = cause instanceof AppError ? cause : undefined;
    const zod = cause instanceof ZodError ? cause : undefined;
    const { stack: _stack, ...data } = shape.data as typeof shape.data & { stack?: string };
    // Per input field, its messages (a typed record: flattenError of an unknown shape is `{}`).
    const fieldErrors: Record<string, string[] | undefined> | undefined = zod ? z.flattenError(zod).fieldErrors : undefined;
    let message = shape.message;
    if (error.code === "INTERNAL_SERVER_ERROR") message = "Internal server error";
    else if (zod) message = zod.issues.map((i) => `${issueField(i) || "input"}: ${i.message}`).join("; ");
    return {
      ...shape,
      message,
      data: {
        ...data,
        appCode: app?.appCode ?? null,
        field: app?.field ?? ((zod?.issues[0] && issueField(zod.issues[0])) || null),
        details: app?.details ?? null,
        zodError: fieldErrors ?? null,
      },
    };
  },
});

export const router = t.router;
export const middleware = t.middleware;
export const createCallerFactory = t.createCallerFactory;

/** Maps AppError and PostgreSQL errors (SQLSTATE) to typed tRPC errors, in one place. */
const mapErrors = t.middleware(async ({ ctx, next }) => {
  const result = await next();
  if (result.ok) return result;
  const error = toTRPCError(result.error);
  const retryAfter = error.cause instanceof AppError ? error.cause.details?.retryAfterSeconds : undefined;
  if (typeof retryAfter === "number") ctx.resHeaders.set("Retry-After", String(retryAfter));
  throw error;
});

/**
 * Every query and mutation runs under a deadline (REQUEST_DEADLINE_MS) that also fires when the
 * client disconnects (Bun aborts the Request's signal, which tRPC's fetch adapter passes on as
 * ctx.req). The database layer enforces it (src/db/request-deadline.ts): new queries refused,
 * the running one cancelled, a transaction rolled back, never committed. A failure of an
 * abandoned request answers 503 REQUEST_DEADLINE_EXCEEDED + Retry-After; a result that did
 * succeed (its COMMIT won the race) is still answered as the success it is. Subscriptions (SSE)
 * are long-lived by design and get no deadline. Inside trackWrites: recording the write position
 * of a mutation that did commit is not refused by its deadline.
 */
const requestDeadline = t.middleware(async ({ ctx, type, next }) => {
  if (type === "subscription") return next();
  return withRequestDeadline(ctx.deps.env.REQUEST_DEADLINE_MS, ctx.req.signal, async (scope) => {
    const result = await next();
    if (!result.ok && scope.signal?.aborted) throw deadlineExceeded(result.error);
    return result;
  });
});

/**
 * Resolves the caller from `Authorization: Bearer` or the session cookie. An invalid Bearer token
 * is UNAUTHORIZED even on public procedures (the client believes it is signed in); a stale cookie
 * just means anonymous. A cookie-authenticated mutation must come from an allowed origin.
 */
const withSession = t.middleware(async ({ ctx, type, next }) => {
  const credential = readCredential(ctx.req);
  let session: SessionInfo | null = null;
  if (credential) {
    if (credential.source === "cookie" && type === "mutation" && !isSameOriginRequest(ctx.req, ctx.deps.env)) {
      throw new AppError("FORBIDDEN", "Cross-site request refused", { appCode: "CSRF" });
    }
    // The session cache first; a miss reads the row on the primary (a replica's may be seconds old,
    // and the sliding renewal is a write).
    const resolved = await resolveSession(ctx.db, credential.token, ctx.deps.env.SESSION_TTL_DAYS, ctx.deps.sessions);
    if (resolved) session = { ...resolved, source: credential.source };
    else if (credential.source === "bearer") {
      throw new AppError("UNAUTHORIZED", "Session is invalid or expired", { appCode: "SESSION_INVALID" });
    }
  }
  if (type === "mutation" && session) ctx.writers.add(session.userId);
  if (type === "query" && ctx.deps.reads) {
    const route = await ctx.deps.reads.route(session?.userId ?? null);
    if (route.source === "replica") {
      const cache = ctx.deps.cache instanceof FlooredCache ? ctx.deps.cache.forReplicaRead(route.replayLsn) : ctx.deps.cache;
      return next({ ctx: { ...ctx, session, db: route.db, deps: { ...ctx.deps, cache } } });
    }
  }
  return next({ ctx: { ...ctx, session } });
});

/**
 * After a successful mutation, remembers the primary's WAL position for each user who wrote, so
 * their next reads go to a replica only once it has replayed these writes (src/db/replicas.ts).
 * The write has committed by then: a failure here is logged, never turned into an error response.
 */
const trackWrites = t.middleware(async ({ ctx, type, next }) => {
  const result = await next();
  const reads = ctx.deps.reads;
  if (type === "mutation" && result.ok && reads && ctx.writers.size > 0) {
    await Promise.all(
      [...ctx.writers].map((userId) =>
        reads.noteWrite(userId).catch((error) => ctx.log.warn({ err: error }, "could not record the write position")),
      ),
    );
  }
  return result;
});

/**
 * The input boundary, for every procedure: raw input with NUL, lone surrogates, `__proto__` /
 * `constructor` / `prototype` keys or nesting deeper than 32 levels is BAD_REQUEST (UNSAFE_TEXT,
 * UNSAFE_KEY, INPUT_TOO_DEEP, `field` = the path) before any parser or SQL sees it.
 */
const safeInput = t.middleware(async ({ getRawInput, next }) => {
  assertSafeInput(await getRawInput());
  return next();
});

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Cursors are sealed to the procedure and viewer they were issued for (src/lib/pagination.ts): an
 * output's top-level `nextCursor` leaves as `<inner>.<hmac>`; an input's top-level `cursor` is
 * verified and unsealed before the input parser (lazily, so UNAUTHORIZED still comes first). A
 * cursor of another procedure or viewer, tampered or not a string is BAD_REQUEST INVALID_CURSOR.
 */
const sealCursors = t.middleware(async ({ ctx, path, getRawInput, next }) => {
  const key = cursorKey(ctx.deps.env.CURSOR_SECRET);
  const scope = { path, viewer: ctx.session?.userId ?? "anon" };
  let unsealed: Promise<unknown> | undefined;
  const result = await next({
    getRawInput: () =>
      (unsealed ??= getRawInput().then((raw) =>
        isRecord(raw) && raw.cursor !== undefined ? { ...raw, cursor: unsealCursor(key, scope, raw.cursor) } : raw,
      )),
  });
  if (result.ok && isRecord(result.data) && typeof result.data.nextCursor === "string") {
    return { ...result, data: { ...result.data, nextCursor: sealCursor(key, scope, result.data.nextCursor) } };
  }
  return result;
});

const requireSession = t.middleware(({ ctx, next }) => {
  if (!ctx.session) throw new AppError("UNAUTHORIZED", "Sign in required", { appCode: "SESSION_REQUIRED" });
  return next({ ctx: { ...ctx, session: ctx.session } });
});

/** No session needed or read (health, register, login). */
export const publicProcedure = t.procedure.use(mapErrors).use(trackWrites).use(requestDeadline).use(safeInput);
/** Anyone; `ctx.session` is the caller when signed in (reads that depend on who is looking). */
export const viewerProcedure = publicProcedure.use(withSession).use(sealCursors);
/** Signed-in callers only; `ctx.session` is non-null. */
export const authedProcedure = viewerProcedure.use(requireSession);
/**
 * Moderators and admins only (`ctx.moderator`: the caller and their role); anyone else signed in is
 * FORBIDDEN MODERATOR_REQUIRED (the procedures are public knowledge, so NOT_FOUND would hide
 * nothing). The role is read on every call from the primary, never from the session cache or a
 * replica: a demoted moderator loses the power on the next request, in every process.
 */
export const moderatorProcedure = authedProcedure.use(async ({ ctx, next }) =>
  next({ ctx: { ...ctx, moderator: await requireModerator(ctx.deps.database.db, ctx.session.userId) } }));
