// notification.onEvent (issue 18, part 3): live notifications over SSE.
// - Two real server processes (`bun src/index.ts`) on one database and one Redis: a notification
//   created by a request to process A reaches the recipient's streams on B (and A), nobody else's;
//   markRead / markAllRead through A move the badge on B (pub/sub).
// - Last-Event-ID replay (visible notifications only, in order, then live, no duplicate) and the
//   resync rule (replay capped at REPLAY_MAX, then `resync`).
// - In-process: only committed rows are delivered — a rolled-back notify()/notifySystem() never, a
//   held transaction's row only once it commits, also when a later id committed first; a row whose
//   actor got blocked before it committed is not shown. Signed out → UNAUTHORIZED. Drain → reconnect.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { randomBytes } from "node:crypto";
import { env as processEnv } from "../../src/env";
import { transaction } from "../../src/db/transaction";
import { notify, notifySystem } from "../../src/modules/notification/notification.service";
import { REPLAY_MAX } from "../../src/modules/notification/notification.events";
import { canRunConcurrently, createTestDatabase, type TestDatabase } from "../helpers/db";
import { block, createPost, createSessionToken, createUserWithToken } from "../helpers/factories";
import { deleteRedisKeys, startTestServer } from "../helpers/server";
import { listenSse, rawSseUntilReady, type SseEvent } from "../helpers/sse";
import { post, spawnServer, type ServerProcess } from "../faults/process";

setDefaultTimeout(30_000); // see tests/setup.ts

type Event = SseEvent;
type Authed = { id: string; username: string; token: string };

/** A listener over the real tRPC client (tests/helpers/sse.ts). */
const listen = (baseUrl: string, token: string, lastEventId?: string) =>
  listenSse("notification", baseUrl, token, { lastEventId, waitMs: 8_000, readyMs: 15_000 });
const notificationsOf = (events: Event[]) => events.filter((e) => e.type === "notification").map((e) => e.notification);
const unreadOf = (events: Event[]) => events.filter((e) => e.type === "unread").map((e) => e.count);
const lastUnread = (events: Event[]) => unreadOf(events).at(-1);

const run = randomBytes(4).toString("hex");
const prefix = `vrsstest:notiflive:${run}:`;
const redisEnv: Record<string, string> = processEnv.TEST_REDIS_URL ? { REDIS_URL: processEnv.TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix } : {};

if (!canRunConcurrently) console.warn("[notification-live.test] two-process and transaction tests skipped: they need PostgreSQL (TEST_DATABASE_URL)");

