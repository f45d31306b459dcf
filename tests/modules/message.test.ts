// Messaging over HTTP: message.start (normalization, 1:1 reuse under a race, groups up to 50,
// unknown / inactive / blocked accounts, the messaging preference), send / history / delete,
// read markers and unread counts, one unread notification per conversation, participant-only
// access, and live delivery over server-sent events (tRPC httpSubscriptionLink): across two
// server instances sharing Redis, nothing for non-participants, and replay on reconnection.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { env as processEnv } from "../../src/env";
import { canRunConcurrently } from "../helpers/db";
import { block, createUser, createUserWithToken, follow, type TestUser } from "../helpers/factories";
import { type Authed, ok, rpc, type RpcResult, startTestServer, useServer } from "../helpers/server";
import { listenSse, rawSseUntilReady, type SseEvent, type SseListener } from "../helpers/sse";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();

function expectError(res: RpcResult, code: string, appCode?: string) {
  expect({ code: res.body?.error?.data?.code, ...(appCode ? { appCode: res.body?.error?.data?.appCode } : {}) })
    .toEqual({ code, ...(appCode ? { appCode } : {}) });
}

const mutate = (u: Authed | null, path: string, input?: unknown, base = ctx.s.url) => rpc(base, path, input, { token: u?.token });
const query = (u: Authed | null, path: string, input?: unknown, base = ctx.s.url) => rpc(base, path, input, { method: "GET", token: u?.token });
const user = (opts: Parameters<typeof createUserWithToken>[1] = {}) => createUserWithToken(ctx.t.sql, opts);
const start = async (u: Authed, others: TestUser[]) => ok(await mutate(u, "message.start", { participantIds: others.map((o) => o.id) }));
const send = async (u: Authed, conversationId: string, content: string, base = ctx.s.url) =>
  ok(await mutate(u, "message.send", { conversationId, content }, base));
const unread = async (u: Authed) => ok(await query(u, "message.unreadCount")).count as number;
const inbox = async (u: Authed, input: Record<string, unknown> = {}) => ok(await query(u, "message.conversations", input));

async function count(q: Promise<{ n: number }[]>): Promise<number> {
  const [row] = await q;
  return row!.n;
}

// ------------------------------------------------------------------------------------------------

