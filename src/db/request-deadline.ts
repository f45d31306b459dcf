// The database scope of the work in progress, carried by AsyncLocalStorage so that every query a
// request (or a job) starts — however deep in a service — sees it without a parameter:
//  * a request's deadline and abort signal (src/trpc/init.ts: REQUEST_DEADLINE_MS, and the client
//    disconnecting): the gate in src/db/client.ts refuses new queries once it fired, cancels the
//    running one (only once postgres.js has sent it: a query not yet sent is never cancelled there,
//    that wedges its connection) and a transaction rolls back instead of committing;
//  * how long a query may wait for a pool connection (DATABASE_ACQUIRE_TIMEOUT_MS by default;
//    jobs wait longer) and a statement_timeout for transactions (jobs: longer than requests').
// No scope (startup, migrations, tests calling services directly): the pool's defaults, no deadline.
import { AsyncLocalStorage } from "node:async_hooks";
import { AppError } from "../lib/errors";

export interface DbScope {
  /** Aborted when the deadline passes or the client goes away. */
  signal?: AbortSignal;
  /** Epoch ms after which the work is abandoned (undefined: none). */
  deadline?: number;
  /** Overrides the pool's acquire timeout for queries of this scope. */
  acquireTimeoutMs?: number;
  /** statement_timeout (ms) set with set_config(…, true) at the start of this scope's transactions. */
  statementTimeoutMs?: number;
}

const storage = new AsyncLocalStorage<DbScope>();

export function currentDbScope(): DbScope | undefined {
  return storage.getStore();
}

export function runInDbScope<T>(scope: DbScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** Milliseconds left before the scope's deadline (Infinity without one; never below 0). */
export function remainingMs(scope: DbScope | undefined, now = Date.now()): number {
  if (!scope?.deadline) return Infinity;
  return Math.max(0, scope.deadline - now);
}

/** True once the scope's work must stop: signal aborted or deadline passed. */
export function isAbandoned(scope: DbScope | undefined): boolean {
  if (!scope) return false;
  return Boolean(scope.signal?.aborted) || (scope.deadline !== undefined && Date.now() >= scope.deadline);
}

/**
 * 503 REQUEST_DEADLINE_EXCEEDED: the request ran out of time or its client left; whatever it had
 * started was cancelled or rolled back, so a retry is safe. (A client that left never reads it.)
 */
export function deadlineExceeded(cause?: unknown): AppError {
  return new AppError("SERVICE_UNAVAILABLE", "The request took too long and was abandoned, please retry", {
    appCode: "REQUEST_DEADLINE_EXCEEDED",
    details: { retryAfterSeconds: 1 },
    cause,
  });
}

/**
 * Runs `fn` with a deadline of `ms` from now, also ended by `parent` (the HTTP request's signal,
 * which Bun aborts when the client disconnects). The timer is cleared when `fn` settles.
 */
export async function withRequestDeadline<T>(ms: number, parent: AbortSignal | undefined, fn: (scope: DbScope) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const deadline = Date.now() + ms;
  const timer = setTimeout(() => controller.abort(deadlineExceeded()), ms);
  const onParentAbort = () => controller.abort(deadlineExceeded(parent?.reason));
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener("abort", onParentAbort, { once: true });
  const scope: DbScope = { signal: controller.signal, deadline };
  try {
    return await storage.run(scope, () => fn(scope));
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener("abort", onParentAbort);
  }
}
