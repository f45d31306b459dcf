// Scale-out benchmark: a bounded mixed workload through several VRSS processes (the topology of
// scripts/topology.sh), then checks that only hold when the processes really share their state.
//
//   bun bench/scale-out.ts --targets http://127.0.0.1:3101,http://127.0.0.1:3102 --seconds 20 \
//     --concurrency 16 --database postgres://postgres@127.0.0.1:5440/vrss \
//     --replica postgres://postgres@127.0.0.1:5441/vrss
//
// 1. Mixed workload (bounded by --seconds AND --max-requests), requests spread round-robin over the
//    targets: auth.register, post.create, post.like, social.follow, message.start, message.send,
//    feed.home, post.get, user.get, post.listByUser. Every acknowledged (HTTP 200) write is kept
//    with its identifying data; at the end the primary is queried directly: acknowledged vs stored
//    per write kind.
// 2. Cross-process cache invalidation: a follower reads feed.home on one process (filling the
//    shared cache), the author posts through the other, the follower's very next read must show it.
// 3. SSE across processes: message.onEvent opened on one process receives a message sent through
//    the other.
// 4. Replica read-your-writes under paused replay (pg_wal_replay_pause on --replica): the author's
//    post.get / feed.home / post.listByUser through every process must show the new post; another
//    user's view may be stale (reported); then pg_wal_replay_resume.
// 5. Read-mix throughput through the first target alone, then through all targets.
//
// Writes a markdown report to --out (default bench/scale-out-results.md): one section per number
// of processes, so a run with one target and a run with two sit side by side. Exit code 1 when
// acknowledged ≠ stored or any 5xx was answered; 3 when a consistency check (2–4, counters) failed.
// Loopback only: every target and database must be 127.0.0.1 / localhost / ::1.
import { execSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { createTRPCClient, httpSubscriptionLink } from "@trpc/client";
import { EventSource } from "eventsource";
import type { AppRouter } from "../src/trpc/router";
import { hashToken } from "../src/lib/tokens";

// ------------------------------------------------------------------------------------ arguments
const { values: opt } = parseArgs({
  options: {
    targets: { type: "string", default: "http://127.0.0.1:3101,http://127.0.0.1:3102" },
    seconds: { type: "string", default: "20" },
    concurrency: { type: "string", default: "16" },
    "max-requests": { type: "string", default: "20000" },
    "read-seconds": { type: "string", default: "10" },
    "read-max-requests": { type: "string", default: "40000" },
    /** The 1-process and N-process read phases alternate this many times (noise on a shared machine). */
    "read-rounds": { type: "string", default: "2" },
    "max-users": { type: "string", default: "300" },
    database: { type: "string", default: "postgres://postgres@127.0.0.1:5440/vrss" },
    replica: { type: "string" },
    out: { type: "string", default: "bench/scale-out-results.md" },
    /** Names the configuration (e.g. "through PgBouncer"); a run replaces the section with its process count and label. */
    label: { type: "string", default: "" },
    /** scripts/topology.sh's state dir: its pid files let the report split CPU by component. */
    "topology-dir": { type: "string", default: process.env.TOPOLOGY_DIR ?? "/tmp/vrss-topology" },
  },
});
const targets = opt.targets!.split(",").map((s) => s.trim().replace(/\/+$/, "")).filter(Boolean);
const SECONDS = Number(opt.seconds);
const CONCURRENCY = Number(opt.concurrency);
const MAX_REQUESTS = Number(opt["max-requests"]);
const READ_SECONDS = Number(opt["read-seconds"]);
const READ_MAX_REQUESTS = Number(opt["read-max-requests"]);
const READ_ROUNDS = Math.max(1, Number(opt["read-rounds"]));
const MAX_USERS = Number(opt["max-users"]);
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);
for (const u of [...targets, opt.database!, ...(opt.replica ? [opt.replica] : [])]) {
  const host = new URL(u).hostname;
  if (!LOOPBACK.has(host)) {
    console.error(`refusing a non-loopback address: ${u}`);
    process.exit(2);
  }
}
if (targets.length === 0 || !(SECONDS > 0) || !(CONCURRENCY > 0) || !(MAX_REQUESTS > 0)) {
  console.error("need --targets, --seconds > 0, --concurrency > 0, --max-requests > 0");
  process.exit(2);
}
const primary = postgres(opt.database!, { max: 4, onnotice: () => {}, connection: { application_name: "vrss-scale-out-bench" } });
const replica = opt.replica ? postgres(opt.replica, { max: 2, onnotice: () => {}, connection: { application_name: "vrss-scale-out-bench" } }) : null;
const RUN = Date.now().toString(36).slice(-5) + Math.random().toString(36).slice(2, 4);
const PASSWORD = "Passw0rd!scale";
const log = (msg: string) => console.log(`[scale-out] ${msg}`);

// ------------------------------------------------------------------------------------ HTTP + stats
interface KindStats {
  n: number;
  ms: number[];
  codes: Map<string, number>;
}
class Stats {
  kinds = new Map<string, KindStats>();
  cpu: { machine: number; client: number; share: Map<string, number> } | null = null;
  started = performance.now();
  ended = 0;
  add(kind: string, code: string, ms: number) {
    let k = this.kinds.get(kind);
    if (!k) this.kinds.set(kind, (k = { n: 0, ms: [], codes: new Map() }));
    k.n++;
    k.ms.push(ms);
    k.codes.set(code, (k.codes.get(code) ?? 0) + 1);
  }
  get total() {
    let n = 0;
    for (const k of this.kinds.values()) n += k.n;
    return n;
  }
  elapsed() {
    return ((this.ended || performance.now()) - this.started) / 1000;
  }
}
/** Every response of the run, by status: the 5xx verdict covers all phases. */
const allCodes = new Map<string, number>();
/** A few bodies of unexpected non-200 answers, for the report. */
const samples: string[] = [];

interface Res {
  status: number;
  data: any;
  error: any;
  ms: number;
}

