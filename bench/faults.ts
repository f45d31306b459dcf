// Fault injection as an operator sees it: one VRSS process (`bun src/index.ts`) on its own
// PostgreSQL cluster and its own Redis, a bounded mixed load from 8 clients (each request gives up
// after 3 s, like a browser's fetch with a timeout), and in turn: PostgreSQL stopped hard, Redis
// killed, Redis frozen (SIGSTOP), the S3 endpoint killed, each for 5 s then restored; an SSE stream across a Redis outage;
// and a SIGTERM under load. Per fault: worst latency, status codes, resets, writes that committed
// although their request gave up (ghosts), and the time from the restore to the first success of
// every operation.
//
//   bun bench/faults.ts [--app DIR] [--out FILE.md] [--check] [--only postgres,redis,s3,sse,sigterm]
// --app runs another checkout's server (e.g. a worktree of an older commit, for "before" figures);
// --check exits 1 unless the issue's targets hold (used by .ci/run). Needs Debian's
// pg_createcluster and redis-server; creates cluster 15/vrss_faults on 5461 and Redis on 6391 and
// removes both at the end.
import { spawn, spawnSync, type Subprocess } from "bun";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const APP_DIR = resolve(option("--app") ?? ".");
const OUT = option("--out");
/** --only postgres|redis|s3|sse|sigterm (comma separated): run those phases only (debugging). */
const ONLY = option("--only")?.split(",");
const want = (phase: string) => !ONLY || ONLY.includes(phase);
const PG_PORT = 5461;
const REDIS_PORT = 6391;
const S3_PORT = 9461;
const APP_PORT = 3461;
const CLUSTER = "vrss_faults";
const DB_URL = `postgres://postgres@127.0.0.1:${PG_PORT}/vrss_faults`;
const BASE = `http://127.0.0.1:${APP_PORT}`;
const CLIENT_TIMEOUT_MS = 3_000;
const OUTAGE_MS = 5_000;
const WORKERS = 8;

/**
 * Runs a command to completion without blocking this process: spawnSync would stop the clients'
 * event loop too (pg_ctlcluster start takes ~2 s after PostgreSQL already accepts connections),
 * and every request in flight would look that much slower. Setup-only commands use `sh`.
 */
async function run(cmd: string[]): Promise<void> {
  await spawn(cmd, { stdout: "ignore", stderr: "ignore" }).exited;
}

const sh = (cmd: string[], opts: { allowFail?: boolean } = {}) => {
  const r = spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0 && !opts.allowFail) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString();
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pgVersion = () => sh(["ls", "/etc/postgresql"]).trim().split("\n")[0]!;

// ---------------------------------------------------------------------------------------------
// the dependencies

function startPostgres() {
  const v = pgVersion();
  if (!sh(["pg_lsclusters", "-h"]).split("\n").some((l) => l.split(/\s+/)[1] === CLUSTER)) {
    sh(["pg_createcluster", v, CLUSTER, "-p", String(PG_PORT), "--", "--auth=trust"]);
    // Commit times, to tell a write that committed after its client gave up from one that was
    // merely answered late.
    sh(["pg_conftool", v, CLUSTER, "set", "track_commit_timestamp", "on"]);
  }
  // Not awaited: pg_ctlcluster returns well after the server accepts connections; callers wait for pgUp.
  pgStarting = run(["pg_ctlcluster", "--skip-systemctl-redirect", v, CLUSTER, "start"]);
}
let pgStarting: Promise<void> = Promise.resolve();
const stopPostgres = () => run(["pg_ctlcluster", "--skip-systemctl-redirect", pgVersion(), CLUSTER, "stop", "-m", "immediate"]);
const dropPostgres = () => void sh(["pg_dropcluster", "--stop", pgVersion(), CLUSTER], { allowFail: true });

const REDIS_PID = "/tmp/vrss-faults-redis.pid";
function startRedis() {
  return run(["redis-server", "--port", String(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "yes", "--pidfile", REDIS_PID]);
}
const redisPid = () => Number(readFileSync(REDIS_PID, "utf8").trim());
const signalRedis = (signal: "KILL" | "STOP" | "CONT") => {
  try {
    process.kill(redisPid(), `SIG${signal}`);
  } catch {}
};

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 20_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}
const pgUp = async () => (await spawn(["pg_isready", "-q", "-h", "127.0.0.1", "-p", String(PG_PORT)], { stdout: "ignore", stderr: "ignore" }).exited) === 0;
const redisUp = async () => {
  const p = spawn(["redis-cli", "-p", String(REDIS_PORT), "ping"], { stdout: "pipe", stderr: "ignore" });
  return (await new Response(p.stdout).text()).includes("PONG");
};

