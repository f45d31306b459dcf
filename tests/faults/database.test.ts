// Issue 15, "fail fast on the database". Test servers on a PostgreSQL cluster of this file's own
// (port 5471), which the test stops (-m immediate) and restarts, and whose rows it locks from a
// direct connection to block the app's transactions:
//  * PostgreSQL down: post.create, feed.home and user.get answer 503 + Retry-After +
//    DATABASE_UNAVAILABLE within ~1 s, never 500; back: requests succeed within ~1 s;
//  * pool exhausted (DATABASE_POOL_MAX=1, its connection blocked on a lock): 503 DATABASE_BUSY
//    after about DATABASE_ACQUIRE_TIMEOUT_MS, and the blocked request still completes;
//  * a client that aborts while its mutation waits on a lock: the statement is cancelled and
//    nothing commits after the lock is released;
//  * REQUEST_DEADLINE_MS passed while blocked: 503 REQUEST_DEADLINE_EXCEEDED, nothing committed.
// The servers connect directly (DATABASE_URL), not through TEST_POOLER_URL: the cluster is the
// test's own. Skipped, saying so, where pg_createcluster (Debian's postgresql-common) is missing.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { logger } from "../../src/lib/logger";
import { startServer, type RunningServer } from "../../src/server";
import { createPost, createUserWithToken } from "../helpers/factories";
import { rpc, testEnv, type RpcResult } from "../helpers/server";
import { holdInTransaction } from "./process";

setDefaultTimeout(30_000);

const VERSION = "15";
const CLUSTER = "vrss_dbfault";
const PORT = 5471;
const URL = `postgres://postgres@127.0.0.1:${PORT}/postgres`;
const available = Boolean(Bun.which("pg_createcluster")) && Boolean(Bun.which("pg_ctlcluster"));
if (!available) console.warn("[faults/database] pg_createcluster not found (postgresql-common): skipping the database fault tests");

