// Multi-step writes run in one transaction; serialization failures and deadlocks (40001/40P01)
// are retried a few times with jitter before surfacing as CONFLICT/RETRY — unless the request has
// been abandoned meanwhile (deadline or client gone): then no new attempt starts.
// The deadline itself is enforced for every transaction by the pool's sql.begin (src/db/client.ts):
// a transaction-local statement_timeout of the remaining time, its queries cancelled on abort,
// and a last check before COMMIT, so nothing commits after its request gave up.
import type { Db, Tx } from "./client";
import { findPgError, RETRYABLE_SQLSTATES } from "../lib/errors";
import { currentDbScope, deadlineExceeded, isAbandoned } from "./request-deadline";

/** Not Bun.sleep: this file is in the type graph of src/client.ts, which browsers compile without Bun's types. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function transaction<T>(db: Db, fn: (tx: Tx) => Promise<T>, opts: { attempts?: number } = {}): Promise<T> {
  const attempts = opts.attempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(fn);
    } catch (error) {
      const pg = findPgError(error);
      if (attempt >= attempts || !pg || !RETRYABLE_SQLSTATES.has(pg.code)) throw error;
      await sleep(5 * attempt + Math.random() * 20);
      if (isAbandoned(currentDbScope())) throw deadlineExceeded(error);
    }
  }
}
