// `bun run bench:load [--quick] [--seconds 10] [--warmup 2] [--levels 1,8,32,128] [--out FILE] [--label TEXT]
//   [--ref COMMIT] [--only TEXT,…] [--profile DIR]`
//
// What users feel under concurrency: VRSS as deployed (its own process, NODE_ENV=production, the
// result cache on in a Redis of its own, RUN_JOBS=true) driven closed-loop at several concurrency
// levels, next to a framework-free server of the spec's own home-feed query (bench/spec-server.ts)
// under the same load and health.ping as the stack's ceiling. Per cell: req/s, p50/p99, errors,
// PostgreSQL time per request (pg_stat_statements). Needs BENCH_DATABASE_URL on a cluster with
// pg_stat_statements preloaded: `bench/cluster.sh start`, then `bun run bench:data`.
import { execSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import Redis from "ioredis";
import { hashToken, newOpaqueToken } from "../src/lib/tokens";
import { runCell, type Request } from "./load-driver";
import { APP_ROLE, SPEC_ROLE, ensureRoles, pgStatsAvailable, readPgStats, redisReport, resetPgStats, waitPgQuiet, type RedisReport } from "./load-stats";
import { renderReport, type Row } from "./load-report";

const { values: opt } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    seconds: { type: "string" },
    warmup: { type: "string" },
    levels: { type: "string" },
    out: { type: "string", default: "bench/load-results.md" },
    label: { type: "string", default: "" },
    port: { type: "string", default: "3997" },
    "spec-port": { type: "string", default: "3998" },
    "redis-port": { type: "string", default: "6391" },
    /** Run the server from this commit (git archive into a temp dir) instead of the working tree. */
    ref: { type: "string" },
    /** Only the cases whose name contains this text (comma separated alternatives). */
    only: { type: "string" },
    /** Write a CPU profile of the VRSS process (Bun's --cpu-prof-md) into this directory. */
    profile: { type: "string" },
  },
});
const QUICK = opt.quick!;
const SECONDS = Number(opt.seconds ?? (QUICK ? 2 : 10));
const WARMUP = Number(opt.warmup ?? (QUICK ? 0.5 : 2));
const LEVELS = (opt.levels ?? (QUICK ? "1,32" : "1,8,32,128")).split(",").map(Number);
const PORT = Number(opt.port);
const SPEC_PORT = Number(opt["spec-port"]);
const REDIS_PORT = Number(opt["redis-port"]);
const KEY_PREFIX = "vrss:";

const url = process.env.BENCH_DATABASE_URL;
if (!url) {
  console.error("BENCH_DATABASE_URL is required: bench/cluster.sh start, then bun run bench:data (see README)");
  process.exit(2);
}
const dbUrl = new URL(url);
if (!["127.0.0.1", "localhost", "[::1]"].includes(dbUrl.hostname)) {
  console.error(`refusing a non-loopback database: ${dbUrl.hostname}`);
  process.exit(2);
}
const database = decodeURIComponent(dbUrl.pathname.slice(1));
const asRole = (role: string, db = database) => {
  const u = new URL(url);
  u.username = role;
  u.password = "";
  u.pathname = `/${db}`;
  return u.toString();
};
const log = (m: string) => console.log(`[load] ${m}`);

const admin = postgres(url, { max: 4, onnotice: () => {}, connection: { application_name: "vrss-load-bench" } });
// pg_stat_statements is read from the cluster's maintenance database (bench/cluster.sh puts it there).
const stats = postgres(asRole(dbUrl.username || "postgres", "postgres"), { max: 1, onnotice: () => {} });
const pgProblem = await pgStatsAvailable(stats);
if (pgProblem) log(`${pgProblem}: PG ms/req will be empty`);
await ensureRoles(admin);

function redisAnswers(): boolean {
  try {
    return execSync(`redis-cli -p ${REDIS_PORT} ping`, { stdio: ["ignore", "pipe", "ignore"] }).toString().trim() === "PONG";
  } catch {
    return false;
  }
}
if (redisAnswers()) {
  console.error(`something already answers on Redis port ${REDIS_PORT}: not ours, not touching it (use --redis-port)`);
  process.exit(2);
}