async function call(
  stats: Stats | null,
  base: string,
  path: string,
  input: unknown,
  o: { method?: "GET" | "POST"; token?: string; kind?: string; expectMiss?: boolean } = {},
): Promise<Res> {
  const method = o.method ?? "POST";
  const headers: Record<string, string> = {};
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let url = `${base}/api/rpc/${path}`;
  let body: string | undefined;
  if (method === "GET") url += `?input=${encodeURIComponent(JSON.stringify(input ?? {}))}`;
  else {
    headers["content-type"] = "application/json";
    body = JSON.stringify(input ?? {});
  }
  const t0 = performance.now();
  let status = 0;
  let parsed: any = null;
  try {
    const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(15_000) });
    status = res.status;
    const text = await res.text();
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  } catch (error) {
    parsed = { transportError: String(error) };
  }
  const ms = performance.now() - t0;
  const code = status === 0 ? "network" : String(status);
  stats?.add(o.kind ?? path, code, ms);
  allCodes.set(code, (allCodes.get(code) ?? 0) + 1);
  if (status !== 200 && !o.expectMiss && samples.length < 12) {
    samples.push(`${path} via ${base} → ${code}: ${JSON.stringify(parsed?.error?.json ?? parsed?.error ?? parsed).slice(0, 300)}`);
  }
  return { status, data: status === 200 ? parsed?.result?.data : undefined, error: status === 200 ? undefined : parsed, ms };
}

/** Machine-wide CPU (from /proc/stat) and this client's own CPU, to tell a saturated machine from a bottleneck. */
/** CPU ticks (utime + stime) of the topology's processes, by component, read from /proc. */
function topologyTicks(): Map<string, { group: string; ticks: number }> {
  const out = new Map<string, { group: string; ticks: number }>();
  const dir = opt["topology-dir"]!;
  const pidOf = (f: string) => {
    try {
      return readFileSync(`${dir}/${f}`, "utf8").trim();
    } catch {
      return null;
    }
  };
  const known = new Map<string, string>();
  for (const port of ["3101", "3102"]) {
    const pid = pidOf(`app-${port}/app.pid`);
    if (pid) known.set(pid, `vrss :${port}`);
  }
  for (const [f, g] of [["pgbouncer/pgbouncer.pid", "pgbouncer"], ["redis/redis.pid", "redis"], ["s3/s3.pid", "s3rver"]] as const) {
    const pid = pidOf(f);
    if (pid) known.set(pid, g);
  }
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {}
  for (const pid of entries) {
    let group = known.get(pid);
    if (!group) {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
        if (/15\/vrss_primary|\/15\/vrss_primary\b/.test(cmd)) group = "postgres primary";
        else if (/15\/vrss_replica|\/15\/vrss_replica\b/.test(cmd)) group = "postgres replica";
      } catch {}
    }
    if (!group) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(pid, { group, ticks: Number(f[11]) + Number(f[12]) });
    } catch {}
  }
  return out;
}

function cpuSample() {
  let busy = 0;
  let total = 0;
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    total = f.reduce((a, b) => a + b, 0);
    busy = total - (f[3] ?? 0) - (f[4] ?? 0);
  } catch {}
  const own = process.cpuUsage();
  return { busy, total, ownUs: own.user + own.system, at: performance.now(), topo: topologyTicks() };
}
type CpuSample = ReturnType<typeof cpuSample>;
function cpuBetween(a: CpuSample, b: CpuSample) {
  const cores = cpus().length;
  const wallUs = (b.at - a.at) * 1000;
  // Clock ticks are 1/100 s on Linux; a process that ended in between is not counted.
  const groups = new Map<string, number>();
  for (const [pid, e] of b.topo) {
    const before = a.topo.get(pid)?.ticks ?? 0;
    groups.set(e.group, (groups.get(e.group) ?? 0) + Math.max(0, e.ticks - before));
  }
  const share = new Map<string, number>();
  for (const [g, t] of groups) share.set(g, wallUs > 0 ? (t * 10_000) / (wallUs * cores) : NaN);
  return {
    machine: b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : NaN,
    /** Share of the machine's cores used by the bench client. */
    client: wallUs > 0 ? (b.ownUs - a.ownUs) / (wallUs * cores) : NaN,
    /** Share of the machine's cores used by each topology component. */
    share,
  };
}
const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN);

// ------------------------------------------------------------------------------------ the world
interface User {
  id: string;
  username: string;
  token: string;
}
interface Post {
  id: string;
  authorId: string;
  content: string;
}
interface Conversation {
  id: string;
  a: User;
  b: User;
}
const users: User[] = [];
const posts: Post[] = [];
const conversations: Conversation[] = [];
const usersById = new Map<string, User>();

/** Acknowledged writes (HTTP 200), with what identifies each in the database. */
const acked = {
  "auth.register": [] as { userId: string; username: string; tokenHash: string }[],
  "post.create": [] as { postId: string; userId: string; content: string }[],
  "post.like": [] as { userId: string; postId: string }[],
  "social.follow": [] as { followerId: string; followingId: string }[],
  "message.start": [] as { conversationId: string; a: string; b: string }[],
  "message.send": [] as { messageId: string; conversationId: string; senderId: string; content: string }[],
};
type WriteKind = keyof typeof acked;
/** Writes with no definite answer (5xx, transport error): not acknowledged, reported apart. */
const unknownOutcome = new Map<WriteKind, number>();
const noteUnknown = (k: WriteKind, r: Res) => {
  if (r.status === 0 || r.status >= 500) unknownOutcome.set(k, (unknownOutcome.get(k) ?? 0) + 1);
};

// Pairs already taken (chosen synchronously before the request: no two workers pick the same one).
const likeTaken = new Set<string>();
const followTaken = new Set<string>();
const convTaken = new Set<string>();
let seq = 0;
let rr = 0;
const nextTarget = (set: string[]) => set[rr++ % set.length]!;
const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

async function register(stats: Stats | null, base: string): Promise<User | null> {
  const username = `so${RUN}_${++seq}`;
  const r = await call(stats, base, "auth.register", { username, email: `${username}@scale.vrss.local`, password: PASSWORD }, { kind: "auth.register" });
  if (r.status !== 200) {
    noteUnknown("auth.register", r);
    return null;
  }
  const u: User = { id: String(r.data.user.id), username, token: r.data.token };
  acked["auth.register"].push({ userId: u.id, username, tokenHash: hashToken(u.token) });
  users.push(u);
  usersById.set(u.id, u);
  return u;
}

async function createPost(stats: Stats | null, base: string, u: User): Promise<Post | null> {
  const content = `scale-out ${RUN} post ${++seq} by ${u.username}`;
  const r = await call(stats, base, "post.create", { type: "text_short", content }, { token: u.token, kind: "post.create" });
  if (r.status !== 200) {
    noteUnknown("post.create", r);
    return null;
  }
  const p: Post = { id: String(r.data.id), authorId: u.id, content };
  acked["post.create"].push({ postId: p.id, userId: u.id, content });
  posts.push(p);
  return p;
}