describe("message.start", () => {
  test("participants are normalized (duplicates, the caller); a 1:1 is reused from either side; groups are new each time", async () => {
    const a = await user();
    const b = await user({ displayName: "Bee" });
    const c = await user();
    const first = ok(await mutate(a, "message.start", { participantIds: [b.id, b.id, a.id, b.id] }));
    expect(first).toMatchObject({ isGroup: false, created: true, participants: [{ id: b.id, username: b.username, displayName: "Bee" }] });
    const [row] = await ctx.t.sql<{ participant_ids: string[]; direct_key: string }[]>`
      SELECT participant_ids, direct_key FROM conversations WHERE id = ${first.id}`;
    const sorted = [a.id, b.id].sort((x, y) => Number(BigInt(x) - BigInt(y)));
    expect(row!.participant_ids).toEqual(sorted);
    expect(row!.direct_key).toBe(sorted.join(":"));
    expect(await count(ctx.t.sql`SELECT count(*)::int AS n FROM conversation_participants WHERE conversation_id = ${first.id}`)).toBe(2);

    expect(await start(a, [b])).toMatchObject({ id: first.id, created: false });
    expect(await start(b, [a])).toMatchObject({ id: first.id, created: false, participants: [{ id: a.id }] });

    const g1 = await start(a, [c, b, c]);
    expect(g1).toMatchObject({ isGroup: true, created: true });
    expect(g1.participants.map((p: TestUser) => p.id)).toEqual([b.id, c.id].sort((x, y) => Number(BigInt(x) - BigInt(y))));
    const g2 = await start(a, [b, c]);
    expect(g2.id).not.toBe(g1.id);
    const [g] = await ctx.t.sql<{ direct_key: string | null; n: number }[]>`
      SELECT direct_key, cardinality(participant_ids) AS n FROM conversations WHERE id = ${g1.id}`;
    expect(g).toEqual({ direct_key: null, n: 3 });
  });

  test("only yourself, unknown, suspended, deleted and blocked accounts, and more than 50 participants are refused", async () => {
    const a = await user();
    const self = await mutate(a, "message.start", { participantIds: [a.id, a.id] });
    expectError(self, "BAD_REQUEST", "SELF_TARGET");
    expect(self.body.error.data.field).toBe("participantIds");
    expectError(await mutate(a, "message.start", { participantIds: [] }), "BAD_REQUEST");
    expectError(await mutate(a, "message.start", { participantIds: ["abc"] }), "BAD_REQUEST");
    expectError(await mutate(null, "message.start", { participantIds: [a.id] }), "UNAUTHORIZED");

    const unknown = await mutate(a, "message.start", { participantIds: ["999999999"] });
    expectError(unknown, "NOT_FOUND");
    expect(unknown.body.error.data.details).toEqual({ userIds: ["999999999"] });
    const suspended = await createUser(ctx.t.sql, { status: "suspended" });
    const deleted = await createUser(ctx.t.sql, { status: "deleted" });
    expectError(await mutate(a, "message.start", { participantIds: [suspended.id] }), "NOT_FOUND");
    expectError(await mutate(a, "message.start", { participantIds: [deleted.id] }), "NOT_FOUND");
    // One bad member refuses the whole group, naming it.
    const b = await user();
    const group = await mutate(a, "message.start", { participantIds: [b.id, suspended.id] });
    expectError(group, "NOT_FOUND");
    expect(group.body.error.data.details).toEqual({ userIds: [suspended.id] });

    // A block either way looks like absence (as for social.follow).
    const blocker = await user();
    const blocked = await user();
    await block(ctx.t.sql, blocker.id, blocked.id);
    expectError(await mutate(blocked, "message.start", { participantIds: [blocker.id] }), "NOT_FOUND");
    expectError(await mutate(blocker, "message.start", { participantIds: [blocked.id] }), "NOT_FOUND");
    expect(await count(ctx.t.sql`SELECT count(*)::int AS n FROM conversation_participants WHERE user_id = ${blocker.id}`)).toBe(0);
    // Third parties are unaffected.
    expect((await start(a, [blocker])).created).toBe(true);

    // 50 participants including the caller is the maximum.
    const crowd: TestUser[] = [];
    for (let i = 0; i < 50; i++) crowd.push(await createUser(ctx.t.sql));
    const fifty = await start(a, crowd.slice(0, 49));
    expect(fifty.participants).toHaveLength(49);
    expect(await count(ctx.t.sql`SELECT count(*)::int AS n FROM conversation_participants WHERE conversation_id = ${fifty.id}`)).toBe(50);
    const over = await mutate(a, "message.start", { participantIds: crowd.map((u) => u.id) });
    expectError(over, "BAD_REQUEST", "TOO_MANY_PARTICIPANTS");
    expect(over.body.error.data.details).toEqual({ max: 50 });
    // ...counted after removing duplicates and the caller.
    expect((await start(a, [...crowd.slice(0, 49), ...crowd.slice(0, 10), a])).participants).toHaveLength(49);
  });

  test.skipIf(!canRunConcurrently)("both sides starting the same 1:1 at once get one conversation (10 rounds)", async () => {
    for (let round = 0; round < 10; round++) {
      const a = await user();
      const b = await user();
      const [x, y] = await Promise.all([
        mutate(a, "message.start", { participantIds: [b.id] }),
        mutate(b, "message.start", { participantIds: [a.id] }),
      ]);
      const [cx, cy] = [ok(x), ok(y)];
      expect(cx.id).toBe(cy.id);
      expect([cx.created, cy.created].sort()).toEqual([false, true]);
      expect(await count(ctx.t.sql`
        SELECT count(*)::int AS n FROM conversations WHERE participant_ids @> ARRAY[${a.id}, ${b.id}]::bigint[]`)).toBe(1);
    }
  });

  test("the messaging preference: everyone / following / friends / nobody; an existing conversation stays usable", async () => {
    const a = await user();
    const b = await user();
    expect(ok(await query(b, "message.privacy"))).toEqual({ who: "everyone" });
    expectError(await mutate(b, "message.setPrivacy", { who: "some" }), "BAD_REQUEST");

    expect(ok(await mutate(b, "message.setPrivacy", { who: "nobody" }))).toEqual({ who: "nobody" });
    const refused = await mutate(a, "message.start", { participantIds: [b.id] });
    expectError(refused, "FORBIDDEN", "MESSAGING_NOT_ALLOWED");
    expect(refused.body.error.data.details).toEqual({ userIds: [b.id] });

    // following: only people b follows may start a conversation with b.
    ok(await mutate(b, "message.setPrivacy", { who: "following" }));
    expect(ok(await query(b, "message.privacy"))).toEqual({ who: "following" });
    expectError(await mutate(a, "message.start", { participantIds: [b.id] }), "FORBIDDEN", "MESSAGING_NOT_ALLOWED");
    await follow(ctx.t.sql, a.id, b.id); // a following b does not help
    expectError(await mutate(a, "message.start", { participantIds: [b.id] }), "FORBIDDEN", "MESSAGING_NOT_ALLOWED");
    const c = await user();
    await follow(ctx.t.sql, b.id, c.id);
    expect((await start(c, [b])).created).toBe(true);

    // friends: mutual follows only.
    const d = await user();
    const e = await user();
    ok(await mutate(d, "message.setPrivacy", { who: "friends" }));
    await follow(ctx.t.sql, d.id, e.id);
    expectError(await mutate(e, "message.start", { participantIds: [d.id] }), "FORBIDDEN", "MESSAGING_NOT_ALLOWED");
    await follow(ctx.t.sql, e.id, d.id);
    const de = await start(e, [d]);
    expect(de.created).toBe(true);

    // In a group every member's preference applies; the error names the ones who refuse.
    const f = await user();
    ok(await mutate(f, "message.setPrivacy", { who: "nobody" }));
    const group = await mutate(a, "message.start", { participantIds: [c.id, f.id] });
    expectError(group, "FORBIDDEN", "MESSAGING_NOT_ALLOWED");
    expect(group.body.error.data.details).toEqual({ userIds: [f.id] });

    // everyone again; and an existing 1:1 is returned even after the preference tightens.
    ok(await mutate(b, "message.setPrivacy", { who: "everyone" }));
    const ab = await start(a, [b]);
    ok(await mutate(b, "message.setPrivacy", { who: "nobody" }));
    expect(await start(a, [b])).toMatchObject({ id: ab.id, created: false });
    expect((await send(a, ab.id, "still here")).content).toBe("still here");
  });
});

