// The in-process session cache (src/modules/auth/session-cache.ts): a cached session works without
// its row being read; every revocation (logout, logoutAll, password change, suspension, deletion)
// holds on the very next request, in the revoking process and, over Redis pub/sub, in another
// server process; the cache is bypassed whenever delivery of revocations is in doubt; entries
// are re-read (renewed and re-checked) 5 minutes after their renewal.
//
// "Served from the cache" is observed from outside by revoking a session behind the app's back
// (SQL, no message): only a cache still answers 200 for it. Such a witness that survives a test's
// revocation also proves the cache was live throughout (any doubt clears everything).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { spawn } from "bun";
import { resolve } from "node:path";
import { env as processEnv } from "../../src/env";
import { logger } from "../../src/lib/logger";
import { createPubSub } from "../../src/lib/pubsub";
import { connectRedis } from "../../src/lib/redis";
import { SessionCache, type CachedSession } from "../../src/modules/auth/session-cache";
import { RENEW_AFTER_SECONDS, resolveSession } from "../../src/modules/auth/session.service";
import { setAccountStatus } from "../../src/modules/user/account-status";
import type { RunningServer } from "../../src/server";
import { spawnServer, waitUntil, type ServerProcess } from "../faults/process";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { createSessionToken, createUserWithToken, TEST_PASSWORD, type TestUser } from "../helpers/factories";
import { deleteRedisKeys, rpc, startTestServer } from "../helpers/server";
import { fakePubSub, revokeSilently } from "../helpers/session-cache";

setDefaultTimeout(30_000); // see tests/setup.ts

const silent = logger.child({}, { level: "silent" });
type Authed = TestUser & { token: string };

let t: TestDatabase;
let s: RunningServer;

beforeAll(async () => {
  t = await createTestDatabase();
  s = await startTestServer(t, { RATE_LIMIT_LOGIN_PER_IP: "10000" });
}, 60_000);
afterAll(async () => {
  await s?.stop();
  await t?.close();
});

const me = (url: string, token: string) => rpc(url, "auth.me", undefined, { method: "GET", token });
const status = async (url: string, token: string) => (await me(url, token)).status;
const user = (): Promise<Authed> => createUserWithToken(t.sql);

/** Until the server's cache serves (subscribed, heartbeat back). */
const cacheServing = (server: RunningServer) => waitUntil(() => server.deps.sessions.stats().serving, 15_000, "the session cache to serve");

/**
 * Runs `scenario` until one run is conclusive (its witness, revoked silently before, was still
 * served afterwards: the cache was live the whole time). Every run's own assertions must hold.
 */
async function conclusively(what: string, scenario: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) if (await scenario()) return;
  throw new Error(`${what}: the cache never stayed live through a whole run`);
}

/** A user whose session is cached by every server at `urls`, revoked behind their back: 200 only from a cache. */
async function witness(urls: string[]): Promise<Authed> {
  const w = await user();
  for (const url of urls) expect(await status(url, w.token)).toBe(200);
  await revokeSilently(t.sql, w.token);
  return w;
}

