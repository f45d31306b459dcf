// Profile sections and their items over real HTTP against a real server and database: CRUD,
// per-type config validation (a `feed` section uses the custom-feed filter schema), ordering,
// content items, owner-only writes (someone else's section or item is NOT_FOUND and untouched),
// and section.list under the profile visibility policy.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { createPost, createUserWithToken, follow } from "../helpers/factories";
import { type Authed, ok, rpc, type RpcResult, useServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();

const mutate = (path: string, input: unknown, token?: string) => rpc(ctx.s.url, path, input, { token });
const query = (path: string, input: unknown, token?: string) => rpc(ctx.s.url, path, input, { method: "GET", token });

function expectError(res: RpcResult, code: string, status: number, appCode?: string | null, field?: string | null) {
  expect({ status: res.status, code: res.body?.error?.data?.code }).toEqual({ status, code });
  if (appCode !== undefined) expect(res.body.error.data.appCode).toBe(appCode);
  if (field !== undefined) expect(res.body.error.data.field).toBe(field);
}
function expectInvalid(res: RpcResult, field: string) {
  expectError(res, "BAD_REQUEST", 400, null, field);
  expect(res.body.error.data.zodError?.[field.split(".")[0]!]?.length ?? 0).toBeGreaterThanOrEqual(1);
}
function expectUnknownKey(res: RpcResult, key: string) {
  expectError(res, "BAD_REQUEST", 400, null, key);
  expect(res.body.error.message).toContain(`Unrecognized key: "${key}"`);
}
function expectBadConfig(res: RpcResult, field: string) {
  expectError(res, "BAD_REQUEST", 400, "INVALID_SECTION_CONFIG", field);
  expect(res.body.error.message.startsWith(`${field}: `)).toBe(true);
}

async function createSection(owner: Authed, input: Record<string, unknown> = {}) {
  return ok(await mutate("section.create", { type: "links", title: "Links", ...input }, owner.token));
}
async function addItem(owner: Authed, sectionId: string, input: Record<string, unknown> = {}) {
  return ok(await mutate("section.addContent", { sectionId, contentType: "link", url: "https://example.test/", ...input }, owner.token));
}
/** Everything about a user's sections and items, to prove a refused call changed nothing. */
async function snapshot(userId: string) {
  const sections = await ctx.t.sql`SELECT id, type, title, description, config, display_order, is_visible, updated_at
    FROM profile_sections WHERE user_id = ${userId} ORDER BY id`;
  const items = await ctx.t.sql`SELECT c.id, c.section_id, c.content_type, c.title, c.content, c.url, c.display_order, c.updated_at
    FROM section_content c JOIN profile_sections s ON s.id = c.section_id WHERE s.user_id = ${userId} ORDER BY c.id`;
  return JSON.parse(JSON.stringify({ sections, items }));
}
async function sectionOrder(userId: string): Promise<string[]> {
  return (await ctx.t.sql<{ id: string }[]>`SELECT id FROM profile_sections WHERE user_id = ${userId} ORDER BY display_order, id`).map((r) => r.id);
}

const VALID_FEED_CONFIG = {
  filters: [
    { type: "post_type", operator: "contains", value: ["image", "gif"] },
    { type: "tag", operator: "equals", value: "#Cats", groupId: 1, logicalOperator: "OR" },
  ],
  logic: "OR",
  sort: "popular",
};

// ---------------------------------------------------------------------------------------------
describe("section.create and section.list", () => {
  test("creates a section with defaults; list returns it with its items", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    expect(ok(await query("section.list", { username: owner.username }))).toEqual([]);
    const created = await createSection(owner, { title: "  My links  ", description: "Where to find me" });
    expect(created).toEqual({
      id: expect.stringMatching(/^[1-9][0-9]*$/),
      type: "links",
      title: "My links",
      description: "Where to find me",
      config: { style: "list" },
      displayOrder: 0,
      isVisible: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      items: [],
    });
    const [row] = await ctx.t.sql`SELECT user_id, type, title, config, display_order, is_visible FROM profile_sections WHERE id = ${created.id}`;
    expect(row).toEqual({ user_id: owner.id, type: "links", title: "My links", config: { style: "list" }, display_order: 0, is_visible: true });
    const second = await createSection(owner, { type: "static_text", title: "About", config: { align: "center" } });
    expect(second.displayOrder).toBe(1);
    expect(second.config).toEqual({ align: "center" });
    const item = await addItem(owner, created.id, { title: "Site" });
    const listed = ok(await query("section.list", { username: owner.username }));
    expect(listed.map((x: { id: string }) => x.id)).toEqual([created.id, second.id]);
    expect(listed[0].items).toEqual([item]);
    expect(listed[1].items).toEqual([]);
  });

  test("every section type accepts its defaulted config", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const [list] = await ctx.t.sql<{ id: string }[]>`INSERT INTO user_lists (user_id, name) VALUES (${owner.id}, 'L') RETURNING id`;
    const expected: Record<string, [Record<string, unknown> | undefined, Record<string, unknown>]> = {
      gallery: [undefined, { columns: 3, showCaptions: false }],
      links: [undefined, { style: "list" }],
      static_text: [{}, { align: "left" }],
      static_image: [undefined, { fit: "cover" }],
      video: [undefined, { autoplay: false }],
      reposts: [undefined, { limit: 10 }],
      friends: [{ limit: 50 }, { limit: 50 }],
      followers: [undefined, { limit: 10 }],
      following: [undefined, { limit: 10 }],
      list: [{ listId: list!.id }, { listId: list!.id, limit: 10 }],
      feed: [
        VALID_FEED_CONFIG,
        {
          filters: [
            { type: "post_type", operator: "contains", value: ["image", "gif"], groupId: 0, logicalOperator: "AND" },
            { type: "tag", operator: "equals", value: "cats", groupId: 1, logicalOperator: "OR" },
          ],
          logic: "OR", sort: "popular", layout: "list",
        },
      ],
    };
    for (const [type, [config, stored]] of Object.entries(expected)) {
      const created = await createSection(owner, { type, title: type, ...(config ? { config } : {}) });
      expect({ type, config: created.config }).toEqual({ type, config: stored });
      const [row] = await ctx.t.sql`SELECT config FROM profile_sections WHERE id = ${created.id}`;
      expect(row!.config).toEqual(stored);
    }
  });

  test("a feed section's config is validated with the custom-feed filter schema", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const feed = (config: unknown) => mutate("section.create", { type: "feed", title: "Feed", config }, owner.token);
    // An operator that does not fit its filter type.
    const wrongOperator = await feed({ filters: [{ type: "post_type", operator: "greater_than", value: "image" }] });
    expectBadConfig(wrongOperator, "config.filters.0.operator");
    expect(wrongOperator.body.error.message).toContain('"greater_than" does not fit filter type "post_type"');
    expectBadConfig(await feed({ filters: [VALID_FEED_CONFIG.filters[0], { type: "engagement", operator: "contains", value: { value: 1 } }] }), "config.filters.1.operator");
    expectBadConfig(await feed({ filters: [{ type: "date_range", operator: "equals", value: "2024-01-01" }] }), "config.filters.0.operator");
    // Unknown keys, at the top and inside a filter.
    const unknownTop = await feed({ ...VALID_FEED_CONFIG, sql: "DROP TABLE posts" });
    expectBadConfig(unknownTop, "config.sql");
    expect(unknownTop.body.error.message).toContain('Unrecognized key: "sql"');
    const unknownInFilter = await feed({ filters: [{ type: "tag", operator: "equals", value: "cats", raw: "1=1" }] });
    expectBadConfig(unknownInFilter, "config.filters.0.raw");
    expect(unknownInFilter.body.error.message).toContain('Unrecognized key: "raw"');
    // Other rules of the feed schema.
    expectBadConfig(await feed({ filters: [] }), "config.filters");
    expectBadConfig(await feed({}), "config.filters");
    expectBadConfig(await feed({ filters: [{ type: "mood", operator: "equals", value: "x" }] }), "config.filters.0.type");
    expectBadConfig(await feed({ filters: [{ type: "post_type", operator: "equals", value: "podcast" }] }), "config.filters.0.value");
    expectBadConfig(await feed({ filters: [{ type: "tag", operator: "equals", value: "c" }], sort: "random" }), "config.sort");
    expectBadConfig(await feed({ filters: [{ type: "tag", operator: "equals", value: "c" }], layout: "carousel" }), "config.layout");
    expect((await ctx.t.sql`SELECT count(*)::int AS n FROM profile_sections WHERE user_id = ${owner.id}`)[0]!.n).toBe(0);
  });

  test("other types: unknown config keys and out-of-range values are refused on the config field", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const create = (type: string, config: unknown) => mutate("section.create", { type, title: "x", config }, owner.token);
    const unknown = await create("links", { style: "list", onclick: "alert(1)" });
    expectBadConfig(unknown, "config.onclick");
    expect(unknown.body.error.message).toContain('Unrecognized key: "onclick"');
    expectBadConfig(await create("gallery", { columns: 7 }), "config.columns");
    expectBadConfig(await create("gallery", { columns: 0 }), "config.columns");
    expectBadConfig(await create("links", { style: "marquee" }), "config.style");
    expectBadConfig(await create("friends", { limit: 51 }), "config.limit");
    expectBadConfig(await create("list", {}), "config.listId");
    expectBadConfig(await create("list", { listId: "abc" }), "config.listId");
    expect((await ctx.t.sql`SELECT count(*)::int AS n FROM profile_sections WHERE user_id = ${owner.id}`)[0]!.n).toBe(0);
  });

  test("input validation: type, title, description, displayOrder, isVisible", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    expectInvalid(await mutate("section.create", { type: "iframe", title: "x" }, owner.token), "type");
    expectInvalid(await mutate("section.create", { type: "links" }, owner.token), "title");
    expectInvalid(await mutate("section.create", { type: "links", title: "   " }, owner.token), "title");
    expectInvalid(await mutate("section.create", { type: "links", title: "t".repeat(101) }, owner.token), "title");
    expectInvalid(await mutate("section.create", { type: "links", title: "x", description: "d".repeat(2001) }, owner.token), "description");
    expectInvalid(await mutate("section.create", { type: "links", title: "x", displayOrder: -1 }, owner.token), "displayOrder");
    expectInvalid(await mutate("section.create", { type: "links", title: "x", displayOrder: 1.5 }, owner.token), "displayOrder");
    expectInvalid(await mutate("section.create", { type: "links", title: "x", isVisible: "yes" }, owner.token), "isVisible");
    expectInvalid(await mutate("section.create", { type: "links", title: "x", config: "style=list" }, owner.token), "config");
    expect((await ctx.t.sql`SELECT count(*)::int AS n FROM profile_sections WHERE user_id = ${owner.id}`)[0]!.n).toBe(0);
    // Boundaries that are fine.
    const ok100 = await createSection(owner, { title: "t".repeat(100), description: "d".repeat(2000), displayOrder: 10_000, isVisible: false });
    expect(ok100).toMatchObject({ title: "t".repeat(100), displayOrder: 10_000, isVisible: false });
  });

  test("mass assignment: userId, status, quotaBytes, passwordHash, id are refused and create nothing", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const victim = await createUserWithToken(ctx.t.sql);
    for (const [key, value] of [["userId", victim.id], ["status", "deleted"], ["quotaBytes", 1], ["passwordHash", "x"], ["id", "1"], ["user_id", victim.id]] as const) {
      expectUnknownKey(await mutate("section.create", { type: "links", title: "x", [key]: value }, owner.token), key);
    }
    expect((await ctx.t.sql`SELECT count(*)::int AS n FROM profile_sections WHERE user_id IN (${owner.id}, ${victim.id})`)[0]!.n).toBe(0);
  });

  test("at most 50 sections per user", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    await ctx.t.sql`INSERT INTO profile_sections (user_id, type, title, display_order)
                SELECT ${owner.id}, 'links', 'S' || g, g FROM generate_series(0, 48) g`;
    const fiftieth = await createSection(owner);
    expect(fiftieth.displayOrder).toBe(49);
    expectError(await mutate("section.create", { type: "links", title: "51st" }, owner.token), "BAD_REQUEST", 400, "TOO_MANY_SECTIONS");
    expect((await ctx.t.sql`SELECT count(*)::int AS n FROM profile_sections WHERE user_id = ${owner.id}`)[0]!.n).toBe(50);
  });
});