async function like(stats: Stats | null, base: string): Promise<boolean> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const u = pick(users);
    const p = pick(posts);
    const key = `${u.id}:${p.id}`;
    if (p.authorId === u.id || likeTaken.has(key)) continue;
    likeTaken.add(key);
    const r = await call(stats, base, "post.like", { postId: p.id }, { token: u.token, kind: "post.like" });
    if (r.status === 200) acked["post.like"].push({ userId: u.id, postId: p.id });
    else noteUnknown("post.like", r);
    return true;
  }
  return false;
}

async function follow(stats: Stats | null, base: string, a?: User, b?: User): Promise<boolean> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const u = a ?? pick(users);
    const v = b ?? pick(users);
    const key = `${u.id}>${v.id}`;
    if (u.id === v.id || followTaken.has(key)) {
      if (a && b) return false;
      continue;
    }
    followTaken.add(key);
    const r = await call(stats, base, "social.follow", { userId: v.id }, { token: u.token, kind: "social.follow" });
    if (r.status === 200) acked["social.follow"].push({ followerId: u.id, followingId: v.id });
    else noteUnknown("social.follow", r);
    return r.status === 200;
  }
  return false;
}

async function startConversation(stats: Stats | null, base: string, a?: User, b?: User): Promise<Conversation | null> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const u = a ?? pick(users);
    const v = b ?? pick(users);
    const key = [u.id, v.id].sort().join("-");
    if (u.id === v.id || (!a && convTaken.has(key))) continue;
    convTaken.add(key);
    const r = await call(stats, base, "message.start", { participantIds: [v.id] }, { token: u.token, kind: "message.start" });
    if (r.status !== 200) {
      noteUnknown("message.start", r);
      return null;
    }
    const c: Conversation = { id: String(r.data.id), a: u, b: v };
    acked["message.start"].push({ conversationId: c.id, a: u.id, b: v.id });
    conversations.push(c);
    return c;
  }
  return null;
}

async function sendMessage(stats: Stats | null, base: string, c: Conversation, from?: User): Promise<any> {
  const sender = from ?? (Math.random() < 0.5 ? c.a : c.b);
  const content = `scale-out ${RUN} message ${++seq}`;
  const r = await call(stats, base, "message.send", { conversationId: c.id, content }, { token: sender.token, kind: "message.send" });
  if (r.status !== 200) {
    noteUnknown("message.send", r);
    return null;
  }
  acked["message.send"].push({ messageId: String(r.data.id), conversationId: c.id, senderId: sender.id, content });
  return r.data;
}

async function readOne(stats: Stats, base: string): Promise<void> {
  const u = pick(users);
  const x = Math.random();
  if (x < 0.4) await call(stats, base, "feed.home", { limit: 20 }, { method: "GET", token: u.token });
  else if (x < 0.7) await call(stats, base, "post.get", { postId: pick(posts).id }, { method: "GET", token: u.token });
  else if (x < 0.85) await call(stats, base, "user.get", { username: pick(users).username }, { method: "GET", token: u.token });
  else await call(stats, base, "post.listByUser", { username: pick(users).username, limit: 20 }, { method: "GET", token: u.token });
}

/** Runs `op` from `CONCURRENCY` workers until `seconds` pass or `maxRequests` requests were made. */
async function drive(stats: Stats, seconds: number, maxRequests: number, op: () => Promise<void>): Promise<void> {
  const until = performance.now() + seconds * 1000;
  let issued = 0;
  const cpu0 = cpuSample();
  stats.started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until && issued < maxRequests) {
        issued++;
        await op();
      }
    }),
  );
  stats.ended = performance.now();
  stats.cpu = cpuBetween(cpu0, cpuSample());
}

// ------------------------------------------------------------------------------------ setup
async function waitReady(base: string) {
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(3_000) });
      if (res.ok) return (await res.json()) as any;
    } catch {}
    await Bun.sleep(200);
  }
  throw new Error(`${base}/ready did not answer 200`);
}
const readyInfo = await Promise.all(targets.map(waitReady));
log(`targets ready: ${targets.join(", ")}`);

async function replicaCounters() {
  if (!replica) return null;
  const [row] = await replica<{ xact: string; tup: string }[]>`
    SELECT xact_commit::text AS xact, tup_returned::text AS tup FROM pg_stat_database WHERE datname = current_database()`;
  return { xact: Number(row!.xact), tup: Number(row!.tup) };
}

const setup = new Stats();
log(`setup: registering ${2 * CONCURRENCY} users and their first posts`);
await Promise.all(Array.from({ length: 2 * CONCURRENCY }, (_, i) => register(setup, targets[i % targets.length]!)));
if (users.length < 4) throw new Error(`setup registered only ${users.length} users: ${samples.join("\n")}`);
await Promise.all(users.map((u, i) => createPost(setup, targets[i % targets.length]!, u)));
// A follow graph to give feed.home something to read: everyone follows a few others.
await Promise.all(users.map((u, i) => follow(setup, targets[i % targets.length]!, u, users[(i + 1) % users.length]!)));
setup.ended = performance.now();

// ------------------------------------------------------------------------------------ 1. mixed
log(`mixed workload: ${SECONDS}s, ${CONCURRENCY} workers, at most ${MAX_REQUESTS} requests, over ${targets.length} process(es)`);
const replicaBefore = await replicaCounters();
const mixed = new Stats();
await drive(mixed, SECONDS, MAX_REQUESTS, async () => {
  const base = nextTarget(targets);
  const x = Math.random();
  if (x < 0.04 && users.length < MAX_USERS) await register(mixed, base);
  else if (x < 0.18) await createPost(mixed, base, pick(users));
  else if (x < 0.3) (await like(mixed, base)) || (await readOne(mixed, base));
  else if (x < 0.4) (await follow(mixed, base)) || (await readOne(mixed, base));
  else if (x < 0.43) (await startConversation(mixed, base)) ?? (await readOne(mixed, base));
  else if (x < 0.52 && conversations.length) await sendMessage(mixed, base, pick(conversations));
  else await readOne(mixed, base);
});
const replicaAfter = await replicaCounters();
log(`mixed: ${mixed.total} requests in ${mixed.elapsed().toFixed(1)}s`);

