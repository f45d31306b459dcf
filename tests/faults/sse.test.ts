// Issue 15: SSE (message.onEvent) never goes silently dead across a Redis outage. A test server on
// its own redis-server (REDIS_URL override):
// - a stream opened while Redis is down does not poison its channel: it retries, gets `resync`
//   once subscribed, and later streams of the same user get events;
// - after a pub/sub reconnect (Redis killed and back) or a freeze, every open stream gets `resync`;
// - a message sent during the outage (message.send succeeds: the write committed, the failed
//   publish is logged) reaches the client through the resync: reconnecting with the last event id
//   replays it.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createTRPCClient, httpSubscriptionLink } from "@trpc/client";
import { EventSource } from "eventsource";
import type { AppRouter } from "../../src/trpc/router";
import type { RunningServer } from "../../src/server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { createUserWithToken, type TestUser } from "../helpers/factories";
import { type Authed, ok, rpc, startTestServer } from "../helpers/server";
import { captureLogs, FaultRedis, waitFor } from "./fault-redis";

setDefaultTimeout(30_000);

type Event = { type: string; [k: string]: any };

interface Listener {
  events: Event[];
  /** The last tracked id seen (a message's id, or the ready event's): where a reconnection resumes. */
  lastId: string | null;
  errors: unknown[];
  waitFor(pred: (events: Event[]) => boolean, ms?: number): Promise<number>;
  stop(): void;
}

async function listen(baseUrl: string, u: Authed, lastEventId?: string): Promise<Listener> {
  const client = createTRPCClient<AppRouter>({
    links: [
      httpSubscriptionLink({
        url: `${baseUrl}/api/rpc`,
        EventSource,
        eventSourceOptions: {
          fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, authorization: `Bearer ${u.token}` } }),
        },
      }),
    ],
  });
  const l: Listener = {
    events: [],
    lastId: null,
    errors: [],
    async waitFor(pred, ms = 8_000) {
      const started = Date.now();
      while (!pred(l.events)) {
        if (Date.now() - started > ms) throw new Error(`timed out; events so far: ${JSON.stringify(l.events)} errors: ${String(l.errors)}`);
        await Bun.sleep(10);
      }
      return Date.now() - started;
    },
    stop: () => sub.unsubscribe(),
  };
  const sub = client.message.onEvent.subscribe(lastEventId ? { lastEventId } : undefined, {
    onData(value: any) {
      const tracked = value && typeof value === "object" && "id" in value && "data" in value;
      const event: Event = tracked ? value.data : value;
      if (event.type === "keepalive") return;
      if (tracked) l.lastId = value.id;
      l.events.push(event);
    },
    onError(err) {
      l.errors.push(err);
    },
  });
  await l.waitFor((e) => e.some((x) => x.type === "ready"));
  return l;
}
const messagesOf = (events: Event[]) => events.filter((e) => e.type === "message").map((e) => e.message.content);
const resyncs = (events: Event[]) => events.filter((e) => e.type === "resync").length;

let t: TestDatabase;
let s: RunningServer;
let fault: FaultRedis;
let logs: ReturnType<typeof captureLogs>;
const figures: Record<string, number> = {};

beforeAll(async () => {
  fault = await FaultRedis.free(6390, 6399);
  await fault.start();
  logs = captureLogs();
  t = await createTestDatabase();
  s = await startTestServer(t, { REDIS_URL: fault.url }, { log: logs.log });
  s.deps.redis!.setLogger(logs.log);
}, 60_000);

afterAll(async () => {
  await s?.stop();
  await t?.close();
  await fault?.stop();
  logs?.restore();
  console.log("sse fault figures (ms):", JSON.stringify(figures));
});

const user = () => createUserWithToken(t.sql);
const start = async (u: Authed, others: TestUser[]) => ok(await rpc(s.url, "message.start", { participantIds: others.map((o) => o.id) }, { token: u.token }));
const send = async (u: Authed, conversationId: string, content: string) => {
  const started = performance.now();
  const m = ok(await rpc(s.url, "message.send", { conversationId, content }, { token: u.token }));
  return { ...m, ms: Math.round(performance.now() - started) };
};