// ------------------------------------------------------------------------------ code under test
const git = (cmd: string) => {
  try {
    return execSync(cmd, { stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
  } catch {
    return "?";
  }
};
// With --ref the server runs from a clean export of that commit: the working tree may hold other
// engineers' unfinished changes, and a "before" figure must be of the committed engine alone.
let appDir = process.cwd();
let codeLabel = `${git("git rev-parse --short HEAD")}${git("git status --porcelain -- src drizzle") ? " plus the working tree's uncommitted changes in src/ or drizzle/" : ""}`;
if (opt.ref) {
  const sha = git(`git rev-parse --verify ${JSON.stringify(`${opt.ref}^{commit}`)}`);
  if (!/^[0-9a-f]{40}$/.test(sha)) {
    console.error(`--ref ${opt.ref}: not a commit`);
    process.exit(2);
  }
  appDir = mkdtempSync(join(tmpdir(), "vrss-load-app-"));
  execSync(`git archive ${sha} | tar -x -C ${JSON.stringify(appDir)}`);
  symlinkSync(resolve("node_modules"), join(appDir, "node_modules"));
  codeLabel = `${sha.slice(0, 7)} (\`--ref ${opt.ref}\`: exported with git archive, working-tree changes not included)`;
}
// The server's DATA_DIR (the embedded S3 store): a fresh one per run, removed at the end.
const dataDir = mkdtempSync(join(tmpdir(), "vrss-load-"));
const refMigrations = new Set(readdirSync(join(appDir, "drizzle")).filter((f) => f.endsWith(".sql")));

// ------------------------------------------------------------------------------ processes
const children: { name: string; proc: ReturnType<typeof Bun.spawn> }[] = [];
let redisStarted = false;
async function cleanup() {
  for (const c of children.reverse()) {
    c.proc.kill("SIGTERM");
    await Promise.race([c.proc.exited, Bun.sleep(15_000)]);
  }
  children.length = 0;
  // Only the Redis this run started, by its port, never a broad kill.
  if (redisStarted) execSync(`redis-cli -p ${REDIS_PORT} shutdown nosave || true`, { stdio: "ignore" });
  redisStarted = false;
  if (appDir !== process.cwd()) {
    // The node_modules link first, so removing the export can never reach the real one.
    unlinkSync(join(appDir, "node_modules"));
    rmSync(appDir, { recursive: true, force: true });
    appDir = process.cwd();
  }
  rmSync(dataDir, { recursive: true, force: true });
}
process.on("SIGINT", () => void cleanup().then(() => process.exit(130)));

execSync(`redis-server --port ${REDIS_PORT} --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --pidfile /tmp/vrss-bench-redis-${REDIS_PORT}.pid`);
redisStarted = true;
for (let i = 0; !redisAnswers(); i++) {
  if (i > 50) {
    await cleanup();
    throw new Error("redis-server did not start");
  }
  await Bun.sleep(100);
}
const redis = new Redis(REDIS_PORT, "127.0.0.1", { lazyConnect: false });

const base = `http://127.0.0.1:${PORT}`;
const specBase = `http://127.0.0.1:${SPEC_PORT}`;
const appEnv = {
  ...process.env,
  NODE_ENV: "production",
  DATABASE_URL: asRole(APP_ROLE),
  DATABASE_READ_URL: "",
  REDIS_URL: `redis://127.0.0.1:${REDIS_PORT}`,
  REDIS_CLUSTER_NODES: "",
  REDIS_KEY_PREFIX: KEY_PREFIX,
  CACHE: "on",
  RUN_JOBS: "true",
  PORT: String(PORT),
  HOST: "127.0.0.1",
  LOG_LEVEL: "warn",
  DATA_DIR: dataDir,
  S3_ENDPOINT: "",
  CURSOR_SECRET: "bench-load-cursor-secret-0123456789abcdef",
  TOTP_ENCRYPTION_KEY: "62656e63682d6c6f61642d746f74702d6b65792d303132333435363738396162",
};
const profileArgs = opt.profile ? ["--cpu-prof-md", `--cpu-prof-dir=${resolve(opt.profile)}`] : [];
children.push({ name: "vrss", proc: Bun.spawn(["bun", ...profileArgs, "src/index.ts"], { cwd: appDir, env: appEnv, stdout: "inherit", stderr: "inherit" }) });
children.push({
  name: "spec",
  proc: Bun.spawn(["bun", "bench/spec-server.ts"], { env: { ...process.env, SPEC_DATABASE_URL: asRole(SPEC_ROLE), SPEC_PORT: String(SPEC_PORT) }, stdout: "ignore", stderr: "inherit" }),
});

async function waitFor(what: string, probe: string) {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(probe)).ok) return;
    } catch {}
    if (i > 300) throw new Error(`${what} did not become ready`);
    await Bun.sleep(200);
  }
}