// ---------------------------------------------------------------------------------------------
describe("one server", () => {
  test("a cached session answers without its row: a repeat request is a hit", async () => {
    await cacheServing(s);
    await conclusively("cached session", async () => {
      const u = await user();
      const before = s.deps.sessions.stats().hits;
      expect(await status(s.url, u.token)).toBe(200);
      expect((await me(s.url, u.token)).body.result.data.id).toBe(u.id);
      await revokeSilently(t.sql, u.token);
      const served = await status(s.url, u.token); // 200 from the cache, or 401 if it just lapsed
      return served === 200 && s.deps.sessions.stats().hits >= before + 2;
    });
  });

  test("logout: the very next request with the token is UNAUTHORIZED; a sibling session stays cached", async () => {
    await cacheServing(s);
    await conclusively("logout", async () => {
      const u = await user();
      const sibling = await createSessionToken(t.sql, u.id);
      for (const token of [u.token, sibling]) expect(await status(s.url, token)).toBe(200);
      await revokeSilently(t.sql, sibling);
      expect((await rpc(s.url, "auth.logout", undefined, { token: u.token })).status).toBe(200);
      expect((await me(s.url, u.token)).body.error.data.appCode).toBe("SESSION_INVALID");
      return (await status(s.url, sibling)) === 200;
    });
  });

  test("logoutAll, changePassword, suspension and deletion hold on the very next request", async () => {
    await cacheServing(s);
    const cases: [string, (u: Authed, tokens: string[]) => Promise<void>, { keepsCaller?: boolean }][] = [
      ["logoutAll", async (u) => void expect((await rpc(s.url, "auth.logoutAll", undefined, { token: u.token })).status).toBe(200), {}],
      ["changePassword", async (u) => {
        const res = await rpc(s.url, "auth.changePassword", { currentPassword: TEST_PASSWORD, newPassword: "N3wPassword" }, { token: u.token });
        expect(res.body.result.data).toEqual({ revokedSessions: 2 });
      }, { keepsCaller: true }],
      ["suspension", async (u) => void (await setAccountStatus(s.deps.database.db, s.deps.cache, u.username, "suspended", s.deps.sessions)), {}],
      ["deletion", async (u) => void expect((await rpc(s.url, "user.delete", { password: TEST_PASSWORD }, { token: u.token })).status).toBe(200), {}],
    ];
    for (const [name, revoke, { keepsCaller }] of cases) {
      await conclusively(name, async () => {
        const u = await user();
        const others = [await createSessionToken(t.sql, u.id), await createSessionToken(t.sql, u.id)];
        for (const token of [u.token, ...others]) expect(await status(s.url, token)).toBe(200);
        const w = await witness([s.url]);
        await revoke(u, others);
        for (const token of others) expect({ name, status: await status(s.url, token) }).toEqual({ name, status: 401 });
        expect({ name, status: await status(s.url, u.token) }).toEqual({ name, status: keepsCaller ? 200 : 401 });
        return (await status(s.url, w.token)) === 200;
      });
    }
  });

  test("the public page's viewer (GET /@user, cookie) comes from the same cache and revocation", async () => {
    await cacheServing(s);
    await conclusively("page viewer", async () => {
      const u = await user();
      const viewerOnPage = async (token: string) => {
        const html = await (await fetch(`${s.url}/@${u.username}`, { headers: { cookie: `vrss_session=${token}` } })).text();
        return /data-viewer="([^"]*)"/.exec(html)?.[1];
      };
      const sibling = await createSessionToken(t.sql, u.id);
      for (const token of [u.token, sibling]) expect(await viewerOnPage(token)).toBe(u.username);
      await revokeSilently(t.sql, sibling);
      expect((await rpc(s.url, "auth.logout", undefined, { token: u.token })).status).toBe(200);
      expect(await viewerOnPage(u.token)).toBe(""); // anonymous at once
      return (await viewerOnPage(sibling)) === u.username; // served from the cache
    });
  });

  test("renewal: an entry renewed longer ago than the window is a miss, whose read renews the row and re-checks it", async () => {
    const pubsub = createPubSub(null);
    const cache = new SessionCache({ ttlMs: 30_000, pubsub, redis: null, log: silent, renewAfterMs: 300 });
    cache.start();
    try {
      await waitUntil(() => cache.stats().serving, 5_000, "serving");
      const u = await user();
      await t.sql`UPDATE sessions SET last_seen_at = NOW() - INTERVAL '1 hour', expires_at = NOW() + INTERVAL '1 day'
                  WHERE user_id = ${u.id}`;
      expect(RENEW_AFTER_SECONDS).toBe(300);
      // The hour-old row is renewed by the first read (the service's window is 300 s).
      expect((await resolveSession(t.db, u.token, 30, cache))?.userId).toBe(u.id);
      const days = async () => (await t.sql<{ d: number }[]>`
        SELECT EXTRACT(EPOCH FROM (expires_at - NOW()))::float / 86400 AS d FROM sessions WHERE user_id = ${u.id}`)[0]!.d;
      expect(await days()).toBeGreaterThan(29.9);
      // Within the cache's (test) window: a hit, even though the row is revoked meanwhile...
      await revokeSilently(t.sql, u.token);
      const hits = cache.stats().hits;
      expect((await resolveSession(t.db, u.token, 30, cache))?.userId).toBe(u.id);
      expect(cache.stats().hits).toBe(hits + 1);
      // ...past it, a miss: the row is read again, and the revocation found.
      await Bun.sleep(350);
      expect(await resolveSession(t.db, u.token, 30, cache)).toBeNull();
    } finally {
      await cache.close();
      await pubsub.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe("when delivery of revocations is in doubt, the cache is bypassed", () => {
  const live = (id: string): CachedSession => ({ sessionId: id, userId: `u${id}`, username: `user${id}`, lastRenewedAt: Date.now() });
  function counted() {
    let calls = 0;
    const load = async () => (calls++, live("1"));
    return { load, calls: () => calls };
  }
  async function withCache(
    fake: ReturnType<typeof fakePubSub>, redis: { available(): boolean } | null,
    run: (cache: SessionCache) => Promise<void>, opts: { staleMs?: number; maxEntries?: number } = {},
  ) {
    const cache = new SessionCache({
      ttlMs: 30_000, pubsub: fake.pubsub, redis, log: silent, renewAfterMs: 300_000,
      heartbeatMs: 20, heartbeatStaleMs: opts.staleMs ?? 10_000, maxEntries: opts.maxEntries,
    });
    cache.start();
    try {
      await run(cache);
    } finally {
      await cache.close();
    }
  }

  test("the subscription cannot be made: every request reads the row", async () => {
    const fake = fakePubSub();
    fake.subscribeFails = true;
    await withCache(fake, { available: () => true }, async (cache) => {
      const { load, calls } = counted();
      for (let i = 0; i < 3; i++) expect((await cache.resolve("k", load))?.userId).toBe("u1");
      expect(calls()).toBe(3);
      expect(cache.stats()).toMatchObject({ size: 0, hits: 0, bypasses: 3, serving: false });
    });
  });

  test("against a Redis that does not answer (real client, real pub/sub): bypassed", async () => {
    const redis = connectRedis("redis://127.0.0.1:1", "vrsstest:dead:", { log: silent, commandTimeoutMs: 100, breakerOpenMs: 200 });
    const pubsub = createPubSub(redis);
    const cache = new SessionCache({ ttlMs: 30_000, pubsub, redis, log: silent, renewAfterMs: 300_000 });
    cache.start();
    try {
      const { load, calls } = counted();
      for (let i = 0; i < 3; i++) await cache.resolve("k", load);
      await Bun.sleep(300);
      await cache.resolve("k", load);
      expect(calls()).toBe(4);
      expect(cache.stats()).toMatchObject({ size: 0, hits: 0, serving: false });
    } finally {
      await cache.close();
      await pubsub.close();
      await redis.close();
    }
  });

  test("not yet confirmed by a heartbeat: bypassed; once one is back: served", async () => {
    const fake = fakePubSub();
    fake.dropping = true; // subscribed, but nothing comes back
    await withCache(fake, { available: () => true }, async (cache) => {
      const { load, calls } = counted();
      await cache.resolve("k", load);
      await cache.resolve("k", load);
      expect(calls()).toBe(2);
      fake.dropping = false;
      await waitUntil(() => cache.stats().serving, 5_000, "serving");
      await cache.resolve("k", load);
      await cache.resolve("k", load);
      expect(calls()).toBe(3);
    });
  });

  test("Redis unavailable: bypassed and cleared; served again only after a heartbeat sent after the outage", async () => {
    const fake = fakePubSub();
    let up = true;
    await withCache(fake, { available: () => up }, async (cache) => {
      const { load, calls } = counted();
      await waitUntil(() => cache.stats().serving, 5_000, "serving");
      await cache.resolve("k", load);
      expect(cache.stats().size).toBe(1);
      up = false;
      fake.dropping = true; // what was published during the outage is lost
      await cache.resolve("k", load);
      expect(cache.stats()).toMatchObject({ size: 0, serving: false });
      up = true;
      expect(cache.stats().serving).toBe(false); // available again, but no heartbeat since
      fake.dropping = false;
      await waitUntil(() => cache.stats().serving, 5_000, "serving again");
      await cache.resolve("k", load);
      expect(calls()).toBe(3);
    });
  });

  test("heartbeats stop coming back (a frozen Redis, a dead subscriber connection): bypassed and cleared", async () => {
    const fake = fakePubSub();
    await withCache(fake, { available: () => true }, async (cache) => {
      const { load, calls } = counted();
      await waitUntil(() => cache.stats().serving, 5_000, "serving");
      await cache.resolve("k", load);
      fake.dropping = true;
      await waitUntil(() => !cache.stats().serving, 5_000, "the doubt");
      expect(cache.stats().size).toBe(0);
      await cache.resolve("k", load);
      fake.dropping = false;
      await waitUntil(() => cache.stats().serving, 5_000, "serving again");
      await cache.resolve("k", load);
      expect(calls()).toBe(3);
    }, { staleMs: 150 });
  });

  test("onReconnect clears: messages may have been lost", async () => {
    const fake = fakePubSub();
    await withCache(fake, { available: () => true }, async (cache) => {
      await waitUntil(() => cache.stats().serving, 5_000, "serving");
      const { load, calls } = counted();
      await cache.resolve("k", load);
      expect(cache.stats().size).toBe(1);
      fake.fireReconnect();
      expect(cache.stats().size).toBe(0);
      await cache.resolve("k", load);
      expect(calls()).toBe(2);
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe("revocation messages and bounds", () => {
  async function localCache(opts: { maxEntries?: number } = {}) {
    const fake = fakePubSub();
    const cache = new SessionCache({ ttlMs: 30_000, pubsub: fake.pubsub, redis: null, log: silent, renewAfterMs: 300_000, ...opts });
    cache.start();
    await waitUntil(() => cache.stats().serving, 5_000, "serving");
    return { fake, cache };
  }
  const session = (id: string, userId = `u${id}`): CachedSession => ({ sessionId: id, userId, username: `n${id}`, lastRenewedAt: Date.now() });

  test("messages by session id and by user id drop exactly those entries", async () => {
    const { fake, cache } = await localCache();
    try {
      for (const [key, sess] of [["a", session("1", "u1")], ["b", session("2", "u1")], ["c", session("3", "u2")]] as const) {
        await cache.resolve(key, async () => sess);
      }
      await fake.pubsub.publish("sessions:revoked", { sessionId: "1" });
      await Bun.sleep(0);
      expect(cache.stats().size).toBe(2);
      await fake.pubsub.publish("sessions:revoked", { userId: "u1" });
      await Bun.sleep(0);
      expect(cache.stats().size).toBe(1);
      await fake.pubsub.publish("sessions:revoked", { something: "else" }); // unknown: everything goes
      await Bun.sleep(0);
      expect(cache.stats().size).toBe(0);
    } finally {
      await cache.close();
    }
  });

  test("a read that raced a revocation is not cached", async () => {
    const { cache } = await localCache();
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const racing = cache.resolve("k", async () => (await gate, session("1")));
      cache.drop({ userId: "u1" }); // the revocation's message arrives while the row read is in flight
      release();
      expect((await racing)?.sessionId).toBe("1"); // that request saw the row before the commit
      expect(cache.stats().size).toBe(0); // but nobody after it is served from that read
    } finally {
      await cache.close();
    }
  });

  test("revoked(): drops locally, publishes; a failed publish is logged, retried, and the request still succeeds", async () => {
    const { fake, cache } = await localCache();
    try {
      await cache.resolve("k", async () => session("1"));
      fake.publishFails = true;
      await cache.revoked({ sessionId: "1" }); // resolves: the revocation itself committed
      expect(cache.stats().size).toBe(0);
      fake.publishFails = false;
      await waitUntil(() => fake.published.some((p) => p.channel === "sessions:revoked"), 5_000, "the retried publish");
    } finally {
      await cache.close();
    }
  });

  test("bounded: least recently used entries are evicted", async () => {
    const { cache } = await localCache({ maxEntries: 3 });
    try {
      const loads: string[] = [];
      const get = (k: string) => cache.resolve(k, async () => (loads.push(k), session(k)));
      for (const k of ["1", "2", "3"]) await get(k);
      await get("1"); // most recently used now
      await get("4"); // evicts 2
      expect(cache.stats().size).toBe(3);
      loads.length = 0;
      for (const k of ["1", "3", "4", "2"]) await get(k);
      expect(loads).toEqual(["2"]);
    } finally {
      await cache.close();
    }
  });

  test("SESSION_CACHE_TTL_MS=0: nothing is cached, revocations are still published", async () => {
    const fake = fakePubSub();
    const cache = new SessionCache({ ttlMs: 0, pubsub: fake.pubsub, redis: null, log: silent, renewAfterMs: 300_000 });
    cache.start();
    let calls = 0;
    await cache.resolve("k", async () => (calls++, session("1")));
    await cache.resolve("k", async () => (calls++, session("1")));
    expect(calls).toBe(2);
    await cache.revoked({ userId: "u1" });
    expect(fake.published).toEqual([{ channel: "sessions:revoked", message: { userId: "u1" } }]);
    await cache.close();
  });
});

// ---------------------------------------------------------------------------------------------
// Two real server processes on one database and one Redis: a revocation through A (or through the
// operator's CLI, a third process) holds on the very next request through B.
const redisUrl = processEnv.TEST_REDIS_URL;
describe.skipIf(!redisUrl)("two server processes", () => {
  let db: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  const prefix = `vrsstest:${randomBytes(4).toString("hex")}:`;

  beforeAll(async () => {
    db = await createTestDatabase();
    if (!db.url) return;
    const env = { DATABASE_URL: db.url, REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: prefix, MIGRATE_ON_START: "false", RATE_LIMIT_LOGIN_PER_IP: "10000" };
    [a, b] = await Promise.all([spawnServer(env), spawnServer(env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.cleanup(), b?.cleanup()]);
    await deleteRedisKeys(redisUrl!, prefix);
    await db?.close();
  });

  const dbUser = (): Promise<Authed> => createUserWithToken(db.sql);
  /** A witness in this file's database: cached by both processes, then revoked behind their back. */
  async function witness2(): Promise<Authed> {
    const w = await dbUser();
    for (const url of [a.url, b.url]) expect(await status(url, w.token)).toBe(200);
    await revokeSilently(db.sql, w.token);
    return w;
  }
  /** Until both processes serve from their caches (subscribed, heartbeat back). */
  async function bothServing() {
    await waitUntil(async () => {
      const w = await witness2();
      return (await status(a.url, w.token)) === 200 && (await status(b.url, w.token)) === 200;
    }, 20_000, "both processes' session caches to serve");
  }

  test("logout through A: the very next request through B is UNAUTHORIZED (a sibling session stays cached in B)", async () => {
    if (!db.url) return;
    await bothServing();
    await conclusively("logout across processes", async () => {
      const u = await dbUser();
      const sibling = await createSessionToken(db.sql, u.id);
      for (const url of [a.url, b.url]) for (const token of [u.token, sibling]) expect(await status(url, token)).toBe(200);
      await revokeSilently(db.sql, sibling);
      expect((await rpc(a.url, "auth.logout", undefined, { token: u.token })).status).toBe(200);
      const next = await me(b.url, u.token);
      expect({ status: next.status, appCode: next.body?.error?.data?.appCode }).toEqual({ status: 401, appCode: "SESSION_INVALID" });
      return (await status(b.url, sibling)) === 200;
    });
  });

  test("logoutAll, changePassword and deletion through A hold on the very next request through B", async () => {
    if (!db.url) return;
    await bothServing();
    const cases: [string, (u: Authed) => Promise<void>, boolean][] = [
      ["logoutAll", async (u) => void expect((await rpc(a.url, "auth.logoutAll", undefined, { token: u.token })).status).toBe(200), false],
      ["changePassword", async (u) => {
        const res = await rpc(a.url, "auth.changePassword", { currentPassword: TEST_PASSWORD, newPassword: "N3wPassword" }, { token: u.token });
        expect(res.status).toBe(200);
      }, true],
      ["deletion", async (u) => void expect((await rpc(a.url, "user.delete", { password: TEST_PASSWORD }, { token: u.token })).status).toBe(200), false],
    ];
    for (const [name, revoke, keepsCaller] of cases) {
      await conclusively(name, async () => {
        const u = await dbUser();
        const other = await createSessionToken(db.sql, u.id);
        for (const url of [a.url, b.url]) for (const token of [u.token, other]) expect(await status(url, token)).toBe(200);
        const w = await witness2();
        await revoke(u);
        expect({ name, status: await status(b.url, other) }).toEqual({ name, status: 401 });
        expect({ name, status: await status(b.url, u.token) }).toEqual({ name, status: keepsCaller ? 200 : 401 });
        return (await status(b.url, w.token)) === 200;
      });
    }
  });

  test("suspension by the operator's CLI (a third process): the very next request through A and B is UNAUTHORIZED", async () => {
    if (!db.url) return;
    await bothServing();
    await conclusively("suspension across processes", async () => {
      const u = await dbUser();
      for (const url of [a.url, b.url]) expect(await status(url, u.token)).toBe(200);
      const w = await witness2();
      const cli = spawn(["bun", "scripts/account-status.ts", "suspend", u.username], {
        cwd: resolve(import.meta.dir, "../.."),
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATABASE_URL: db.url!, REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: "silent" },
        stdout: "pipe",
        stderr: "pipe",
      });
      const code = await cli.exited;
      const stderr = await new Response(cli.stderr).text();
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      for (const url of [b.url, a.url]) expect(await status(url, u.token)).toBe(401);
      return (await status(b.url, w.token)) === 200 && (await status(a.url, w.token)) === 200;
    });
  });
});