/** A precondition of a check: a failed setup call fails the check instead of the bench. */
function need<T>(x: T | null | undefined, what: string): T {
  if (x === null || x === undefined) throw new Error(`${what} failed (${samples[samples.length - 1] ?? "no answer"})`);
  return x;
}
const phaseErrors: string[] = [];

// ------------------------------------------------------------------------------------ 2. cache
const A = targets[0]!;
const B = targets[targets.length > 1 ? 1 : 0]!;
const checks = new Stats();
interface CacheRound {
  write: string;
  read: string;
  nextRead: boolean;
  visibleAfterMs: number | null;
  onReplica: boolean | null;
}
const cacheRounds: CacheRound[] = [];
try {
  log("cross-process cache invalidation");
  const author = need(await register(checks, A), "register");
  const viewer = need(await register(checks, B), "register");
  await follow(checks, A, viewer, author);
  for (let i = 0; i < 20; i++) {
    const [w, r] = i % 2 === 0 ? [A, B] : [B, A];
    // Fill the cache entry for the viewer's first page on the reading process.
    await call(checks, r, "feed.home", { limit: 20 }, { method: "GET", token: viewer.token, kind: "feed.home (check)" });
    await call(checks, r, "feed.home", { limit: 20 }, { method: "GET", token: viewer.token, kind: "feed.home (check)" });
    const p = need(await createPost(checks, w, author), "post.create");
    const t0 = performance.now();
    const first = await call(checks, r, "feed.home", { limit: 20 }, { method: "GET", token: viewer.token, kind: "feed.home (check)" });
    const has = (res: Res) => (res.data?.items ?? []).some((it: any) => String(it.post?.id) === p.id);
    const round: CacheRound = { write: w, read: r, nextRead: has(first), visibleAfterMs: null, onReplica: null };
    if (!round.nextRead) {
      if (replica) round.onReplica = (await replica`SELECT 1 FROM posts WHERE id = ${p.id}`).length > 0;
      for (let k = 0; k < 100; k++) {
        await Bun.sleep(20);
        const again = await call(checks, r, "feed.home", { limit: 20 }, { method: "GET", token: viewer.token, kind: "feed.home (check)" });
        if (has(again)) {
          round.visibleAfterMs = performance.now() - t0;
          break;
        }
      }
    } else round.visibleAfterMs = 0;
    cacheRounds.push(round);
  }
} catch (error) {
  phaseErrors.push(`cache check: ${String(error)}`);
  cacheRounds.push({ write: A, read: B, nextRead: false, visibleAfterMs: null, onReplica: null });
}

