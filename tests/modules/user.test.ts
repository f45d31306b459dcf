// Profiles over real HTTP against a real server and database: user.get under the visibility
// policy (public / followers / private × anonymous / stranger / follower / owner, blocks, account
// status), what another user's view never contains, user.search (prefix, literal wildcards,
// keyset pagination, hidden accounts), the owner's updates with their validation, and user.delete.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { createPost, createSessionToken, createUpload, createUser, createUserWithToken, follow, TEST_PASSWORD } from "../helpers/factories";
import { ok, rpc, type RpcResult, useServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();

const mutate = (path: string, input: unknown, token?: string) => rpc(ctx.s.url, path, input, { token });
const query = (path: string, input: unknown, token?: string) => rpc(ctx.s.url, path, input, { method: "GET", token });

function expectError(res: RpcResult, code: string, status: number, appCode?: string | null, field?: string | null) {
  expect({ status: res.status, code: res.body?.error?.data?.code }).toEqual({ status, code });
  if (appCode !== undefined) expect(res.body.error.data.appCode).toBe(appCode);
  if (field !== undefined) expect(res.body.error.data.field).toBe(field);
}
/** BAD_REQUEST naming `field`, listed in zodError under its top-level key. */
function expectInvalid(res: RpcResult, field: string) {
  expectError(res, "BAD_REQUEST", 400, null, field);
  const top = field.split(".")[0]!;
  expect(res.body.error.data.zodError?.[top]?.length ?? 0).toBeGreaterThanOrEqual(1);
}
/** An unknown input key (mass assignment): BAD_REQUEST naming the key. */
function expectUnknownKey(res: RpcResult, key: string) {
  expectError(res, "BAD_REQUEST", 400, null, key);
  expect(res.body.error.message).toContain(`Unrecognized key: "${key.split(".").pop()}"`);
}

let seq = 0;
const uniq = (prefix: string) => `${prefix}${Date.now().toString(36).slice(-4)}${(++seq).toString(36)}`;

async function profileRow(userId: string) {
  const [row] = await ctx.t.sql`
    SELECT display_name, bio, age, location, website, visibility, background_config, music_config, style_config, layout_config
    FROM user_profiles WHERE user_id = ${userId}`;
  return row!;
}

const FULL_KEYS = [
  "age", "background", "bio", "counts", "createdAt", "displayName", "id", "isVisible", "location", "music",
  "relation", "requiresFollowApproval", "style", "username", "visibility", "website",
].sort();
const LIMITED_KEYS = ["displayName", "id", "isVisible", "relation", "requiresFollowApproval", "username", "visibility"];
const RELATION_KEYS = ["followRequested", "followsYou", "isBlocked", "isFollowing", "isFriend", "isMuted", "isSelf"];

// ---------------------------------------------------------------------------------------------
describe("user.get", () => {
  test("a public profile: full view with counts and the caller's relation", async () => {
    const owner = await createUser(ctx.t.sql, { displayName: "Pat Public" });
    const viewer = await createUserWithToken(ctx.t.sql);
    const fan = await createUser(ctx.t.sql);
    await follow(ctx.t.sql, fan.id, owner.id);
    await follow(ctx.t.sql, owner.id, viewer.id);
    await follow(ctx.t.sql, viewer.id, owner.id);
    await createPost(ctx.t.sql, owner.id);
    await createPost(ctx.t.sql, owner.id);
    await createPost(ctx.t.sql, owner.id, { status: "draft" });
    await ctx.t.sql`UPDATE user_profiles SET bio = 'hello', age = 30, location = 'Berlin', website = 'https://pat.example'
                WHERE user_id = ${owner.id}`;

    const view = ok(await query("user.get", { username: owner.username.toUpperCase() }, viewer.token));
    expect(view).toEqual({
      id: owner.id,
      username: owner.username,
      displayName: "Pat Public",
      bio: "hello",
      age: 30,
      location: "Berlin",
      website: "https://pat.example",
      visibility: "public",
      requiresFollowApproval: false,
      background: null,
      music: null,
      style: {},
      isVisible: true,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      counts: { followers: 2, following: 1, posts: 2 },
      relation: { isSelf: false, isFollowing: true, followsYou: true, isFriend: true, followRequested: false, isBlocked: false, isMuted: false },
    });
    const anon = ok(await query("user.get", { username: owner.username }));
    expect(anon.relation).toEqual({ isSelf: false, isFollowing: false, followsYou: false, isFriend: false, followRequested: false, isBlocked: false, isMuted: false });
    expect(anon.counts).toEqual({ followers: 2, following: 1, posts: 2 });
  });

  test("unknown, suspended and deleted users are NOT_FOUND; a bad username is BAD_REQUEST", async () => {
    const suspended = await createUser(ctx.t.sql, { status: "suspended" });
    const deleted = await createUser(ctx.t.sql, { status: "deleted" });
    const viewer = await createUserWithToken(ctx.t.sql);
    for (const username of ["nobody_here_x", suspended.username, deleted.username]) {
      expectError(await query("user.get", { username }), "NOT_FOUND", 404);
      expectError(await query("user.get", { username }, viewer.token), "NOT_FOUND", 404);
    }
    expectInvalid(await query("user.get", { username: "bad name" }), "username");
    expectInvalid(await query("user.get", {}), "username");
    expectUnknownKey(await query("user.get", { username: "okname", userId: "1" }), "userId");
  });

  test("another user's view never carries email, password hash, status, quota or storage", async () => {
    const owner = await createUserWithToken(ctx.t.sql, { displayName: "Secretive" });
    await ctx.t.sql`UPDATE storage_usage SET used_bytes = 123457 WHERE user_id = ${owner.id}`;
    const [{ password_hash: hash }] = (await ctx.t.sql`SELECT password_hash FROM users WHERE id = ${owner.id}`) as any;
    const stranger = await createUserWithToken(ctx.t.sql);
    for (const token of [undefined, stranger.token]) {
      const res = await query("user.get", { username: owner.username }, token);
      expect(res.status).toBe(200);
      const text = JSON.stringify(res.body);
      for (const secret of [owner.email, hash, "$argon2", "52428800", "123457", "email", "password", "quota", "storage", "usedBytes", "status", "lastLogin"]) {
        expect({ secret, found: text.toLowerCase().includes(secret.toLowerCase()) }).toEqual({ secret, found: false });
      }
    }
    // The owner's own view through user.get is the public shape too; the private one is auth.me.
    const self = await query("user.get", { username: owner.username }, owner.token);
    expect(JSON.stringify(self.body)).not.toContain(owner.email);
    expect(ok(await query("auth.me", undefined, owner.token)).email).toBe(owner.email);
  });

  // The visibility table: profile visibility × who is looking.
  const VIEWERS = ["anonymous", "stranger", "follower", "owner"] as const;
  const FULL: Record<"public" | "followers" | "private", Record<(typeof VIEWERS)[number], boolean>> = {
    public: { anonymous: true, stranger: true, follower: true, owner: true },
    followers: { anonymous: false, stranger: false, follower: true, owner: true },
    private: { anonymous: false, stranger: false, follower: false, owner: true },
  };
  for (const visibility of ["public", "followers", "private"] as const) {
    test(`a ${visibility} profile: full or limited view per viewer`, async () => {
      const owner = await createUserWithToken(ctx.t.sql, { visibility, displayName: `Vis ${visibility}` });
      await ctx.t.sql`UPDATE user_profiles SET bio = 'secret bio', age = 44, location = 'Hidden Place', website = 'https://hidden.example'
                  WHERE user_id = ${owner.id}`;
      const stranger = await createUserWithToken(ctx.t.sql);
      const follower = await createUserWithToken(ctx.t.sql);
      await follow(ctx.t.sql, follower.id, owner.id);
      const tokens = { anonymous: undefined, stranger: stranger.token, follower: follower.token, owner: owner.token };
      for (const viewer of VIEWERS) {
        const view = ok(await query("user.get", { username: owner.username }, tokens[viewer]));
        const relation = {
          isSelf: viewer === "owner", isFollowing: viewer === "follower", followsYou: false, isFriend: false, followRequested: false, isBlocked: false, isMuted: false,
        };
        if (FULL[visibility][viewer]) {
          expect({ viewer, keys: Object.keys(view).sort() }).toEqual({ viewer, keys: FULL_KEYS });
          expect(view).toMatchObject({
            id: owner.id, username: owner.username, displayName: `Vis ${visibility}`, visibility, isVisible: true,
            bio: "secret bio", age: 44, location: "Hidden Place", website: "https://hidden.example", relation,
          });
        } else {
          expect({ viewer, view }).toEqual({
            viewer,
            view: {
              id: owner.id, username: owner.username, displayName: `Vis ${visibility}`, visibility,
              requiresFollowApproval: visibility !== "public", isVisible: false, relation,
            },
          });
          expect(Object.keys(view).sort()).toEqual(LIMITED_KEYS);
          const text = JSON.stringify(view);
          for (const hidden of ["secret bio", "Hidden Place", "hidden.example", "counts"]) expect(text).not.toContain(hidden);
        }
        expect(Object.keys(view.relation).sort()).toEqual(RELATION_KEYS);
      }
    });
  }

  test("a viewer the owner blocked gets NOT_FOUND (same as a missing user); the blocker sees a limited view", async () => {
    const owner = await createUserWithToken(ctx.t.sql, { displayName: "Blocker" });
    const blocked = await createUserWithToken(ctx.t.sql);
    const bystander = await createUserWithToken(ctx.t.sql);
    await follow(ctx.t.sql, blocked.id, owner.id);
    expect(ok(await query("user.get", { username: owner.username }, blocked.token)).isVisible).toBe(true);
    await ctx.t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${owner.id}, ${blocked.id})`;
    const res = await query("user.get", { username: owner.username }, blocked.token);
    expectError(res, "NOT_FOUND", 404);
    const missing = await query("user.get", { username: "no_such_user_zz" }, blocked.token);
    expect(res.body.error.message).toBe(missing.body.error.message);
    // Others still see the owner.
    expect(ok(await query("user.get", { username: owner.username }, bystander.token)).isVisible).toBe(true);
    expect(ok(await query("user.get", { username: owner.username })).isVisible).toBe(true);
    // The owner, looking at the user they blocked: only who it is, flagged as blocked.
    const fromBlocker = ok(await query("user.get", { username: blocked.username }, owner.token));
    expect(fromBlocker).toEqual({
      id: blocked.id, username: blocked.username, displayName: null, visibility: "public", requiresFollowApproval: false, isVisible: false,
      relation: { isSelf: false, isFollowing: false, followsYou: true, isFriend: false, followRequested: false, isBlocked: true, isMuted: false },
    });
  });

  test("a profile update is visible at once (no stale cached view)", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const stranger = await createUserWithToken(ctx.t.sql);
    expect(ok(await query("user.get", { username: owner.username }, stranger.token)).isVisible).toBe(true);
    ok(await mutate("user.updateProfile", { visibility: "private", bio: "now private" }, owner.token));
    expect(ok(await query("user.get", { username: owner.username }, stranger.token)).isVisible).toBe(false);
    expect(ok(await query("user.get", { username: owner.username }, owner.token)).bio).toBe("now private");
  });
});

// ---------------------------------------------------------------------------------------------
describe("user.search", () => {
  async function searchAll(queryText: string, token?: string, limit = 1) {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page = ok(await query("user.search", { query: queryText, limit, ...(cursor ? { cursor } : {}) }, token));
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.items.map((u: { username: string }) => u.username));
      if (!page.nextCursor) return seen;
      cursor = page.nextCursor;
    }
    throw new Error("pagination did not end");
  }

  test("prefix match on username and display name, case-insensitive, with id/username/displayName", async () => {
    const p = uniq("sx");
    const a = await createUser(ctx.t.sql, { username: `${p}_Alpha` });
    const b = await createUser(ctx.t.sql, { username: `${p}_beta`, displayName: "Beta Person" });
    const byName = await createUser(ctx.t.sql, { username: uniq("zz_"), displayName: `${p.toUpperCase()} Display` });
    await createUser(ctx.t.sql, { username: `x${p}_notprefix` });
    await createUser(ctx.t.sql, { username: uniq("yy_"), displayName: `Not ${p}` });
    const page = ok(await query("user.search", { query: p.toUpperCase() }, undefined));
    expect(page).toEqual({
      items: [
        { id: a.id, username: a.username, displayName: null },
        { id: b.id, username: b.username, displayName: "Beta Person" },
        { id: byName.id, username: byName.username, displayName: `${p.toUpperCase()} Display` },
      ].sort((x, y) => (x.username.toLowerCase() < y.username.toLowerCase() ? -1 : 1)),
      nextCursor: null,
    });
    // A display-name prefix with a space.
    expect(await searchAll(`${p} disp`)).toEqual([byName.username]);
    // Non-ASCII display names match case-insensitively too.
    const umlaut = await createUser(ctx.t.sql, { username: uniq("uml_"), displayName: `Ä${p} Müller` });
    expect(await searchAll(`ä${p}`)).toEqual([umlaut.username]);
    expect(await searchAll(`Ä${p.toUpperCase()} MÜ`)).toEqual([umlaut.username]);
  });

  test("LIKE wildcards % and _ are matched literally", async () => {
    const p = uniq("lk");
    const underscored = await createUser(ctx.t.sql, { username: `${p}_one` });
    await createUser(ctx.t.sql, { username: `${p}xone` });
    const percent = await createUser(ctx.t.sql, { username: uniq("pc_"), displayName: `${p}% off` });
    await createUser(ctx.t.sql, { username: uniq("pd_"), displayName: `${p}AB off` });
    expect(await searchAll(`${p}_`, undefined, 10)).toEqual([underscored.username]);
    expect(await searchAll(`${p}%`, undefined, 10)).toEqual([percent.username]);
    expect(await searchAll("%", undefined, 10)).toEqual([]);
    expect(await searchAll(`${p}\\`, undefined, 10)).toEqual([]);
  });

  test("keyset pagination with limit 1 walks every result once, in order", async () => {
    const p = uniq("pg");
    const users = [];
    for (const suffix of ["d", "A", "c", "B", "e"]) users.push(await createUser(ctx.t.sql, { username: `${p}_${suffix}` }));
    const byDisplay = await createUser(ctx.t.sql, { username: uniq("aa_"), displayName: `${p} shown` });
    const expected = [...users.map((u) => u.username), byDisplay.username].sort((x, y) =>
      x.toLowerCase() < y.toLowerCase() ? -1 : x.toLowerCase() > y.toLowerCase() ? 1 : 0);
    const walked = await searchAll(p, undefined, 1);
    expect(walked).toEqual(expected);
    expect(new Set(walked).size).toBe(walked.length);
    expect(await searchAll(p, undefined, 2)).toEqual(expected);
    // Stable under inserts: a row added after the cursor's position shows up, none repeats.
    const first = ok(await query("user.search", { query: p, limit: 2 }));
    await createUser(ctx.t.sql, { username: `${p}_zz` });
    const rest: string[] = [];
    let cursor: string | null = first.nextCursor;
    while (cursor) {
      const page = ok(await query("user.search", { query: p, limit: 2, cursor }));
      rest.push(...page.items.map((u: { username: string }) => u.username));
      cursor = page.nextCursor;
    }
    expect([...first.items.map((u: { username: string }) => u.username), ...rest]).toEqual([...expected, `${p}_zz`]);
  });

  test("suspended and deleted users are absent; users who blocked the viewer (or whom they blocked) are absent for that viewer", async () => {
    const p = uniq("hd");
    const visible = await createUser(ctx.t.sql, { username: `${p}_ok` });
    await createUser(ctx.t.sql, { username: `${p}_susp`, status: "suspended" });
    await createUser(ctx.t.sql, { username: `${p}_del`, status: "deleted" });
    const blocker = await createUser(ctx.t.sql, { username: `${p}_blocker` });
    const blockedByViewer = await createUser(ctx.t.sql, { username: `${p}_blocked` });
    const viewer = await createUserWithToken(ctx.t.sql);
    await ctx.t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${blocker.id}, ${viewer.id}), (${viewer.id}, ${blockedByViewer.id})`;
    expect(await searchAll(p, viewer.token, 10)).toEqual([visible.username]);
    expect(await searchAll(p, undefined, 10)).toEqual([blockedByViewer.username, blocker.username, visible.username]);
  });

  test("validation: empty or long query, bad limit, forged cursor, unknown keys", async () => {
    expectInvalid(await query("user.search", { query: "" }), "query");
    expectInvalid(await query("user.search", { query: "   " }), "query");
    expectInvalid(await query("user.search", { query: "x".repeat(51) }), "query");
    expectInvalid(await query("user.search", { query: "a", limit: 0 }), "limit");
    expectInvalid(await query("user.search", { query: "a", limit: 101 }), "limit");
    expectInvalid(await query("user.search", { query: "a", limit: 1.5 }), "limit");
    expectError(await query("user.search", { query: "a", cursor: "not-a-cursor" }), "BAD_REQUEST", 400, "INVALID_CURSOR", "cursor");
    const forged = Buffer.from(JSON.stringify(["a", "not-a-number"])).toString("base64url");
    expectError(await query("user.search", { query: "a", cursor: forged }), "BAD_REQUEST", 400);
    expectUnknownKey(await query("user.search", { query: "a", status: "deleted" }), "status");
    const page = ok(await query("user.search", { query: "a" }));
    expect(page.items.length).toBeLessThanOrEqual(20);
  });
});

