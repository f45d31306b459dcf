// Search over HTTP (issue 18): search.posts (words, phrases, #tag, from:, type:, ranking by
// relevance with recency, snapshot keyset paging), search.tags, search.users (user.search plus
// display-name words), tag.posts (a hashtag timeline) and tag.trending — each under the visibility
// policy (blocks both ways, suspended and deleted authors, followers-only, private, drafts,
// scheduled, soft-deleted, mutes), accent-folded, signed out and in, bad input → BAD_REQUEST + field.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { block, createPost, createSessionToken, createUser, follow } from "../helpers/factories";
import { type Authed, callersOf, expectError, expectErrorData, ok, postsOf, rpc, useServer, walkPages } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();
const { query, user } = callersOf(ctx);

const DAY = 86_400_000;
const ago = (ms: number) => new Date(Date.now() - ms);
let seq = 0;
/** A word no other test uses (letters and digits: one `simple` lexeme). */
const word = (base = "w") => `${base}${Date.now().toString(36)}${(++seq).toString(36)}`.toLowerCase();

async function post(authorId: string, content: string, opts: Parameters<typeof createPost>[2] = {}) {
  const p = await createPost(ctx.t.sql, authorId, { ...opts, content });
  // The factory writes plain rows; tags are what post.create would store for the #hashtags.
  for (const tag of content.match(/#([\p{L}\p{N}_]+)/gu) ?? []) {
    await ctx.t.sql`INSERT INTO post_tags (post_id, tag) VALUES (${p.id}, ${tag.slice(1).toLowerCase()}) ON CONFLICT DO NOTHING`;
  }
  return p;
}

async function searchIds(viewer: Authed | null, q: string, limit = 50): Promise<string[]> {
  return postsOf(ok(await query(viewer, "search.posts", { query: q, limit }))).items.map((p: any) => p.id);
}

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("search.posts", () => {
  test("every word must match, accents and case ignored; answers timeline items, signed out too", async () => {
    const author = await user();
    const [a, b] = [word("a"), word("b")];
    const both = await post(author.id, `Le CAFÉ ${a} ${b} est naïve`);
    const onlyA = await post(author.id, `just ${a}`);
    await post(author.id, `just ${b}`);

    expect(await searchIds(null, `${a} ${b}`)).toEqual([both.id]);
    expect(await searchIds(null, `${a.toUpperCase()}`)).toEqual(expect.arrayContaining([both.id, onlyA.id]));
    // "café" finds "CAFÉ", "cafe" finds it, and "naive" finds "naïve".
    expect(await searchIds(null, `café ${a}`)).toEqual([both.id]);
    expect(await searchIds(null, `cafe naive ${b}`)).toEqual([both.id]);

    const page = ok(await query(null, "search.posts", { query: `${a} ${b}` }));
    expect(page.nextCursor).toBeNull();
    expect(page.items[0]).toMatchObject({ id: `p${both.id}`, kind: "post", repost: null, post: { id: both.id, author: { id: author.id, username: author.username } } });
    // Signed in: the same result, the viewer flags present.
    const viewer = await user();
    expect(postsOf(ok(await query(viewer, "search.posts", { query: `${a} ${b}` }))).items[0].viewer).toEqual({ liked: false, bookmarked: false, reposted: false });
  });

  test("Unicode beyond Latin: Cyrillic case folding, ligatures and ß", async () => {
    const author = await user();
    const tag = word("u");
    const p = await post(author.id, `Привет МОСКВА straße Œuvre ${tag}`);
    for (const q of ["москва", "Москва", "strasse", "oeuvre", "привет"]) expect(await searchIds(null, `${q} ${tag}`)).toEqual([p.id]);
  });

  test('"a phrase" matches the words adjacent and in order', async () => {
    const author = await user();
    const [x, y] = [word("x"), word("y")];
    const inOrder = await post(author.id, `the ${x} ${y} here`);
    await post(author.id, `the ${y} ${x} here`);
    await post(author.id, `${x} and then ${y}`);
    expect(await searchIds(null, `"${x} ${y}"`)).toEqual([inOrder.id]);
    expect((await searchIds(null, `${x} ${y}`)).length).toBe(3);
  });

  test("#tag, from:username and type: narrow the search; they combine with words", async () => {
    const [alice, bob] = [await user(), await user()];
    const [w, tag] = [word("t"), word("tag")];
    const aliceTagged = await post(alice.id, `${w} with #${tag}`);
    const bobTagged = await post(bob.id, `${w} also #${tag.toUpperCase()}`);
    const aliceImage = await post(alice.id, `${w} a picture`, { type: "image" });
    await post(alice.id, `untagged ${word()}`);

    expect((await searchIds(null, `#${tag}`)).sort()).toEqual([aliceTagged.id, bobTagged.id].sort());
    expect(await searchIds(null, `#${tag} from:${alice.username}`)).toEqual([aliceTagged.id]);
    expect(await searchIds(null, `${w} from:@${alice.username.toUpperCase()} type:image`)).toEqual([aliceImage.id]);
    expect((await searchIds(null, `from:${alice.username}`)).length).toBe(3);
    expect(await searchIds(null, `${w} type:song`)).toEqual([]);
    // An unknown author is an empty result, not an error (nor a way to probe accounts).
    expect(await searchIds(null, `${w} from:nobody_${seq}`)).toEqual([]);
  });

  test("ranked by relevance with recency: title and density beat a passing mention; newer wins among equals; far older loses", async () => {
    const author = await user();
    const w = word("r");
    const filler = Array.from({ length: 60 }, (_, i) => `filler${i}`).join(" ");
    const now = ago(0);
    const passing = await post(author.id, `${filler} ${w} ${filler}`, { createdAt: now });
    const titled = await createPost(ctx.t.sql, author.id, { type: "text_long", content: `${w} ${w} about it`, createdAt: ago(3_600_000) });
    await ctx.t.sql`UPDATE posts SET title = ${`All about ${w}`} WHERE id = ${titled.id}`;
    const older = await post(author.id, `${w} ${w} about it`, { createdAt: ago(2 * 3_600_000) });
    const ancient = await post(author.id, `${w} ${w} about it`, { createdAt: ago(400 * DAY) });
    expect(await searchIds(null, w)).toEqual([titled.id, older.id, passing.id, ancient.id]);
  });

  test("keyset paging: every match exactly once, in the one-page order; posts published meanwhile stay out", async () => {
    const author = await user();
    const viewer = await user();
    const w = word("p");
    for (let i = 0; i < 23; i++) {
      const extra = Array.from({ length: i % 5 }, () => w).join(" ");
      await post(author.id, `${w} ${extra} item${i}`, { createdAt: ago(i * 60_000) });
    }
    const all = await searchIds(viewer, w, 50);
    expect(all.length).toBe(23);
    const { items, sizes } = await walkPages(async (cursor) => {
      const page = ok(await query(viewer, "search.posts", { query: w, limit: 4, cursor }));
      // A post published after the first page must not shift the later ones.
      if (!cursor) await post(author.id, `${w} ${w} ${w} brand new`);
      return page;
    });
    expect(sizes).toEqual([4, 4, 4, 4, 4, 3]);
    const ids = items.map((i: any) => i.post.id);
    expect(new Set(ids).size).toBe(23);
    expect(ids).toEqual(all);
    // The new post is found by a new search, first (most relevant and newest).
    expect((await searchIds(viewer, w, 50))).toHaveLength(24);
  });

  test("without words (#tag / from: / type: only) the order is recency, paged over every match", async () => {
    const author = await user();
    const tag = word("pg");
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await post(author.id, `item ${i} #${tag}`, { createdAt: ago((10 - i) * 60_000) })).id);
    const { items, sizes } = await walkPages(async (cursor) => ok(await query(null, "search.posts", { query: `#${tag} from:${author.username}`, limit: 3, cursor })));
    expect(sizes).toEqual([3, 3, 1]);
    expect(items.map((i: any) => i.post.id)).toEqual([...ids].reverse());
  });

  test("cursors are sealed to the procedure and the viewer", async () => {
    const author = await user();
    const w = word("c");
    for (let i = 0; i < 3; i++) await post(author.id, `${w} ${i}`);
    const viewer = await user();
    const page = ok(await query(viewer, "search.posts", { query: w, limit: 1 }));
    expect(page.nextCursor).toBeString();
    expectErrorData(await query(null, "search.posts", { query: w, limit: 1, cursor: page.nextCursor }), "BAD_REQUEST", { field: "cursor", appCode: "INVALID_CURSOR" });
    expectErrorData(await query(viewer, "tag.posts", { tag: "x", cursor: page.nextCursor }), "BAD_REQUEST", { field: "cursor", appCode: "INVALID_CURSOR" });
    expectErrorData(await query(viewer, "search.posts", { query: w, cursor: "garbage" }), "BAD_REQUEST", { field: "cursor" });
  });

  test("only what the viewer may see: blocks both ways, suspended, deleted, followers-only, private, drafts, scheduled, soft-deleted, mutes", async () => {
    const viewer = await user();
    const w = word("v");
    const pub = await user();
    const visible = await post(pub.id, `${w} public`);
    const blocked = await user();
    const blockedPost = await post(blocked.id, `${w} by someone the viewer blocked`);
    await block(ctx.t.sql, viewer.id, blocked.id);
    const blocker = await user();
    const blockerPost = await post(blocker.id, `${w} by someone who blocked the viewer`);
    await block(ctx.t.sql, blocker.id, viewer.id);
    const suspended = await user();
    await post(suspended.id, `${w} by a suspended account`);
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id = ${suspended.id}`;
    const deleted = await createUser(ctx.t.sql, { status: "deleted" });
    await post(deleted.id, `${w} by a deleted account`);
    const locked = await user({ visibility: "followers" });
    const lockedPost = await post(locked.id, `${w} followers only`);
    const secret = await user({ visibility: "private" });
    const secretPost = await post(secret.id, `${w} private`);
    await follow(ctx.t.sql, viewer.id, secret.id); // even a follower sees nothing of a private profile
    await post(pub.id, `${w} a draft`, { status: "draft" });
    await post(pub.id, `${w} scheduled`, { status: "scheduled" });
    const gone = await post(pub.id, `${w} soft-deleted`);
    await ctx.t.sql`UPDATE posts SET deleted_at = NOW() WHERE id = ${gone.id}`;
    const own = await post(viewer.id, `${w} my own`);
    await post(viewer.id, `${w} my own draft`, { status: "draft" });
    const muted = await user();
    const mutedPost = await post(muted.id, `${w} muted author`);
    await ctx.t.sql`INSERT INTO user_mutes (muter_id, muted_id) VALUES (${viewer.id}, ${muted.id})`;

    expect((await searchIds(viewer, w)).sort()).toEqual([visible.id, own.id].sort());
    // Following the followers-only account shows its post; naming the muted author shows theirs.
    await follow(ctx.t.sql, viewer.id, locked.id);
    expect((await searchIds(viewer, w)).sort()).toEqual([visible.id, own.id, lockedPost.id].sort());
    expect(await searchIds(viewer, `${w} from:${muted.username}`)).toEqual([mutedPost.id]);
    // Signed out: public posts of active accounts only (the viewer's blocks and mutes are theirs).
    expect((await searchIds(null, w)).sort()).toEqual([visible.id, own.id, mutedPost.id, blockedPost.id, blockerPost.id].sort());
    // The private author finds their own post; nobody else does.
    const secretSelf = { ...secret, token: await createSessionToken(ctx.t.sql, secret.id) };
    expect(await searchIds(secretSelf, `${w} private`)).toEqual([secretPost.id]);
    // Blocked from either side, nothing by from: either.
    expect(await searchIds(viewer, `from:${blocked.username}`)).toEqual([]);
    expect(await searchIds(viewer, `from:${blocker.username}`)).toEqual([]);
  });

  test("bad syntax is BAD_REQUEST on field query, never a 500", async () => {
    const viewer = await user();
    for (const q of [
      '"unclosed phrase', "#", "#not-a-tag", `#${"x".repeat(65)}`, "from:ab", "from:bad-name", "from:", "type:banana",
      "type:image", "!!! --- ???", "word from:alice from:bob", "x type:image type:song", "#a #b #c #d #e #f",
      Array.from({ length: 13 }, (_, i) => `w${i}`).join(" "), "x".repeat(201), "", "   ",
    ]) {
      const res = await query(viewer, "search.posts", { query: q });
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
      expectError(res, "BAD_REQUEST", "query");
    }
    // Strange but valid: unknown operators and colons are words; SQL-ish text is just text.
    for (const q of ["time:10:30", "note: hello", "'; DROP TABLE posts; --", "a & b | !c <-> d:*", "it's \\ ok ''"]) {
      expect((await query(viewer, "search.posts", { query: q })).status).toBe(200);
    }
    expectError(await query(viewer, "search.posts", { query: "x", limit: 51 }), "BAD_REQUEST", "limit");
    expectError(await query(viewer, "search.posts", { query: "x", extra: 1 }), "BAD_REQUEST");
  });

  test("an invalid Bearer token is 401 even on these open procedures", async () => {
    for (const [path, input] of [
      ["search.posts", { query: "x" }], ["search.tags", { prefix: "x" }], ["search.users", { query: "x" }],
      ["tag.posts", { tag: "x" }], ["tag.trending", {}],
    ] as const) {
      const res = await rpc(ctx.s.url, path, input, { method: "GET", token: "not-a-session" });
      expect({ path, status: res.status, appCode: res.body.error?.data?.appCode }).toEqual({ path, status: 401, appCode: "SESSION_INVALID" });
    }
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("search.tags", () => {
  test("tags by prefix, exact match first, then by usage; tags no public live post carries never show", async () => {
    const [a, b] = [await user(), await user()];
    const base = word("tg");
    await post(a.id, `#${base}`);
    for (let i = 0; i < 3; i++) await post(a.id, `x #${base}_popular`);
    await post(b.id, `y #${base}_popular #${base}_rare`);
    const secret = await user({ visibility: "private" });
    await post(secret.id, `#${base}_secret`);
    const gone = await post(b.id, `#${base}_deleted`);
    await ctx.t.sql`UPDATE posts SET deleted_at = NOW() WHERE id = ${gone.id}`;

    const res = ok(await query(null, "search.tags", { prefix: `#${base.toUpperCase()}` }));
    expect(res.items).toEqual([
      { tag: base, posts: 1 }, { tag: `${base}_popular`, posts: 4 }, { tag: `${base}_rare`, posts: 1 },
    ]);
    expect(ok(await query(await user(), "search.tags", { prefix: `${base}_p`, limit: 1 })).items).toEqual([{ tag: `${base}_popular`, posts: 4 }]);
    // `_` (a LIKE wildcard, and a tag character) is literal: #<base>xother does not match <base>_.
    await post(b.id, `#${base}Xother`);
    expect(ok(await query(null, "search.tags", { prefix: `${base}_` })).items.map((t: any) => t.tag)).toEqual([`${base}_popular`, `${base}_rare`]);
  });

  test("a bad prefix is BAD_REQUEST on field prefix", async () => {
    for (const prefix of ["", "#", "a b", "x-y", "%", "x".repeat(65)]) expectError(await query(null, "search.tags", { prefix }), "BAD_REQUEST", "prefix");
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("search.users", () => {
  test("user.search's prefix match plus any display-name word by prefix, accents ignored; blocks and inactive accounts hidden", async () => {
    const tagline = word("n");
    const maya = await user({ displayName: `Maya Chén ${tagline}` });
    const jose = await user({ displayName: `José ${tagline}` });
    const blocker = await user({ displayName: `Blocker ${tagline}` });
    await user({ displayName: `Gone ${tagline}`, status: "suspended" });
    const viewer = await user();
    await block(ctx.t.sql, blocker.id, viewer.id);

    const names = async (q: string, who: Authed | null = viewer) => ok(await query(who, "search.users", { query: q })).items.map((u: any) => u.id).sort();
    expect(await names(tagline)).toEqual([maya.id, jose.id].sort());
    expect(await names(tagline, null)).toEqual([maya.id, jose.id, blocker.id].sort());
    expect(await names(`chen ${tagline.slice(0, -1)}`)).toEqual([maya.id]);
    expect(await names(`jose ${tagline}`)).toEqual([jose.id]);
    expect(await names(maya.username)).toEqual([maya.id]);
    expect(ok(await query(viewer, "search.users", { query: maya.username })).items[0]).toEqual({ id: maya.id, username: maya.username, displayName: `Maya Chén ${tagline}` });
    // user.search keeps its plain prefix behaviour (a later word of the name does not match).
    expect(ok(await query(viewer, "user.search", { query: tagline })).items).toEqual([]);
    expect(ok(await query(viewer, "user.search", { query: "Maya Ch" })).items.map((u: any) => u.id)).toContain(maya.id);
    // Operators of tsquery in the input are plain text.
    expect((await query(viewer, "search.users", { query: "a & !b | c:* <->" })).status).toBe(200);
    expectError(await query(viewer, "search.users", { query: "" }), "BAD_REQUEST", "query");
  });

  test("keyset pages by username", async () => {
    const tagline = word("k");
    for (let i = 0; i < 5; i++) await user({ displayName: `Person ${tagline}` });
    const { items, sizes } = await walkPages(async (cursor) => ok(await query(null, "search.users", { query: tagline, limit: 2, cursor })));
    expect(sizes).toEqual([2, 2, 1]);
    expect(new Set(items.map((u: any) => u.id)).size).toBe(5);
    const usernames = items.map((u: any) => u.username.toLowerCase());
    expect(usernames).toEqual([...usernames].sort());
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("tag.posts", () => {
  test("a hashtag timeline: newest first, keyset pages, visible posts only", async () => {
    const viewer = await user();
    const tag = word("ht");
    const author = await user();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await post(author.id, `n${i} #${tag}`, { createdAt: ago((7 - i) * 60_000) })).id);
    const locked = await user({ visibility: "followers" });
    const lockedPost = await post(locked.id, `#${tag} followers`);
    const blocked = await user();
    const blockedPost = await post(blocked.id, `#${tag} blocked`);
    await block(ctx.t.sql, viewer.id, blocked.id);
    await post(author.id, `#${tag} draft`, { status: "draft" });
    const gone = await post(author.id, `#${tag} deleted`);
    await ctx.t.sql`UPDATE posts SET deleted_at = NOW() WHERE id = ${gone.id}`;

    const { items, sizes } = await walkPages(async (cursor) => ok(await query(viewer, "tag.posts", { tag: `#${tag.toUpperCase()}`, limit: 3, cursor })));
    expect(sizes).toEqual([3, 3, 1]);
    expect(items.map((i: any) => i.post.id)).toEqual([...ids].reverse());
    await follow(ctx.t.sql, viewer.id, locked.id);
    expect(postsOf(ok(await query(viewer, "tag.posts", { tag, limit: 1 }))).items[0].id).toBe(lockedPost.id);
    // Signed out: public posts only — the block is the viewer's, not the public's.
    expect(postsOf(ok(await query(null, "tag.posts", { tag, limit: 50 }))).items.map((p: any) => p.id)).toEqual([blockedPost.id, ...[...ids].reverse()]);
    for (const bad of ["", "a b", "x-y", "x".repeat(65)]) expectError(await query(null, "tag.posts", { tag: bad }), "BAD_REQUEST", "tag");
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("tag.trending", () => {
  test("tags by distinct authors over 24 h, public posts only, the same for everyone", async () => {
    const tags = { wide: word("trw"), spammy: word("trs"), old: word("tro"), hidden: word("trh") };
    const authors = [await user(), await user(), await user()];
    for (const a of authors) await post(a.id, `#${tags.wide}`);
    for (let i = 0; i < 10; i++) await post(authors[0]!.id, `#${tags.spammy} ${i}`);
    for (const a of authors) await post(a.id, `#${tags.old}`, { createdAt: ago(2 * DAY) });
    for (let i = 0; i < 5; i++) await post((await user({ visibility: "private" })).id, `#${tags.hidden}`);
    const suspended = await user();
    for (let i = 0; i < 5; i++) await post(suspended.id, `#${tags.hidden}`);
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id = ${suspended.id}`;

    const res = ok(await query(await user(), "tag.trending", { limit: 50 }));
    expect(res.windowHours).toBe(24);
    const byTag = new Map(res.items.map((t: any) => [t.tag, t]));
    expect(byTag.get(tags.wide)).toEqual({ tag: tags.wide, authors: 3, posts: 3 });
    expect(byTag.get(tags.spammy)).toEqual({ tag: tags.spammy, authors: 1, posts: 10 });
    expect(byTag.has(tags.old)).toBe(false);
    expect(byTag.has(tags.hidden)).toBe(false);
    const order = res.items.map((t: any) => t.tag);
    expect(order.indexOf(tags.wide)).toBeLessThan(order.indexOf(tags.spammy));
    // Signed out: the same list (cached 60 s), shortened by limit.
    expect(ok(await query(null, "tag.trending", { limit: 2 })).items).toEqual(res.items.slice(0, 2));
    expect(ok(await query(null, "tag.trending")).items.length).toBeLessThanOrEqual(10);
    expectError(await query(null, "tag.trending", { limit: 0 }), "BAD_REQUEST", "limit");
  });
});