// ------------------------------------------------------------------------------------ 3. SSE
interface Listener {
  got: Map<string, number>;
  ready: boolean;
  errors: string[];
  stop(): void;
}
function listen(base: string, u: User): Listener {
  const l: Listener = { got: new Map(), ready: false, errors: [], stop: () => {} };
  const client = createTRPCClient<AppRouter>({
    links: [
      httpSubscriptionLink({
        url: `${base}/api/rpc`,
        EventSource,
        eventSourceOptions: {
          fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${u.token}` } }),
        },
      }),
    ],
  });
  const sub = client.message.onEvent.subscribe(undefined, {
    onData(value: any) {
      const event = value && typeof value === "object" && "id" in value && "data" in value ? value.data : value;
      if (event?.type === "ready") l.ready = true;
      if (event?.type === "message") l.got.set(String(event.message.id), performance.now());
    },
    onError(err) {
      l.errors.push(String(err));
    },
  });
  l.stop = () => sub.unsubscribe();
  return l;
}
async function until(pred: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > end) return false;
    await Bun.sleep(5);
  }
  return true;
}
interface SseRound {
  sentVia: string;
  streamOn: string;
  delivered: boolean;
  ms: number | null;
}
const sseRounds: SseRound[] = [];
const sseErrors: string[] = [];
try {
  log("SSE delivery across processes");
  const s = need(await register(checks, A), "register");
  const r = need(await register(checks, B), "register");
  const conv = need(await startConversation(checks, A, s, r), "message.start");
  // r listens on both processes; each message is sent through the process r's stream is NOT on.
  const onB = listen(B, r);
  const onA = listen(A, r);
  const readyOk = await until(() => onA.ready && onB.ready, 10_000);
  if (!readyOk) sseErrors.push("a stream never sent its ready event");
  for (let i = 0; i < 20; i++) {
    const [via, stream] = i % 2 === 0 ? [A, onB] : [B, onA];
    const t0 = performance.now();
    const m = await sendMessage(checks, via, conv, s);
    if (!m) {
      sseRounds.push({ sentVia: via, streamOn: via === A ? B : A, delivered: false, ms: null });
      continue;
    }
    const id = String(m.id);
    const delivered = await until(() => stream.got.has(id), 5_000);
    sseRounds.push({ sentVia: via, streamOn: via === A ? B : A, delivered, ms: delivered ? stream.got.get(id)! - t0 : null });
  }
  // Both streams (one on each process) must have received every message, whichever process it came through.
  const sent = acked["message.send"].filter((m) => m.conversationId === conv.id).map((m) => m.messageId);
  await until(() => sent.every((id) => onA.got.has(id) && onB.got.has(id)), 3_000);
  for (const [name, l] of [["stream on " + A, onA], ["stream on " + B, onB]] as const) {
    const missing = sent.filter((id) => !l.got.has(id)).length;
    if (missing) sseErrors.push(`${name}: ${missing} of ${sent.length} messages never arrived`);
    for (const e of l.errors) sseErrors.push(`${name}: ${e}`);
  }
  onA.stop();
  onB.stop();
} catch (error) {
  sseErrors.push(`could not run: ${String(error)}`);
}

// ------------------------------------------------------------------------------------ 4. RYW
interface RywRow {
  who: "author" | "other user";
  procedure: string;
  via: string;
  sees: boolean;
  status: number;
}
const ryw: { rows: RywRow[]; paused: boolean; replicaHadPost: boolean | null; pausedForMs: number; otherVisibleAfterResumeMs: number | null; note?: string } = {
  rows: [],
  paused: false,
  replicaHadPost: null,
  pausedForMs: 0,
  otherVisibleAfterResumeMs: null,
};
let resumeNeeded = false;
async function resumeReplay() {
  if (replica && resumeNeeded) {
    await replica`SELECT pg_wal_replay_resume()`;
    resumeNeeded = false;
  }
}
process.on("SIGINT", () => void resumeReplay().finally(() => process.exit(130)));
if (!replica) ryw.note = "no --replica given: skipped";
else try {
  log("replica read-your-writes under paused replay");
  const author = need(await register(checks, A), "register");
  const other = need(await register(checks, B), "register");
  await follow(checks, B, other, author);
  await createPost(checks, A, author);
  // Let the replica catch up with the setup, so only the post below is missing from it.
  const lsn = (await primary<{ lsn: string }[]>`SELECT pg_current_wal_lsn()::text AS lsn`)[0]!.lsn;
  for (let i = 0; i < 200; i++) {
    const [row] = await replica<{ ok: boolean }[]>`SELECT pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn AS ok`;
    if (row!.ok) break;
    await Bun.sleep(25);
  }
  await Bun.sleep(300); // both processes' replica pollers (every 100 ms) have seen that position
  try {
    resumeNeeded = true;
    await replica`SELECT pg_wal_replay_pause()`;
    for (let i = 0; i < 200; i++) {
      const [row] = await replica<{ state: string }[]>`SELECT pg_get_wal_replay_pause_state() AS state`;
      if (row!.state === "paused") {
        ryw.paused = true;
        break;
      }
      await Bun.sleep(10);
    }
    const pausedAt = performance.now();
    const p = need(await createPost(checks, A, author), "post.create");
    const seesIn = (res: Res, path: string) =>
      path === "post.get" ? res.status === 200 && String(res.data?.id) === p.id : (res.data?.items ?? []).some((it: any) => String(it.post?.id ?? it.id) === p.id);
    const reads: [string, unknown][] = [
      ["post.get", { postId: p.id }],
      ["feed.home", { limit: 20 }],
      ["post.listByUser", { username: author.username, limit: 20 }],
    ];
    for (const base of targets) {
      for (const [path, input] of reads) {
        const res = await call(checks, base, path, input, { method: "GET", token: author.token, kind: `${path} (ryw author)` });
        ryw.rows.push({ who: "author", procedure: path, via: base, sees: seesIn(res, path), status: res.status });
      }
    }
    for (const base of targets) {
      for (const [path, input] of reads) {
        const res = await call(checks, base, path, input, { method: "GET", token: other.token, kind: `${path} (ryw other)`, expectMiss: true });
        ryw.rows.push({ who: "other user", procedure: path, via: base, sees: seesIn(res, path), status: res.status });
      }
    }
    ryw.replicaHadPost = (await replica`SELECT 1 FROM posts WHERE id = ${p.id}`).length > 0;
    ryw.pausedForMs = performance.now() - pausedAt;
    await resumeReplay();
    const t0 = performance.now();
    for (let i = 0; i < 250; i++) {
      const res = await Promise.all(targets.map((base) => call(checks, base, "feed.home", { limit: 20 }, { method: "GET", token: other.token, kind: "feed.home (ryw other)", expectMiss: true })));
      if (res.every((r) => seesIn(r, "feed.home"))) {
        ryw.otherVisibleAfterResumeMs = performance.now() - t0;
        break;
      }
      await Bun.sleep(20);
    }
  } finally {
    await resumeReplay();
  }
} catch (error) {
  phaseErrors.push(`read-your-writes check: ${String(error)}`);
  ryw.note = `could not complete: ${String(error)}`;
}

// ------------------------------------------------------------------------------------ 5. reads
interface ReadRun {
  processes: number;
  stats: Stats;
}
const readRuns: ReadRun[] = [];
const readSets = Array.from({ length: READ_ROUNDS }, () => (targets.length > 1 ? [[targets[0]!], targets] : [targets])).flat();
for (const set of readSets) {
  log(`read mix: ${READ_SECONDS}s through ${set.length} process(es)`);
  const warm = new Stats();
  await drive(warm, 1, 500, async () => readOne(warm, nextTarget(set)));
  const stats = new Stats();
  await drive(stats, READ_SECONDS, READ_MAX_REQUESTS, async () => readOne(stats, nextTarget(set)));
  readRuns.push({ processes: set.length, stats });
  log(`  ${stats.total} requests, ${(stats.total / stats.elapsed()).toFixed(0)} req/s`);
}

// ------------------------------------------------------------------------------------ verify
// The ledger of acknowledged writes, for anyone who wants to look a mismatch up (bench/out is git-ignored).
mkdirSync("bench/out", { recursive: true });
writeFileSync(`bench/out/scale-out-ledger-${targets.length}p-${RUN}.json`, JSON.stringify(acked));
log("verifying acknowledged writes against the primary");
// Explicit array type oids (int8[] 1016, text[] 1009): postgres.js infers array types only once it has fetched them.
const big = (xs: string[]) => primary.array(xs, 1016);
const texts = (xs: string[]) => primary.array(xs, 1009);
interface Verdict {
  kind: WriteKind;
  acked: number;
  stored: number;
  unknown: number;
}
const verdicts: Verdict[] = [];
async function countStored(kind: WriteKind): Promise<number> {
  if (acked[kind].length === 0) return 0; // (postgres.js sends an empty typed array as a scalar)
  switch (kind) {
    case "auth.register": {
      const a = acked[kind];
      const [row] = await primary<{ n: number }[]>`
        SELECT count(*)::int AS n FROM unnest(${big(a.map((x) => x.userId))}::bigint[], ${texts(a.map((x) => x.username))}::text[],
                                            ${texts(a.map((x) => x.tokenHash))}::text[]) AS k(id, username, token_hash)
        WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = k.id AND u.username = k.username)
          AND EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = k.id AND s.token_hash = k.token_hash)`;
      return row!.n;
    }
    case "post.create": {
      const a = acked[kind];
      const [row] = await primary<{ n: number }[]>`
        SELECT count(*)::int AS n FROM unnest(${big(a.map((x) => x.postId))}::bigint[], ${big(a.map((x) => x.userId))}::bigint[],
                                            ${texts(a.map((x) => x.content))}::text[]) AS k(id, user_id, content)
        WHERE EXISTS (SELECT 1 FROM posts p WHERE p.id = k.id AND p.user_id = k.user_id AND p.content = k.content AND p.deleted_at IS NULL)`;
      return row!.n;
    }
    case "post.like": {
      const a = acked[kind];
      const [row] = await primary<{ n: number }[]>`
        SELECT count(*)::int AS n FROM unnest(${big(a.map((x) => x.userId))}::bigint[], ${big(a.map((x) => x.postId))}::bigint[]) AS k(u, p)
        WHERE EXISTS (SELECT 1 FROM post_interactions i WHERE i.user_id = k.u AND i.post_id = k.p AND i.type = 'like')`;
      return row!.n;
    }
    case "social.follow": {
      const a = acked[kind];
      const [row] = await primary<{ n: number }[]>`
        SELECT count(*)::int AS n FROM unnest(${big(a.map((x) => x.followerId))}::bigint[], ${big(a.map((x) => x.followingId))}::bigint[]) AS k(a, b)
        WHERE EXISTS (SELECT 1 FROM user_follows f WHERE f.follower_id = k.a AND f.following_id = k.b)`;
      return row!.n;
    }
    case "message.start": {
      const a = acked[kind];
      const [row] = await primary<{ n: number }[]>`
        SELECT count(*)::int AS n FROM unnest(${big(a.map((x) => x.conversationId))}::bigint[], ${big(a.map((x) => x.a))}::bigint[],
                                            ${big(a.map((x) => x.b))}::bigint[]) AS k(c, a, b)
        WHERE EXISTS (SELECT 1 FROM conversation_participants p WHERE p.conversation_id = k.c AND p.user_id = k.a)
          AND EXISTS (SELECT 1 FROM conversation_participants p WHERE p.conversation_id = k.c AND p.user_id = k.b)`;
      return row!.n;
    }
    case "message.send": {
      const a = acked[kind];
      const [row] = await primary<{ n: number }[]>`
        SELECT count(*)::int AS n FROM unnest(${big(a.map((x) => x.messageId))}::bigint[], ${big(a.map((x) => x.conversationId))}::bigint[],
                                            ${big(a.map((x) => x.senderId))}::bigint[], ${texts(a.map((x) => x.content))}::text[]) AS k(id, c, s, content)
        WHERE EXISTS (SELECT 1 FROM messages m WHERE m.id = k.id AND m.conversation_id = k.c AND m.sender_id = k.s AND m.content = k.content)`;
      return row!.n;
    }
  }
}
for (const kind of Object.keys(acked) as WriteKind[]) {
  verdicts.push({ kind, acked: acked[kind].length, stored: await countStored(kind), unknown: unknownOutcome.get(kind) ?? 0 });
}
// Counters maintained by triggers: every post touched by the run has likes_count = its like rows.
const touched = [...new Set(acked["post.like"].map((l) => l.postId))];
const [counterRow] = touched.length === 0 ? [{ bad: 0 }] : await primary<{ bad: number }[]>`
  SELECT count(*)::int AS bad FROM posts p
  WHERE p.id = ANY(${big(touched)}::bigint[])
    AND p.likes_count <> (SELECT count(*) FROM post_interactions i WHERE i.post_id = p.id AND i.type = 'like')`;
const counterMismatches = counterRow!.bad;
const readyAtEnd = await Promise.all(
  targets.map(async (base) => {
    try {
      const res = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(3_000) });
      return `${res.status}`;
    } catch {
      return "no answer within 3 s";
    }
  }),
);
const [replication] = await primary<{ state: string | null; replay_lag: string | null }[]>`
  SELECT state, replay_lag::text FROM pg_stat_replication LIMIT 1`;

// ------------------------------------------------------------------------------------ report
const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "–");
function kindTable(stats: Stats, kinds?: string[]): string {
  const lines = ["| kind | requests | req/s | p50 ms | p99 ms | responses |", "| --- | ---: | ---: | ---: | ---: | --- |"];
  const elapsed = stats.elapsed();
  const names = kinds ?? [...stats.kinds.keys()].sort();
  let all: number[] = [];
  for (const name of names) {
    const k = stats.kinds.get(name);
    if (!k) continue;
    const sorted = [...k.ms].sort((a, b) => a - b);
    all = all.concat(k.ms);
    const codes = [...k.codes.entries()].sort().map(([c, n]) => `${c}×${n}`).join(" ");
    lines.push(`| ${name} | ${k.n} | ${fmt(k.n / elapsed)} | ${fmt(percentile(sorted, 0.5), 2)} | ${fmt(percentile(sorted, 0.99), 2)} | ${codes} |`);
  }
  all.sort((a, b) => a - b);
  lines.push(`| **all** | **${all.length}** | **${fmt(all.length / elapsed)}** | ${fmt(percentile(all, 0.5), 2)} | ${fmt(percentile(all, 0.99), 2)} | |`);
  return lines.join("\n");
}

const fiveXX = [...allCodes.entries()].filter(([c]) => c.startsWith("5")).reduce((s, [, n]) => s + n, 0);
const otherNon2xx = [...allCodes.entries()].filter(([c]) => c !== "200" && !c.startsWith("5"));
const ackOk = verdicts.every((v) => v.acked === v.stored);
const cacheOk = cacheRounds.every((r) => r.nextRead);
const sseOk = sseRounds.every((r) => r.delivered) && sseErrors.length === 0;
const authorRows = ryw.rows.filter((r) => r.who === "author");
const rywOk = !replica || (ryw.paused && authorRows.length === 3 * targets.length && authorRows.every((r) => r.sees));
const sseMs = sseRounds.filter((r) => r.ms !== null).map((r) => r.ms!).sort((a, b) => a - b);
const readMixKinds = ["feed.home", "post.get", "user.get", "post.listByUser"];
const procs = targets.length;
const gitHead = (() => {
  try {
    return execSync("git rev-parse --short HEAD", { encoding: "utf8" }).trim();
  } catch {
    return "?";
  }
})();
const [pgv] = await primary<{ v: string }[]>`SELECT current_setting('server_version') AS v`;
const short = (u: string) => u.replace(/^https?:\/\//, "");

const md: string[] = [];
md.push(`## ${procs} process${procs > 1 ? "es" : ""}${opt.label ? ` ${opt.label}` : ""}: ${targets.map(short).join(", ")}`);
md.push("");
md.push(
  `Run \`${RUN}\` at ${new Date().toISOString()}, commit \`${gitHead}\`; ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ` +
    `${(totalmem() / 2 ** 30).toFixed(0)} GiB, PostgreSQL ${pgv!.v}, Bun ${Bun.version}. The client, both servers, PostgreSQL (primary and ` +
    `replica), PgBouncer and Redis share these cores. Command: \`bun bench/scale-out.ts --targets ${targets.join(",")} --seconds ${SECONDS} ` +
    `--concurrency ${CONCURRENCY} --database ${opt.database}${opt.replica ? ` --replica ${opt.replica}` : ""}${opt.label ? ` --label "${opt.label}"` : ""}\`.`,
);
md.push("");
md.push(`**Verdict:** acknowledged = stored: ${ackOk ? "✓" : "✗"} · 5xx: ${fiveXX} ${fiveXX === 0 ? "✓" : "✗"} · cache invalidation across processes: ${cacheOk ? "✓" : "✗"} · SSE across processes: ${sseOk ? "✓" : "✗"} · replica read-your-writes (author): ${replica ? (rywOk ? "✓" : "✗") : "skipped"} · like counters: ${counterMismatches === 0 ? "✓" : `✗ (${counterMismatches} posts)`}`);
md.push("");
if (phaseErrors.length) {
  md.push(`Checks that could not run to the end: ${phaseErrors.map((e) => `\`${e.replace(/`/g, "'")}\``).join("; ")}`);
  md.push("");
}
md.push(`### Mixed workload (${fmt(mixed.elapsed())} s, ${CONCURRENCY} concurrent clients, round-robin over ${procs} process${procs > 1 ? "es" : ""})`);
md.push("");
md.push(kindTable(mixed));
md.push("");
const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "–" : `${(x * 100).toFixed(0)}%`);
function cpuLine(c: Stats["cpu"]): string {
  if (!c) return "–";
  const parts = [...c.share.entries()].sort((x, y) => y[1] - x[1]).map(([g, v]) => `${g} ${pct(v)}`);
  const ours = [...c.share.values()].reduce((a, b) => a + b, 0) + c.client;
  return `machine ${pct(c.machine)} busy: bench client ${pct(c.client)}, ${parts.join(", ")}; everything else on the machine ${pct(Math.max(0, c.machine - ours))}`;
}
md.push(`CPU during the phase (share of all ${cpus().length} cores): ${cpuLine(mixed.cpu)}.`);
md.push("");
if (replicaBefore && replicaAfter) {
  md.push(
    `The replica committed ${replicaAfter.xact - replicaBefore.xact} transactions during the mixed phase ` +
      `(${fmt((replicaAfter.xact - replicaBefore.xact) / mixed.elapsed(), 0)}/s, including the processes' own replay-position polls, 10/s each) ` +
      `and returned ${replicaAfter.tup - replicaBefore.tup} tuples: reads were ${replicaAfter.xact - replicaBefore.xact > mixed.elapsed() * 10 * procs * 1.2 ? "" : "**not** "}routed there.`,
  );
  md.push("");
}
md.push(`Setup before it (not in the table): ${setup.total} requests (${2 * CONCURRENCY} registrations, their first posts and follows).`);
md.push("");
md.push("### Acknowledged vs stored (queried on the primary after the run)");
md.push("");
md.push("| write | acknowledged (200) | stored | no definite answer (5xx / transport) |");
md.push("| --- | ---: | ---: | ---: |");
for (const v of verdicts) md.push(`| ${v.kind} | ${v.acked} | ${v.stored} ${v.acked === v.stored ? "✓" : "✗"} | ${v.unknown} |`);
md.push("");
md.push(`Every write of every phase (setup, mixed, checks). Posts liked in the run whose \`likes_count\` differs from their like rows: ${counterMismatches}.`);
md.push("");
md.push(`Responses of the whole run by status: ${[...allCodes.entries()].sort().map(([c, n]) => `${c}×${n}`).join(", ")}. 5xx: **${fiveXX}**.` +
  (otherNon2xx.length ? ` Other non-2xx: ${otherNon2xx.map(([c, n]) => `${c}×${n}`).join(", ")} ("network" = no answer within 15 s or a reset connection; 404s from the other user's post.get under paused replay are expected).` : ""));
if (samples.length) {
  md.push("");
  md.push("Unexpected non-200 answers (first few):");
  md.push("");
  for (const s of samples) md.push(`- \`${s.replace(/`/g, "'")}\``);
}
md.push("");
md.push(`### Cross-process cache invalidation (${cacheRounds.length} rounds)`);
md.push("");
md.push(
  `A follower reads \`feed.home\` twice on one process (the page is cached in Redis), the author posts through the other process, ` +
    `the follower's very next \`feed.home\` on the first process must contain the post. Alternating direction.`,
);
md.push("");
const misses = cacheRounds.filter((r) => !r.nextRead);
md.push(`Seen on the very next read: **${cacheRounds.length - misses.length}/${cacheRounds.length}**${procs === 1 ? " (one process: not cross-process)" : ""}.`);
for (const m of misses) {
  md.push(`- missed: written via ${short(m.write)}, read via ${short(m.read)}; ${m.onReplica === null ? "replica not checked" : m.onReplica ? "the replica already had the post" : "the replica did not have the post yet"}; visible after ${m.visibleAfterMs === null ? "never (2 s)" : `${fmt(m.visibleAfterMs, 0)} ms`}`);
}
md.push("");
md.push(`### SSE delivery across processes (${sseRounds.length} messages)`);
md.push("");
md.push(
  `One receiver holds a \`message.onEvent\` stream open on each process; each message is sent through the other process than the ` +
    `stream it is timed on (send request start → event).`,
);
md.push("");
md.push(
  `Delivered: **${sseRounds.filter((r) => r.delivered).length}/${sseRounds.length}**${procs === 1 ? " (one process: not cross-process)" : ""}; ` +
    `latency p50 ${fmt(percentile(sseMs, 0.5), 1)} ms, max ${fmt(sseMs[sseMs.length - 1] ?? NaN, 1)} ms.` +
    (sseErrors.length ? ` Problems: ${sseErrors.join("; ")}` : " Both streams received every message."),
);
md.push("");
md.push("### Replica read-your-writes under paused replay");
md.push("");
if (!replica) md.push(ryw.note!);
else {
  if (ryw.note) {
    md.push(`**${ryw.note}**`);
    md.push("");
  }
  if (ryw.rows.length) {
    md.push(
      `\`pg_wal_replay_pause()\` on the replica (${ryw.paused ? "paused" : "**did not reach paused**"}); the author posts through ${short(A)}, then ` +
        `reads through every process; another user (a follower) does the same reads. The replica ${ryw.replicaHadPost ? "**had**" : "did not have"} ` +
        `the post while paused (${fmt(ryw.pausedForMs, 0)} ms). Replay then resumed.`,
    );
    md.push("");
    md.push("| who | procedure | via | sees the new post | status |");
    md.push("| --- | --- | --- | --- | --- |");
    for (const r of ryw.rows) md.push(`| ${r.who} | ${r.procedure} | ${short(r.via)} | ${r.sees ? "yes" : r.who === "author" ? "**no ✗**" : "no (stale)"} | ${r.status} |`);
    md.push("");
    const staleOther = ryw.rows.filter((r) => r.who === "other user" && !r.sees).length;
    md.push(
      `Author: ${ryw.rows.filter((r) => r.who === "author" && r.sees).length}/${ryw.rows.filter((r) => r.who === "author").length} reads saw the post. ` +
        `Other user: ${staleOther}/${ryw.rows.filter((r) => r.who === "other user").length} reads were stale while replay was paused (allowed); ` +
        `after resume their feed.home showed it on every process after ${ryw.otherVisibleAfterResumeMs === null ? "— (not within 5 s)" : `${fmt(ryw.otherVisibleAfterResumeMs, 0)} ms`}.`,
    );
  }
}
md.push("");
md.push(`### Read-mix throughput (${READ_SECONDS} s per phase, ${CONCURRENCY} concurrent clients, round-robin; 40% feed.home, 30% post.get, 15% user.get, 15% post.listByUser)`);
md.push("");
md.push("| processes | requests | req/s | p50 ms | p99 ms | non-200 | CPU (share of all cores) |");
md.push("| ---: | ---: | ---: | ---: | ---: | ---: | --- |");
for (const r of readRuns) {
  const all = [...r.stats.kinds.values()].flatMap((k) => k.ms).sort((a, b) => a - b);
  const bad = [...r.stats.kinds.values()].reduce((s, k) => s + [...k.codes.entries()].filter(([c]) => c !== "200").reduce((t, [, n]) => t + n, 0), 0);
  md.push(`| ${r.processes} | ${all.length} | ${fmt(all.length / r.stats.elapsed())} | ${fmt(percentile(all, 0.5), 2)} | ${fmt(percentile(all, 0.99), 2)} | ${bad} | ${cpuLine(r.stats.cpu)} |`);
}
if (targets.length > 1) {
  const rate = (n: number) => {
    const runs = readRuns.filter((r) => r.processes === n);
    return runs.reduce((s, r) => s + r.stats.total, 0) / runs.reduce((s, r) => s + r.stats.elapsed(), 0);
  };
  md.push("");
  md.push(`${procs} processes vs 1 over ${READ_ROUNDS} alternating round(s): ${fmt(rate(procs))} vs ${fmt(rate(1))} req/s, **${fmt(rate(procs) / rate(1), 2)}×** the read throughput.`);
}
for (const [i, r] of readRuns.entries()) {
  md.push("");
  md.push(`<details><summary>read mix round ${Math.floor(i / (targets.length > 1 ? 2 : 1)) + 1} through ${r.processes} process${r.processes > 1 ? "es" : ""}, per kind</summary>`);
  md.push("");
  md.push(kindTable(r.stats, readMixKinds));
  md.push("");
  md.push("</details>");
}
md.push("");
md.push(
  `Replication at the end: ${replication ? `${replication.state}, replay_lag ${replication.replay_lag ?? "0"}` : "no replica connected"}. ` +
    `/ready at the start: ${readyInfo.map((r, i) => `${short(targets[i]!)} ${JSON.stringify(r.replicas ?? r.status)}`).join("; ")}; ` +
    `at the end: ${readyAtEnd.map((r, i) => `${short(targets[i]!)} ${r}`).join(", ")}.`,
);
const section = md.join("\n");
console.log("\n" + section + "\n");