// ---------------------------------------------------------------------------------------------
describe("user.updateProfile", () => {
  test("updates the given fields only and returns the owner's view", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    const me = ok(await mutate("user.updateProfile", {
      displayName: "  Dana  ", bio: "Bio text", age: 30, location: "Oslo", website: "https://dana.example/home", visibility: "followers",
    }, user.token));
    expect(me.profile).toMatchObject({
      displayName: "Dana", bio: "Bio text", age: 30, location: "Oslo", website: "https://dana.example/home", visibility: "followers",
    });
    expect(me.email).toBe(user.email);
    ok(await mutate("user.updateProfile", { bio: "Changed" }, user.token));
    expect(await profileRow(user.id)).toMatchObject({
      display_name: "Dana", bio: "Changed", age: 30, location: "Oslo", website: "https://dana.example/home", visibility: "followers",
    });
    // null and "" clear a field.
    ok(await mutate("user.updateProfile", { displayName: "", age: null, website: null }, user.token));
    expect(await profileRow(user.id)).toMatchObject({ display_name: null, bio: "Changed", age: null, website: null, location: "Oslo" });
  });

  test("age: 12 and 121 refused, 13 and 120 accepted", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    for (const age of [12, 121, -1, 0, 13.5, "20"]) {
      expectInvalid(await mutate("user.updateProfile", { age }, user.token), "age");
    }
    expect((await profileRow(user.id)).age).toBeNull();
    expect(ok(await mutate("user.updateProfile", { age: 13 }, user.token)).profile.age).toBe(13);
    expect(ok(await mutate("user.updateProfile", { age: 120 }, user.token)).profile.age).toBe(120);
    expect((await profileRow(user.id)).age).toBe(120);
  });

  test("website: javascript:, data:, ftp: and relative URLs refused; http and https accepted", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    for (const website of ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<script>", "ftp://files.example", "/relative", "example.com", `https://x.example/${"a".repeat(500)}`]) {
      expectInvalid(await mutate("user.updateProfile", { website }, user.token), "website");
    }
    expect((await profileRow(user.id)).website).toBeNull();
    expect(ok(await mutate("user.updateProfile", { website: "http://plain.example" }, user.token)).profile.website).toBe("http://plain.example");
    expect(ok(await mutate("user.updateProfile", { website: "https://secure.example/p?q=1" }, user.token)).profile.website).toBe("https://secure.example/p?q=1");
  });

  test("length limits: displayName 100, bio 2000, location 100; visibility enum", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    expectInvalid(await mutate("user.updateProfile", { displayName: "d".repeat(101) }, user.token), "displayName");
    expectInvalid(await mutate("user.updateProfile", { bio: "b".repeat(2001) }, user.token), "bio");
    expectInvalid(await mutate("user.updateProfile", { location: "l".repeat(101) }, user.token), "location");
    expectInvalid(await mutate("user.updateProfile", { visibility: "secret" }, user.token), "visibility");
    expectInvalid(await mutate("user.updateProfile", { displayName: 5 }, user.token), "displayName");
    const me = ok(await mutate("user.updateProfile", { displayName: "d".repeat(100), bio: "b".repeat(2000), location: "l".repeat(100) }, user.token));
    expect(me.profile.displayName).toHaveLength(100);
    expect(me.profile.bio).toHaveLength(2000);
    expect(me.profile.location).toHaveLength(100);
  });

  test("an empty update is BAD_REQUEST", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    const res = await mutate("user.updateProfile", {}, user.token);
    expectError(res, "BAD_REQUEST", 400);
    expect(res.body.error.message).toContain("Nothing to update");
  });

  test("mass assignment: status, quotaBytes, passwordHash, userId, email, username are refused and nothing changes", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    const victim = await createUser(ctx.t.sql);
    for (const [key, value] of [
      ["status", "suspended"], ["quotaBytes", 10_737_418_240], ["passwordHash", "x"], ["userId", victim.id], ["email", "x@example.test"],
      ["username", "renamed_user"], ["emailVerified", true],
    ] as const) {
      expectUnknownKey(await mutate("user.updateProfile", { bio: "pwned", [key]: value }, user.token), key);
    }
    const [row] = await ctx.t.sql`SELECT u.status, u.email, u.username, u.email_verified, s.quota_bytes::text AS quota, p.bio
      FROM users u JOIN storage_usage s ON s.user_id = u.id JOIN user_profiles p ON p.user_id = u.id WHERE u.id = ${user.id}`;
    expect(row).toEqual({ status: "active", email: user.email, username: user.username, email_verified: false, quota: "52428800", bio: null });
    expect((await profileRow(victim.id)).bio).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
describe("user.updateBackground", () => {
  test("a hex colour is stored; bad colours are refused on value", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    expect(ok(await mutate("user.updateBackground", { type: "color", value: "#1a2B3c" }, user.token))).toEqual({ type: "color", value: "#1a2B3c" });
    expect((await profileRow(user.id)).background_config).toEqual({ type: "color", value: "#1a2B3c" });
    for (const value of ["#fff", "#ffff", "#11223344"]) {
      expect(ok(await mutate("user.updateBackground", { type: "color", value, position: "top" }, user.token))).toEqual({ type: "color", value, position: "top" });
    }
    for (const value of ["red", "#12345", "#gggggg", "1a2b3c", "#1a2b3c;background:url(x)", "rgb(0,0,0)"]) {
      expectInvalid(await mutate("user.updateBackground", { type: "color", value }, user.token), "value");
    }
    expect((await profileRow(user.id)).background_config).toEqual({ type: "color", value: "#11223344", position: "top" });
  });

  test("image and video need the URL of one of the caller's own uploads of that kind", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    const other = await createUserWithToken(ctx.t.sql);
    const image = await createUpload(ctx.t.sql, user.id, { mediaType: "image" });
    const video = await createUpload(ctx.t.sql, user.id, { mediaType: "video" });
    const othersImage = await createUpload(ctx.t.sql, other.id, { mediaType: "image" });
    const pending = await createUpload(ctx.t.sql, user.id, { mediaType: "image", status: "pending" });
    for (const [type, own] of [["image", image], ["video", video]] as const) {
      const value = own.file_url;
      expect(ok(await mutate("user.updateBackground", { type, value, position: "cover" }, user.token))).toEqual({ type, value, position: "cover" });
      expect((await profileRow(user.id)).background_config).toEqual({ type, value, position: "cover" });
      for (const bad of ["javascript:alert(1)", "data:image/png;base64,AAAA", "/bg.png", "#ffffff"]) {
        expectInvalid(await mutate("user.updateBackground", { type, value: bad }, user.token), "value");
      }
      // Someone else's media, an unconfirmed upload, any other URL, or media of the other kind.
      for (const bad of [othersImage.file_url, pending.file_url, "https://cdn.example.test/bg.png", (type === "image" ? video : image).file_url]) {
        expectError(await mutate("user.updateBackground", { type, value: bad }, user.token), "BAD_REQUEST", 400, "NOT_YOUR_MEDIA", "value");
      }
    }
    expect((await profileRow(user.id)).background_config).toEqual({ type: "video", value: video.file_url, position: "cover" });
  });

  test("unknown type, position or keys are refused", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    expectInvalid(await mutate("user.updateBackground", { type: "gradient", value: "#000000" }, user.token), "type");
    expectInvalid(await mutate("user.updateBackground", { type: "color", value: "#000000", position: "left" }, user.token), "position");
    expectUnknownKey(await mutate("user.updateBackground", { type: "color", value: "#000000", css: "x" }, user.token), "css");
    expect((await profileRow(user.id)).background_config).toEqual({});
  });
});