// ------------------------------------------------------------------------------------------------

describe("send, history, delete", () => {
  test("content is trimmed and 1..5,000 characters; last_message_at moves; the sender's view comes back", async () => {
    const a = await user();
    const b = await user();
    const conv = await start(a, [b]);
    const m = await send(a, conv.id, "  hello there \n");
    expect(m).toMatchObject({ conversationId: conv.id, sender: { id: a.id, username: a.username }, content: "hello there", deleted: false, readBy: [] });
    const [row] = await ctx.t.sql<{ last_message_at: string; created_at: string }[]>`
      SELECT c.last_message_at, m.created_at FROM conversations c JOIN messages m ON m.conversation_id = c.id WHERE m.id = ${m.id}`;
    expect(new Date(row!.last_message_at).getTime()).toBe(new Date(row!.created_at).getTime());

    for (const content of ["", "   ", "\n\t "]) {
      expectError(await mutate(a, "message.send", { conversationId: conv.id, content }), "BAD_REQUEST");
    }
    expectError(await mutate(a, "message.send", { conversationId: conv.id, content: "x".repeat(5001) }), "BAD_REQUEST");
    expect((await send(a, conv.id, ` ${"x".repeat(5000)} `)).content).toHaveLength(5000);
    expectError(await mutate(a, "message.send", { conversationId: conv.id }), "BAD_REQUEST");
  });

  test("non-participants get NOT_FOUND for history, send, markRead and delete; only the sender deletes", async () => {
    const a = await user();
    const b = await user();
    const outsider = await user();
    const conv = await start(a, [b]);
    const m = await send(a, conv.id, "private");
    expectError(await query(outsider, "message.history", { conversationId: conv.id }), "NOT_FOUND");
    expectError(await mutate(outsider, "message.send", { conversationId: conv.id, content: "hi" }), "NOT_FOUND");
    expectError(await mutate(outsider, "message.markRead", { conversationId: conv.id }), "NOT_FOUND");
    expectError(await mutate(outsider, "message.delete", { messageId: m.id }), "NOT_FOUND");
    // A participant who is not the sender cannot delete either.
    expectError(await mutate(b, "message.delete", { messageId: m.id }), "NOT_FOUND");
    // A conversation or message that does not exist looks the same.
    expectError(await query(a, "message.history", { conversationId: "999999999" }), "NOT_FOUND");
    expectError(await mutate(a, "message.send", { conversationId: "999999999", content: "hi" }), "NOT_FOUND");
    expectError(await mutate(a, "message.delete", { messageId: "999999999" }), "NOT_FOUND");
    expect(await count(ctx.t.sql`SELECT count(*)::int AS n FROM messages WHERE conversation_id = ${conv.id}`)).toBe(1);
    expect((await inbox(outsider)).items).toEqual([]);
    expect(await unread(outsider)).toBe(0);
  });

  test("history: keyset pages newest first, stable under new messages; a deleted message stays as deleted; readBy", async () => {
    const a = await user();
    const b = await user();
    const conv = await start(a, [b]);
    const sent: string[] = [];
    for (let i = 1; i <= 7; i++) sent.push((await send(i % 2 ? a : b, conv.id, `m${i}`)).id);

    const p1 = ok(await query(a, "message.history", { conversationId: conv.id, limit: 3 }));
    expect(p1.items.map((m: any) => m.content)).toEqual(["m7", "m6", "m5"]);
    await send(b, conv.id, "late"); // arrives while paging: not on the next pages
    const p2 = ok(await query(a, "message.history", { conversationId: conv.id, limit: 3, cursor: p1.nextCursor }));
    expect(p2.items.map((m: any) => m.content)).toEqual(["m4", "m3", "m2"]);
    const p3 = ok(await query(a, "message.history", { conversationId: conv.id, limit: 3, cursor: p2.nextCursor }));
    expect(p3.items.map((m: any) => m.content)).toEqual(["m1"]);
    expect(p3.nextCursor).toBeNull();
    expectError(await query(a, "message.history", { conversationId: conv.id, cursor: "nope" }), "BAD_REQUEST");

    // Soft delete by the sender, idempotent; both sides see it as deleted, without content.
    expect(ok(await mutate(a, "message.delete", { messageId: sent[2]! }))).toEqual({ messageId: sent[2], conversationId: conv.id, deleted: true });
    expect(ok(await mutate(a, "message.delete", { messageId: sent[2]! }))).toMatchObject({ deleted: true });
    const [row] = await ctx.t.sql<{ deleted: boolean }[]>`SELECT deleted_at IS NOT NULL AS deleted FROM messages WHERE id = ${sent[2]!}`;
    expect(row!.deleted).toBe(true);
    for (const viewer of [a, b]) {
      const all = ok(await query(viewer, "message.history", { conversationId: conv.id, limit: 20 })).items;
      expect(all).toHaveLength(8);
      expect(all.find((m: any) => m.id === sent[2])).toMatchObject({ content: null, deleted: true, sender: { id: a.id } });
    }

    // readBy comes from the read markers: sending reads what came before (b's "late" covers a's
    // m7; a's m7 covers b's m6), and b's "late" waits for a's markRead.
    const before = ok(await query(b, "message.history", { conversationId: conv.id, limit: 20 })).items;
    expect(before.find((m: any) => m.content === "m7").readBy).toEqual([b.id]);
    expect(before.find((m: any) => m.content === "m6").readBy).toEqual([a.id]);
    expect(before.find((m: any) => m.content === "late").readBy).toEqual([]);
    ok(await mutate(a, "message.markRead", { conversationId: conv.id }));
    const after = ok(await query(b, "message.history", { conversationId: conv.id, limit: 20 })).items;
    expect(after.find((m: any) => m.content === "late").readBy).toEqual([a.id]);
  });

  test("a block stops sending both ways (FORBIDDEN), also in a group, and hides the pair's messages from each other", async () => {
    const a = await user();
    const b = await user();
    const c = await user();
    const conv = await start(a, [b]);
    const group = await start(a, [b, c]);
    await send(b, conv.id, "before the block");
    await send(b, group.id, "group hello");
    await block(ctx.t.sql, b.id, a.id);
    expectError(await mutate(a, "message.send", { conversationId: conv.id, content: "hi?" }), "FORBIDDEN", "BLOCKED");
    expectError(await mutate(b, "message.send", { conversationId: conv.id, content: "hi?" }), "FORBIDDEN", "BLOCKED");
    expectError(await mutate(a, "message.send", { conversationId: group.id, content: "hi all" }), "FORBIDDEN", "BLOCKED");
    expect((await send(c, group.id, "c is fine")).content).toBe("c is fine");
    // a no longer sees b's messages nor b among the participants; c still sees both.
    expect(ok(await query(a, "message.history", { conversationId: group.id })).items.map((m: any) => m.content)).toEqual(["c is fine"]);
    expect(ok(await query(c, "message.history", { conversationId: group.id })).items.map((m: any) => m.content)).toEqual(["c is fine", "group hello"]);
    const aInbox = (await inbox(a)).items;
    expect(aInbox.find((i: any) => i.id === group.id).participants.map((p: any) => p.id)).toEqual([c.id]);
    expect(aInbox.find((i: any) => i.id === conv.id)).toMatchObject({ participants: [], lastMessage: null, unreadCount: 0 });
    expect(await unread(a)).toBe(1); // c's message only
  });
});

