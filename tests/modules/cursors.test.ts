// Sealed cursors over HTTP (src/trpc/init.ts sealCursors, src/lib/pagination.ts): a nextCursor is
// `<inner>.<HMAC over procedure path, viewer, inner>`; handing it to another procedure, another
// viewer (or anonymous), tampering with it, or sending anything that is not a cursor this server
// issued is 400 BAD_REQUEST INVALID_CURSOR on `cursor`. Valid paging is unchanged.
import { describe, expect, test, setDefaultTimeout, beforeAll } from "bun:test";
import { cursorKey, decodeCursor, encodeCursor, sealCursor, unsealCursor } from "../../src/lib/pagination";
import { AppError } from "../../src/lib/errors";
import { createPost, follow } from "../helpers/factories";
import { type Authed, callersOf, expectErrorData, ok, type RpcResult, useServer, walkPages } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();
const { mutate, query, user } = callersOf(ctx);

const expectInvalidCursor = (res: RpcResult) => {
  expect(res.status).toBe(400);
  expectErrorData(res, "BAD_REQUEST", { field: "cursor", appCode: "INVALID_CURSOR" });
};

let author: Authed;
let reader: Authed;
let other: Authed;
let postId: string;

beforeAll(async () => {
  author = await user();
  reader = await user();
  other = await user();
  for (let i = 0; i < 3; i++) await createPost(ctx.t.sql, author.id, { createdAt: new Date(Date.now() - (3 - i) * 60_000) });
  postId = ok(await mutate(author, "post.create", { type: "text_short", content: "commented" })).id;
  for (let i = 0; i < 3; i++) ok(await mutate(reader, "comment.create", { postId, content: `c${i}` }));
  await follow(ctx.t.sql, reader.id, author.id);
  await follow(ctx.t.sql, other.id, author.id);
});

async function commentCursor(viewer: Authed | null = reader): Promise<string> {
  const page = ok(await query(viewer, "comment.list", { postId, limit: 1 }));
  expect(page.nextCursor).toBeString();
  return page.nextCursor;
}

describe("valid paging", () => {
  test("walking comment.list, post.listByUser and feed.home page by page still works", async () => {
    const comments = await walkPages((cursor) => query(reader, "comment.list", { postId, limit: 1, cursor }).then(ok));
    expect(comments.sizes).toEqual([1, 1, 1]);
    const posts = await walkPages((cursor) => query(null, "post.listByUser", { username: author.username, limit: 2, cursor }).then(ok));
    expect(posts.items).toHaveLength(4);
    const home = await walkPages((cursor) => query(reader, "feed.home", { limit: 1, cursor }).then(ok));
    expect(home.items.length).toBeGreaterThanOrEqual(4);
  });

  test("a cursor is sealed (inner.mac) and may be used again by its viewer", async () => {
    const cursor = await commentCursor();
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const a = ok(await query(reader, "comment.list", { postId, limit: 1, cursor }));
    const b = ok(await query(reader, "comment.list", { postId, limit: 1, cursor }));
    expect(b).toEqual(a);
  });
});