// A shared S3 endpoint of its own (s3rver, as scripts/topology.sh runs it), so it can fail alone.
let s3: Subprocess | null = null;
let s3Dir = "";
async function startS3() {
  s3 = spawn(["bun", "scripts/s3-server.ts", "--port", String(S3_PORT), "--dir", s3Dir, "--bucket", "vrss-media"], { cwd: resolve("."), stdout: "ignore", stderr: "ignore" });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${S3_PORT}/vrss-media`).catch(() => null)) !== null, "s3rver");
}
async function stopS3() {
  s3?.kill("SIGKILL");
  await s3?.exited;
}

// ---------------------------------------------------------------------------------------------
// the server and its clients

let server: Subprocess | null = null;
let dataDir = "";
async function startServer() {
  server = spawn(["bun", "src/index.ts"], {
    cwd: APP_DIR,
    // The server's log goes to a file: a pipe nobody reads would fill and block its writes.
    stdout: Bun.file(join(dataDir, "server.log")),
    stderr: Bun.file(join(dataDir, "server.err")),
    env: {
      ...process.env, NODE_ENV: "development", PORT: String(APP_PORT), HOST: "127.0.0.1", DATABASE_URL: DB_URL,
      REDIS_URL: `redis://127.0.0.1:${REDIS_PORT}`, RUN_JOBS: "false", LOG_LEVEL: "warn", DATA_DIR: dataDir,
      RATE_LIMIT_REGISTER_PER_IP: "10000", RATE_LIMIT_LOGIN_PER_IP: "100000", RATE_LIMIT_LOGIN_PER_ACCOUNT: "100000",
      CURSOR_SECRET: "faults-bench-cursor-secret-0123456789abcdef", SHUTDOWN_GRACE_MS: "10000",
      S3_ENDPOINT: `http://127.0.0.1:${S3_PORT}`, S3_BUCKET: "vrss-media", S3_REGION: "us-east-1",
      S3_ACCESS_KEY_ID: "S3RVER", S3_SECRET_ACCESS_KEY: "S3RVER", S3_PUBLIC_URL: `http://127.0.0.1:${S3_PORT}/vrss-media`,
    },
  });
  await waitFor(async () => (await fetch(`${BASE}/health`).catch(() => null))?.ok === true, "the server");
}

/** An HTTP status; "timeout": the client gave up; "reset": the connection broke without an answer; "refused": no connection (a stopped server). */
type Outcome = number | "timeout" | "reset" | "refused";
interface Call { op: string; startedAt: number; ms: number; outcome: Outcome; marker?: string; appCode?: string }