// ------------------------------------------------------------------------------------------------

describe("read markers, unread counts, notifications", () => {
  test("unread counts across several conversations before and after markRead; inbox order, last message", async () => {
    const me = await user();
    const x = await user();
    const y = await user();
    const z = await user();
    const cx = await start(me, [x]);
    const cy = await start(y, [me]);
    const cg = await start(z, [me, x]);
    expect(await unread(me)).toBe(0);
    await send(x, cx.id, "x1");
    await send(x, cx.id, "x2");
    await send(y, cy.id, "y1");
    await send(z, cg.id, "g1");
    await send(x, cg.id, "g2");
    await send(z, cg.id, "g3");
    await send(me, cx.id, "my reply"); // replying reads what came before
    await send(x, cx.id, "x3");

    expect(ok(await query(me, "message.unreadCount"))).toEqual({ count: 1 + 1 + 3, capped: false });
    const page = (await inbox(me)).items;
    expect(page.map((i: any) => i.id)).toEqual([cx.id, cg.id, cy.id]);
    expect(page.map((i: any) => i.unreadCount)).toEqual([1, 3, 1]);
    expect(page[0]).toMatchObject({ isGroup: false, participants: [{ id: x.id }], lastMessage: { content: "x3", sender: { id: x.id }, deleted: false }, unreadCapped: false });
    expect(page[1].isGroup).toBe(true);
    // Their own messages are not unread for the senders.
    expect(await unread(x)).toBe(1); // g3: x's x3 came after "my reply", x's g2 after g1
    expect(await unread(z)).toBe(0); // z wrote g3 after g2

    const read = ok(await mutate(me, "message.markRead", { conversationId: cg.id }));
    expect(read).toMatchObject({ conversationId: cg.id, userId: me.id, readAt: expect.any(String) });
    expect(await unread(me)).toBe(2);
    expect((await inbox(me)).items.map((i: any) => i.unreadCount)).toEqual([1, 0, 1]);
    ok(await mutate(me, "message.markRead", { conversationId: cx.id }));
    ok(await mutate(me, "message.markRead", { conversationId: cy.id }));
    ok(await mutate(me, "message.markRead", { conversationId: cy.id })); // idempotent
    expect(await unread(me)).toBe(0);
    // A deleted message is not unread; a new one is.
    const g4 = await send(z, cg.id, "g4");
    await send(z, cg.id, "g5");
    expect(await unread(me)).toBe(2);
    ok(await mutate(z, "message.delete", { messageId: g4.id }));
    expect(await unread(me)).toBe(1);
    expect((await inbox(me)).items[0]).toMatchObject({ id: cg.id, unreadCount: 1, lastMessage: { content: "g5" } });
    // The marker never moves backwards and the spec's read_by column is left alone.
    const [marker] = await ctx.t.sql<{ id: string }[]>`
      SELECT last_read_message_id AS id FROM conversation_participants WHERE conversation_id = ${cx.id} AND user_id = ${me.id}`;
    const [latest] = await ctx.t.sql<{ id: string }[]>`SELECT max(id)::text AS id FROM messages WHERE conversation_id = ${cx.id}`;
    expect(marker!.id).toBe(latest!.id);
  });

  test("unread counts stop at 100 per conversation (capped)", async () => {
    const me = await user();
    const x = await user();
    const conv = await start(x, [me]);
    await ctx.t.sql`INSERT INTO messages (conversation_id, sender_id, content)
                SELECT ${conv.id}, ${x.id}, 'bulk ' || g FROM generate_series(1, 120) g`;
    await ctx.t.sql`UPDATE conversation_participants SET last_message_id = (SELECT max(id) FROM messages WHERE conversation_id = ${conv.id})
                WHERE conversation_id = ${conv.id}`;
    expect(ok(await query(me, "message.unreadCount"))).toEqual({ count: 100, capped: true });
    expect((await inbox(me)).items[0]).toMatchObject({ unreadCount: 100, unreadCapped: true });
  });

  test("message.conversations pages by latest activity with a stable cursor", async () => {
    const me = await user();
    const convs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const other = await user();
      const c = await start(me, [other]);
      await send(other, c.id, `hello ${i}`);
      convs.push(c.id);
    }
    const p1 = await inbox(me, { limit: 2 });
    expect(p1.items.map((i: any) => i.id)).toEqual([convs[4], convs[3]]);
    const p2 = await inbox(me, { limit: 2, cursor: p1.nextCursor });
    expect(p2.items.map((i: any) => i.id)).toEqual([convs[2], convs[1]]);
    const p3 = await inbox(me, { limit: 2, cursor: p2.nextCursor });
    expect(p3.items.map((i: any) => i.id)).toEqual([convs[0]]);
    expect(p3.nextCursor).toBeNull();
    // New activity moves a conversation to the top.
    await send(me, convs[0]!, "bump");
    expect((await inbox(me, { limit: 1 })).items[0].id).toBe(convs[0]);
  });

  test("one unread message notification per conversation and recipient", async () => {
    const a = await user();
    const b = await user();
    const c = await user();
    const ab = await start(a, [b]);
    const group = await start(a, [b, c]);
    const notes = (recipient: TestUser, conversationId: string) => ctx.t.sql<{ id: string; is_read: boolean; content: string }[]>`
      SELECT id, is_read, content FROM notifications
      WHERE user_id = ${recipient.id} AND type = 'message' AND action_url = ${`/messages/${conversationId}`} ORDER BY id`;

    await send(a, ab.id, "one");
    await send(a, ab.id, "two");
    await send(a, ab.id, "three");
    expect((await notes(b, ab.id)).map((n) => [n.is_read, n.content])).toEqual([[false, "one"]]);
    expect(await notes(a, ab.id)).toHaveLength(0); // never for your own messages
    await send(a, group.id, "group");
    await send(b, group.id, "group too");
    expect(await notes(b, group.id)).toHaveLength(1);
    expect(await notes(c, group.id)).toHaveLength(1); // a and b both wrote: still one for c
    expect(await notes(a, group.id)).toHaveLength(1);
    const list = ok(await query(b, "notification.list", { unreadOnly: true })).items;
    expect(list.map((n: any) => n.actionUrl).sort()).toEqual([`/messages/${ab.id}`, `/messages/${group.id}`].sort());
    expect(list.find((n: any) => n.actionUrl === `/messages/${ab.id}`)).toMatchObject({ type: "message", title: `${a.username} sent you a message` });

    // Reading the notification lets the next message notify again.
    const [first] = await notes(b, ab.id);
    ok(await mutate(b, "notification.markRead", { ids: [first!.id] }));
    await send(a, ab.id, "four");
    expect((await notes(b, ab.id)).map((n) => n.is_read)).toEqual([true, false]);
    // Reading the conversation marks its notification read too.
    ok(await mutate(b, "message.markRead", { conversationId: ab.id }));
    expect((await notes(b, ab.id)).map((n) => n.is_read)).toEqual([true, true]);
    await send(a, ab.id, "five");
    expect((await notes(b, ab.id)).map((n) => n.is_read)).toEqual([true, true, false]);
  });
});