// ---------------------------------------------------------------------------------------------
describe("user.updateMusic", () => {
  test("url, autoplay and volume 0..100 are stored (defaults autoplay false, volume 50); null clears", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    expect(ok(await mutate("user.updateMusic", { url: "https://music.example/song.mp3", autoplay: true, volume: 0 }, user.token)))
      .toEqual({ url: "https://music.example/song.mp3", autoplay: true, volume: 0 });
    expect(ok(await mutate("user.updateMusic", { url: "http://music.example/song.mp3", volume: 100 }, user.token)))
      .toEqual({ url: "http://music.example/song.mp3", autoplay: false, volume: 100 });
    expect(ok(await mutate("user.updateMusic", { url: "https://music.example/a.ogg" }, user.token)))
      .toEqual({ url: "https://music.example/a.ogg", autoplay: false, volume: 50 });
    expect((await profileRow(user.id)).music_config).toEqual({ url: "https://music.example/a.ogg", autoplay: false, volume: 50 });
    expect(ok(await mutate("user.updateMusic", null, user.token))).toBeNull();
    expect((await profileRow(user.id)).music_config).toBeNull();
    expect(ok(await query("auth.me", undefined, user.token)).profile.music).toBeNull();
  });

  test("volume out of range, non-http URLs and unknown keys are refused", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    for (const volume of [-1, 101, 50.5, "50"]) {
      expectInvalid(await mutate("user.updateMusic", { url: "https://music.example/a.mp3", volume }, user.token), "volume");
    }
    for (const url of ["javascript:alert(1)", "ftp://music.example/a.mp3", "file:///etc/passwd", "music.mp3"]) {
      expectInvalid(await mutate("user.updateMusic", { url }, user.token), "url");
    }
    expectUnknownKey(await mutate("user.updateMusic", { url: "https://music.example/a.mp3", loop: true }, user.token), "loop");
    expectInvalid(await mutate("user.updateMusic", { autoplay: true }, user.token), "url");
    expect((await profileRow(user.id)).music_config).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
describe("user.updateStyle", () => {
  test("hex colours and font are stored; bad colours are refused per field", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    const style = { font: "Inter, 'Helvetica Neue', sans-serif", primaryColor: "#112233", secondaryColor: "#abc", accentColor: "#AABBCCDD" };
    expect(ok(await mutate("user.updateStyle", style, user.token))).toEqual({ style, removed: [] });
    expect((await profileRow(user.id)).style_config).toEqual(style);
    for (const field of ["primaryColor", "secondaryColor", "accentColor"]) {
      for (const bad of ["red", "#12", "#1234567", "#xyzxyz", "#123456;}"]) {
        expectInvalid(await mutate("user.updateStyle", { [field]: bad }, user.token), field);
      }
    }
    expectInvalid(await mutate("user.updateStyle", { font: "x;}body{color:red" }, user.token), "font");
    expectUnknownKey(await mutate("user.updateStyle", { fontSize: "12px" }, user.token), "fontSize");
    expect((await profileRow(user.id)).style_config).toEqual(style);
  });

  test("customCSS is stored sanitized and scoped to .vrss-profile-<id>", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    const css = [
      "@import url(https://evil.example/x.css);",
      ".card { color: red; }",
      "body { margin: 0 }",
      "h1 { width: expression(alert(1)) }",
      "a { position: fixed; top: 0 }",
    ].join("\n");
    const result = ok(await mutate("user.updateStyle", { primaryColor: "#000000", customCSS: css }, user.token));
    const scope = `.vrss-profile-${user.id}`;
    expect(result.style.primaryColor).toBe("#000000");
    const stored = (await profileRow(user.id)).style_config.customCSS as string;
    expect(result.style.customCSS).toBe(stored);
    expect(stored).toContain(`${scope} .card{color:red}`);
    expect(stored).toContain(`${scope}{margin:0}`);
    for (const bad of ["@import", "evil.example", "expression", "position", "fixed", "body"]) expect(stored).not.toContain(bad);
    // Every rule's selector starts with the profile scope.
    for (const rule of stored.split("}").filter((r) => r.includes("{"))) expect(rule.trim().startsWith(scope)).toBe(true);
    expect(result.removed).toContain("@import");
    expect(result.removed.length).toBeGreaterThanOrEqual(2);
    // Another user's scope is not this one's.
    const other = await createUserWithToken(ctx.t.sql);
    const otherResult = ok(await mutate("user.updateStyle", { customCSS: ".card { color: blue }" }, other.token));
    expect(otherResult.style.customCSS).toBe(`.vrss-profile-${other.id} .card{color:blue}`);
  });

  test("customCSS may load images from this server's own media base only", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    const own = `${ctx.s.deps.media.publicBaseUrl}/users/${user.id}/profile/bg.png`;
    const result = ok(await mutate("user.updateStyle", { customCSS: `.card { background-image: url(${own}) } .x { background-image: url(https://evil.example/a.png) }` }, user.token));
    expect(result.style.customCSS).toContain(own);
    expect(result.style.customCSS).not.toContain("evil.example");
  });

  test("customCSS over 20 KB is refused (PAYLOAD_TOO_LARGE) and nothing is stored", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    ok(await mutate("user.updateStyle", { customCSS: ".a { color: red }" }, user.token));
    const before = (await profileRow(user.id)).style_config;
    const big = `.a { color: red; }\n/* ${"x".repeat(20_000)} */`;
    const res = await mutate("user.updateStyle", { customCSS: big }, user.token);
    expectError(res, "PAYLOAD_TOO_LARGE", 413, "CSS_TOO_LARGE", "customCSS");
    // Multi-byte characters count in bytes.
    const wide = `.a::after { content: "${"é".repeat(10_001)}" }`;
    expectError(await mutate("user.updateStyle", { customCSS: wide }, user.token), "PAYLOAD_TOO_LARGE", 413, "CSS_TOO_LARGE", "customCSS");
    expect((await profileRow(user.id)).style_config).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
describe("user.updateLayout", () => {
  test("sections are stored in order (sorted by order), config defaulting to {}", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    const layout = ok(await mutate("user.updateLayout", {
      sections: [
        { id: "b", type: "links", order: 2, config: { style: "buttons" } },
        { id: "a", type: "feed", order: 1 },
        { id: "c", type: "gallery", order: 0, config: { columns: 3 } },
      ],
    }, user.token));
    const expected = {
      sections: [
        { id: "c", type: "gallery", order: 0, config: { columns: 3 } },
        { id: "a", type: "feed", order: 1, config: {} },
        { id: "b", type: "links", order: 2, config: { style: "buttons" } },
      ],
    };
    expect(layout).toEqual(expected);
    expect((await profileRow(user.id)).layout_config).toEqual(expected);
    expect(ok(await mutate("user.updateLayout", { sections: [] }, user.token))).toEqual({ sections: [] });
  });

  test("an unknown section type, duplicate ids, bad order or unknown keys are refused", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    const good = { id: "a", type: "links", order: 0 };
    expectInvalid(await mutate("user.updateLayout", { sections: [good, { id: "b", type: "iframe", order: 1 }] }, user.token), "sections.1.type");
    const dup = await mutate("user.updateLayout", { sections: [good, { ...good, order: 1 }] }, user.token);
    expectInvalid(dup, "sections");
    expect(dup.body.error.message).toContain("unique");
    expectInvalid(await mutate("user.updateLayout", { sections: [{ ...good, order: -1 }] }, user.token), "sections.0.order");
    expectUnknownKey(await mutate("user.updateLayout", { sections: [{ ...good, html: "<b>" }] }, user.token), "sections.0.html");
    expectInvalid(await mutate("user.updateLayout", { sections: [{ ...good, id: "" }] }, user.token), "sections.0.id");
    expectInvalid(await mutate("user.updateLayout", {}, user.token), "sections");
    const many = Array.from({ length: 51 }, (_, i) => ({ id: `s${i}`, type: "links", order: i }));
    expectInvalid(await mutate("user.updateLayout", { sections: many }, user.token), "sections");
    expect((await profileRow(user.id)).layout_config).toEqual({ sections: [] });
  });
});

