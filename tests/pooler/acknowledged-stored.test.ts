// Acknowledged = stored, through whatever sits between the app and PostgreSQL. In the pooler lane
// (TEST_POOLER_URL: PgBouncer 1.18 in transaction mode, 8 server connections) two server processes'
// pools share server connections; with named prepared statements (DATABASE_PREPARE=true) this test
// fails: postgres.js meets "prepared statement … does not exist", retries inside the aborted
// transaction, and the COMMIT silently rolls back while the request answers 200.
// Every acknowledged write is then looked up on the server directly, never through the pooler.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import postgres from "postgres";
import { connectPostgres, type Database } from "../../src/db/client";
import { env } from "../../src/env";
import type { RunningServer } from "../../src/server";
import { canRunConcurrently, createTestDatabase, type TestDatabase } from "../helpers/db";
import { rpc, startTestServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const throughPooler = Boolean(env.TEST_POOLER_URL);
if (!throughPooler) console.warn("[pooler] TEST_POOLER_URL unset: the acknowledged = stored test runs on a direct connection");

const WORKERS = 24;
const OPS = 480;

interface Account { id: string; token: string; username: string }
type Ack =
  | { kind: "register"; userId: string; username: string }
  | { kind: "post"; postId: string; authorId: string }
  | { kind: "like"; postId: string; userId: string }
  | { kind: "follow"; followerId: string; followingId: string }
  | { kind: "message"; messageId: string; conversationId: string; senderId: string };

describe.skipIf(!canRunConcurrently)(`acknowledged = stored ${throughPooler ? "through PgBouncer (transaction mode)" : "(direct)"}`, () => {
  let t: TestDatabase;
  let second: Database;
  const servers: RunningServer[] = [];
  let direct: postgres.Sql;

  beforeAll(async () => {
    t = await createTestDatabase();
    // Two "processes": two servers, each with its own connection pool to the same database.
    second = connectPostgres(t.url!, { max: 20, prepare: env.DATABASE_PREPARE, pipeline: env.DATABASE_PIPELINE });
    servers.push(await startTestServer(t), await startTestServer({ ...t, ...second, url: t.url, directUrl: t.directUrl }));
    direct = postgres(t.directUrl!, { max: 2, onnotice: () => {} });
  });

  afterAll(async () => {
    for (const s of servers) await s.stop();
    await second?.close();
    await direct?.end();
    await t?.close();
  });

  test(`${OPS} concurrent registrations, posts, likes, follows and messages across 2 servers: every 200 is stored, no 5xx`, async () => {
    const acks: Ack[] = [];
    const failures: Record<string, number> = {};
    const accounts: Account[] = [];
    const posts: string[] = [];
    const conversations: { id: string; members: [Account, Account] }[] = [];
    let n = 0;
    const base = () => servers[n++ % servers.length]!.url;
    const fail = (kind: string, status: number) => void (failures[`${kind} ${status}`] = (failures[`${kind} ${status}`] ?? 0) + 1);
    const pick = <T,>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;

    async function register(i: number) {
      const username = `pool_${process.pid}_${i}_${Math.random().toString(36).slice(2, 7)}`;
      const res = await rpc(base(), "auth.register", { username, email: `${username}@example.test`, password: "Pooler-Passw0rd!" });
      if (res.status !== 200) return fail("register", res.status);
      const data = res.body.result.data;
      accounts.push({ id: data.user.id, token: data.token, username });
      acks.push({ kind: "register", userId: data.user.id, username });
    }

    async function step(i: number) {
      const me = pick(accounts);
      const roll = i % 5;
      if (roll === 0 || posts.length === 0) {
        const res = await rpc(base(), "post.create", { type: "text_short", content: `through the pooler #${i}` }, { token: me.token });
        if (res.status !== 200) return fail("post", res.status);
        posts.push(res.body.result.data.id);
        acks.push({ kind: "post", postId: res.body.result.data.id, authorId: me.id });
      } else if (roll === 1) {
        const postId = pick(posts);
        const res = await rpc(base(), "post.like", { postId }, { token: me.token });
        if (res.status !== 200) return fail("like", res.status);
        acks.push({ kind: "like", postId, userId: me.id });
      } else if (roll === 2) {
        const other = pick(accounts);
        if (other.id === me.id) return;
        const res = await rpc(base(), "social.follow", { userId: other.id }, { token: me.token });
        if (res.status !== 200) return fail("follow", res.status);
        acks.push({ kind: "follow", followerId: me.id, followingId: other.id });
      } else if (roll === 3 && conversations.length < 20) {
        const other = pick(accounts);
        if (other.id === me.id) return;
        const res = await rpc(base(), "message.start", { participantIds: [other.id] }, { token: me.token });
        if (res.status !== 200) return fail("message.start", res.status);
        conversations.push({ id: res.body.result.data.id, members: [me, other] });
      } else if (conversations.length > 0) {
        const conv = pick(conversations);
        const sender = conv.members[i % 2]!;
        const res = await rpc(base(), "message.send", { conversationId: conv.id, content: `message #${i}` }, { token: sender.token });
        if (res.status !== 200) return fail("message", res.status);
        acks.push({ kind: "message", messageId: res.body.result.data.id, conversationId: conv.id, senderId: sender.id });
      }
      // Reads interleave with the writes, as on a live server.
      if (i % 7 === 0) await rpc(base(), "feed.home", {}, { method: "GET", token: me.token });
    }

    for (let i = 0; i < 2 * WORKERS; i += WORKERS) await Promise.all(Array.from({ length: WORKERS }, (_, k) => register(i + k)));
    expect(accounts.length).toBeGreaterThan(WORKERS);
    let next = 0;
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (next < OPS) await step(next++);
      }),
    );

    // Look every acknowledged write up on the server itself.
    const missing: Ack[] = [];
    for (const ack of acks) {
      let rows: readonly unknown[];
      if (ack.kind === "register") rows = await direct`SELECT 1 FROM users WHERE id = ${ack.userId} AND username = ${ack.username}`;
      else if (ack.kind === "post") rows = await direct`SELECT 1 FROM posts WHERE id = ${ack.postId} AND user_id = ${ack.authorId}`;
      else if (ack.kind === "like") rows = await direct`SELECT 1 FROM post_interactions WHERE post_id = ${ack.postId} AND user_id = ${ack.userId} AND type = 'like'`;
      else if (ack.kind === "follow") rows = await direct`SELECT 1 FROM user_follows WHERE follower_id = ${ack.followerId} AND following_id = ${ack.followingId}`;
      else rows = await direct`SELECT 1 FROM messages WHERE id = ${ack.messageId} AND conversation_id = ${ack.conversationId} AND sender_id = ${ack.senderId}`;
      if (rows.length === 0) missing.push(ack);
    }
    const byKind = (list: Ack[]) => list.reduce<Record<string, number>>((m, a) => ((m[a.kind] = (m[a.kind] ?? 0) + 1), m), {});
    console.log(`[pooler] acknowledged ${JSON.stringify(byKind(acks))}; missing ${JSON.stringify(byKind(missing))}; failures ${JSON.stringify(failures)}`);
    const serverErrors = Object.entries(failures).filter(([k]) => /\s5\d\d$/.test(k));
    expect({ missing: missing.slice(0, 5), missingCount: missing.length, serverErrors }).toEqual({ missing: [], missingCount: 0, serverErrors: [] });
    // Every kind was exercised, so a lost write of any kind would have been seen.
    expect(Object.keys(byKind(acks)).sort()).toEqual(["follow", "like", "message", "post", "register"]);
  }, 120_000);
});