try {
  await waitFor("VRSS", `${base}/ready`);
  await waitFor("spec server", `${specBase}/ping`);
  // A fresh deployment runs every due job at start (the daily counter reconciliation scans all
  // posts): wait for the periodic jobs to settle so they do not land inside the first cells.
  log("waiting for start-up jobs to settle");
  await Bun.sleep(3_000);
  // A job that stays due and unclaimed for 15 s is not one of this server's (it ticks every second):
  // a job of another version of the code (the database may have been used by a newer tree, --ref).
  const unclaimedSince = new Map<string, number>();
  for (let i = 0; ; i++) {
    const rows = await admin<{ name: string; locked: boolean }[]>`
      SELECT name, locked_by IS NOT NULL AS locked FROM job_schedule
      WHERE every_ms >= 60000 AND (locked_by IS NOT NULL OR next_run_at <= now())`;
    // While one runs, the others wait their turn: they age only while nothing is running.
    const running = rows.some((r) => r.locked);
    const busy = rows.filter((r) => {
      if (r.locked) return true;
      if (running) unclaimedSince.delete(r.name);
      else if (!unclaimedSince.has(r.name)) unclaimedSince.set(r.name, i);
      return running || i - unclaimedSince.get(r.name)! < 15;
    });
    if (!busy.length) break;
    if (i > 900) throw new Error("start-up jobs still running after 15 minutes");
    await Bun.sleep(1_000);
  }

  // ---------------------------------------------------------------------------- fixtures
  async function tokenFor(username: string): Promise<string> {
    const [user] = await admin<{ id: string }[]>`SELECT id FROM users WHERE username = ${username}`;
    if (!user) throw new Error(`bench user ${username} missing: run bun run bench:data`);
    const token = newOpaqueToken();
    await admin`INSERT INTO sessions (user_id, token_hash, expires_at) VALUES (${user.id}, ${hashToken(token)}, NOW() + INTERVAL '1 day')`;
    return token;
  }
  const rpcUrl = (path: string, input: unknown) => `${base}/api/rpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`;
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  async function rpc(path: string, input: unknown, token: string): Promise<any> {
    const res = await fetch(rpcUrl(path, input), { headers: auth(token) });
    const body = (await res.json()) as any;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body.error?.message ?? body)}`);
    return body.result.data;
  }
  const viewerNames = QUICK ? ["v2000"] : ["v100", "v2000", "v5000"];
  const viewers = new Map<string, { token: string; cursor25: string }>();
  for (const v of viewerNames) {
    const token = await tokenFor(`bench_${v}`);
    // Page 25 through real cursors: walk nextCursor from page 1, as a scrolling client would.
    let cursor: string | undefined;
    for (let page = 1; page < 25; page++) {
      const data = await rpc("feed.home", { limit: 20, cursor }, token);
      cursor = data.nextCursor ?? undefined;
      if (!cursor) throw new Error(`feed.home for bench_${v} has fewer than 25 pages`);
    }
    viewers.set(v, { token, cursor25: cursor! });
  }
  // A logged-in reader for post.get / user.get, over a spread of public posts and profiles.
  const reader = await tokenFor("bench_v100");
  const SPREAD = QUICK ? 1000 : 5000;
  const postIds = (await admin<{ id: string }[]>`
    SELECT p.id::text AS id FROM posts p JOIN users u ON u.id = p.user_id JOIN user_profiles up ON up.user_id = p.user_id
    WHERE p.status = 'published' AND p.deleted_at IS NULL AND u.status = 'active' AND up.visibility = 'public'
    ORDER BY md5(p.id::text) LIMIT ${SPREAD}`).map((r) => r.id);
  const usernames = (await admin<{ username: string }[]>`
    SELECT u.username FROM users u JOIN user_profiles up ON up.user_id = u.id
    WHERE u.status = 'active' AND up.visibility = 'public' AND u.username NOT LIKE 'bench\\_%'
    ORDER BY md5(u.id::text) LIMIT ${SPREAD}`).map((r) => r.username);
  const postUrls = postIds.map((id) => rpcUrl("post.get", { postId: id }));
  const userUrls = usernames.map((username) => rpcUrl("user.get", { username }));

  // ---------------------------------------------------------------------------- cases
  interface Case {
    name: string;
    target: "vrss" | "spec";
    viewer?: string;
    page?: number;
    next: (seq: number) => Request;
  }
  const cases: Case[] = [];
  for (const [v, { token, cursor25 }] of viewers) {
    const label = `follows ${v.slice(1)}`;
    const p1: Request = { url: rpcUrl("feed.home", { limit: 20 }), headers: auth(token) };
    const p25: Request = { url: rpcUrl("feed.home", { limit: 20, cursor: cursor25 }), headers: auth(token) };
    const s1: Request = { url: `${specBase}/home?page=1`, headers: auth(token) };
    const s25: Request = { url: `${specBase}/home?page=25`, headers: auth(token) };
    cases.push({ name: `feed.home page 1, ${label}`, target: "vrss", viewer: v, page: 1, next: () => p1 });
    cases.push({ name: `spec query page 1, ${label}`, target: "spec", viewer: v, page: 1, next: () => s1 });
    cases.push({ name: `feed.home page 25, ${label}`, target: "vrss", viewer: v, page: 25, next: () => p25 });
    cases.push({ name: `spec query page 25 (OFFSET 480), ${label}`, target: "spec", viewer: v, page: 25, next: () => s25 });
  }
  cases.push({ name: `post.get (${postUrls.length} posts)`, target: "vrss", next: (i) => ({ url: postUrls[i % postUrls.length]!, headers: auth(reader) }) });
  cases.push({ name: `user.get (${userUrls.length} profiles)`, target: "vrss", next: (i) => ({ url: userUrls[i % userUrls.length]!, headers: auth(reader) }) });
  const ping: Request = { url: rpcUrl("health.ping", {}) };
  cases.push({ name: "health.ping (stack ceiling)", target: "vrss", next: () => ping });
  // Bun.serve alone answering a constant: the ceiling without Hono/tRPC, for what the stack costs.
  const barePing: Request = { url: `${specBase}/ping` };
  cases.push({ name: "bare Bun.serve /ping (spec server)", target: "spec", next: () => barePing });

  if (opt.only) {
    const wanted = opt.only.split(",");
    cases.splice(0, cases.length, ...cases.filter((k) => wanted.some((w) => k.name.includes(w))));
  }

  // ---------------------------------------------------------------------------- cells
  const loadBefore = loadavg();
  const rows: Row[] = [];
  const total = cases.length * LEVELS.length;
  log(`${total} cells × (${WARMUP} s warm-up + ${SECONDS} s): ~${Math.ceil((total * (WARMUP + SECONDS + 0.5)) / 60)} min`);
  // Level-major: feed.home and its spec baseline at one c run minutes apart at most, so drift in
  // the machine's background load hits both sides of a ratio alike.
  for (const c of LEVELS) {
    for (const k of cases) {
      const waited = await waitPgQuiet(stats);
      if (waited > 1_000) log(`waited ${(waited / 1000).toFixed(1)} s for the previous cell's queries to finish`);
      const cell = await runCell({
        concurrency: c,
        seconds: SECONDS,
        warmupSeconds: WARMUP,
        next: k.next,
        beforeMeasure: pgProblem ? undefined : () => resetPgStats(stats),
      });
      const pg = pgProblem ? null : await readPgStats(stats, k.target === "vrss" ? APP_ROLE : SPEC_ROLE, database);
      rows.push({ case: k.name, target: k.target, viewer: k.viewer, page: k.page, cell, pg });
      const pgPer = pg && cell.served ? (pg.ms / cell.served).toFixed(3) : "–";
      log(
        `${k.name.padEnd(46)} c=${String(c).padStart(3)} ${cell.rps.toFixed(0).padStart(6)} req/s  p50 ${cell.p50.toFixed(2).padStart(7)}  p99 ${cell.p99.toFixed(2).padStart(7)}  err ${cell.errorCount}  PG ${pgPer} ms/req`,
      );
    }
  }
  const loadAfter = loadavg();

  // ---------------------------------------------------------------------------- report
  let redisInfo: RedisReport | null = null;
  try {
    redisInfo = await redisReport(redis, KEY_PREFIX);
  } catch (error) {
    log(`redis report failed: ${String(error)}`);
  }
  const counts = await admin<{ t: string; n: string }[]>`
    SELECT 'users' t, count(*)::text n FROM users UNION ALL SELECT 'posts', count(*)::text FROM posts
    UNION ALL SELECT 'follows', count(*)::text FROM user_follows UNION ALL SELECT 'friendships', count(*)::text FROM friendships
    UNION ALL SELECT 'likes', count(*)::text FROM post_interactions UNION ALL SELECT 'comments', count(*)::text FROM comments
    UNION ALL SELECT 'reposts', count(*)::text FROM reposts UNION ALL SELECT 'notifications', count(*)::text FROM notifications`;
  const settingNames = ["server_version", "shared_buffers", "effective_cache_size", "work_mem", "synchronous_commit", "max_connections", "random_page_cost"];
  const pgSettings = await admin<{ name: string; setting: string }[]>`
    SELECT name, current_setting(name) AS setting FROM unnest(${settingNames}::text[]) AS name`;
  // Migrations the database has but the code under test does not (e.g. applied by a newer tree).
  const foreign = (await admin<{ name: string }[]>`SELECT name FROM schema_migrations ORDER BY name`).map((r) => r.name).filter((n) => !refMigrations.has(n));
  const redisVersion = (await redis.info("server")).match(/redis_version:(\S+)/)?.[1] ?? "?";
  const md = renderReport({
    title: `Load bench${opt.label ? ` — ${opt.label}` : ""}`,
    generatedAt: new Date().toISOString(),
    command: `bun run bench:load${process.argv.length > 2 ? ` -- ${process.argv.slice(2).map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(" ")}` : ""}`,
    machine: [
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; Bun ${Bun.version}; Redis ${redisVersion}`,
      `Load average (1/5/15 min) before the cells ${loadBefore.map((x) => x.toFixed(2)).join(" / ")}, after ${loadAfter.map((x) => x.toFixed(2)).join(" / ")} — the CPU is shared with other work, so figures are noisy when it is above ~0.5`,
      `Code under test: ${codeLabel}${foreign.length ? `; the database also has migrations this code does not know: ${foreign.join(", ")}` : ""}`,
      `PostgreSQL: ${pgSettings.map((s) => `${s.name} ${s.setting}`).join(", ")}; pg_stat_statements ${pgProblem ? "unavailable" : "on (track_planning)"}`,
    ],
    data: `\`${database}\` on port ${dbUrl.port || 5432}: ${counts.map((c) => `${c.t} ${Number(c.n).toLocaleString("en")}`).join(", ")}.`,
    settings: [
      `VRSS: \`bun src/index.ts\`, one process, NODE_ENV=production, CACHE=on with REDIS_URL (its own redis-server on :${REDIS_PORT}, empty at start), RUN_JOBS=true, default pool (DATABASE_POOL_MAX 10, unnamed statements, no pipelining), embedded S3.`,
      `Spec baseline: \`bench/spec-server.ts\` (Bun.serve + postgres.js, same pool settings), the same session lookup as VRSS then the spec's OFFSET query; bare rows as JSON.`,
      `Driver: closed loop, Bun fetch with keep-alive, levels ${LEVELS.join(", ")}; per cell ${WARMUP} s warm-up (not recorded) then ${SECONDS} s measured; cells run level by level.`,
      `feed.home: each viewer with a fresh session; page 25 through the nextCursor of 24 real page requests first. post.get / user.get: a logged-in reader cycling over ${postUrls.length} public posts / ${userUrls.length} public profiles.`,
    ],
    rows,
    levels: LEVELS,
    redis: redisInfo,
    notes: [
      "feed.home repeats one (viewer, page) per case, so after the first miss it is served from the home-page cache (60 s TTL: ids only, posts re-hydrated from PostgreSQL on every read) — the steady state of a user refreshing, not of a cold timeline.",
      "VRSS PG ms/req includes its background jobs' statements during the window (RUN_JOBS=true), which is why health.ping shows a small figure.",
      "PG ms/req is time inside PostgreSQL (executor + planner wall clock), not CPU: when both cores are saturated it includes waiting for a CPU, so it grows with c and can add up to more than the cores.",
      "The driver shares the 2 cores with both servers and PostgreSQL; at high c its own CPU (last column) is capacity the servers did not get.",
    ],
  });
  writeFileSync(opt.out!, md);
  log(`wrote ${opt.out}`);
} finally {
  redis.disconnect();
  await cleanup();
  await admin.end();
  await stats.end();
}
process.exit(0);