async function healthy() {
  await waitFor(() => s.deps.redis!.status() === "ok", 10_000, "Redis status ok");
}

describe("SSE across Redis outages", () => {
  test("a stream opened while Redis is down does not poison its channel: it gets resync once subscribed, and later streams get events", async () => {
    const a = await user();
    const b = await user();
    const conv = await start(b, [a]);
    await fault.kill();
    await waitFor(() => s.deps.redis!.status() === "degraded", 5_000, "degraded");
    const early = await listen(s.url, a); // opens (ready) although it cannot subscribe yet
    const closed = await listen(s.url, a);
    closed.stop();
    const restartedAt = Date.now();
    await fault.start();
    await healthy();
    // The resync comes once the stream is subscribed: from then on it is live.
    await early.waitFor((e) => resyncs(e) >= 1);
    figures["stream opened while down: resync after Redis start"] = Date.now() - restartedAt;
    const later = await listen(s.url, a);
    try {
      await send(b, conv.id, "after the outage");
      await later.waitFor((e) => messagesOf(e).includes("after the outage"));
      await early.waitFor((e) => messagesOf(e).includes("after the outage"));
      expect(resyncs(early.events)).toBe(1);
      expect(later.errors).toEqual([]);
      expect(early.errors).toEqual([]);
    } finally {
      early.stop();
      later.stop();
    }
  });

  test("killed and back: every open stream gets resync; a message sent meanwhile is sent (200) and replayed from the last event id", async () => {
    await healthy();
    const a = await user();
    const b = await user();
    const conv = await start(b, [a]);
    const la = await listen(s.url, a);
    const lb = await listen(s.url, b);
    try {
      await send(b, conv.id, "before");
      await la.waitFor((e) => messagesOf(e).includes("before"));
      const resumeFrom = la.lastId!;
      await fault.kill();
      const sent = await send(b, conv.id, "during the outage");
      figures["killed: message.send"] = sent.ms;
      expect(sent.ms).toBeLessThan(1_000);
      await Bun.sleep(300);
      expect(messagesOf(la.events)).toEqual(["before"]);
      const restartedAt = Date.now();
      await fault.start();
      await la.waitFor((e) => resyncs(e) >= 1);
      figures["killed→back: resync after Redis start"] = Date.now() - restartedAt;
      await lb.waitFor((e) => resyncs(e) >= 1);
      // What the client does on resync: reconnect from its last event id.
      const resumed = await listen(s.url, a, resumeFrom);
      try {
        expect(messagesOf(resumed.events)).toEqual(["during the outage"]);
        await send(b, conv.id, "live again");
        await resumed.waitFor((e) => messagesOf(e).includes("live again"));
        await la.waitFor((e) => messagesOf(e).includes("live again")); // the old stream is live too
      } finally {
        resumed.stop();
      }
      expect(logs.lines.some((l) => l.msg === "message event publish failed")).toBe(true);
    } finally {
      la.stop();
      lb.stop();
    }
  });

  test("frozen and thawed: open streams get resync (the connection never dropped), the message sent meanwhile is replayed", async () => {
    await healthy();
    const a = await user();
    const b = await user();
    const conv = await start(b, [a]);
    const la = await listen(s.url, a);
    try {
      const resumeFrom = la.lastId!;
      fault.freeze();
      let sent;
      try {
        sent = await send(b, conv.id, "during the freeze");
        figures["frozen: message.send"] = sent.ms;
        expect(sent.ms).toBeLessThan(1_000);
      } finally {
        fault.thaw();
      }
      const thawedAt = Date.now();
      await la.waitFor((e) => resyncs(e) >= 1);
      figures["frozen→thawed: resync after SIGCONT"] = Date.now() - thawedAt;
      const resumed = await listen(s.url, a, resumeFrom);
      expect(messagesOf(resumed.events)).toEqual(["during the freeze"]);
      resumed.stop();
    } finally {
      la.stop();
    }
  });

  test("no ioredis 'Unhandled error event' on stderr", () => {
    expect(logs.stderr.filter((l) => l.includes("Unhandled error event"))).toEqual([]);
  });
});
