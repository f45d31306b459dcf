// The pool gate and the database scope (src/db/client.ts, src/db/request-deadline.ts): permits in
// FIFO order, a bounded wait (DATABASE_BUSY / DATABASE_UNAVAILABLE / REQUEST_DEADLINE_EXCEEDED),
// and on a real pool: a waiting query is refused without wedging a connection, an abandoned
// scope's transaction rolls back, and a scope's statement_timeout is set in its transactions.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { sql } from "drizzle-orm";
import { connectPostgres, PoolGate, type Database } from "../../src/db/client";
import { runInDbScope, withRequestDeadline } from "../../src/db/request-deadline";
import { AppError, toTRPCError } from "../../src/lib/errors";
import { canRunConcurrently, createTestDatabase, type TestDatabase } from "../helpers/db";

setDefaultTimeout(30_000);

const codeOf = (error: unknown) => (toTRPCError(error).cause as AppError | undefined)?.appCode;

describe("PoolGate", () => {
  test("hands out its permits, then makes waiters queue in FIFO order", async () => {
    const gate = new PoolGate(2, 1000);
    const a = await gate.acquire();
    const b = await gate.acquire();
    expect(gate.stats).toEqual({ inUse: 2, waiting: 0, down: false });
    const order: string[] = [];
    const c = gate.acquire().then((r) => (order.push("c"), r));
    const d = gate.acquire().then((r) => (order.push("d"), r));
    expect(gate.stats.waiting).toBe(2);
    a();
    a(); // a second release of the same permit is a no-op
    (await c)();
    b();
    (await d)();
    expect(order).toEqual(["c", "d"]);
    expect(gate.stats).toEqual({ inUse: 0, waiting: 0, down: false });
  });

  test("a waiter gives up after the acquire timeout: DATABASE_BUSY, or DATABASE_UNAVAILABLE once the server was lost", async () => {
    const gate = new PoolGate(1, 100);
    const held = await gate.acquire();
    const started = performance.now();
    const busy = await gate.acquire().catch((e) => e);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect({ code: busy.code, appCode: busy.appCode, retry: busy.details?.retryAfterSeconds }).toEqual({ code: "SERVICE_UNAVAILABLE", appCode: "DATABASE_BUSY", retry: 1 });
    gate.noteOutcome(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }));
    expect((await gate.acquire().catch((e) => e)).appCode).toBe("DATABASE_UNAVAILABLE");
    gate.noteOutcome();
    expect((await gate.acquire().catch((e) => e)).appCode).toBe("DATABASE_BUSY");
    expect(gate.stats).toEqual({ inUse: 1, waiting: 0, down: false });
    held();
    expect(gate.stats.inUse).toBe(0);
  });

  test("a scope's deadline shortens the wait; an aborted scope is refused at once and leaves the queue", async () => {
    const gate = new PoolGate(1, 5000);
    const held = await gate.acquire();
    const started = performance.now();
    const late = await withRequestDeadline(150, undefined, (scope) => gate.acquire(scope)).catch((e) => e);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(late.appCode).toBe("REQUEST_DEADLINE_EXCEEDED");
    const client = new AbortController();
    const waiting = withRequestDeadline(5000, client.signal, (scope) => gate.acquire(scope)).catch((e) => e);
    await Bun.sleep(10);
    expect(gate.stats.waiting).toBe(1);
    client.abort();
    expect((await waiting).appCode).toBe("REQUEST_DEADLINE_EXCEEDED");
    expect(gate.stats.waiting).toBe(0);
    expect((await withRequestDeadline(5000, client.signal, (scope) => gate.acquire(scope)).catch((e) => e)).appCode).toBe("REQUEST_DEADLINE_EXCEEDED");
    held();
  });
});

describe.skipIf(!canRunConcurrently)("the gate on a real pool", () => {
  let t: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    t = await createTestDatabase();
    db = connectPostgres(t.url!, { max: 1, acquireTimeoutMs: 200 });
  });
  afterAll(async () => {
    await db?.close();
    await t?.close();
  });

  test("a query behind a busy connection gets DATABASE_BUSY, and the connection serves afterwards (not wedged)", async () => {
    const slow = db.db.execute(sql`SELECT pg_sleep(0.5)`).then((rows) => rows); // Drizzle's query runs once awaited
    await Bun.sleep(50);
    expect(db.gate!.stats.inUse).toBe(1);
    const refused = await db.db.execute(sql`SELECT 1 AS one`).catch((e) => e);
    expect(codeOf(refused)).toBe("DATABASE_BUSY");
    const refusedTagged = await db.sql`SELECT 1 AS one`.catch((e) => e);
    expect(codeOf(refusedTagged)).toBe("DATABASE_BUSY");
    await slow;
    expect([...(await db.sql`SELECT 1 AS one`)]).toEqual([{ one: 1 }]);
    expect(db.gate!.stats).toEqual({ inUse: 0, waiting: 0, down: false });
  });

  test("a transaction whose scope is abandoned mid-way rolls back, and its running statement is cancelled", async () => {
    await db.sql`CREATE TABLE IF NOT EXISTS gate_probe (v text)`;
    const client = new AbortController();
    const started = performance.now();
    const outcome = withRequestDeadline(10_000, client.signal, () =>
      db.db.transaction(async (tx) => {
        await tx.execute(sql`INSERT INTO gate_probe VALUES (${"abandoned"})`);
        setTimeout(() => client.abort(), 100);
        await tx.execute(sql`SELECT pg_sleep(3)`);
      }),
    ).catch((e) => e);
    expect(codeOf(await outcome)).toBeDefined();
    expect(performance.now() - started).toBeLessThan(2000);
    // The abort came between statements or inside one: either way nothing of it committed.
    const late = withRequestDeadline(10_000, client.signal, () => db.db.transaction(async (tx) => tx.execute(sql`INSERT INTO gate_probe VALUES (${"late"})`))).catch((e) => e);
    expect(codeOf(await late)).toBe("REQUEST_DEADLINE_EXCEEDED");
    expect([...(await db.sql`SELECT count(*)::int AS n FROM gate_probe`)]).toEqual([{ n: 0 }]);
  });

  test("the deadline is checked before COMMIT: work that finishes after it rolls back", async () => {
    const outcome = await withRequestDeadline(150, undefined, () =>
      db.db.transaction(async (tx) => {
        await tx.execute(sql`INSERT INTO gate_probe VALUES (${"too late to commit"})`);
        await Bun.sleep(250); // JS work (no statement running) past the deadline
      }),
    ).catch((e) => e);
    expect(codeOf(outcome)).toBe("REQUEST_DEADLINE_EXCEEDED");
    expect([...(await db.sql`SELECT count(*)::int AS n FROM gate_probe`)]).toEqual([{ n: 0 }]);
  });

  test("transactions of a scope get its statement_timeout (or the time left), set locally", async () => {
    const timeoutNow = sql`SELECT setting::int AS ms FROM pg_settings WHERE name = 'statement_timeout'`;
    const show = async () => Number((await db.db.transaction(async (tx) => tx.execute(timeoutNow)))[0]!.ms);
    expect(await show()).toBe(5000);
    expect(await runInDbScope({ statementTimeoutMs: 60_000 }, show)).toBe(60_000);
    const near = await withRequestDeadline(2000, undefined, show);
    expect(near).toBeGreaterThan(1000);
    expect(near).toBeLessThanOrEqual(2000);
    // Local to the transaction: the connection's own value is back afterwards.
    expect(Number((await db.db.execute(timeoutNow))[0]!.ms)).toBe(5000);
  });
});