// ---------------------------------------------------------------------------------------------
describe("section.update and section.delete", () => {
  test("update changes the given fields only; config is re-validated against the section's type", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const section = await createSection(owner, { type: "gallery", title: "Pics", description: "old", config: { columns: 2 } });
    const updated = ok(await mutate("section.update", { sectionId: section.id, title: "Photos", config: { columns: 4, showCaptions: true } }, owner.token));
    expect(updated).toMatchObject({ id: section.id, type: "gallery", title: "Photos", description: "old", config: { columns: 4, showCaptions: true }, displayOrder: 0, isVisible: true });
    const cleared = ok(await mutate("section.update", { sectionId: section.id, description: null, displayOrder: 7, isVisible: false }, owner.token));
    expect(cleared).toMatchObject({ title: "Photos", description: null, config: { columns: 4, showCaptions: true }, displayOrder: 7, isVisible: false });
    const [row] = await ctx.t.sql`SELECT title, description, config, display_order, is_visible FROM profile_sections WHERE id = ${section.id}`;
    expect(row).toEqual({ title: "Photos", description: null, config: { columns: 4, showCaptions: true }, display_order: 7, is_visible: false });

    // A gallery's config cannot be swapped for another type's, and the type itself cannot change.
    expectBadConfig(await mutate("section.update", { sectionId: section.id, config: { style: "list" } }, owner.token), "config.style");
    expectBadConfig(await mutate("section.update", { sectionId: section.id, config: { columns: 9 } }, owner.token), "config.columns");
    expectUnknownKey(await mutate("section.update", { sectionId: section.id, type: "links" }, owner.token), "type");
    expectInvalid(await mutate("section.update", { sectionId: section.id, title: "" }, owner.token), "title");
    expectInvalid(await mutate("section.update", { sectionId: "abc", title: "x" }, owner.token), "sectionId");
    expectInvalid(await mutate("section.update", { title: "x" }, owner.token), "sectionId");
    const [after] = await ctx.t.sql`SELECT type, title, config FROM profile_sections WHERE id = ${section.id}`;
    expect(after).toEqual({ type: "gallery", title: "Photos", config: { columns: 4, showCaptions: true } });
  });

  test("a feed section's config update goes through the feed filter schema", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const section = await createSection(owner, { type: "feed", title: "Feed", config: VALID_FEED_CONFIG });
    const bad = await mutate("section.update", {
      sectionId: section.id, config: { filters: [{ type: "author", operator: "in_range", value: "1" }] },
    }, owner.token);
    expectBadConfig(bad, "config.filters.0.operator");
    const good = ok(await mutate("section.update", {
      sectionId: section.id, config: { filters: [{ type: "engagement", operator: "greater_than", value: { value: 10 } }], layout: "grid" },
    }, owner.token));
    expect(good.config).toEqual({
      filters: [{ type: "engagement", operator: "greater_than", value: { metric: "likes", value: 10 }, groupId: 0, logicalOperator: "AND" }],
      logic: "AND", sort: "recent", layout: "grid",
    });
  });

  test("a hidden section is listed for its owner only", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const viewer = await createUserWithToken(ctx.t.sql);
    const shown = await createSection(owner, { title: "Shown" });
    const hidden = await createSection(owner, { title: "Hidden", isVisible: false });
    await addItem(owner, hidden.id, { title: "secret item", url: "https://secret.example/" });
    const ids = (list: { id: string }[]) => list.map((x) => x.id);
    expect(ids(ok(await query("section.list", { username: owner.username }, owner.token)))).toEqual([shown.id, hidden.id]);
    for (const token of [viewer.token, undefined]) {
      const res = await query("section.list", { username: owner.username }, token);
      expect(ids(ok(res))).toEqual([shown.id]);
      expect(JSON.stringify(res.body)).not.toContain("secret");
    }
  });

  test("delete removes the section and its items", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const section = await createSection(owner);
    const keep = await createSection(owner, { title: "Keep" });
    await addItem(owner, section.id);
    await addItem(owner, section.id);
    expect(ok(await mutate("section.delete", { sectionId: section.id }, owner.token))).toEqual({ deleted: true });
    expect((await ctx.t.sql`SELECT count(*)::int AS n FROM profile_sections WHERE id = ${section.id}`)[0]!.n).toBe(0);
    expect((await ctx.t.sql`SELECT count(*)::int AS n FROM section_content WHERE section_id = ${section.id}`)[0]!.n).toBe(0);
    expect(ok(await query("section.list", { username: owner.username })).map((x: { id: string }) => x.id)).toEqual([keep.id]);
    expectError(await mutate("section.delete", { sectionId: section.id }, owner.token), "NOT_FOUND", 404);
    expectInvalid(await mutate("section.delete", { sectionId: "0" }, owner.token), "sectionId");
  });

  test("an id beyond BIGINT is BAD_REQUEST, never a 500 or SQL text", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    for (const [path, input] of [
      ["section.delete", { sectionId: "9999999999999999999" }],
      ["section.update", { sectionId: "9999999999999999999", title: "x" }],
      ["section.removeContent", { contentId: "9999999999999999999" }],
    ] as const) {
      const res = await mutate(path, input, owner.token);
      expectError(res, "BAD_REQUEST", 400);
      expect(JSON.stringify(res.body)).not.toMatch(/profile_sections|section_content|SELECT |DELETE FROM|bigint|out of range/);
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe("section.reorder", () => {
  test("puts the given sections first in that order; the rest follow in their old order", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const [a, b, c, d] = [await createSection(owner, { title: "A" }), await createSection(owner, { title: "B" }), await createSection(owner, { title: "C" }), await createSection(owner, { title: "D" })];
    expect(await sectionOrder(owner.id)).toEqual([a.id, b.id, c.id, d.id]);
    expect(ok(await mutate("section.reorder", { sectionIds: [d.id, b.id, a.id, c.id] }, owner.token))).toEqual({ sectionIds: [d.id, b.id, a.id, c.id] });
    expect(await sectionOrder(owner.id)).toEqual([d.id, b.id, a.id, c.id]);
    const orders = await ctx.t.sql`SELECT id, display_order FROM profile_sections WHERE user_id = ${owner.id} ORDER BY display_order`;
    expect(orders.map((r) => r.display_order)).toEqual([0, 1, 2, 3]);
    expect(ok(await query("section.list", { username: owner.username })).map((x: { id: string }) => x.id)).toEqual([d.id, b.id, a.id, c.id]);
    // Partial: the named ones first.
    expect(ok(await mutate("section.reorder", { sectionIds: [c.id] }, owner.token))).toEqual({ sectionIds: [c.id, d.id, b.id, a.id] });
    expect(await sectionOrder(owner.id)).toEqual([c.id, d.id, b.id, a.id]);
  });

  test("duplicate ids, an empty list and bad ids are BAD_REQUEST; an unknown id is NOT_FOUND; nothing changes", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const a = await createSection(owner, { title: "A" });
    const b = await createSection(owner, { title: "B" });
    const before = await snapshot(owner.id);
    const dup = await mutate("section.reorder", { sectionIds: [b.id, a.id, b.id] }, owner.token);
    expectInvalid(dup, "sectionIds");
    expect(dup.body.error.message).toContain("Duplicate section ids");
    expectInvalid(await mutate("section.reorder", { sectionIds: [] }, owner.token), "sectionIds");
    expectInvalid(await mutate("section.reorder", { sectionIds: ["x"] }, owner.token), "sectionIds.0");
    expectError(await mutate("section.reorder", { sectionIds: [b.id, "999999999"] }, owner.token), "NOT_FOUND", 404);
    expect(await snapshot(owner.id)).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
describe("section content items", () => {
  test("addContent: text, link, image and embed items, in order; displayOrder defaults to the end", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const section = await createSection(owner);
    const text = ok(await mutate("section.addContent", { sectionId: section.id, contentType: "text", content: "Hello", title: "Greeting" }, owner.token));
    expect(text).toEqual({ id: expect.stringMatching(/^\d+$/), contentType: "text", title: "Greeting", content: "Hello", url: null, displayOrder: 0 });
    const link = await addItem(owner, section.id, { url: "http://plain.example/page", title: "Page" });
    expect(link).toMatchObject({ contentType: "link", url: "http://plain.example/page", displayOrder: 1 });
    const image = await addItem(owner, section.id, { contentType: "image", url: "https://cdn.example.test/a.png" });
    const embed = await addItem(owner, section.id, { contentType: "embed", url: "https://video.example/embed/1", displayOrder: 0 });
    expect([image.displayOrder, embed.displayOrder]).toEqual([2, 0]);
    const [listed] = ok(await query("section.list", { username: owner.username }));
    // Ordered by displayOrder, then id.
    expect(listed.items.map((i: { id: string }) => i.id)).toEqual([text.id, embed.id, link.id, image.id]);
    const rows = await ctx.t.sql`SELECT content_type, title, content, url FROM section_content WHERE section_id = ${section.id} ORDER BY id`;
    expect([...rows]).toEqual([
      { content_type: "text", title: "Greeting", content: "Hello", url: null },
      { content_type: "link", title: "Page", content: null, url: "http://plain.example/page" },
      { content_type: "image", title: null, content: null, url: "https://cdn.example.test/a.png" },
      { content_type: "embed", title: null, content: null, url: "https://video.example/embed/1" },
    ]);
  });

  test("addContent validation: link/image/embed need a url, text needs content, urls are http(s) only", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const section = await createSection(owner);
    const add = (input: Record<string, unknown>) => mutate("section.addContent", { sectionId: section.id, ...input }, owner.token);
    const noUrl = await add({ contentType: "link", title: "No url" });
    expectInvalid(noUrl, "url");
    expect(noUrl.body.error.message).toContain("A link item needs a url");
    expectInvalid(await add({ contentType: "image" }), "url");
    expectInvalid(await add({ contentType: "embed", url: null }), "url");
    expectInvalid(await add({ contentType: "text" }), "content");
    expectInvalid(await add({ contentType: "text", content: "   " }), "content");
    for (const url of ["javascript:alert(1)", "data:text/html,x", "ftp://x.example/", "//evil.example/", `https://x.example/${"a".repeat(500)}`]) {
      expectInvalid(await add({ contentType: "link", url }), "url");
    }
    expectInvalid(await add({ contentType: "video", url: "https://x.example/" }), "contentType");
    expectInvalid(await add({ contentType: "text", content: "c".repeat(10_001) }), "content");
    expectInvalid(await add({ contentType: "text", content: "x", title: "t".repeat(201) }), "title");
    expectUnknownKey(await add({ contentType: "text", content: "x", sectionOwner: "1" }), "sectionOwner");
    expectError(await mutate("section.addContent", { sectionId: "999999999", contentType: "text", content: "x" }, owner.token), "NOT_FOUND", 404);
    expect((await ctx.t.sql`SELECT count(*)::int AS n FROM section_content WHERE section_id = ${section.id}`)[0]!.n).toBe(0);
  });

  test("at most 100 items per section", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const section = await createSection(owner);
    await ctx.t.sql`INSERT INTO section_content (section_id, content_type, content, display_order)
                SELECT ${section.id}, 'text', 'item ' || g, g FROM generate_series(0, 98) g`;
    expect((await addItem(owner, section.id)).displayOrder).toBe(99);
    expectError(await mutate("section.addContent", { sectionId: section.id, contentType: "text", content: "x" }, owner.token), "BAD_REQUEST", 400, "TOO_MANY_ITEMS");
    expect((await ctx.t.sql`SELECT count(*)::int AS n FROM section_content WHERE section_id = ${section.id}`)[0]!.n).toBe(100);
  });

  test("updateContent changes the given fields; a link cannot lose its url, a text item cannot lose its content", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const section = await createSection(owner);
    const link = await addItem(owner, section.id, { title: "Old", url: "https://old.example/" });
    const updated = ok(await mutate("section.updateContent", { contentId: link.id, title: "New", displayOrder: 5 }, owner.token));
    expect(updated).toEqual({ id: link.id, contentType: "link", title: "New", content: null, url: "https://old.example/", displayOrder: 5 });
    expect(ok(await mutate("section.updateContent", { contentId: link.id, url: "https://new.example/", title: null }, owner.token)))
      .toMatchObject({ title: null, url: "https://new.example/" });
    expectError(await mutate("section.updateContent", { contentId: link.id, url: null }, owner.token), "BAD_REQUEST", 400, null, "url");
    expectInvalid(await mutate("section.updateContent", { contentId: link.id, url: "javascript:alert(1)" }, owner.token), "url");
    expectUnknownKey(await mutate("section.updateContent", { contentId: link.id, contentType: "text" }, owner.token), "contentType");
    expectUnknownKey(await mutate("section.updateContent", { contentId: link.id, sectionId: section.id }, owner.token), "sectionId");
    const text = ok(await mutate("section.addContent", { sectionId: section.id, contentType: "text", content: "Body" }, owner.token));
    expectError(await mutate("section.updateContent", { contentId: text.id, content: "  " }, owner.token), "BAD_REQUEST", 400, null, "content");
    expectError(await mutate("section.updateContent", { contentId: text.id, content: null }, owner.token), "BAD_REQUEST", 400, null, "content");
    const [row] = await ctx.t.sql`SELECT content_type, title, url, display_order FROM section_content WHERE id = ${link.id}`;
    expect(row).toEqual({ content_type: "link", title: null, url: "https://new.example/", display_order: 5 });
    const [textRow] = await ctx.t.sql`SELECT content FROM section_content WHERE id = ${text.id}`;
    expect(textRow!.content).toBe("Body");
  });

  test("removeContent deletes one item", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const section = await createSection(owner);
    const a = await addItem(owner, section.id);
    const b = await addItem(owner, section.id);
    expect(ok(await mutate("section.removeContent", { contentId: a.id }, owner.token))).toEqual({ deleted: true });
    const ids = (await ctx.t.sql<{ id: string }[]>`SELECT id FROM section_content WHERE section_id = ${section.id}`).map((r) => r.id);
    expect(ids).toEqual([b.id]);
    expectError(await mutate("section.removeContent", { contentId: a.id }, owner.token), "NOT_FOUND", 404);
    expectInvalid(await mutate("section.removeContent", { contentId: "-1" }, owner.token), "contentId");
  });
});