describe("refused cursors", () => {
  test("a comment.list cursor given to notification.list (or comment.listReplies)", async () => {
    const cursor = await commentCursor();
    expectInvalidCursor(await query(reader, "notification.list", { cursor }));
    expectInvalidCursor(await query(reader, "post.bookmarks", { cursor }));
  });

  test("another viewer's timeline cursor, or an anonymous cursor once signed in (and back)", async () => {
    const home = ok(await query(reader, "feed.home", { limit: 1 }));
    expect(home.nextCursor).toBeString();
    expectInvalidCursor(await query(other, "feed.home", { limit: 1, cursor: home.nextCursor }));
    const byUser = ok(await query(reader, "post.listByUser", { username: author.username, limit: 1 }));
    expectInvalidCursor(await query(other, "post.listByUser", { username: author.username, limit: 1, cursor: byUser.nextCursor }));
    expectInvalidCursor(await query(null, "post.listByUser", { username: author.username, limit: 1, cursor: byUser.nextCursor }));
    const anon = ok(await query(null, "post.listByUser", { username: author.username, limit: 1 }));
    expectInvalidCursor(await query(reader, "post.listByUser", { username: author.username, limit: 1, cursor: anon.nextCursor }));
    expectInvalidCursor(await query(reader, "comment.list", { postId, limit: 1, cursor: await commentCursor(null) }));
  });

  test("a tampered MAC or inner cursor", async () => {
    const cursor = await commentCursor();
    const [inner, mac] = cursor.split(".") as [string, string];
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
    expectInvalidCursor(await query(reader, "comment.list", { postId, cursor: `${inner}.${flip(mac, 5)}` }));
    expectInvalidCursor(await query(reader, "comment.list", { postId, cursor: `${flip(inner, 2)}.${mac}` }));
    expectInvalidCursor(await query(reader, "comment.list", { postId, cursor: `${inner}.${mac}x` }));
    expectInvalidCursor(await query(reader, "comment.list", { postId, cursor: inner }));
    // An inner cursor of this server's own format, unsealed (as cursors were before): refused.
    expectInvalidCursor(await query(reader, "comment.list", { postId, cursor: encodeCursor(["2020-01-01T00:00:00Z", "1"]) }));
  });

  test("garbage and wrong types, on queries and mutations, anonymous or not", async () => {
    const garbage: unknown[] = ["", "nope", ".", "a.b", "x".repeat(601), `${"A".repeat(100)}.${"B".repeat(43)}`, 123, null, true, {}, ["a"]];
    for (const cursor of garbage) {
      expectInvalidCursor(await query(reader, "notification.list", { cursor }));
      expectInvalidCursor(await query(null, "feed.discover", { cursor }));
      expectInvalidCursor(await query(null, "social.followers", { username: author.username, cursor }));
      expectInvalidCursor(await query(reader, "message.conversations", { cursor }));
    }
  });

  test("an authed procedure called anonymously with a bad cursor is still UNAUTHORIZED first", async () => {
    const res = await query(null, "notification.list", { cursor: "nope" });
    expect(res.status).toBe(401);
  });
});

describe("the inner cursor", () => {
  test("decodeCursor: every inner failure is INVALID_CURSOR", () => {
    const bad = [
      "", "!!", "bm9wZQ", Buffer.from("[1]").toString("base64url"), Buffer.from('{"a":1}').toString("base64url"),
      Buffer.from('[null,"1"]').toString("base64url"), Buffer.from(`["${"x".repeat(101)}","1"]`).toString("base64url"),
      Buffer.from('["a\\u0000","1"]').toString("base64url"), Buffer.from("[1e999,1]").toString("base64url"),
    ];
    for (const cursor of bad) {
      let thrown: unknown;
      try {
        decodeCursor(cursor, 2);
      } catch (error) {
        thrown = error;
      }
      expect(thrown instanceof AppError && { code: thrown.code, appCode: thrown.appCode, field: thrown.field }).toEqual({
        code: "BAD_REQUEST", appCode: "INVALID_CURSOR", field: "cursor",
      });
    }
    expect(decodeCursor(encodeCursor(["2020-01-01T00:00:00Z", 5]), 2)).toEqual(["2020-01-01T00:00:00Z", 5]);
    expect(decodeCursor(undefined, 2)).toBeNull();
  });

  test("seal / unseal: bound to path and viewer", () => {
    const key = cursorKey("k".repeat(32));
    const inner = encodeCursor(["x", 1]);
    const sealed = sealCursor(key, { path: "comment.list", viewer: "7" }, inner);
    expect(unsealCursor(key, { path: "comment.list", viewer: "7" }, sealed)).toBe(inner);
    for (const scope of [{ path: "comment.listReplies", viewer: "7" }, { path: "comment.list", viewer: "8" }, { path: "comment.list", viewer: "anon" }]) {
      expect(() => unsealCursor(key, scope, sealed)).toThrow("Invalid cursor");
    }
    expect(() => unsealCursor(cursorKey("j".repeat(32)), { path: "comment.list", viewer: "7" }, sealed)).toThrow("Invalid cursor");
  });

  test("a validly sealed but forged inner cursor (only with the server's key) is a 400, never a 500", async () => {
    // Tests run the server in-process: no CURSOR_SECRET, so the per-process key is the server's.
    const forged = sealCursor(cursorKey(undefined), { path: "comment.list", viewer: reader.id }, encodeCursor(["not-a-date", "1"]));
    const res = await query(reader, "comment.list", { postId, cursor: forged });
    expect(res.status).toBe(400);
    const overflow = sealCursor(cursorKey(undefined), { path: "comment.list", viewer: reader.id }, encodeCursor(["2020-01-01T00:00:00Z", "99999999999999999999"]));
    expect((await query(reader, "comment.list", { postId, cursor: overflow })).status).toBe(400);
  });
});