// ---------------------------------------------------------------------------------------------
describe("user.delete", () => {
  test("a wrong password is refused and nothing changes", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    const res = await mutate("user.delete", { password: "Wr0ngPassword" }, user.token);
    expectError(res, "FORBIDDEN", 403, "WRONG_PASSWORD");
    const [row] = await ctx.t.sql`SELECT status, deleted_at FROM users WHERE id = ${user.id}`;
    expect(row).toEqual({ status: "active", deleted_at: null });
    expect(ok(await query("auth.me", undefined, user.token)).id).toBe(user.id);
    expectInvalid(await mutate("user.delete", {}, user.token), "password");
  });

  test("success: status deleted, deleted_at set, every session revoked, the profile vanishes for others", async () => {
    const user = await createUserWithToken(ctx.t.sql);
    const second = await createSessionToken(ctx.t.sql, user.id);
    const other = await createUserWithToken(ctx.t.sql);
    // Warm the profile cache first: deletion must not leave a stale cached profile behind.
    expect(ok(await query("user.get", { username: user.username }, other.token)).id).toBe(user.id);
    expect(await (async () => (ok(await query("user.search", { query: user.username }, other.token)).items as unknown[]).length)()).toBe(1);

    const res = await mutate("user.delete", { password: TEST_PASSWORD }, user.token);
    expect(ok(res)).toEqual({ deleted: true });
    expect(res.headers.getSetCookie().some((c) => /^vrss_session=;.*Max-Age=0/.test(c))).toBe(true);
    const [row] = await ctx.t.sql<{ status: string; deleted_at: string | null }[]>`SELECT status, deleted_at FROM users WHERE id = ${user.id}`;
    expect(row!.status).toBe("deleted");
    expect(row!.deleted_at).not.toBeNull();
    expect(Math.abs(Date.now() - new Date(row!.deleted_at!).getTime())).toBeLessThan(60_000);
    const [sessions] = await ctx.t.sql`SELECT count(*)::int AS total, count(*) FILTER (WHERE revoked_at IS NULL)::int AS live FROM sessions WHERE user_id = ${user.id}`;
    expect(sessions).toEqual({ total: 2, live: 0 });

    expectError(await query("auth.me", undefined, user.token), "UNAUTHORIZED", 401);
    expectError(await query("auth.me", undefined, second), "UNAUTHORIZED", 401);
    expectError(await mutate("user.updateProfile", { bio: "still here?" }, user.token), "UNAUTHORIZED", 401);
    expectError(await query("user.get", { username: user.username }, other.token), "NOT_FOUND", 404);
    expectError(await query("user.get", { username: user.username }), "NOT_FOUND", 404);
    expect(ok(await query("user.search", { query: user.username }, other.token)).items).toEqual([]);
    expectError(await rpc(ctx.s.url, "auth.login", { email: user.email, password: TEST_PASSWORD }), "UNAUTHORIZED", 401, "INVALID_CREDENTIALS");
  });
});