// ---------------------------------------------------------------------------------------------
describe("someone else's sections and items", () => {
  test("update, delete, addContent, updateContent, removeContent and reorder are NOT_FOUND and change nothing", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const intruder = await createUserWithToken(ctx.t.sql);
    const section = await createSection(owner, { title: "Owner's" });
    const other = await createSection(owner, { title: "Owner's 2" });
    const item = await addItem(owner, section.id, { title: "Owner item" });
    const mine = await createSection(intruder, { title: "Intruder's" });
    const ownerBefore = await snapshot(owner.id);
    const intruderBefore = await snapshot(intruder.id);
    const unknownSection = await mutate("section.update", { sectionId: "999999999", title: "x" }, intruder.token);

    const attempts: [string, unknown][] = [
      ["section.update", { sectionId: section.id, title: "Pwned" }],
      ["section.update", { sectionId: section.id, isVisible: false }],
      ["section.delete", { sectionId: section.id }],
      ["section.addContent", { sectionId: section.id, contentType: "link", url: "https://evil.example/" }],
      ["section.updateContent", { contentId: item.id, url: "https://evil.example/" }],
      ["section.removeContent", { contentId: item.id }],
      ["section.reorder", { sectionIds: [section.id] }],
      ["section.reorder", { sectionIds: [mine.id, other.id] }],
    ];
    for (const [path, input] of attempts) {
      const res = await mutate(path, input, intruder.token);
      expect({ path, status: res.status, code: res.body.error?.data?.code }).toEqual({ path, status: 404, code: "NOT_FOUND" });
      // Indistinguishable from a section that does not exist.
      if (path === "section.update") expect(res.body.error.message).toBe(unknownSection.body.error.message);
    }
    expect(await snapshot(owner.id)).toEqual(ownerBefore);
    expect(await snapshot(intruder.id)).toEqual(intruderBefore);
    // The owner still can.
    expect(ok(await mutate("section.update", { sectionId: section.id, title: "Still mine" }, owner.token)).title).toBe("Still mine");
  });
});