function run(cmd: string, args: string[], allowFail = false): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0 && !allowFail) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr || r.stdout}`);
  return r.stdout;
}
const ctl = (action: string, ...extra: string[]) => run("pg_ctlcluster", ["--skip-systemctl-redirect", VERSION, CLUSTER, action, ...extra]);

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await f();
  return { ms: Math.round(performance.now() - started), value };
}

let direct: postgres.Sql;
const servers: RunningServer[] = [];
const figures: Record<string, number> = {};

async function server(overrides: Record<string, string>): Promise<RunningServer> {
  const env = testEnv({ DATABASE_URL: URL, MIGRATE_ON_START: "true", ...overrides });
  const s = await startServer(env, logger.child({}, { level: "silent" }), { s3Dir: mkdtempSync(join(tmpdir(), "vrss-s3-")), appUrl: "listening" });
  servers.push(s);
  return s;
}

beforeAll(async () => {
  if (!available) return;
  run("pg_dropcluster", ["--stop", VERSION, CLUSTER], true); // a leftover of an interrupted run
  run("pg_createcluster", [VERSION, CLUSTER, "-p", String(PORT), "--", "--auth=trust"]);
  ctl("start");
  direct = postgres(URL, { max: 4, onnotice: () => {}, connect_timeout: 2 });
}, 120_000);

afterAll(async () => {
  if (!available) return;
  for (const s of servers) await s.stop().catch(() => {});
  await direct?.end({ timeout: 1 }).catch(() => {});
  run("pg_dropcluster", ["--stop", VERSION, CLUSTER], true);
  console.log("database fault figures (ms):", JSON.stringify(figures));
}, 60_000);

const appCode = (res: RpcResult) => res.body?.error?.data?.appCode;

/** Holds FOR UPDATE on a user's row from a direct transaction: the app's INSERTs referencing it (FK) wait. */
function lockUser(userId: string): Promise<() => Promise<void>> {
  return holdInTransaction(direct, (sql) => sql`SELECT 1 FROM users WHERE id = ${userId} FOR UPDATE`);
}

/** Waits until a backend of the app is waiting on a lock. */
async function blockedOnLock(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [row] = await direct`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = 'vrss'`;
    if (row!.n > 0) return;
    await Bun.sleep(20);
  }
  throw new Error("no app backend blocked on the lock");
}

async function lockWaiters(): Promise<number> {
  const [row] = await direct`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = 'vrss'`;
  return row!.n;
}

async function postsWith(content: string): Promise<number> {
  const [row] = await direct`SELECT count(*)::int AS n FROM posts WHERE content = ${content}`;
  return row!.n;
}

describe.skipIf(!available)("PostgreSQL unavailable, busy, or slower than the request", () => {
  test("down: 503 + Retry-After + DATABASE_UNAVAILABLE within ~1 s (never 500); back: success within ~1 s", async () => {
    const s = await server({ DATABASE_POOL_MAX: "4" });
    const author = await createUserWithToken(direct);
    await createPost(direct, author.id, { content: "before the outage" });
    const calls: [string, () => Promise<RpcResult>][] = [
      ["post.create", () => rpc(s.url, "post.create", { type: "text_short", content: "during the outage" }, { token: author.token })],
      ["feed.home", () => rpc(s.url, "feed.home", { limit: 10 }, { method: "GET", token: author.token })],
      ["user.get", () => rpc(s.url, "user.get", { username: author.username }, { method: "GET" })],
    ];
    for (const [name, call] of calls) expect({ name, status: (await call()).status }).toEqual({ name, status: 200 });

    ctl("stop", "-m", "immediate");
    for (const [name, call] of calls) {
      for (const round of [1, 2]) {
        const { ms, value } = await timed(call);
        figures[`down ${name} #${round}`] = ms;
        expect({ name, round, status: value.status, retryAfter: value.headers.get("retry-after"), appCode: appCode(value), fast: ms < 2500 })
          .toEqual({ name, round, status: 503, retryAfter: "1", appCode: "DATABASE_UNAVAILABLE", fast: true });
      }
    }
    ctl("start"); // returns once the server accepts connections
    const back = performance.now();
    for (const [name, call] of calls) {
      let status = 0;
      while (performance.now() - back < 10_000) {
        status = (await call()).status;
        if (status === 200) break;
        await Bun.sleep(25);
      }
      figures[`recovered ${name}`] = Math.round(performance.now() - back);
      expect({ name, status }).toEqual({ name, status: 200 });
    }
    expect(figures["recovered post.create"]!).toBeLessThan(2500);
    // The warm-up's post and the first one after the recovery: none of the refused attempts wrote.
    expect(await postsWith("during the outage")).toBe(2);
  });

  test("pool exhausted: 503 DATABASE_BUSY after about DATABASE_ACQUIRE_TIMEOUT_MS; the blocked request completes", async () => {
    const s = await server({ DATABASE_POOL_MAX: "1", DATABASE_ACQUIRE_TIMEOUT_MS: "600" });
    const author = await createUserWithToken(direct);
    const release = await lockUser(author.id);
    const held = rpc(s.url, "post.create", { type: "text_short", content: "holds the only connection" }, { token: author.token });
    await blockedOnLock();
    const { ms, value } = await timed(() => rpc(s.url, "user.get", { username: author.username }, { method: "GET" }));
    figures["busy user.get"] = ms;
    expect({ status: value.status, retryAfter: value.headers.get("retry-after"), appCode: appCode(value) })
      .toEqual({ status: 503, retryAfter: "1", appCode: "DATABASE_BUSY" });
    expect(ms).toBeGreaterThanOrEqual(550);
    expect(ms).toBeLessThan(2500);
    await release();
    expect((await held).status).toBe(200);
    expect(await postsWith("holds the only connection")).toBe(1);
    // The gate gave its permit back: the pool serves again.
    expect((await rpc(s.url, "user.get", { username: author.username }, { method: "GET" })).status).toBe(200);
  });

  test("the client aborts while its mutation waits on a lock: cancelled, nothing commits after the release", async () => {
    const s = await server({ DATABASE_POOL_MAX: "4" });
    const author = await createUserWithToken(direct);
    const release = await lockUser(author.id);
    const controller = new AbortController();
    const call = fetch(`${s.url}/api/rpc/post.create`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${author.token}` },
      body: JSON.stringify({ type: "text_short", content: "the client gave up" }),
      signal: controller.signal,
    }).catch((e) => e);
    await blockedOnLock();
    controller.abort();
    await call;
    // The running statement is cancelled (its backend stops waiting) before the lock goes.
    const started = performance.now();
    while ((await lockWaiters()) > 0 && performance.now() - started < 3000) await Bun.sleep(20);
    figures["abort → cancelled"] = Math.round(performance.now() - started);
    expect(await lockWaiters()).toBe(0);
    await release();
    await Bun.sleep(300);
    expect(await postsWith("the client gave up")).toBe(0);
  });

  test("REQUEST_DEADLINE_MS passes while blocked: 503 REQUEST_DEADLINE_EXCEEDED, nothing commits", async () => {
    const s = await server({ DATABASE_POOL_MAX: "4", REQUEST_DEADLINE_MS: "500" });
    const author = await createUserWithToken(direct);
    const release = await lockUser(author.id);
    const { ms, value } = await timed(() =>
      rpc(s.url, "post.create", { type: "text_short", content: "past its deadline" }, { token: author.token }),
    );
    figures["deadline post.create"] = ms;
    expect({ status: value.status, retryAfter: value.headers.get("retry-after"), appCode: appCode(value) })
      .toEqual({ status: 503, retryAfter: "1", appCode: "REQUEST_DEADLINE_EXCEEDED" });
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(2500);
    expect(await lockWaiters()).toBe(0);
    await release();
    await Bun.sleep(300);
    expect(await postsWith("past its deadline")).toBe(0);
    // A request within its deadline still succeeds on the same server.
    expect((await rpc(s.url, "post.create", { type: "text_short", content: "in time" }, { token: author.token })).status).toBe(200);
  });
});
