// Everything Redis-backed, against a real Redis Cluster (TEST_REDIS_CLUSTER_NODES, e.g. the three
// masters of `.ci/redis-cluster.sh start`): the cache (multi-key DEL and the bumpMany fan-out split
// by slot), rate limits, pub/sub across two clients, a fail-fast client when no node answers, and
// one full server (register → follow → post.create → feed.home). Keys live under a random prefix and
// are removed from every master at the end. Unset: every test here is skipped, saying so.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { randomBytes } from "node:crypto";
import type Redis from "ioredis";
import { Cluster } from "ioredis";
import { env as processEnv, parseEnv } from "../../src/env";
import { RedisCache } from "../../src/lib/cache";
import { AppError } from "../../src/lib/errors";
import { createPubSub } from "../../src/lib/pubsub";
import { createRateLimits } from "../../src/lib/rate-limit";
import { logger } from "../../src/lib/logger";
import { connectRedis, keySlot, RedisUnavailableError, type RedisHandle } from "../../src/lib/redis";
import { callersOf, ok, useServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const NODES = processEnv.TEST_REDIS_CLUSTER_NODES;
const SKIP_REASON = "TEST_REDIS_CLUSTER_NODES unset: Redis Cluster tests skipped (`.ci/redis-cluster.sh start`, then TEST_REDIS_CLUSTER_NODES=127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003)";

if (!NODES) {
  console.warn(`[redis-cluster.test] ${SKIP_REASON}`);
  test.skip(SKIP_REASON, () => {});
} else {
  const nodes = NODES.split(",").map((s) => s.trim()).filter(Boolean);
  // No braces in the prefix: a {tag} there would put every key into one slot and prove nothing.
  const prefix = `vrssct:${randomBytes(4).toString("hex")}:`;
  /** Prefixes whose keys are removed from every master in afterAll (the server adds its own). */
  const cleanupPrefixes = new Set([prefix]);
  const handles: RedisHandle[] = [];
  const open = () => {
    const h = connectRedis(nodes, prefix);
    handles.push(h);
    return h;
  };
  let redis: RedisHandle;
  let cluster: Cluster;

  /** The masters as plain per-node connections (SCAN, and PUBLISH through one chosen node). */
  const masters = (): Redis[] => cluster.nodes("master");

  /** Keys under `match` that each master holds (SCAN is node-local). */
  async function keysPerMaster(match: string): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const node of masters()) {
      const found: string[] = [];
      let cursor = "0";
      do {
        const [next, batch] = await node.scan(cursor, "MATCH", match, "COUNT", 1000);
        cursor = next;
        found.push(...batch);
      } while (cursor !== "0");
      out.set(`${node.options.host}:${node.options.port}`, found);
    }
    return out;
  }

  beforeAll(async () => {
    redis = open();
    expect(redis.client).toBeInstanceOf(Cluster);
    cluster = redis.client as Cluster;
    await cluster.ping();
  });

  afterAll(async () => {
    if (cluster) {
      let removed = 0;
      for (const p of cleanupPrefixes) {
        for (const [node, keys] of await keysPerMaster(`${p}*`)) {
          const conn = masters().find((m) => `${m.options.host}:${m.options.port}` === node)!;
          // One key per UNLINK: this node owns each of them, but not necessarily in one slot.
          for (let i = 0; i < keys.length; i += 1000) {
            const pipeline = conn.pipeline();
            for (const key of keys.slice(i, i + 1000)) pipeline.unlink(key);
            await pipeline.exec();
          }
          removed += keys.length;
        }
      }
      const left = [...cleanupPrefixes].map(async (p) => [...(await keysPerMaster(`${p}*`)).values()].flat().length);
      const leftCount = (await Promise.all(left)).reduce((a, b) => a + b, 0);
      if (leftCount) console.warn(`[redis-cluster.test] ${leftCount} test keys left after removing ${removed}`);
    }
    for (const h of handles) await h.close();
  });

  describe("Redis Cluster client", () => {
    test("REDIS_CLUSTER_NODES-style seeds give ioredis' Cluster client, which finds every master and all 16384 slots", async () => {
      expect(redis.mode).toBe("cluster");
      const info = String(await cluster.cluster("INFO"));
      expect(info).toContain("cluster_state:ok");
      expect(info).toContain("cluster_slots_assigned:16384");
      expect(masters().length).toBeGreaterThanOrEqual(2);
      expect(masters().length).toBe(Number(/cluster_size:(\d+)/.exec(info)?.[1]));
    });

    test("keySlot agrees with the server's CLUSTER KEYSLOT, {hash tags} included", async () => {
      const keys = ["a", "user:1", `${prefix}cache:v:home:42`, "{team}:1", "x{team}y", "{}z", "{a}{b}", "é✓"];
      for (const key of keys) expect(keySlot(key)).toBe(Number(await cluster.cluster("KEYSLOT", key)));
      expect(keySlot("{team}:1")).toBe(keySlot("x{team}y"));
    });

    test("a client whose seeds do not answer fails a command within 2 s instead of queueing it forever", async () => {
      // A port nobody listens on: bind one, note it, close it.
      const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
      const port = probe.port;
      probe.stop(true);
      const dead = connectRedis([`127.0.0.1:${port}`], prefix, { log: logger.child({}, { level: "silent" }) });
      try {
        const started = Date.now();
        const first = await dead.client.get("k").then(() => "answered", (e: Error) => e.message);
        expect(first).not.toBe("answered");
        await Bun.sleep(250); // now it is reconnecting: a later command must not queue either
        const second = await dead.client.get("k").then(() => "answered", (e: Error) => e.message);
        expect(second).not.toBe("answered");
        expect(Date.now() - started).toBeLessThan(2_000);
        // The handle's breaker is open: callers skip Redis without sending anything.
        await dead.run((c) => c.get("k")).catch(() => {});
        expect(dead.status()).toBe("degraded");
        expect(dead.available()).toBe(false);
        const skipped = Date.now();
        await expect(dead.run((c) => c.get("k"))).rejects.toBeInstanceOf(RedisUnavailableError);
        expect(Date.now() - skipped).toBeLessThan(50);
      } finally {
        await dead.close();
      }
    });
  });

  describe("RedisCache on the cluster", () => {
    let cache: RedisCache;
    beforeAll(() => {
      cache = new RedisCache(redis);
    });

    test("set/get/del of 60 keys: they land on every master, one del() removes them all, a cross-slot DEL by hand is refused", async () => {
      const keys = Array.from({ length: 60 }, (_, i) => `sgd:${i}`);
      for (const [i, key] of keys.entries()) await cache.set(key, { i, s: `v${i}` }, 60);
      for (const [i, key] of keys.entries()) expect(await cache.get<{ i: number; s: string }>(key)).toEqual({ i, s: `v${i}` });
      expect(await cache.get("sgd:missing")).toBeUndefined();

      const slots = new Set(keys.map((k) => keySlot(`${prefix}cache:${k}`)));
      expect(slots.size).toBeGreaterThan(50);
      const placed = await keysPerMaster(`${prefix}cache:sgd:*`);
      const holding = [...placed.values()].filter((ks) => ks.length > 0);
      expect(holding.length).toBe(masters().length); // ≥ 2 nodes, in fact every master
      expect(holding.flat().length).toBe(60);

      // What RedisCache.del must not do: one DEL over keys of several slots.
      const raw = keys.slice(0, 5).map((k) => `${prefix}cache:${k}`);
      await expect(cluster.del(...raw)).rejects.toThrow(/CROSSSLOT/);

      await cache.del(...keys);
      for (const key of keys) expect(await cache.get(key)).toBeUndefined();
      expect([...(await keysPerMaster(`${prefix}cache:sgd:*`)).values()].flat()).toEqual([]);
      await cache.del(); // nothing to do, no error
    });

    test("del of keys sharing a {hash tag} (one slot, one DEL) and of a single key", async () => {
      const tagged = Array.from({ length: 10 }, (_, i) => `{grp}:${i}`);
      for (const key of tagged) await cache.set(key, 1, 60);
      expect(new Set(tagged.map((k) => keySlot(`${prefix}cache:${k}`))).size).toBe(1);
      await cache.del(...tagged, "{grp}:0"); // a duplicate too
      for (const key of tagged) expect(await cache.get(key)).toBeUndefined();
      await cache.set("solo", "x", 60);
      await cache.del("solo");
      expect(await cache.get("solo")).toBeUndefined();
    });

    test("bump and version", async () => {
      expect(await cache.version("bv:feed:1")).toBe(0);
      expect(await cache.bump("bv:feed:1")).toBe(1);
      expect(await cache.bump("bv:feed:1")).toBe(2);
      expect(await cache.version("bv:feed:1")).toBe(2);
      expect(await cache.version("bv:feed:2")).toBe(0);
    });

    test("bumpMany over 6,000 follower keys (more than one wave, ~every slot) raises each version by one, on every master", async () => {
      const keys = Array.from({ length: 6_000 }, (_, i) => `home:u${i}`);
      await cache.bump("home:u7"); // one already at 1
      await cache.bumpMany(keys);
      const slots = new Set(keys.map((k) => keySlot(`${prefix}cache:v:${k}`)));
      expect(slots.size).toBeGreaterThan(4_000);
      // Read back in chunks: 6,000 GETs in flight at once from one client take longer than
      // REDIS_COMMAND_TIMEOUT_MS (client-side work included), which would count as an outage.
      const versions: number[] = [];
      for (let i = 0; i < keys.length; i += 500) versions.push(...(await Promise.all(keys.slice(i, i + 500).map((k) => cache.version(k)))));
      expect(versions.filter((v, i) => v !== (i === 7 ? 2 : 1))).toEqual([]);

      const placed = await keysPerMaster(`${prefix}cache:v:home:u*`);
      expect([...placed.values()].flat().length).toBe(6_000);
      for (const [node, ks] of placed) expect({ node, some: ks.length > 1_000 }).toEqual({ node, some: true });

      await cache.bumpMany(keys.slice(0, 1_000));
      expect(await cache.version("home:u0")).toBe(2);
      expect(await cache.version("home:u999")).toBe(2);
      expect(await cache.version("home:u1000")).toBe(1);
      await cache.bumpMany([]);
    });

    test("bumpMany of keys sharing a {hash tag} goes through one pipeline per slot", async () => {
      const keys = [...Array.from({ length: 50 }, (_, i) => `{team7}:m${i}`), "loner"];
      await cache.bumpMany(keys);
      await cache.bumpMany(keys);
      for (const key of keys) expect(await cache.version(key)).toBe(2);
    });
  });

  describe("rate limits on the cluster", () => {
    test("consume until TOO_MANY_REQUESTS, with the counter in the cluster (not the in-memory insurance limiter); reset frees the key", async () => {
      const env = parseEnv({ RATE_LIMIT_LOGIN_PER_ACCOUNT: "3", RATE_LIMIT_LOGIN_PER_IP: "5", RATE_LIMIT_LOGIN_WINDOW_SECONDS: "600" });
      const limits = createRateLimits(env, redis);
      const account = `acct-${randomBytes(3).toString("hex")}`;
      const counter = `${prefix}rl:loginByAccount:${account}`;

      for (let i = 1; i <= 3; i++) {
        await limits.consume("loginByAccount", account);
        expect(await cluster.get(counter)).toBe(String(i));
      }
      const ttl = await cluster.ttl(counter);
      expect(ttl).toBeGreaterThan(590);
      expect(ttl).toBeLessThanOrEqual(600);

      const rejected = await limits.consume("loginByAccount", account).then(() => null, (e: unknown) => e);
      expect(rejected).toBeInstanceOf(AppError);
      expect((rejected as AppError).code).toBe("TOO_MANY_REQUESTS");

      // Another process (another client, same cluster) sees the same budget.
      const other = createRateLimits(env, open());
      await expect(other.consume("loginByAccount", account)).rejects.toBeInstanceOf(AppError);

      await limits.reset("loginByAccount", account);
      expect(await cluster.exists(counter)).toBe(0);
      await other.consume("loginByAccount", account);
      expect(await cluster.get(counter)).toBe("1");

      // Many keys over many slots, one limiter.
      const ips = Array.from({ length: 30 }, (_, i) => `10.0.0.${i}`);
      for (const ip of ips) for (let n = 0; n < 5; n++) await limits.consume("loginByIp", ip);
      for (const ip of ips) expect(await cluster.get(`${prefix}rl:loginByIp:${ip}`)).toBe("5");
      for (const ip of ips.slice(0, 3)) await expect(limits.consume("loginByIp", ip)).rejects.toBeInstanceOf(AppError);
    });
  });

  describe("pub/sub on the cluster", () => {
    test("a message published through one client reaches a subscriber on another, whichever master it is published on", async () => {
      const publisher = createPubSub(open());
      const subscriber = createPubSub(open());
      try {
        const got: unknown[] = [];
        let notify: () => void = () => {};
        const unsubscribe = await subscriber.subscribe("user:42", (m) => {
          got.push(m);
          notify();
        });
        const waitFor = async (n: number) => {
          const deadline = Date.now() + 5_000;
          while (got.length < n && Date.now() < deadline) await new Promise<void>((r) => ((notify = r), setTimeout(r, 100)));
          expect(got.length).toBe(n);
        };

        await publisher.publish("user:42", { kind: "message", n: 1 });
        await waitFor(1);
        expect(got[0]).toEqual({ kind: "message", n: 1 });

        // PUBLISH through each master in turn: the cluster forwards it to the subscriber's node.
        const channel = `${prefix}ps:user:42`;
        for (const [i, node] of masters().entries()) await node.publish(channel, JSON.stringify({ via: i }));
        await waitFor(1 + masters().length);
        // Messages published on different nodes travel different cluster-bus paths: no order between them.
        const via = (got.slice(1) as { via: number }[]).map((m) => m.via).sort((a, b) => a - b);
        expect(via).toEqual(masters().map((_, i) => i));

        await publisher.publish("user:43", { other: true }); // another channel: not delivered
        await unsubscribe();
        await publisher.publish("user:42", { late: true });
        await Bun.sleep(200);
        expect(got.length).toBe(1 + masters().length);
      } finally {
        await publisher.close();
        await subscriber.close();
      }
    });
  });

  describe("a server on the cluster (REDIS_CLUSTER_NODES, no REDIS_URL)", () => {
    const app = useServer({ REDIS_CLUSTER_NODES: NODES, REDIS_URL: "" });
    const { mutate, query } = callersOf(app);
    const uniq = (p: string) => `${p}${randomBytes(4).toString("hex")}`;

    test("register, follow, post.create and feed.home round trip; its cache and rate-limit keys are in the cluster", async () => {
      const serverRedis = app.s.deps.redis!;
      expect(serverRedis.mode).toBe("cluster");
      expect(serverRedis.client).toBeInstanceOf(Cluster);
      cleanupPrefixes.add(serverRedis.prefix);

      const register = async () => {
        const username = uniq("rc_");
        const data = ok(await mutate(null, "auth.register", { username, email: `${username}@example.test`, password: "Str0ngPassw" }));
        return { ...data.user, token: data.token as string };
      };
      const author = await register();
      const reader = await register();
      ok(await mutate(reader, "social.follow", { userId: author.id }));

      const first = ok(await mutate(author, "post.create", { type: "text_short", content: "hello cluster" }));
      const home1 = ok(await query(reader, "feed.home", {}));
      expect(home1.items.map((i: { post: { id: string } }) => i.post.id)).toEqual([first.id]);
      // The reader's inbox is materialized now; a new post is fanned out to it and shows on the next read.
      const second = ok(await mutate(author, "post.create", { type: "text_short", content: "again" }));
      const home2 = ok(await query(reader, "feed.home", {}));
      expect(home2.items.map((i: { post: { id: string } }) => i.post.id)).toEqual([second.id, first.id]);
      ok(await query(reader, "user.get", { username: author.username })); // a cached profile row

      const keys = [...(await keysPerMaster(`${serverRedis.prefix}*`)).values()].flat();
      expect(keys.some((k) => k.startsWith(`${serverRedis.prefix}rl:registerByIp:`))).toBe(true);
      expect(keys.some((k) => k.startsWith(`${serverRedis.prefix}cache:profile`))).toBe(true);
      // The inbox: a sorted set and its meta hash, hash-tagged into one slot (Lua scripts need that).
      const inbox = keys.filter((k) => k.includes(`:{u${reader.id}}:`));
      expect(inbox.map((k) => k.slice(-2)).sort()).toEqual([":m", ":s"]);
    });
  });
}