describe.skipIf(!canRunConcurrently)("two server processes", () => {
  let t: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  beforeAll(async () => {
    t = await createTestDatabase();
    [a, b] = await Promise.all([spawnServer({ DATABASE_URL: t.url!, ...redisEnv }), spawnServer({ DATABASE_URL: t.url!, ...redisEnv })]);
  }, 60_000);
  afterAll(async () => {
    await a?.cleanup();
    await b?.cleanup();
    await t?.close();
    if (processEnv.TEST_REDIS_URL) await deleteRedisKeys(processEnv.TEST_REDIS_URL, prefix);
  });
  const like = async (actor: Authed, postId: string, url = a.url) => expect((await post(url, "post.like", { postId }, actor.token)).outcome).toBe(200);

  test("a notification created through process A reaches every stream of its recipient (B and A), nobody else's", async () => {
    const me = await createUserWithToken(t.sql);
    const secondSession = await createSessionToken(t.sql, me.id);
    const actor = await createUserWithToken(t.sql);
    const other = await createUserWithToken(t.sql);
    const p = await createPost(t.sql, me.id);
    const onB = await listen(b.url, me.token);
    const onA = await listen(a.url, secondSession);
    const otherOnB = await listen(b.url, other.token);
    const actorOnB = await listen(b.url, actor.token);
    try {
      expect(onB.events).toEqual([{ type: "unread", count: 0, capped: false }, { type: "ready" }]);
      await like(actor, p.id);
      for (const l of [onB, onA]) {
        await l.waitFor((e) => notificationsOf(e).length === 1 && lastUnread(e) === 1);
        expect(notificationsOf(l.events)[0]).toMatchObject({ type: "like", postId: p.id, isRead: false, actor: { id: actor.id, username: actor.username } });
        expect(l.events.at(-1)).toEqual({ type: "unread", count: 1, capped: false });
      }
      const [row] = await t.sql<{ id: string }[]>`SELECT id FROM notifications WHERE user_id = ${me.id}`;
      expect(onB.ids).toEqual([row!.id]);
      await Bun.sleep(600);
      for (const l of [otherOnB, actorOnB]) expect(l.events).toEqual([{ type: "unread", count: 0, capped: false }, { type: "ready" }]);
      expect(onB.errors).toEqual([]);
    } finally {
      for (const l of [onB, onA, otherOnB, actorOnB]) l.stop();
    }
  });

  const noRedis = "TEST_REDIS_URL unset: the processes share unread-count changes only through Redis pub/sub";
  if (!processEnv.TEST_REDIS_URL) console.log(`[notification-live.test] skipping the cross-process unread test: ${noRedis}`);
  test.skipIf(!processEnv.TEST_REDIS_URL)("markRead and markAllRead through process A move the badge on B", async () => {
    const me = await createUserWithToken(t.sql);
    const [x, y, z] = await Promise.all([createUserWithToken(t.sql), createUserWithToken(t.sql), createUserWithToken(t.sql)]);
    const p = await createPost(t.sql, me.id);
    const onB = await listen(b.url, me.token);
    try {
      await like(x, p.id);
      await like(y, p.id, b.url);
      await onB.waitFor((e) => notificationsOf(e).length === 2 && lastUnread(e) === 2);
      const first = notificationsOf(onB.events)[0].id;
      expect((await post(a.url, "notification.markRead", { ids: [first] }, me.token)).body.result.data).toEqual({ updated: 1 });
      await onB.waitFor((e) => lastUnread(e) === 1);
      // Nothing changed, nothing sent.
      const before = onB.events.length;
      await post(a.url, "notification.markRead", { ids: [first] }, me.token);
      await like(z, p.id);
      await onB.waitFor((e) => lastUnread(e) === 2);
      expect(onB.events.slice(before).map((e) => e.type)).toEqual(["notification", "unread"]);
      expect((await post(a.url, "notification.markAllRead", {}, me.token)).body.result.data).toEqual({ updated: 2 });
      await onB.waitFor((e) => lastUnread(e) === 0);
      expect(onB.events.at(-1)).toEqual({ type: "unread", count: 0, capped: false });
    } finally {
      onB.stop();
    }
  });

  test("Last-Event-ID: the visible notifications missed meanwhile, oldest first, then ready, then live; no duplicate", async () => {
    const me = await createUserWithToken(t.sql);
    const [x, y, w, z] = await Promise.all([1, 2, 3, 4].map(() => createUserWithToken(t.sql)));
    const p = await createPost(t.sql, me.id);
    const fresh = await listen(b.url, me.token);
    fresh.stop();
    expect(fresh.readyId).toBe("0");
    await like(x!, p.id);
    await like(w!, p.id);
    await like(y!, p.id, b.url);
    await block(t.sql, me.id, w!.id); // since blocked: not replayed (notification.list hides it too)
    const resumed = await listen(b.url, me.token, fresh.readyId!);
    try {
      expect(notificationsOf(resumed.events).map((n) => n.actor.id)).toEqual([x!.id, y!.id]);
      expect(resumed.events.slice(-2)).toEqual([{ type: "unread", count: 2, capped: false }, { type: "ready" }]);
      expect(resumed.readyId).toBe(resumed.ids.at(-1)!);
      await like(z!, p.id);
      await resumed.waitFor((e) => notificationsOf(e).length === 3);
      await Bun.sleep(500);
      expect(notificationsOf(resumed.events).map((n) => n.actor.id)).toEqual([x!.id, y!.id, z!.id]);
      expect(new Set(resumed.ids).size).toBe(3);
    } finally {
      resumed.stop();
    }
    // A browser's EventSource sends the Last-Event-ID header: the same replay, as raw SSE.
    const { contentType, text } = await rawSseUntilReady(a.url, "notification.onEvent", me.token, resumed.ids[0]!);
    expect(contentType).toContain("text/event-stream");
    // (tRPC also writes an empty id after an untracked event and a `restore-id` event after it.)
    const tracked = [...text.matchAll(/data: \{"type":"(notification|ready)"[^\n]*\nid: (\d+)\n/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(tracked).toEqual([`notification ${resumed.ids[1]}`, `notification ${resumed.ids[2]}`, `ready ${resumed.ids[2]}`]);
    expect(text).toContain('data: {"type":"unread","count":3,"capped":false}');
  });

  test(`resync rule: a replay stops after ${REPLAY_MAX} notifications with resync; resuming from there sends the rest`, async () => {
    const me = await createUserWithToken(t.sql);
    const actor = await createUserWithToken(t.sql);
    const fresh = await listen(b.url, me.token);
    fresh.stop();
    await t.sql`
      INSERT INTO notifications (user_id, type, actor_id, title)
      SELECT ${me.id}, 'mention', ${actor.id}, 'bulk ' || g FROM generate_series(1, ${REPLAY_MAX + 5}) g`;
    const first = await listen(b.url, me.token, fresh.readyId!);
    first.stop();
    expect(first.ids).toHaveLength(REPLAY_MAX);
    expect(first.events.slice(-3)).toEqual([{ type: "resync" }, { type: "unread", count: REPLAY_MAX, capped: true }, { type: "ready" }]);
    expect(first.readyId).toBe(first.ids.at(-1)!);
    const rest = await listen(a.url, me.token, first.readyId!);
    rest.stop();
    expect(notificationsOf(rest.events).map((n) => n.title)).toEqual([1, 2, 3, 4, 5].map((i) => `bulk ${REPLAY_MAX + i}`));
    expect(rest.events.some((e) => e.type === "resync")).toBe(false);
  });

  test("signed out, or with an invalid token: UNAUTHORIZED, no stream", async () => {
    for (const headers of [{}, { authorization: "Bearer not-a-session" }] as Record<string, string>[]) {
      const res = await fetch(`${b.url}/api/rpc/notification.onEvent`, { headers: { accept: "text/event-stream", ...headers } });
      const text = await res.text();
      expect(text).toContain("UNAUTHORIZED");
      expect(text).not.toContain('"type":"ready"');
    }
  });
});

describe.skipIf(!canRunConcurrently)("only committed notifications go live (in-process server)", () => {
  let t: TestDatabase;
  let s: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    t = await createTestDatabase();
    s = await startTestServer(t);
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
    await t?.close();
  });

  test("a rolled-back notify()/notifySystem() is never delivered; a held transaction's row arrives once it commits, after a later id", async () => {
    const db = s.deps.database.db;
    const me = await createUserWithToken(t.sql);
    const actor = await createUserWithToken(t.sql);
    const p = await createPost(t.sql, me.id);
    const l = await listen(s.url, me.token);
    try {
      await expect(
        transaction(db, async (tx) => {
          expect(await notify(tx, { recipientId: me.id, actorId: actor.id, type: "comment", postId: p.id, content: "rolled back" })).toBe(true);
          await notifySystem(tx, { recipientId: me.id, title: "rolled back too" });
          throw new Error("abort the transaction");
        }),
      ).rejects.toThrow("abort the transaction");
      // Held open: its row takes the smaller id, the second transaction's commits first.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let inserted!: () => void;
      const didInsert = new Promise<void>((r) => (inserted = r));
      const slow = transaction(db, async (tx) => {
        await notify(tx, { recipientId: me.id, actorId: actor.id, type: "comment", postId: p.id, content: "slow" });
        inserted();
        await held;
      });
      await didInsert;
      await transaction(db, (tx) => notify(tx, { recipientId: me.id, actorId: actor.id, type: "comment", postId: p.id, content: "fast" }));
      await l.waitFor((e) => notificationsOf(e).length === 1);
      await Bun.sleep(700);
      expect(notificationsOf(l.events).map((n) => n.content)).toEqual(["fast"]);
      release();
      await slow;
      await notifySystem(db, { recipientId: me.id, title: "autocommit" });
      await l.waitFor((e) => notificationsOf(e).length === 3 && lastUnread(e) === 3);
      const got = notificationsOf(l.events);
      expect(got.map((n) => n.content ?? n.title)).toEqual(["fast", "slow", "autocommit"]);
      expect(BigInt(got[1].id)).toBeLessThan(BigInt(got[0].id));
      // The event id is the highest sent so far: a reconnection from it replays nothing twice.
      expect(l.ids).toEqual([got[0].id, got[0].id, got[2].id]);
      const [n] = await t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM notifications WHERE user_id = ${me.id}`;
      expect(n!.n).toBe(3);
    } finally {
      l.stop();
    }
  });

  test("a row whose actor was blocked before it committed is not shown; a stream sees only its own user's rows", async () => {
    const db = s.deps.database.db;
    const me = await createUserWithToken(t.sql);
    const other = await createUserWithToken(t.sql);
    const actor = await createUserWithToken(t.sql);
    const l = await listen(s.url, me.token);
    const lo = await listen(s.url, other.token);
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let inserted!: () => void;
      const didInsert = new Promise<void>((r) => (inserted = r));
      const slow = transaction(db, async (tx) => {
        await notify(tx, { recipientId: me.id, actorId: actor.id, type: "mention" });
        inserted();
        await held;
      });
      await didInsert;
      await block(t.sql, me.id, actor.id);
      release();
      await slow;
      await notifySystem(db, { recipientId: me.id, title: "visible" });
      await l.waitFor((e) => notificationsOf(e).length >= 1);
      await Bun.sleep(500);
      expect(notificationsOf(l.events).map((n) => n.title)).toEqual(["visible"]);
      expect(lo.events).toEqual([{ type: "unread", count: 0, capped: false }, { type: "ready" }]);
    } finally {
      l.stop();
      lo.stop();
    }
  });

  test("a draining server ends its notification streams with reconnect", async () => {
    const own = await startTestServer(t);
    const me = await createUserWithToken(t.sql);
    const l = await listen(own.url, me.token);
    try {
      const report = await own.drain(5_000);
      expect(report.streams).toBeGreaterThanOrEqual(1);
      await l.waitFor((e) => e.some((x) => x.type === "reconnect"));
    } finally {
      l.stop();
      await own.stop().catch(() => {}); // already closed by the drain; this removes its Redis keys
    }
  });
});