// Counts shown to others count only accounts the viewer could see in the list itself: active,
// and not in a block with the viewer (either way).
describe("user.get counts", () => {
  test("suspended and deleted followers (and followed accounts) are not counted", async () => {
    const owner = await createUser(ctx.t.sql);
    const viewer = await createUserWithToken(ctx.t.sql);
    const [a, b, suspended, deleted] = [await createUser(ctx.t.sql), await createUser(ctx.t.sql), await createUser(ctx.t.sql), await createUser(ctx.t.sql)];
    for (const f of [a, b, suspended, deleted]) await follow(ctx.t.sql, f.id, owner.id);
    for (const f of [a, suspended, deleted]) await follow(ctx.t.sql, owner.id, f.id);
    const counts = async (token?: string) => ok(await query("user.get", { username: owner.username }, token)).counts;
    expect(await counts(viewer.token)).toEqual({ followers: 4, following: 3, posts: 0 });
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id = ${suspended.id}`;
    await ctx.t.sql`UPDATE users SET status = 'deleted', deleted_at = NOW() WHERE id = ${deleted.id}`;
    expect(await counts(viewer.token)).toEqual({ followers: 2, following: 1, posts: 0 });
    expect(await counts()).toEqual({ followers: 2, following: 1, posts: 0 });
    // Lifting the suspension counts the account again (the follow rows were kept).
    await ctx.t.sql`UPDATE users SET status = 'active' WHERE id = ${suspended.id}`;
    expect(await counts()).toEqual({ followers: 3, following: 2, posts: 0 });
  });

  test("a follower who blocks the viewer or whom the viewer blocked is not counted for that viewer", async () => {
    const owner = await createUser(ctx.t.sql);
    const viewer = await createUserWithToken(ctx.t.sql);
    const other = await createUserWithToken(ctx.t.sql);
    const [plain, blocksViewer, blockedByViewer] = [await createUser(ctx.t.sql), await createUser(ctx.t.sql), await createUser(ctx.t.sql)];
    for (const f of [plain, blocksViewer, blockedByViewer]) await follow(ctx.t.sql, f.id, owner.id);
    await follow(ctx.t.sql, owner.id, blocksViewer.id);
    await ctx.t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${blocksViewer.id}, ${viewer.id}), (${viewer.id}, ${blockedByViewer.id})`;
    const counts = async (token?: string) => ok(await query("user.get", { username: owner.username }, token)).counts;
    expect(await counts(viewer.token)).toEqual({ followers: 1, following: 0, posts: 0 });
    expect(await counts(other.token)).toEqual({ followers: 3, following: 1, posts: 0 });
    expect(await counts()).toEqual({ followers: 3, following: 1, posts: 0 });
  });
});