async function call(path: string, input: unknown, opts: { token?: string; mutation?: boolean; marker?: string } = {}): Promise<Call & { body?: any }> {
  const startedAt = Date.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), CLIENT_TIMEOUT_MS);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  try {
    const res = opts.mutation
      ? await fetch(`${BASE}/api/rpc/${path}`, { method: "POST", headers, body: JSON.stringify(input), signal: controller.signal })
      : await fetch(`${BASE}/api/rpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers, signal: controller.signal });
    const body = await res.json().catch(() => null);
    const appCode = (Array.isArray(body) ? body[0] : body)?.error?.data?.appCode;
    return { op: path, startedAt, ms: Date.now() - startedAt, outcome: res.status, marker: opts.marker, body, appCode };
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    const outcome: Outcome = controller.signal.aborted ? "timeout" : /refused/i.test(code) ? "refused" : "reset";
    return { op: path, startedAt, ms: Date.now() - startedAt, outcome, marker: opts.marker };
  } finally {
    clearTimeout(timer);
  }
}

interface Account { id: string; username: string; token: string }
async function register(i: number): Promise<Account> {
  const username = `fault_${i}_${Date.now().toString(36)}`;
  const r = await call("auth.register", { username, email: `${username}@example.test`, password: "Passw0rd!long" }, { mutation: true });
  if (r.outcome !== 200) throw new Error(`register: ${r.outcome} ${JSON.stringify(r.body)}`);
  return { id: r.body.result.data.user.id, username, token: r.body.result.data.token };
}

let seq = 0;
const OPS: ((a: Account, all: Account[]) => Promise<Call>)[] = [
  (a) => { const marker = `fault-marker-${++seq}-${Math.random().toString(36).slice(2)}`;
    return call("post.create", { type: "text_short", content: marker }, { token: a.token, mutation: true, marker }); },
  (a) => call("feed.home", {}, { token: a.token }),
  (a, all) => call("user.get", { username: all[(Number(a.id) + 1) % all.length]!.username }, { token: a.token }),
  (a) => call("feed.discover", {}, { token: a.token }),
];

/** A 1×1 PNG. */
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

/** An upload as a browser makes it: reserve (server), PUT to S3 (direct), confirm (server reads S3). */
async function upload(a: Account): Promise<Call> {
  // One operation ("upload": reserve + PUT + confirm) whichever step fails, so recovery means a whole upload succeeded.
  const reserved = await call("media.createUpload", { fileName: "dot.png", mimeType: "image/png", sizeBytes: PNG.length }, { token: a.token, mutation: true });
  if (reserved.outcome !== 200) return { ...reserved, op: "upload" };
  const { uploadUrl, headers, uploadId } = reserved.body.result.data;
  const put = await fetch(uploadUrl, { method: "PUT", headers, body: PNG, signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) }).then((r) => r.status, () => "reset" as const);
  const confirmed = await call("media.confirmUpload", { uploadId }, { token: a.token, mutation: true });
  const outcome = put === "reset" || (typeof put === "number" && put >= 500) ? 503 : confirmed.outcome;
  return { ...confirmed, op: "upload", startedAt: reserved.startedAt, ms: Date.now() - reserved.startedAt, outcome };
}

/** Runs the mixed load until `stop()` resolves; a login every 25th call (argon2 is the costly part). */
async function load(accounts: Account[], until: Promise<unknown>, ops = OPS): Promise<Call[]> {
  const calls: Call[] = [];
  let done = false;
  void until.then(() => (done = true));
  await Promise.all(accounts.slice(0, WORKERS).map(async (a, w) => {
    for (let n = 0; !done; n++) {
      const op = n % 25 === 24
        ? () => call("auth.login", { email: `${a.username}@example.test`, password: "Passw0rd!long" }, { mutation: true })
        : ops[(n + w) % ops.length]!;
      calls.push(await op(a, accounts));
      await sleep(20);
    }
  }));
  return calls;
}

/** The server's log over the whole run: warnings and errors by message, and what must never appear. */
interface LogSummary { lines: number; byMessage: [string, number][]; forbidden: string[] }
function summarizeLog(): LogSummary {
  const text = [readFileSync(join(dataDir, "server.log"), "utf8"), readFileSync(join(dataDir, "server.err"), "utf8")].join("\n");
  const counts = new Map<string, number>();
  let lines = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    lines++;
    let msg = line.slice(0, 80);
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      if ((entry.level ?? 0) < 40) continue;
      msg = `${entry.level! >= 50 ? "error" : "warn"}: ${entry.msg ?? ""}`;
    } catch {}
    counts.set(msg, (counts.get(msg) ?? 0) + 1);
  }
  const forbidden = ["Unhandled error event", "EPIPE", "CONNECTION_ENDED", "Passw0rd!long", "Failed query"].filter((w) => text.includes(w));
  return { lines, byMessage: [...counts].sort((a, b) => b[1] - a[1]).slice(0, 8), forbidden };
}

// ---------------------------------------------------------------------------------------------
// the faults

interface Row { fault: string; calls: number; worstMs: number; codes: string; non503Errors: number; resets: number; ghosts: number; recoveryMs: number | null; ready?: ReadyProbe }

/** GET /ready polled every 200 ms through a phase: its slowest answer and its statuses. */
interface ReadyProbe { worstMs: number; codes: string }

/** Writes whose request the client had given up on (timeout) that committed after that moment. */
async function ghostsOf(calls: Call[]): Promise<number> {
  const abandoned = new Map(calls.filter((c) => c.marker && c.outcome === "timeout").map((c) => [c.marker!, c.startedAt + CLIENT_TIMEOUT_MS]));
  if (!abandoned.size) return 0;
  const { default: postgres } = await import("postgres");
  const sql = postgres(DB_URL, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ content: string; committed_ms: number }[]>`
      SELECT content, (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000)::float8 AS committed_ms
      FROM posts WHERE content = ANY(${[...abandoned.keys()]})`;
    return rows.filter((r) => r.committed_ms > abandoned.get(r.content)!).length;
  } finally {
    await sql.end();
  }
}

/** ms from `restoredAt` until every kind of operation has succeeded again. */
function recovery(calls: Call[], restoredAt: number): number | null {
  const ops = new Set(calls.map((c) => c.op));
  let worst = 0;
  for (const op of ops) {
    const ok = calls.find((c) => c.op === op && c.startedAt >= restoredAt && c.outcome === 200);
    if (!ok) {
      const after = calls.filter((c) => c.op === op && c.startedAt >= restoredAt).map((c) => c.outcome);
      console.error(`[faults] ${op}: no success after the restore (${after.length} calls: ${[...new Set(after)].join(", ")})`);
      return null;
    }
    worst = Math.max(worst, ok.startedAt + ok.ms - restoredAt);
  }
  return worst;
}

function summarize(fault: string, calls: Call[], ghosts: number, recoveryMs: number | null): Row {
  const first = Math.min(...calls.map((c) => c.startedAt));
  const slowest = [...calls].sort((a, b) => b.ms - a.ms).slice(0, 3);
  console.error(`[faults] ${fault}: slowest ${slowest.map((c) => `${c.op} ${c.outcome}${c.appCode ? ` ${c.appCode}` : ""} ${c.ms} ms at +${c.startedAt - first} ms`).join("; ")}`);
  const codes503 = new Map<string, number>();
  for (const c of calls) if (c.outcome === 503) codes503.set(c.appCode ?? "?", (codes503.get(c.appCode ?? "?") ?? 0) + 1);
  if (codes503.size) console.error(`[faults] ${fault}: 503 app codes ${[...codes503].map(([k, v]) => `${k}×${v}`).join(" ")}`);
  const codes = new Map<string, number>();
  for (const c of calls) codes.set(String(c.outcome), (codes.get(String(c.outcome)) ?? 0) + 1);
  return {
    fault, calls: calls.length, worstMs: Math.max(0, ...calls.map((c) => c.ms)),
    codes: [...codes].sort().map(([k, v]) => `${k}×${v}`).join(" "),
    non503Errors: calls.filter((c) => typeof c.outcome === "number" && c.outcome >= 500 && c.outcome !== 503).length,
    resets: calls.filter((c) => c.outcome === "reset").length, ghosts, recoveryMs,
  };
}

/** Polls GET /ready (as a load balancer does) until `until` settles. */
async function probeReady(until: Promise<unknown>): Promise<ReadyProbe> {
  let done = false;
  void until.then(() => (done = true));
  const codes = new Map<string, number>();
  let worstMs = 0;
  while (!done) {
    const started = Date.now();
    const outcome = await fetch(`${BASE}/ready`, { signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) })
      .then(async (res) => (await res.arrayBuffer(), String(res.status)), (e: Error) => (e.name === "TimeoutError" ? "timeout" : "reset"));
    worstMs = Math.max(worstMs, Date.now() - started);
    codes.set(outcome, (codes.get(outcome) ?? 0) + 1);
    await sleep(200);
  }
  return { worstMs, codes: [...codes].sort().map(([k, v]) => `${k}×${v}`).join(" ") };
}

async function outage(name: string, accounts: Account[], inject: () => void | Promise<void>, restore: () => Promise<void>, ops = OPS): Promise<Row> {
  let restoredAt = 0;
  const script = (async () => {
    await inject();
    await sleep(OUTAGE_MS);
    await restore();
    restoredAt = Date.now();
    await sleep(6_000);
  })();
  const [calls, ready] = await Promise.all([load(accounts, script, ops), probeReady(script)]);
  await sleep(CLIENT_TIMEOUT_MS + 1_000); // abandoned requests may still be running: give them time to (not) commit
  return { ...summarize(name, calls, await ghostsOf(calls), recovery(calls, restoredAt)), ready };
}

/** A message stream open across a Redis outage: does the message sent during it arrive (or a resync)? */
async function sseAcrossOutage(a: Account, b: Account): Promise<{ fault: string; result: string }> {
  const start = await call("message.start", { participantIds: [a.id] }, { token: b.token, mutation: true });
  const conversationId = start.body?.result?.data?.id;
  const controller = new AbortController();
  const events: string[] = [];
  const res = await fetch(`${BASE}/api/rpc/message.onEvent?input=${encodeURIComponent("{}")}`, {
    headers: { authorization: `Bearer ${a.token}`, accept: "text/event-stream" }, signal: controller.signal,
  });
  const reader = res.body!.getReader();
  const pump = (async () => {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const m of decoder.decode(value).matchAll(/"type":"(\w+)"/g)) events.push(m[1]!);
      }
    } catch {}
  })();
  await waitFor(() => events.includes("ready"), "the stream's ready event", 5_000).catch(() => {});
  signalRedis("KILL");
  await sleep(500);
  const sent = await call("message.send", { conversationId, content: "sent while Redis is down" }, { token: b.token, mutation: true });
  await sleep(2_000);
  startRedis();
  await waitFor(redisUp, "Redis");
  const back = Date.now();
  await waitFor(() => events.includes("message") || events.includes("resync"), "message or resync", 8_000).catch(() => {});
  const got = events.includes("message") ? "message" : events.includes("resync") ? "resync" : "nothing";
  controller.abort();
  await pump;
  return { fault: "SSE across a Redis kill", result: `send during outage → ${sent.outcome}; open stream got: ${got}${got === "nothing" ? "" : ` (${Date.now() - back} ms after Redis returned)`}` };
}

async function sigterm(accounts: Account[]): Promise<{ row: Row; exitCode: number | null; exitMs: number; stored: number; answered200: number; unansweredStored: number; liveResets: number }> {
  const proc = server!;
  let signalledAt = 0;
  const script = (async () => {
    await sleep(1_000);
    signalledAt = Date.now();
    proc.kill("SIGTERM");
    await proc.exited;
  })();
  const [calls, ready] = await Promise.all([load(accounts, script), probeReady(script)]);
  const exitMs = Date.now() - signalledAt;
  const posts = calls.filter((c) => c.marker);
  const { default: postgres } = await import("postgres");
  const sql = postgres(DB_URL, { max: 1, onnotice: () => {} });
  const stored = new Set((await sql<{ content: string }[]>`SELECT content FROM posts WHERE content = ANY(${posts.map((c) => c.marker!)})`).map((r) => r.content));
  await sql.end();
  const answered200 = posts.filter((c) => c.outcome === 200).length;
  const unansweredStored = posts.filter((c) => c.outcome !== 200 && stored.has(c.marker!)).length;
  const lost = posts.filter((c) => c.outcome === 200 && !stored.has(c.marker!)).length;
  const row = { ...summarize("SIGTERM under load", calls, unansweredStored, null), ready };
  if (lost) row.codes += ` (LOST ${lost})`;
  // A reset as the listener closes is the kernel's accept queue being dropped (the request never
  // reached the app, like a refused connection; a stored write without a 200 is counted above). A
  // reset while the server still listened — before the first refused connection — broke a live one.
  const ended = (c: Call) => c.startedAt + c.ms;
  const firstRefused = Math.min(...calls.filter((c) => c.outcome === "refused").map(ended));
  const liveResets = calls.filter((c) => c.outcome === "reset" && ended(c) < firstRefused - 100).length;
  return { row, exitCode: proc.exitCode, exitMs, stored: stored.size, answered200, unansweredStored, liveResets };
}

// ---------------------------------------------------------------------------------------------

dataDir = mkdtempSync(join(tmpdir(), "vrss-faults-"));
s3Dir = mkdtempSync(join(tmpdir(), "vrss-faults-s3-"));
const rows: Row[] = [];
let sse: { fault: string; result: string } | null = null;
let shutdown: Awaited<ReturnType<typeof sigterm>> | null = null;
let logSummary: LogSummary | null = null;
try {
  startPostgres();
  await waitFor(pgUp, "PostgreSQL");
  sh(["psql", "-h", "127.0.0.1", "-p", String(PG_PORT), "-U", "postgres", "-qc", "DROP DATABASE IF EXISTS vrss_faults"]);
  sh(["psql", "-h", "127.0.0.1", "-p", String(PG_PORT), "-U", "postgres", "-qc", "CREATE DATABASE vrss_faults"]);
  await startRedis();
  await waitFor(redisUp, "Redis");
  await startS3();
  await startServer();
  const accounts: Account[] = [];
  for (let i = 0; i < WORKERS + 1; i++) accounts.push(await register(i));

  const baseline = await load(accounts, sleep(3_000));
  rows.push(summarize("none (baseline)", baseline, 0, null));
  if (want("postgres")) rows.push(await outage("PostgreSQL stopped (immediate)", accounts, stopPostgres, async () => {
    startPostgres();
    await waitFor(pgUp, "PostgreSQL");
  }));
  if (want("redis")) rows.push(await outage("Redis killed", accounts, () => signalRedis("KILL"), async () => {
    startRedis();
    await waitFor(redisUp, "Redis");
  }));
  if (want("redis")) rows.push(await outage("Redis frozen (SIGSTOP)", accounts, () => signalRedis("STOP"), async () => void signalRedis("CONT")));
  if (want("s3")) rows.push(await outage("S3 killed (uploads, with feed.home)", accounts, stopS3, startS3, [upload, OPS[1]!]));
  if (want("sse")) sse = await sseAcrossOutage(accounts[0]!, accounts[WORKERS]!);
  if (want("sigterm")) shutdown = await sigterm(accounts);
  logSummary = summarizeLog();
} finally {
  (server as Subprocess | null)?.kill("SIGKILL");
  signalRedis("CONT");
  signalRedis("KILL");
  await stopS3();
  await pgStarting;
  dropPostgres();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(s3Dir, { recursive: true, force: true });
}

const lines = [
  `Fault injection (\`bun bench/faults.ts\`, app: ${APP_DIR === resolve(".") ? "this checkout" : APP_DIR}), ${new Date().toISOString().slice(0, 16)}Z.`,
  `${WORKERS} clients, mixed load (post.create, feed.home, user.get, feed.discover, a login every 25th call), client timeout ${CLIENT_TIMEOUT_MS} ms, outages of ${OUTAGE_MS} ms.`,
  "",
  "| fault | calls | worst latency | statuses | 5xx other than 503 | resets | writes after the request gave up | recovery after restore | `/ready` worst, statuses |",
  "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |",
  ...rows.map((r) => `| ${r.fault} | ${r.calls} | ${r.worstMs} ms | ${r.codes} | ${r.non503Errors} | ${r.resets} | ${r.ghosts} | ${r.recoveryMs === null ? "—" : `${r.recoveryMs} ms`} | ${r.ready ? `${r.ready.worstMs} ms, ${r.ready.codes}` : "—"} |`),
  "",
  sse ? `- ${sse.fault}: ${sse.result}` : "",
  shutdown ? `- SIGTERM: exit code ${shutdown.exitCode} after ${shutdown.exitMs} ms; /ready ${shutdown.row.ready?.codes}; post.create answered 200: ${shutdown.answered200}, stored ${shutdown.stored}, stored without a 200 answer: ${shutdown.unansweredStored}; ${shutdown.row.codes}; resets while still listening: ${shutdown.liveResets}` : "",
];
if (logSummary) {
  lines.push(`- server log: ${logSummary.lines} lines; warnings and errors: ${logSummary.byMessage.map(([m, n]) => `${n}× "${m}"`).join(", ") || "none"}${logSummary.forbidden.length ? `; FORBIDDEN: ${logSummary.forbidden.join(", ")}` : ""}`);
}
const report = lines.join("\n");
console.log(report);
if (OUT) writeFileSync(OUT, `${report}\n`);

if (flag("--check")) {
  const problems: string[] = [];
  for (const r of rows.slice(1)) {
    if (r.worstMs > 2_000) problems.push(`${r.fault}: a request took ${r.worstMs} ms (> 2000)`);
    if (r.non503Errors) problems.push(`${r.fault}: ${r.non503Errors} 5xx other than 503`);
    if (r.resets) problems.push(`${r.fault}: ${r.resets} connection resets`);
    if (r.ghosts) problems.push(`${r.fault}: ${r.ghosts} writes committed after their request gave up`);
    if (r.recoveryMs === null || r.recoveryMs > 3_000) problems.push(`${r.fault}: recovery ${r.recoveryMs ?? "never"} ms`);
    if (r.ready && r.ready.worstMs > 1_000) problems.push(`${r.fault}: /ready took ${r.ready.worstMs} ms (> 1000)`);
  }
  if (logSummary?.forbidden.length) problems.push(`server log contains: ${logSummary.forbidden.join(", ")}`);
  if (sse && !/got: (message|resync)/.test(sse.result)) problems.push(`SSE: ${sse.result}`);
  if (shutdown && (shutdown.exitCode !== 0 || shutdown.unansweredStored || shutdown.liveResets)) {
    problems.push(`SIGTERM: ${lines.find((l) => l.startsWith("- SIGTERM"))}`);
  }
  if (problems.length) {
    console.error(`\nfault targets missed:\n- ${problems.join("\n- ")}`);
    process.exit(1);
  }
  console.log("\nfault targets hold");
}