// ------------------------------------------------------------------------------------------------
// Live delivery (SSE), through the real tRPC client (tests/helpers/sse.ts).

type Event = SseEvent;
type Listener = SseListener;

const listen = (baseUrl: string, u: Authed, lastEventId?: string): Promise<Listener> =>
  listenSse("message", baseUrl, u.token, { lastEventId, waitMs: 5_000, readyMs: 5_000 });
const messagesOf = (events: Event[]) => events.filter((e) => e.type === "message").map((e) => e.message.content);

describe("live delivery (message.onEvent over SSE)", () => {
  test("participants receive new messages, reads and deletes; a non-participant receives nothing", async () => {
    const a = await user();
    const b = await user();
    const outsider = await user();
    const conv = await start(a, [b]);
    const la = await listen(ctx.s.url, a);
    const lb = await listen(ctx.s.url, b);
    const lo = await listen(ctx.s.url, outsider);
    try {
      const m = await send(a, conv.id, "live!");
      await lb.waitFor((e) => messagesOf(e).includes("live!"));
      await la.waitFor((e) => messagesOf(e).includes("live!")); // the sender's other devices
      expect(lb.ids).toEqual([m.id]);
      expect(lb.events.find((e) => e.type === "message")).toEqual({ type: "message", conversationId: conv.id, message: m });

      ok(await mutate(b, "message.markRead", { conversationId: conv.id }));
      await la.waitFor((e) => e.some((x) => x.type === "read" && x.userId === b.id));
      expect(la.events.find((e) => e.type === "read")).toMatchObject({ conversationId: conv.id, lastReadMessageId: m.id });
      ok(await mutate(a, "message.delete", { messageId: m.id }));
      await lb.waitFor((e) => e.some((x) => x.type === "deleted" && x.messageId === m.id));

      await Bun.sleep(200);
      expect(lo.events).toEqual([{ type: "ready" }]);
      expect(la.errors).toEqual([]);
    } finally {
      la.stop();
      lb.stop();
      lo.stop();
    }
  });

  test("without a session the subscription is refused", async () => {
    const res = await fetch(`${ctx.s.url}/api/rpc/message.onEvent`, { headers: { accept: "text/event-stream" } });
    const text = await res.text();
    expect(text).toContain("UNAUTHORIZED");
    expect(text).not.toContain("event: ready");
  });

  test("reconnecting with lastEventId replays the messages missed meanwhile, then goes live", async () => {
    const a = await user();
    const b = await user();
    const c = await user();
    const ab = await start(a, [b]);
    const bc = await start(c, [b]);
    // A client that has not received any message yet resumes from the id its ready event carried.
    const fresh = await listen(ctx.s.url, b);
    expect(fresh.readyId).toMatch(/^\d+$/);
    fresh.stop();
    await send(c, bc.id, "while away");
    const resumed = await listen(ctx.s.url, b, fresh.readyId!);
    expect(messagesOf(resumed.events)).toEqual(["while away"]);
    resumed.stop();

    const first = await listen(ctx.s.url, b);
    await send(a, ab.id, "seen");
    await first.waitFor((e) => messagesOf(e).includes("seen"));
    const lastEventId = first.ids.at(-1)!;
    first.stop();

    await send(a, ab.id, "missed 1");
    await send(c, bc.id, "missed 2");
    const other = await start(a, [c]);
    await send(a, other.id, "not for b");

    const again = await listen(ctx.s.url, b, lastEventId);
    try {
      expect(messagesOf(again.events)).toEqual(["missed 1", "missed 2"]);
      expect(again.events.at(-1)).toEqual({ type: "ready" });
      await send(c, bc.id, "live again");
      await again.waitFor((e) => messagesOf(e).includes("live again"));
      expect(messagesOf(again.events)).toEqual(["missed 1", "missed 2", "live again"]);
      expect(again.ids).toHaveLength(3);
    } finally {
      again.stop();
    }

    // A browser's EventSource resumes with the Last-Event-ID header: same replay, as raw SSE.
    const { contentType, text } = await rawSseUntilReady(ctx.s.url, "message.onEvent", b.token, lastEventId);
    expect(contentType).toContain("text/event-stream");
    const replayed = [...text.matchAll(/"content":"([^"]*)"/g)].map((x) => x[1]);
    expect(replayed).toEqual(["missed 1", "missed 2", "live again"]);
    expect(text).toMatch(/\nid: \d+\n/);
  });

  const crossReason = "TEST_REDIS_URL unset: two server processes share events only through Redis pub/sub";
  if (!processEnv.TEST_REDIS_URL) console.log(`[message.test] skipping the cross-instance delivery test: ${crossReason}`);
  test.skipIf(!processEnv.TEST_REDIS_URL)("a subscriber on one server instance receives a message sent through another", async () => {
    const prefix = `vrsstest:msg:${crypto.randomUUID().slice(0, 8)}:`;
    const one = await startTestServer(ctx.t, { REDIS_KEY_PREFIX: prefix });
    const two = await startTestServer(ctx.t, { REDIS_KEY_PREFIX: prefix });
    let lb: Listener | undefined;
    let lo: Listener | undefined;
    try {
      const a = await user();
      const b = await user();
      const outsider = await user();
      const conv = ok(await mutate(a, "message.start", { participantIds: [b.id] }, two.url));
      lb = await listen(one.url, b);
      lo = await listen(one.url, outsider);
      const m = await send(a, conv.id, "across processes", two.url);
      await lb.waitFor((e) => messagesOf(e).includes("across processes"));
      expect(lb.ids).toEqual([m.id]);
      await Bun.sleep(200);
      expect(lo.events).toEqual([{ type: "ready" }]);
    } finally {
      lb?.stop();
      lo?.stop();
      await one.stop();
      await two.stop();
    }
  });
});