// ---------------------------------------------------------------------------------------------
describe("section.list visibility", () => {
  const VISIBLE: Record<"public" | "followers" | "private", Record<"anonymous" | "stranger" | "follower" | "owner", boolean>> = {
    public: { anonymous: true, stranger: true, follower: true, owner: true },
    followers: { anonymous: false, stranger: false, follower: true, owner: true },
    private: { anonymous: false, stranger: false, follower: false, owner: true },
  };
  for (const visibility of ["public", "followers", "private"] as const) {
    test(`a ${visibility} profile's sections: listed or NOT_FOUND per viewer`, async () => {
      const owner = await createUserWithToken(ctx.t.sql, { visibility });
      const stranger = await createUserWithToken(ctx.t.sql);
      const follower = await createUserWithToken(ctx.t.sql);
      await follow(ctx.t.sql, follower.id, owner.id);
      const section = await createSection(owner, { title: `Sec ${visibility}` });
      const item = await addItem(owner, section.id, { title: "Item" });
      const tokens = { anonymous: undefined, stranger: stranger.token, follower: follower.token, owner: owner.token };
      for (const [viewer, token] of Object.entries(tokens)) {
        const res = await query("section.list", { username: owner.username }, token);
        if (VISIBLE[visibility][viewer as keyof typeof tokens]) {
          const list = ok(res);
          expect({ viewer, ids: list.map((x: { id: string }) => x.id), items: list[0].items }).toEqual({ viewer, ids: [section.id], items: [item] });
        } else {
          expect({ viewer, status: res.status, code: res.body.error?.data?.code }).toEqual({ viewer, status: 404, code: "NOT_FOUND" });
          expect(JSON.stringify(res.body)).not.toContain(`Sec ${visibility}`);
        }
      }
    });
  }

  test("blocked either way, suspended, deleted or unknown owner: NOT_FOUND", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const blockedByOwner = await createUserWithToken(ctx.t.sql);
    const blockerOfOwner = await createUserWithToken(ctx.t.sql);
    await createSection(owner);
    await ctx.t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${owner.id}, ${blockedByOwner.id}), (${blockerOfOwner.id}, ${owner.id})`;
    expectError(await query("section.list", { username: owner.username }, blockedByOwner.token), "NOT_FOUND", 404);
    expectError(await query("section.list", { username: owner.username }, blockerOfOwner.token), "NOT_FOUND", 404);
    expect(ok(await query("section.list", { username: owner.username }))).toHaveLength(1);

    const suspended = await createUserWithToken(ctx.t.sql);
    await createSection(suspended);
    const deleted = await createUserWithToken(ctx.t.sql);
    await createSection(deleted);
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id = ${suspended.id}`;
    await ctx.t.sql`UPDATE users SET status = 'deleted', deleted_at = NOW() WHERE id = ${deleted.id}`;
    for (const username of [suspended.username, deleted.username, "nobody_at_all"]) {
      expectError(await query("section.list", { username }), "NOT_FOUND", 404);
    }
    expectInvalid(await query("section.list", { username: "x" }), "username");
  });

  test("switching the profile to private hides the sections at once", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const viewer = await createUserWithToken(ctx.t.sql);
    await createSection(owner);
    expect(ok(await query("section.list", { username: owner.username }, viewer.token))).toHaveLength(1);
    ok(await mutate("user.updateProfile", { visibility: "private" }, owner.token));
    expectError(await query("section.list", { username: owner.username }, viewer.token), "NOT_FOUND", 404);
    expect(ok(await query("section.list", { username: owner.username }, owner.token))).toHaveLength(1);
  });
});

