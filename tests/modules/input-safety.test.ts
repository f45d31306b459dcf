// The input boundary over HTTP (src/lib/input-safety.ts, the safeInput middleware of
// src/trpc/init.ts): NUL and lone surrogates in any text field or free-form JSON, prototype keys
// and absurd nesting are 400 BAD_REQUEST with the field and an appCode, before any SQL; ids beyond
// bigint are refused by idSchema (never stored, e.g. as a feed filter); class-22 SQLSTATEs from a
// real PostgreSQL map to BAD_REQUEST.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { toTRPCError } from "../../src/lib/errors";
import { findUnsafeInput, fitsTimestamptz, MAX_INPUT_DEPTH } from "../../src/lib/input-safety";
import { idSchema } from "../../src/lib/pagination";
import { type Authed, callersOf, expectErrorData, ok, type RpcResult, useServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();
const { mutate, query, user } = callersOf(ctx);

const NUL = "a\u0000b";
const LONE = "a\uD800b";
const LONE_LOW = "x\uDC00";

const feedConfig = (value: unknown) => ({ filters: [{ type: "author", operator: "equals", value }] });

/** Every category of text input: [label, call(user, text) → response, field expected]. */
type Case = [string, (u: Authed, text: string) => Promise<RpcResult>, string];
function cases(postId: () => string, conversationId: () => string): Case[] {
  return [
    ["post content", (u, s) => mutate(u, "post.create", { type: "text_short", content: s }), "content"],
    ["post tag", (u, s) => mutate(u, "post.create", { type: "text_short", content: "hi", tags: [s] }), "tags.0"],
    ["comment", (u, s) => mutate(u, "comment.create", { postId: postId(), content: s }), "content"],
    ["message", (u, s) => mutate(u, "message.send", { conversationId: conversationId(), content: s }), "content"],
    ["user.search query", (u, s) => query(u, "user.search", { query: s }), "query"],
    ["profile bio", (u, s) => mutate(u, "user.updateProfile", { bio: s }), "bio"],
    ["list name", (u, s) => mutate(u, "list.create", { name: s }), "name"],
    ["feed name", (u, s) => mutate(u, "feed.create", { name: s, algorithmConfig: feedConfig("friends") }), "name"],
    ["feed filter value", (u, s) => mutate(u, "feed.create", { name: "f", algorithmConfig: { filters: [{ type: "tag", operator: "equals", value: s }] } }), "algorithmConfig.filters.0.value"],
    ["section title", (u, s) => mutate(u, "section.create", { type: "links", title: s }), "title"],
    ["section config", (u, s) => mutate(u, "section.create", { type: "links", title: "t", config: { style: s } }), "config.style"],
    ["layout config", (u, s) => mutate(u, "user.updateLayout", { sections: [{ id: "a", type: "links", order: 0, config: { style: s } }] }), "sections.0.config.style"],
    ["layout id", (u, s) => mutate(u, "user.updateLayout", { sections: [{ id: s, type: "links", order: 0 }] }), "sections.0.id"],
    ["upload file name", (u, s) => mutate(u, "media.createUpload", { fileName: `${s}.png`, mimeType: "image/png", sizeBytes: 100 }), "fileName"],
    ["login email", (_u, s) => mutate(null, "auth.login", { email: `${s}@example.test`, password: "x" }), "email"],
    ["cursor", (u, s) => query(u, "notification.list", { cursor: s }), "cursor"],
    ["cursor (anonymous timeline)", (_u, s) => query(null, "feed.discover", { cursor: s }), "cursor"],
    ["style font", (u, s) => mutate(u, "user.updateStyle", { font: s }), "font"],
  ];
}

describe("characters PostgreSQL cannot store", () => {
  let me: Authed;
  let postId = "";
  let conversationId = "";
  const all = cases(() => postId, () => conversationId);

  test("setup: a user, a post and a conversation", async () => {
    me = await user();
    const other = await user();
    postId = ok(await mutate(me, "post.create", { type: "text_short", content: "hello" })).id;
    conversationId = ok(await mutate(me, "message.start", { participantIds: [other.id] })).id;
  });

  for (const [label, call, field] of all) {
    test(`NUL in ${label} → 400 UNSAFE_TEXT (${field})`, async () => {
      const res = await call(me, NUL);
      expect(res.status).toBe(400);
      expectErrorData(res, "BAD_REQUEST", { field, appCode: "UNSAFE_TEXT" });
      expect(res.body.error.message).toBe(`${field}: contains characters that cannot be stored`);
    });
    test(`lone surrogate in ${label} → 400 UNSAFE_TEXT`, async () => {
      const res = await call(me, label === "cursor" ? LONE_LOW : LONE);
      expect(res.status).toBe(400);
      expectErrorData(res, "BAD_REQUEST", { field, appCode: "UNSAFE_TEXT" });
    });
  }

  test("a valid pair of surrogates (an emoji) is fine", async () => {
    const post = ok(await mutate(me, "post.create", { type: "text_short", content: "ok 😀" }));
    expect(post.content).toBe("ok 😀");
  });

  test("nothing was stored by the refused calls", async () => {
    const [row] = await ctx.t.sql<{ n: number }[]>`
      SELECT (SELECT count(*) FROM posts WHERE user_id = ${me.id})::int
           + (SELECT count(*) FROM user_lists WHERE user_id = ${me.id})::int
           + (SELECT count(*) FROM custom_feeds WHERE user_id = ${me.id})::int AS n`;
    expect(row!.n).toBe(2); // "hello" and the emoji post
  });

  test("a NUL in an object key is refused too (field: the object)", async () => {
    const res = await mutate(me, "section.create", { type: "links", title: "t", config: { ["st\u0000yle"]: "list" } });
    expectErrorData(res, "BAD_REQUEST", { field: "config", appCode: "UNSAFE_TEXT" });
  });

  test("GET and POST alike: a NUL in a query's input (GET ?input=)", async () => {
    const res = await query(null, "user.get", { username: NUL });
    expect(res.status).toBe(400);
    expectErrorData(res, "BAD_REQUEST", { field: "username", appCode: "UNSAFE_TEXT" });
  });
});

describe("prototype keys and nesting", () => {
  test("__proto__, constructor and prototype keys are refused anywhere", async () => {
    const me = await user();
    const proto = await rawPost(me, "section.create", `{"type":"links","title":"t","config":{"__proto__":{"polluted":true}}}`);
    expect(proto.status).toBe(400);
    expectErrorData(proto, "BAD_REQUEST", { field: "config.__proto__", appCode: "UNSAFE_KEY" });
    const top = await rawPost(me, "list.create", `{"name":"x","__proto__":{}}`);
    expectErrorData(top, "BAD_REQUEST", { field: "__proto__", appCode: "UNSAFE_KEY" });
    const ctor = await mutate(me, "user.updateLayout", { sections: [{ id: "a", type: "links", order: 0, config: { constructor: 1 } }] });
    expectErrorData(ctor, "BAD_REQUEST", { field: "sections.0.config.constructor", appCode: "UNSAFE_KEY" });
    const protoKey = await mutate(me, "feed.create", { name: "n", algorithmConfig: { prototype: [] } });
    expectErrorData(protoKey, "BAD_REQUEST", { field: "algorithmConfig.prototype", appCode: "UNSAFE_KEY" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test(`nesting deeper than ${MAX_INPUT_DEPTH} levels is refused`, async () => {
    const me = await user();
    let deep: unknown = "x";
    for (let i = 0; i < 200; i++) deep = { a: deep };
    const res = await mutate(me, "section.create", { type: "links", title: "t", config: deep });
    expect(res.status).toBe(400);
    expectErrorData(res, "BAD_REQUEST", { appCode: "INPUT_TOO_DEEP" });
    let arrays: unknown = 1;
    for (let i = 0; i < 5000; i++) arrays = [arrays];
    expectErrorData(await mutate(me, "user.updateLayout", { sections: arrays }), "BAD_REQUEST", { appCode: "INPUT_TOO_DEEP" });
  });

  test("findUnsafeInput: paths, reasons, and what is fine", () => {
    expect(findUnsafeInput({ a: [1, "ok", { b: "x\u0000" }] })).toEqual({ path: "a.2.b", reason: "nul" });
    expect(findUnsafeInput("\uDFFF")).toEqual({ path: "", reason: "lone_surrogate" });
    expect(findUnsafeInput(JSON.parse(`{"x":{"__proto__":1}}`))).toEqual({ path: "x.__proto__", reason: "forbidden_key" });
    expect(findUnsafeInput({ a: null, b: 1e308, c: true, d: "😀", e: [] })).toBeNull();
    expect(findUnsafeInput(undefined)).toBeNull();
  });
});

describe("ids and numbers within PostgreSQL's ranges", () => {
  test("idSchema: 1..9223372036854775807", () => {
    expect(idSchema.safeParse("9223372036854775807").success).toBe(true);
    expect(idSchema.safeParse("1").success).toBe(true);
    for (const bad of ["9223372036854775808", "9999999999999999999", "0", "-1", "01", "1e3", "", " 1", "12345678901234567890"]) {
      expect(idSchema.safeParse(bad).success).toBe(false);
    }
  });

  test("a feed whose author id overflows bigint is refused at create, and no row is stored", async () => {
    const me = await user();
    for (const config of [feedConfig("9223372036854775808"), { filters: [{ type: "author", operator: "contains", value: ["1", "9223372036854775808"] }] }]) {
      const res = await mutate(me, "feed.create", { name: "overflow", algorithmConfig: config });
      expect(res.status).toBe(400);
      expectErrorData(res, "BAD_REQUEST");
      expect(res.body.error.data.field).toStartWith("algorithmConfig.filters.0.value");
    }
    const [row] = await ctx.t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM custom_feeds WHERE user_id = ${me.id}`;
    expect(row!.n).toBe(0);
    // The largest bigint is a valid (if unknown) author: the feed is stored and executes.
    const feed = ok(await mutate(me, "feed.create", { name: "max", algorithmConfig: feedConfig("9223372036854775807") }));
    expect(ok(await query(me, "feed.execute", { feedId: feed.id })).items).toEqual([]);
  });

  test("ids beyond bigint are BAD_REQUEST (field) wherever an id is taken, never a 500", async () => {
    const me = await user();
    const big = "9223372036854775808";
    const calls: [RpcResult, string][] = [
      [await query(me, "post.get", { postId: big }), "postId"],
      [await mutate(me, "social.follow", { userId: big }), "userId"],
      [await mutate(me, "section.create", { type: "list", title: "t", config: { listId: big } }), "config.listId"],
      [await mutate(me, "user.updateLayout", { sections: [{ id: "a", type: "list", order: 0, config: { listId: big } }] }), "sections.0.config.listId"],
      [await mutate(me, "message.start", { participantIds: [big] }), "participantIds.0"],
    ];
    for (const [res, field] of calls) {
      expect(res.status).toBe(400);
      expectErrorData(res, "BAD_REQUEST", { field });
    }
  });

  test("dates a timestamptz cannot hold are refused (feed date filters, scheduledFor)", async () => {
    const me = await user();
    for (const value of ["0000-01-01", "2020-01-01T00:00:00+23:00"]) {
      const res = await mutate(me, "feed.create", { name: "d", algorithmConfig: { filters: [{ type: "date_range", operator: "greater_than", value }] } });
      expect(res.status).toBe(400);
      expectErrorData(res, "BAD_REQUEST");
    }
    const scheduled = await mutate(me, "post.create", { type: "text_short", content: "x", status: "scheduled", scheduledFor: "2030-01-01T00:00:00+16:00" });
    expectErrorData(scheduled, "BAD_REQUEST", { field: "scheduledFor" });
    expect(fitsTimestamptz("0001-01-01")).toBe(true);
    expect(fitsTimestamptz("2020-01-01T00:00:00-15:59")).toBe(true);
    expect(fitsTimestamptz("2020-01-01T00:00:00Z")).toBe(true);
  });
});

describe("layout configs are validated per section type", () => {
  test("unknown keys and bad values are refused; known keys kept as sent", async () => {
    const me = await user();
    const layout = (config: unknown, type = "gallery") => mutate(me, "user.updateLayout", { sections: [{ id: "a", type, order: 0, config }] });
    expectErrorData(await layout({ whatever: 1 }), "BAD_REQUEST", { field: "sections.0.config.whatever" });
    expectErrorData(await layout({ columns: 99 }), "BAD_REQUEST", { field: "sections.0.config.columns" });
    expectErrorData(await layout({ filters: [{ type: "author", operator: "equals", value: "nobody" }] }, "feed"), "BAD_REQUEST");
    expect(ok(await layout({ columns: 2 }))).toEqual({ sections: [{ id: "a", type: "gallery", order: 0, config: { columns: 2 } }] });
  });
});

describe("class-22 SQLSTATEs from a real PostgreSQL map to BAD_REQUEST", () => {
  async function pgError(run: () => Promise<unknown>): Promise<unknown> {
    try {
      await run();
    } catch (error) {
      return error;
    }
    throw new Error("expected the query to fail");
  }

  test("22021 (a NUL in a parameter, an invalid byte sequence), 22P05, 22P02, 22003, 22008", async () => {
    const sql = ctx.t.sql;
    const errors = {
      "22021": await pgError(() => sql`SELECT convert_from('\\x00'::bytea, 'UTF8')`),
      "22021 (parameter)": await pgError(() => sql`SELECT ${"a\u0000b"}::text`),
      "22P05": await pgError(() => sql`SELECT '"\\u0000"'::jsonb`),
      "22P02": await pgError(() => sql`SELECT 'x'::bigint`),
      "22003": await pgError(() => sql`SELECT '9223372036854775808'::bigint`),
      "22008": await pgError(() => sql`SELECT '0000-01-01'::timestamptz`),
    };
    for (const [label, error] of Object.entries(errors)) {
      const code = (error as { code?: string }).code;
      expect({ label, class22: code?.startsWith("22") }).toEqual({ label, class22: true });
      const mapped = toTRPCError(error);
      expect({ label, code: mapped.code, message: mapped.message }).toEqual({ label, code: "BAD_REQUEST", message: "A value has the wrong format or size" });
    }
    expect((errors["22021"] as { code: string }).code).toBe("22021");
    expect((errors["22P05"] as { code: string }).code).toBe("22P05");
  });
});

async function rawPost(u: Authed | null, path: string, body: string): Promise<RpcResult> {
  const res = await fetch(`${ctx.s.url}/api/rpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(u ? { authorization: `Bearer ${u.token}` } : {}) },
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}