// One section per (process count, label), replacing an earlier run with the same key.
const HEADER = `# Scale-out benchmark

\`bun bench/scale-out.ts\` against the local production topology of \`scripts/topology.sh up\`: two VRSS
processes (ports 3101, 3102) writing through PgBouncer in transaction mode (6440) to a PostgreSQL 15
primary (5440), reading from its streaming replica (5441) with read-your-writes, sharing Redis (6380)
and one S3 endpoint (s3rver, 9440). Each section is one run; \`--targets\` with one URL gives the
one-process section, \`--label\` names the configuration. Every figure in a run section is printed by the
bench; the findings between the notes markers are written by hand and kept across reruns.
`;
const key = `${procs}${opt.label ? ` ${opt.label}` : ""}`;
const blocks = new Map<string, string>();
if (existsSync(opt.out!)) {
  const text = readFileSync(opt.out!, "utf8");
  for (const m of text.matchAll(/<!-- run:(.+?) -->\n([\s\S]*?)\n<!-- \/run:\1 -->/g)) blocks.set(m[1]!, m[2]!);
}
blocks.set(key, section);
// Hand-written findings between <!-- notes --> and <!-- /notes --> survive reruns.
const notes = existsSync(opt.out!) ? (readFileSync(opt.out!, "utf8").match(/<!-- notes -->[\s\S]*?<!-- \/notes -->/)?.[0] ?? "") : "";
const order = (k: string) => [k.replace(/^\d+ ?/, ""), -Number(k.match(/^\d+/)?.[0] ?? 0)] as const;
const sorted = [...blocks.entries()].sort((a, b) => {
  const [la, na] = order(a[0]);
  const [lb, nb] = order(b[0]);
  return la === lb ? na - nb : la < lb ? -1 : 1;
});
const out = [HEADER, ...(notes ? [notes, ""] : []), ...sorted.map(([k, s]) => `<!-- run:${k} -->\n${s}\n<!-- /run:${k} -->`)].join("\n");
mkdirSync(dirname(opt.out!), { recursive: true });
writeFileSync(opt.out!, out + "\n");
log(`report written to ${opt.out} (section "${key}")`);

await primary.end({ timeout: 5 });
await replica?.end({ timeout: 5 });
if (!ackOk || fiveXX > 0) process.exit(1);
if (!cacheOk || !sseOk || !rywOk || counterMismatches > 0) process.exit(3);
process.exit(0);