describe("section.feed", () => {
  const tagConfig = (tag: string) => ({ filters: [{ type: "tag", operator: "equals", value: tag }], sort: "recent" });
  async function taggedPosts(author: Authed, tag: string, n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(ok(await mutate("post.create", { type: "text_short", content: `p${i} #${tag}` }, author.token)).id);
    return ids;
  }

  test("answers feed.execute's page for the same config, and pages with its cursor", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const tag = `sf${Date.now().toString(36)}`;
    const ids = await taggedPosts(owner, tag, 5);
    const feed = ok(await mutate("feed.create", { name: "F", algorithmConfig: tagConfig(tag) }, owner.token));
    const section = await createSection(owner, { type: "feed", title: "Feed", config: { ...tagConfig(tag), layout: "grid" } });
    const first = ok(await query("section.feed", { sectionId: section.id, limit: 3 }));
    expect(first.items).toEqual(ok(await query("feed.execute", { feedId: feed.id, limit: 3 })).items);
    expect(first.items.map((i: { post: { id: string } }) => i.post.id)).toEqual(ids.slice(2).reverse());
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = ok(await query("section.feed", { sectionId: section.id, limit: 3, cursor: first.nextCursor }));
    expect(second.items.map((i: { post: { id: string } }) => i.post.id)).toEqual(ids.slice(0, 2).reverse());
    expect(second.nextCursor).toBeNull();
    // A cursor of another procedure is refused (cursors are sealed per procedure).
    const other = ok(await query("feed.execute", { feedId: feed.id, limit: 3 }));
    expectError(await query("section.feed", { sectionId: section.id, limit: 3, cursor: other.nextCursor }), "BAD_REQUEST", 400, "INVALID_CURSOR");
  });

  test("NOT_FOUND for a section that is not a feed, does not exist, or is hidden from the viewer", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const viewer = await createUserWithToken(ctx.t.sql);
    const links = await createSection(owner);
    expectError(await query("section.feed", { sectionId: links.id }), "NOT_FOUND", 404);
    expectError(await query("section.feed", { sectionId: "999999999" }), "NOT_FOUND", 404);
    const hidden = await createSection(owner, { type: "feed", title: "Hidden", config: tagConfig("x"), isVisible: false });
    expectError(await query("section.feed", { sectionId: hidden.id }, viewer.token), "NOT_FOUND", 404);
    expect(ok(await query("section.feed", { sectionId: hidden.id }, owner.token)).items).toEqual([]);
    expectInvalid(await query("section.feed", { sectionId: "abc" }), "sectionId");
    expectUnknownKey(await query("section.feed", { sectionId: links.id, extra: 1 }), "extra");
  });

  test("follows the profile visibility: followers-only, private, blocks, suspended", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const follower = await createUserWithToken(ctx.t.sql);
    const stranger = await createUserWithToken(ctx.t.sql);
    const blocked = await createUserWithToken(ctx.t.sql);
    const tag = `sv${Date.now().toString(36)}`;
    await taggedPosts(owner, tag, 1);
    await createPost(ctx.t.sql, owner.id, { status: "draft", content: `draft #${tag}` });
    const section = await createSection(owner, { type: "feed", title: "Feed", config: tagConfig(tag) });
    await follow(ctx.t.sql, follower.id, owner.id);
    await ctx.t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${owner.id}, ${blocked.id})`;
    expect(ok(await query("section.feed", { sectionId: section.id })).items).toHaveLength(1);
    expectError(await query("section.feed", { sectionId: section.id }, blocked.token), "NOT_FOUND", 404);
    ok(await mutate("user.updateProfile", { visibility: "followers" }, owner.token));
    expectError(await query("section.feed", { sectionId: section.id }), "NOT_FOUND", 404);
    expectError(await query("section.feed", { sectionId: section.id }, stranger.token), "NOT_FOUND", 404);
    expect(ok(await query("section.feed", { sectionId: section.id }, follower.token)).items).toHaveLength(1);
    ok(await mutate("user.updateProfile", { visibility: "private" }, owner.token));
    expectError(await query("section.feed", { sectionId: section.id }, follower.token), "NOT_FOUND", 404);
    // The owner sees their published posts (the feed engine shows no drafts, to anyone).
    expect(ok(await query("section.feed", { sectionId: section.id }, owner.token)).items).toHaveLength(1);
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id = ${owner.id}`;
    expectError(await query("section.feed", { sectionId: section.id }), "NOT_FOUND", 404);
  });
});
