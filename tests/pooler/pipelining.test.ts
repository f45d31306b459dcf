// No hang behind a transaction pooler. postgres.js pipelines a query behind an unfinished
// autocommit query that has no parameters (e.g. `SELECT 1`, `SELECT pg_current_wal_lsn()`);
// PgBouncer 1.18 in transaction mode releases the server at the first one's ReadyForQuery, and the
// second is answered on a server no longer linked to the client ("got packet '1' from server when
// not linked"): that client connection waits forever. With DATABASE_PIPELINE=true (upstream
// behaviour) this test fails by timeout within seconds in the pooler lane; by default nothing is
// pipelined outside transactions.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { sql } from "drizzle-orm";
import { connectPostgres, type Database } from "../../src/db/client";
import { transaction } from "../../src/db/transaction";
import { env } from "../../src/env";
import { canRunConcurrently, createTestDatabase, type TestDatabase } from "../helpers/db";
import { rpc, startTestServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const throughPooler = Boolean(env.TEST_POOLER_URL);

/** Rejects when `promise` has not settled in `ms`: a hang fails the test instead of stalling it. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms))),
  ]);
}

describe.skipIf(!canRunConcurrently)(`no hang ${throughPooler ? "through PgBouncer (transaction mode)" : "(direct)"}`, () => {
  let t: TestDatabase;
  let pool: Database;

  beforeAll(async () => {
    t = await createTestDatabase();
    // Few connections, many workers: every connection is shared, as under load.
    pool = connectPostgres(t.url!, { max: 2, prepare: env.DATABASE_PREPARE, pipeline: env.DATABASE_PIPELINE });
  });
  afterAll(async () => {
    await pool?.close();
    await t?.close();
  });

  test("8 workers × 200 queries mixing parameterless and parameterized ones on a 2-connection pool all answer", async () => {
    let answered = 0;
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 200; i++) {
          const query =
            i % 3 === 0 ? pool.sql`SELECT pg_current_wal_lsn()::text AS lsn`
            : i % 3 === 1 ? pool.sql`SELECT ${w * 1000 + i}::int AS n`
            : pool.db.execute(sql`SELECT 1 AS one`); // Drizzle with no parameters: the simple protocol
          await within(5_000, Promise.resolve(query), `worker ${w} query ${i}`);
          answered++;
        }
      }),
    );
    expect(answered).toBe(1_600);
  });

  test("transactions still pipeline inside, and interleave with autocommit queries", async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        within(5_000, i % 2
          ? transaction(pool.db, async (tx) => {
              const [a, b] = await Promise.all([tx.execute(sql`SELECT ${i}::int AS n`), tx.execute(sql`SELECT 2 AS two`)]);
              return Number((a as unknown as { n: number }[])[0]!.n) + Number((b as unknown as { two: number }[])[0]!.two);
            })
          : pool.sql`SELECT 1 AS one`.then(() => i + 2), `call ${i}`)),
    );
    expect(results).toEqual(Array.from({ length: 40 }, (_, i) => i + 2));
  });

  test("a server under load answers /ready (a parameterless SELECT 1) and every request", async () => {
    // The server on the 2-connection pool: /ready's SELECT 1 shares connections with the lookups.
    const server = await startTestServer({ ...t, ...pool, url: t.url, directUrl: t.directUrl });
    try {
      const calls = await Promise.all(
        Array.from({ length: 160 }, (_, i) =>
          within(10_000, i % 2
            ? fetch(`${server.url}/ready`).then((r) => r.status)
            : rpc(server.url, "user.get", { username: `nobody_${i}` }, { method: "GET" }).then((r) => r.status), `call ${i}`)),
      );
      expect(calls).toEqual(Array.from({ length: 160 }, (_, i) => (i % 2 ? 200 : 404)));
    } finally {
      await server.stop();
    }
  });
});
