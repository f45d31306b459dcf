// Accounts and sessions over real HTTP against a real server and database: registration,
// login, logout, password change / reset, email verification, session storage and expiry,
// the session cookie and its CSRF/Origin rules, and login throttling (also through batches and
// with a rotating X-Forwarded-For).
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createHash } from "node:crypto";
import { setAccountStatus } from "../../src/modules/user/account-status";
import type { RunningServer } from "../../src/server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { createSessionToken, createUser, createUserWithToken, TEST_PASSWORD } from "../helpers/factories";
import { ok, rpc, type RpcResult, startTestServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

let t: TestDatabase;
let s: RunningServer;
const extraServers: RunningServer[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  // Many logins come from 127.0.0.1 in this file: the main server's per-IP budget must not be the limit.
  s = await startTestServer(t, { RATE_LIMIT_LOGIN_PER_IP: "10000", RATE_LIMIT_MAIL_PER_TARGET: "100" });
}, 60_000);
afterAll(async () => {
  for (const extra of extraServers) await extra.stop();
  await s?.stop();
  await t?.close();
});

async function startExtraServer(overrides: Record<string, string>): Promise<RunningServer> {
  const server = await startTestServer(t, overrides);
  extraServers.push(server);
  return server;
}

const mutate = (path: string, input?: unknown, token?: string, headers?: Record<string, string>, url = s.url) =>
  rpc(url, path, input, { token, headers });
const query = (path: string, input?: unknown, token?: string, headers?: Record<string, string>) =>
  rpc(s.url, path, input, { method: "GET", token, headers });

function expectError(res: RpcResult, code: string, status: number, appCode?: string | null, field?: string | null) {
  expect({ status: res.status, code: res.body?.error?.data?.code }).toEqual({ status, code });
  if (appCode !== undefined) expect(res.body.error.data.appCode).toBe(appCode);
  if (field !== undefined) expect(res.body.error.data.field).toBe(field);
}

let seq = 0;
const uniq = (prefix: string) => `${prefix}${Date.now().toString(36).slice(-5)}${(++seq).toString(36)}`;
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const PASSWORD = "Str0ngPassw";

async function register(opts: { username?: string; email?: string; password?: string } = {}) {
  const username = opts.username ?? uniq("r_");
  const email = opts.email ?? `${username.toLowerCase()}@example.test`;
  const password = opts.password ?? PASSWORD;
  const res = await mutate("auth.register", { username, email, password });
  const data = ok(res);
  return { ...data, username, email: email.toLowerCase(), password, res } as {
    token: string; expiresAt: string; user: any; username: string; email: string; password: string; res: RpcResult;
  };
}

async function latestMail(to: string) {
  const [row] = await t.sql<{ id: string; subject: string; body_text: string }[]>`
    SELECT id, subject, body_text FROM mail_outbox WHERE to_address = ${to} ORDER BY id DESC LIMIT 1`;
  return row;
}
function tokenFrom(body: string, path: string): string {
  const match = new RegExp(`/${path}\\?token=([^\\s]+)`).exec(body);
  if (!match) throw new Error(`no ${path} link in mail: ${body}`);
  return decodeURIComponent(match[1]!);
}
async function mailCount(to: string): Promise<number> {
  return (await t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM mail_outbox WHERE to_address = ${to}`)[0]!.n;
}
async function liveSessions(userId: string): Promise<number> {
  return (await t.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM sessions WHERE user_id = ${userId} AND revoked_at IS NULL AND expires_at > NOW()`)[0]!.n;
}
const cookieHeader = (token: string) => ({ cookie: `vrss_session=${token}` });

// ---------------------------------------------------------------------------------------------
describe("auth.register", () => {
  test("creates user, profile, free-tier storage, a verification mail and a session; returns { token, user }", async () => {
    const username = uniq("Reg_");
    const res = await mutate("auth.register", { username, email: `  ${username}@Example.TEST `, password: PASSWORD });
    const data = ok(res);
    const email = `${username.toLowerCase()}@example.test`;
    expect(Object.keys(data).sort()).toEqual(["expiresAt", "token", "user"]);
    expect(data.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(data.user).toEqual({
      id: expect.stringMatching(/^[1-9][0-9]*$/),
      username,
      email,
      emailVerified: false,
      status: "active",
      createdAt: expect.any(String),
      lastLoginAt: expect.any(String),
      profile: {
        displayName: null, bio: null, age: null, location: null, website: null, visibility: "public",
        background: null, music: null, style: {}, requiresFollowApproval: false,
      },
      storage: { usedBytes: 0, quotaBytes: 52_428_800, availableBytes: 52_428_800 },
    });
    const expiresIn = Date.parse(data.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(29.9 * 86_400_000);
    expect(expiresIn).toBeLessThanOrEqual(30 * 86_400_000);

    const [user] = await t.sql`SELECT username, email, email_verified, status FROM users WHERE id = ${data.user.id}`;
    expect(user).toEqual({ username, email, email_verified: false, status: "active" });
    const [profile] = await t.sql`SELECT visibility FROM user_profiles WHERE user_id = ${data.user.id}`;
    expect(profile).toEqual({ visibility: "public" });
    const [storage] = await t.sql`SELECT used_bytes::int AS used, quota_bytes::bigint::text AS quota FROM storage_usage WHERE user_id = ${data.user.id}`;
    expect(storage).toEqual({ used: 0, quota: "52428800" });
    expect(await liveSessions(data.user.id)).toBe(1);
    const mail = await latestMail(email);
    expect(mail!.subject).toBe("Confirm your VRSS email");
    expect(tokenFrom(mail!.body_text, "verify-email")).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The token works at once.
    expect(ok(await query("auth.me", undefined, data.token)).id).toBe(data.user.id);
  });

  test("the email is stored lowercased", async () => {
    const username = uniq("Case_");
    const reg = await register({ username, email: `${username.toUpperCase()}@MiXeD.Example.TEST` });
    const [row] = await t.sql`SELECT email FROM users WHERE id = ${reg.user.id}`;
    expect(row!.email).toBe(`${username.toLowerCase()}@mixed.example.test`);
    expect(reg.user.email).toBe(`${username.toLowerCase()}@mixed.example.test`);
  });

  test("bad usernames are BAD_REQUEST on field username; 3 and 30 characters are accepted", async () => {
    const bad = ["ab", "a".repeat(31), "bad-name", "bad name", "bad.name", "ünïcode", "emoji😀x", "", "a'; DROP TABLE users;--"];
    for (const username of bad) {
      const res = await mutate("auth.register", { username, email: `${uniq("e")}@example.test`, password: PASSWORD });
      expectError(res, "BAD_REQUEST", 400, null, "username");
      expect(res.body.error.data.zodError.username).toHaveLength(1);
    }
    const nonString = await mutate("auth.register", { username: 12345, email: `${uniq("e")}@example.test`, password: PASSWORD });
    expectError(nonString, "BAD_REQUEST", 400, null, "username");
    const short = "x_3";
    const long = `L${uniq("")}`.padEnd(30, "x");
    expect(ok(await mutate("auth.register", { username: short, email: `${uniq("e")}@example.test`, password: PASSWORD })).user.username).toBe(short);
    expect(ok(await mutate("auth.register", { username: long, email: `${uniq("e")}@example.test`, password: PASSWORD })).user.username).toBe(long);
  });

  test("bad emails are BAD_REQUEST on field email", async () => {
    const bad = ["not-an-email", "a@", "@example.test", "a b@example.test", "a@b", "a@@example.test", `${"x".repeat(250)}@example.test`, ""];
    for (const email of bad) {
      const res = await mutate("auth.register", { username: uniq("m_"), email, password: PASSWORD });
      expectError(res, "BAD_REQUEST", 400, null, "email");
      expect(res.body.error.data.zodError.email.length).toBeGreaterThanOrEqual(1);
    }
  });

  test("weak passwords are BAD_REQUEST on field password, each with its reason", async () => {
    const cases: [string, RegExp][] = [
      ["alllower1x", /upper-case/],
      ["ALLUPPER1X", /lower-case/],
      ["NoDigitsHere", /digit/],
      ["Sh0rtPw", /at least 8/],
      [`Aa1${"x".repeat(254)}`, /at most 256/],
    ];
    for (const [password, reason] of cases) {
      const username = uniq("p_");
      const res = await mutate("auth.register", { username, email: `${username}@example.test`, password });
      expectError(res, "BAD_REQUEST", 400, null, "password");
      expect(res.body.error.data.zodError.password.join(" | ")).toMatch(reason);
      expect((await t.sql`SELECT 1 FROM users WHERE username = ${username}`).length).toBe(0);
    }
  });

  test("8 and 256 characters are accepted; a unicode password with upper, lower and digit works (NFC-normalized)", async () => {
    await register({ password: "Abcdefg1" });
    await register({ password: `Aa1${"x".repeat(253)}` });
    // Upper-case Ü, lower-case ö/ß, an Arabic-Indic digit: all count.
    const unicode = "Ünïcödeß٣";
    const reg = await register({ password: unicode });
    // The same characters typed in decomposed form (NFD) log in too.
    const nfd = unicode.normalize("NFD");
    expect(nfd).not.toBe(unicode);
    const login = ok(await mutate("auth.login", { email: reg.email, password: nfd }));
    expect(login.user.id).toBe(reg.user.id);
    // No upper-case letter in any script: refused.
    const res = await mutate("auth.register", { username: uniq("p_"), email: `${uniq("e")}@example.test`, password: "ünïcödeß٣" });
    expectError(res, "BAD_REQUEST", 400, null, "password");
  });

  test("a duplicate username (any case) is CONFLICT USERNAME_TAKEN", async () => {
    const first = await register({ username: uniq("Dup_") });
    const res = await mutate("auth.register", { username: first.username.toLowerCase(), email: `${uniq("o")}@example.test`, password: PASSWORD });
    expectError(res, "CONFLICT", 409, "USERNAME_TAKEN", "username");
    const upper = await mutate("auth.register", { username: first.username.toUpperCase(), email: `${uniq("o")}@example.test`, password: PASSWORD });
    expectError(upper, "CONFLICT", 409, "USERNAME_TAKEN", "username");
    const n = await t.sql`SELECT count(*)::int AS n FROM users WHERE LOWER(username) = ${first.username.toLowerCase()}`;
    expect(n[0]!.n).toBe(1);
  });

  test("a duplicate email (any case) is CONFLICT EMAIL_TAKEN, and nothing is left behind", async () => {
    const first = await register();
    const username = uniq("other_");
    const res = await mutate("auth.register", { username, email: first.email.toUpperCase(), password: PASSWORD });
    expectError(res, "CONFLICT", 409, "EMAIL_TAKEN", "email");
    expect((await t.sql`SELECT 1 FROM users WHERE username = ${username}`).length).toBe(0);
    expect(await mailCount(first.email)).toBe(1);
  });

  test("mass assignment: unknown keys are BAD_REQUEST and create nothing", async () => {
    for (const [key, value] of [["status", "suspended"], ["quotaBytes", 10_737_418_240], ["passwordHash", "$argon2id$x"], ["userId", "1"], ["emailVerified", true]] as const) {
      const username = uniq("mass_");
      const res = await mutate("auth.register", { username, email: `${username}@example.test`, password: PASSWORD, [key]: value });
      expectError(res, "BAD_REQUEST", 400, null, key);
      expect((await t.sql`SELECT 1 FROM users WHERE username = ${username}`).length).toBe(0);
    }
  });

  test("the stored password hash is argon2id with m ≥ 19456 KiB, t ≥ 2, p ≥ 1", async () => {
    const reg = await register();
    const [row] = await t.sql<{ password_hash: string }[]>`SELECT password_hash FROM users WHERE id = ${reg.user.id}`;
    const hash = row!.password_hash;
    expect(hash.startsWith("$argon2id$")).toBe(true);
    // PHC string: $argon2id$v=19$<m,t,p in any order>$<salt>$<hash>
    const parts = /^\$argon2id\$v=19\$([a-z]=\d+(?:,[a-z]=\d+)*)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.exec(hash);
    expect(parts).not.toBeNull();
    const params = Object.fromEntries(parts![1]!.split(",").map((kv) => [kv[0]!, Number(kv.slice(2))]));
    expect(Object.keys(params).sort()).toEqual(["m", "p", "t"]);
    expect(params.m).toBeGreaterThanOrEqual(19_456);
    expect(params.t).toBeGreaterThanOrEqual(2);
    expect(params.p).toBeGreaterThanOrEqual(1);
    expect(hash).not.toContain(PASSWORD);
  });

  test("only the SHA-256 hex of a session token is stored; the token appears nowhere in sessions", async () => {
    const reg = await register();
    const rows = await t.sql<{ token_hash: string; row: string }[]>`
      SELECT token_hash, row_to_json(s)::text AS row FROM sessions s WHERE user_id = ${reg.user.id}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]!.token_hash).toBe(sha256(reg.token));
    const everything = await t.sql<{ dump: string }[]>`SELECT COALESCE(string_agg(row_to_json(s)::text, ''), '') AS dump FROM sessions s`;
    expect(everything[0]!.dump).not.toContain(reg.token);
    // Nor in the verification token table.
    const tokens = await t.sql<{ dump: string }[]>`SELECT COALESCE(string_agg(row_to_json(a)::text, ''), '') AS dump FROM auth_tokens a`;
    expect(tokens[0]!.dump).not.toContain(reg.token);
  });
});

// ---------------------------------------------------------------------------------------------
describe("auth.login", () => {
  test("returns { token, user }, creates a new session and updates last_login_at", async () => {
    const user = await createUser(t.sql);
    await t.sql`UPDATE users SET last_login_at = '2001-01-01T00:00:00Z' WHERE id = ${user.id}`;
    const before = Date.now();
    const res = await mutate("auth.login", { email: `  ${user.email.toUpperCase()} `, password: TEST_PASSWORD });
    const data = ok(res);
    expect(data.user).toMatchObject({ id: user.id, username: user.username, email: user.email, status: "active" });
    expect(data.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [row] = await t.sql<{ last_login_at: string }[]>`SELECT last_login_at FROM users WHERE id = ${user.id}`;
    const lastLogin = new Date(row!.last_login_at).getTime();
    expect(lastLogin).toBeGreaterThanOrEqual(before - 5_000);
    expect(lastLogin).toBeLessThanOrEqual(Date.now() + 5_000);
    expect(Date.parse(data.user.lastLoginAt)).toBe(lastLogin);
    expect(await liveSessions(user.id)).toBe(1);
    expect(ok(await query("auth.me", undefined, data.token)).id).toBe(user.id);
    // A second login is a second, independent session.
    const again = ok(await mutate("auth.login", { email: user.email, password: TEST_PASSWORD }));
    expect(again.token).not.toBe(data.token);
    expect(await liveSessions(user.id)).toBe(2);
  });

  test("unknown email and wrong password give the very same UNAUTHORIZED INVALID_CREDENTIALS answer", async () => {
    const user = await createUser(t.sql);
    const [{ last_login_at: before }] = await t.sql`SELECT last_login_at FROM users WHERE id = ${user.id}` as any;
    const wrong = await mutate("auth.login", { email: user.email, password: "Wr0ngPassword" });
    const unknown = await mutate("auth.login", { email: `nobody-${uniq("")}@example.test`, password: "Wr0ngPassword" });
    expectError(wrong, "UNAUTHORIZED", 401, "INVALID_CREDENTIALS");
    expectError(unknown, "UNAUTHORIZED", 401, "INVALID_CREDENTIALS");
    const strip = (r: RpcResult) => ({ status: r.status, message: r.body.error.message, data: r.body.error.data });
    expect(strip(wrong)).toEqual(strip(unknown));
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const [{ last_login_at: after }] = await t.sql`SELECT last_login_at FROM users WHERE id = ${user.id}` as any;
    expect(after).toEqual(before);
    expect(await liveSessions(user.id)).toBe(0);
  });

  test("input validation: missing or empty fields and unknown keys are BAD_REQUEST", async () => {
    expectError(await mutate("auth.login", { email: "a@example.test" }), "BAD_REQUEST", 400, null, "password");
    expectError(await mutate("auth.login", { email: "", password: "x" }), "BAD_REQUEST", 400, null, "email");
    expectError(await mutate("auth.login", { email: "a@example.test", password: "x".repeat(257) }), "BAD_REQUEST", 400, null, "password");
    expectError(await mutate("auth.login", { email: "a@example.test", password: "x", userId: "1" }), "BAD_REQUEST", 400, null, "userId");
  });

  test("a suspended user cannot log in (FORBIDDEN ACCOUNT_SUSPENDED only with the right password)", async () => {
    const user = await createUser(t.sql, { status: "suspended" });
    expectError(await mutate("auth.login", { email: user.email, password: TEST_PASSWORD }), "FORBIDDEN", 403, "ACCOUNT_SUSPENDED");
    expectError(await mutate("auth.login", { email: user.email, password: "Wr0ngPassword" }), "UNAUTHORIZED", 401, "INVALID_CREDENTIALS");
    expect(await liveSessions(user.id)).toBe(0);
  });

  test("a deleted user cannot log in (same answer as an unknown email)", async () => {
    const user = await createUser(t.sql, { status: "deleted" });
    const res = await mutate("auth.login", { email: user.email, password: TEST_PASSWORD });
    expectError(res, "UNAUTHORIZED", 401, "INVALID_CREDENTIALS");
    expect(res.body.error.message).toBe("Invalid email or password");
    expect(await liveSessions(user.id)).toBe(0);
  });

  test("an existing session of a user who becomes suspended stops working", async () => {
    const user = await createUserWithToken(t.sql);
    expect(ok(await query("auth.me", undefined, user.token)).id).toBe(user.id);
    // The operator's path (it announces the revocation to the session cache, which holds this session now).
    await setAccountStatus(s.deps.database.db, s.deps.cache, user.username, "suspended", s.deps.sessions);
    expectError(await query("auth.me", undefined, user.token), "UNAUTHORIZED", 401, "SESSION_INVALID");
  });
});

// ---------------------------------------------------------------------------------------------
describe("sessions: logout, logoutAll, me, revoked and expired tokens", () => {
  test("auth.me returns the user, profile and storage summary", async () => {
    const user = await createUserWithToken(t.sql, { displayName: "Me Myself" });
    await t.sql`UPDATE storage_usage SET used_bytes = 1000 WHERE user_id = ${user.id}`;
    const me = ok(await query("auth.me", undefined, user.token));
    expect(me).toEqual({
      id: user.id, username: user.username, email: user.email, emailVerified: false, status: "active",
      createdAt: expect.any(String), lastLoginAt: null,
      profile: {
        displayName: "Me Myself", bio: null, age: null, location: null, website: null, visibility: "public",
        background: null, music: null, style: {}, requiresFollowApproval: false,
      },
      storage: { usedBytes: 1000, quotaBytes: 52_428_800, availableBytes: 52_428_800 - 1000 },
    });
  });

  test("auth.logout revokes only the current session and clears the cookie", async () => {
    const user = await createUser(t.sql);
    const a = await createSessionToken(t.sql, user.id);
    const b = await createSessionToken(t.sql, user.id);
    const res = await mutate("auth.logout", undefined, a);
    expect(ok(res)).toEqual({ ok: true });
    const cleared = res.headers.getSetCookie().find((c) => c.startsWith("vrss_session="));
    expect(cleared).toMatch(/^vrss_session=;/);
    expect(cleared).toMatch(/Max-Age=0/);
    const [row] = await t.sql`SELECT revoked_at FROM sessions WHERE token_hash = ${sha256(a)}`;
    expect(row!.revoked_at).not.toBeNull();
    expectError(await query("auth.me", undefined, a), "UNAUTHORIZED", 401, "SESSION_INVALID");
    expectError(await mutate("auth.logout", undefined, a), "UNAUTHORIZED", 401);
    expect(ok(await query("auth.me", undefined, b)).id).toBe(user.id);
  });

  test("auth.logoutAll revokes every session of the user (and no one else's)", async () => {
    const user = await createUser(t.sql);
    const other = await createUserWithToken(t.sql);
    const tokens = [await createSessionToken(t.sql, user.id), await createSessionToken(t.sql, user.id), await createSessionToken(t.sql, user.id)];
    expect(ok(await mutate("auth.logoutAll", undefined, tokens[1]))).toEqual({ revokedSessions: 3 });
    for (const token of tokens) expectError(await query("auth.me", undefined, token), "UNAUTHORIZED", 401);
    expect(await liveSessions(user.id)).toBe(0);
    expect(ok(await query("auth.me", undefined, other.token)).id).toBe(other.id);
  });

  test("an expired token is UNAUTHORIZED", async () => {
    const user = await createUserWithToken(t.sql);
    expect(ok(await query("auth.me", undefined, user.token)).id).toBe(user.id);
    await t.sql`UPDATE sessions SET expires_at = NOW() - INTERVAL '1 second' WHERE token_hash = ${sha256(user.token)}`;
    // Written by hand, so the cached entry from the call above must go: a real expiry cannot come
    // while one is cached (entries are re-read 5 minutes after renewal, sessions last days).
    s.deps.sessions.clear();
    expectError(await query("auth.me", undefined, user.token), "UNAUTHORIZED", 401, "SESSION_INVALID");
    expectError(await mutate("user.updateProfile", { bio: "x" }, user.token), "UNAUTHORIZED", 401);
    // Expired stays expired: a refused request does not renew it.
    const [row] = await t.sql`SELECT expires_at < NOW() AS expired FROM sessions WHERE token_hash = ${sha256(user.token)}`;
    expect(row!.expired).toBe(true);
  });

  test("a garbage, malformed or unknown Bearer token is UNAUTHORIZED, even on a public query", async () => {
    for (const authorization of ["Bearer nope", `Bearer ${"x".repeat(43)}`, "Basic abc", "Bearer"]) {
      const res = await rpc(s.url, "auth.me", undefined, { method: "GET", headers: { authorization } });
      expectError(res, "UNAUTHORIZED", 401);
    }
    const pub = await rpc(s.url, "user.search", { query: "a" }, { method: "GET", headers: { authorization: `Bearer ${"y".repeat(43)}` } });
    expectError(pub, "UNAUTHORIZED", 401, "SESSION_INVALID");
  });

  test("sliding expiry: a session last seen long ago is renewed on use", async () => {
    const user = await createUserWithToken(t.sql);
    await t.sql`UPDATE sessions SET last_seen_at = NOW() - INTERVAL '1 hour', expires_at = NOW() + INTERVAL '1 day'
                WHERE token_hash = ${sha256(user.token)}`;
    ok(await query("auth.me", undefined, user.token));
    const [row] = await t.sql<{ days: number }[]>`
      SELECT EXTRACT(EPOCH FROM (expires_at - NOW()))::float / 86400 AS days FROM sessions WHERE token_hash = ${sha256(user.token)}`;
    expect(row!.days).toBeGreaterThan(29.9);
  });
});

// ---------------------------------------------------------------------------------------------
describe("auth.changePassword", () => {
  test("a wrong current password is FORBIDDEN WRONG_PASSWORD on currentPassword; nothing changes", async () => {
    const user = await createUser(t.sql);
    const a = await createSessionToken(t.sql, user.id);
    const b = await createSessionToken(t.sql, user.id);
    const res = await mutate("auth.changePassword", { currentPassword: "Wr0ngPassword", newPassword: "N3wPassword" }, a);
    expectError(res, "FORBIDDEN", 403, "WRONG_PASSWORD", "currentPassword");
    expect(ok(await query("auth.me", undefined, b)).id).toBe(user.id);
    expect(ok(await mutate("auth.login", { email: user.email, password: TEST_PASSWORD })).user.id).toBe(user.id);
  });

  test("a weak new password is BAD_REQUEST on newPassword", async () => {
    const user = await createUserWithToken(t.sql);
    for (const newPassword of ["short1A", "nouppercase1", "NOLOWERCASE1", "NoDigitsAtAll"]) {
      const res = await mutate("auth.changePassword", { currentPassword: TEST_PASSWORD, newPassword }, user.token);
      expectError(res, "BAD_REQUEST", 400, null, "newPassword");
    }
    expectError(await mutate("auth.changePassword", { newPassword: "N3wPassword" }, user.token), "BAD_REQUEST", 400, null, "currentPassword");
  });

  test("success revokes the other sessions but not the current one; old password stops working, new works", async () => {
    const user = await createUser(t.sql);
    const current = await createSessionToken(t.sql, user.id);
    const other1 = await createSessionToken(t.sql, user.id);
    const other2 = await createSessionToken(t.sql, user.id);
    const res = await mutate("auth.changePassword", { currentPassword: TEST_PASSWORD, newPassword: "Ch4ngedPassword" }, current);
    expect(ok(res)).toEqual({ revokedSessions: 2 });
    expect(ok(await query("auth.me", undefined, current)).id).toBe(user.id);
    expectError(await query("auth.me", undefined, other1), "UNAUTHORIZED", 401);
    expectError(await query("auth.me", undefined, other2), "UNAUTHORIZED", 401);
    expectError(await mutate("auth.login", { email: user.email, password: TEST_PASSWORD }), "UNAUTHORIZED", 401, "INVALID_CREDENTIALS");
    expect(ok(await mutate("auth.login", { email: user.email, password: "Ch4ngedPassword" })).user.id).toBe(user.id);
    const [row] = await t.sql<{ password_hash: string }[]>`SELECT password_hash FROM users WHERE id = ${user.id}`;
    expect(row!.password_hash.startsWith("$argon2id$")).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
describe("auth.verifyEmail and auth.resendVerification", () => {
  test("the token from the mail verifies the email once; a second use is TOKEN_INVALID", async () => {
    const reg = await register();
    const token = tokenFrom((await latestMail(reg.email))!.body_text, "verify-email");
    // Only the token's hash is stored.
    const [stored] = await t.sql`SELECT token_hash FROM auth_tokens WHERE user_id = ${reg.user.id} AND purpose = 'verify_email'`;
    expect(stored!.token_hash).toBe(sha256(token));
    expect(ok(await mutate("auth.verifyEmail", { token }))).toEqual({ emailVerified: true });
    const [row] = await t.sql`SELECT email_verified FROM users WHERE id = ${reg.user.id}`;
    expect(row!.email_verified).toBe(true);
    expect(ok(await query("auth.me", undefined, reg.token)).emailVerified).toBe(true);
    expectError(await mutate("auth.verifyEmail", { token }), "BAD_REQUEST", 400, "TOKEN_INVALID", "token");
  });

  test("an expired token is BAD_REQUEST TOKEN_INVALID and verifies nothing", async () => {
    const reg = await register();
    const token = tokenFrom((await latestMail(reg.email))!.body_text, "verify-email");
    await t.sql`UPDATE auth_tokens SET expires_at = NOW() - INTERVAL '1 second' WHERE user_id = ${reg.user.id}`;
    expectError(await mutate("auth.verifyEmail", { token }), "BAD_REQUEST", 400, "TOKEN_INVALID", "token");
    const [row] = await t.sql`SELECT email_verified FROM users WHERE id = ${reg.user.id}`;
    expect(row!.email_verified).toBe(false);
  });

  test("unknown, malformed and reset-purpose tokens are refused", async () => {
    expectError(await mutate("auth.verifyEmail", { token: "A".repeat(43) }), "BAD_REQUEST", 400, "TOKEN_INVALID", "token");
    expectError(await mutate("auth.verifyEmail", { token: "short" }), "BAD_REQUEST", 400, null, "token");
    expectError(await mutate("auth.verifyEmail", {}), "BAD_REQUEST", 400, null, "token");
    // A password-reset token is not an email-verification token.
    const user = await createUser(t.sql);
    ok(await mutate("auth.requestPasswordReset", { email: user.email }));
    const resetToken = tokenFrom((await latestMail(user.email))!.body_text, "reset-password");
    expectError(await mutate("auth.verifyEmail", { token: resetToken }), "BAD_REQUEST", 400, "TOKEN_INVALID");
    const [row] = await t.sql`SELECT email_verified FROM users WHERE id = ${user.id}`;
    expect(row!.email_verified).toBe(false);
  });

  test("resendVerification sends a new link and voids the old one; verified users get no mail", async () => {
    const reg = await register();
    const oldToken = tokenFrom((await latestMail(reg.email))!.body_text, "verify-email");
    expect(ok(await mutate("auth.resendVerification", undefined, reg.token))).toEqual({ sent: true });
    expect(await mailCount(reg.email)).toBe(2);
    const newToken = tokenFrom((await latestMail(reg.email))!.body_text, "verify-email");
    expect(newToken).not.toBe(oldToken);
    expectError(await mutate("auth.verifyEmail", { token: oldToken }), "BAD_REQUEST", 400, "TOKEN_INVALID");
    expect(ok(await mutate("auth.verifyEmail", { token: newToken }))).toEqual({ emailVerified: true });
    expect(ok(await mutate("auth.resendVerification", undefined, reg.token))).toEqual({ sent: false });
    expect(await mailCount(reg.email)).toBe(2);
  });

  test("resendVerification is rate limited per user", async () => {
    const limited = await startExtraServer({ RATE_LIMIT_MAIL_PER_TARGET: "2" });
    const user = await createUserWithToken(t.sql);
    expect(ok(await mutate("auth.resendVerification", undefined, user.token, undefined, limited.url))).toEqual({ sent: true });
    expect(ok(await mutate("auth.resendVerification", undefined, user.token, undefined, limited.url))).toEqual({ sent: true });
    const third = await mutate("auth.resendVerification", undefined, user.token, undefined, limited.url);
    expectError(third, "TOO_MANY_REQUESTS", 429, "RATE_LIMITED");
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await mailCount(user.email)).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
describe("auth.requestPasswordReset and auth.resetPassword", () => {
  test("the same answer for a known and an unknown email; a mail only for the known one", async () => {
    const user = await createUser(t.sql);
    const unknownEmail = `ghost-${uniq("")}@example.test`;
    const known = await mutate("auth.requestPasswordReset", { email: user.email.toUpperCase() });
    const unknown = await mutate("auth.requestPasswordReset", { email: unknownEmail });
    expect(ok(known)).toEqual({ ok: true });
    expect({ status: unknown.status, body: unknown.body }).toEqual({ status: known.status, body: known.body });
    expect(await mailCount(user.email)).toBe(1);
    expect(await mailCount(unknownEmail)).toBe(0);
    const mail = await latestMail(user.email);
    expect(mail!.subject).toBe("Reset your VRSS password");
    // Suspended accounts get no mail either, with the same answer.
    const suspended = await createUser(t.sql, { status: "suspended" });
    expect(ok(await mutate("auth.requestPasswordReset", { email: suspended.email }))).toEqual({ ok: true });
    expect(await mailCount(suspended.email)).toBe(0);
    expectError(await mutate("auth.requestPasswordReset", { email: "nope" }), "BAD_REQUEST", 400, null, "email");
  });

  test("resetPassword sets the new password, revokes every session, and the token is single-use", async () => {
    const user = await createUser(t.sql);
    const s1 = await createSessionToken(t.sql, user.id);
    const s2 = await createSessionToken(t.sql, user.id);
    ok(await mutate("auth.requestPasswordReset", { email: user.email }));
    const token = tokenFrom((await latestMail(user.email))!.body_text, "reset-password");
    const weak = await mutate("auth.resetPassword", { token, newPassword: "weakpass" });
    expectError(weak, "BAD_REQUEST", 400, null, "newPassword");
    expect(ok(await mutate("auth.resetPassword", { token, newPassword: "R3setPassword" }))).toEqual({ ok: true });
    expectError(await query("auth.me", undefined, s1), "UNAUTHORIZED", 401);
    expectError(await query("auth.me", undefined, s2), "UNAUTHORIZED", 401);
    expect(await liveSessions(user.id)).toBe(0);
    expectError(await mutate("auth.login", { email: user.email, password: TEST_PASSWORD }), "UNAUTHORIZED", 401, "INVALID_CREDENTIALS");
    expect(ok(await mutate("auth.login", { email: user.email, password: "R3setPassword" })).user.id).toBe(user.id);
    const again = await mutate("auth.resetPassword", { token, newPassword: "An0therPassword" });
    expectError(again, "BAD_REQUEST", 400, "TOKEN_INVALID", "token");
    expect(ok(await mutate("auth.login", { email: user.email, password: "R3setPassword" })).user.id).toBe(user.id);
  });

  test("after a reset, the other unused reset links of that user stop working too", async () => {
    const user = await createUser(t.sql);
    const bystander = await createUser(t.sql);
    ok(await mutate("auth.requestPasswordReset", { email: user.email }));
    const older = tokenFrom((await latestMail(user.email))!.body_text, "reset-password");
    ok(await mutate("auth.requestPasswordReset", { email: user.email }));
    const newer = tokenFrom((await latestMail(user.email))!.body_text, "reset-password");
    ok(await mutate("auth.requestPasswordReset", { email: bystander.email }));
    const bystanderToken = tokenFrom((await latestMail(bystander.email))!.body_text, "reset-password");
    expect(newer).not.toBe(older);
    expect(ok(await mutate("auth.resetPassword", { token: newer, newPassword: "R3setPassword" }))).toEqual({ ok: true });
    expectError(await mutate("auth.resetPassword", { token: older, newPassword: "Att4ckerPassword" }), "BAD_REQUEST", 400, "TOKEN_INVALID");
    expect(ok(await mutate("auth.login", { email: user.email, password: "R3setPassword" })).user.id).toBe(user.id);
    // Someone else's link is untouched.
    expect(ok(await mutate("auth.resetPassword", { token: bystanderToken, newPassword: "Byst4nderPassword" }))).toEqual({ ok: true });
  });

  test("an expired reset token is TOKEN_INVALID and changes nothing", async () => {
    const user = await createUserWithToken(t.sql);
    ok(await mutate("auth.requestPasswordReset", { email: user.email }));
    const token = tokenFrom((await latestMail(user.email))!.body_text, "reset-password");
    await t.sql`UPDATE auth_tokens SET expires_at = NOW() - INTERVAL '1 second' WHERE user_id = ${user.id} AND purpose = 'reset_password'`;
    expectError(await mutate("auth.resetPassword", { token, newPassword: "R3setPassword" }), "BAD_REQUEST", 400, "TOKEN_INVALID", "token");
    expect(ok(await query("auth.me", undefined, user.token)).id).toBe(user.id);
    expect(ok(await mutate("auth.login", { email: user.email, password: TEST_PASSWORD })).user.id).toBe(user.id);
  });

  test("requestPasswordReset is rate limited per address", async () => {
    const limited = await startExtraServer({ RATE_LIMIT_MAIL_PER_TARGET: "2" });
    const user = await createUser(t.sql);
    for (let i = 0; i < 2; i++) ok(await mutate("auth.requestPasswordReset", { email: user.email }, undefined, undefined, limited.url));
    const third = await mutate("auth.requestPasswordReset", { email: user.email }, undefined, undefined, limited.url);
    expectError(third, "TOO_MANY_REQUESTS", 429, "RATE_LIMITED");
    expect(await mailCount(user.email)).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
describe("anonymous calls to authed procedures", () => {
  test("every authed auth/user/section procedure is UNAUTHORIZED without a session", async () => {
    const calls: [string, "GET" | "POST", unknown][] = [
      ["auth.logout", "POST", undefined],
      ["auth.logoutAll", "POST", undefined],
      ["auth.me", "GET", undefined],
      ["auth.changePassword", "POST", { currentPassword: TEST_PASSWORD, newPassword: "N3wPassword" }],
      ["auth.resendVerification", "POST", undefined],
      ["user.updateProfile", "POST", { bio: "x" }],
      ["user.updateBackground", "POST", { type: "color", value: "#000000" }],
      ["user.updateMusic", "POST", null],
      ["user.updateStyle", "POST", { primaryColor: "#ffffff" }],
      ["user.updateLayout", "POST", { sections: [] }],
      ["user.delete", "POST", { password: TEST_PASSWORD }],
      ["section.create", "POST", { type: "links", title: "x" }],
      ["section.update", "POST", { sectionId: "1", title: "x" }],
      ["section.delete", "POST", { sectionId: "1" }],
      ["section.reorder", "POST", { sectionIds: ["1"] }],
      ["section.addContent", "POST", { sectionId: "1", contentType: "text", content: "x" }],
      ["section.updateContent", "POST", { contentId: "1", title: "x" }],
      ["section.removeContent", "POST", { contentId: "1" }],
    ];
    for (const [path, method, input] of calls) {
      const res = await rpc(s.url, path, input, { method });
      expect({ path, status: res.status, code: res.body?.error?.data?.code, appCode: res.body?.error?.data?.appCode }).toEqual({
        path, status: 401, code: "UNAUTHORIZED", appCode: "SESSION_REQUIRED",
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe("the session cookie and CSRF", () => {
  test("register and login set an HttpOnly, SameSite=Lax, Path=/ cookie without Secure (test env) that authenticates", async () => {
    const reg = await register();
    for (const res of [reg.res, await mutate("auth.login", { email: reg.email, password: reg.password })]) {
      const cookies = res.headers.getSetCookie().filter((c) => c.startsWith("vrss_session="));
      expect(cookies).toHaveLength(1);
      const [pair, ...attrs] = cookies[0]!.split(";").map((p) => p.trim());
      expect(pair).toBe(`vrss_session=${res.body.result.data.token}`);
      const names = attrs.map((a) => a.split("=")[0]!.toLowerCase());
      expect(names).toContain("httponly");
      expect(attrs).toContain("SameSite=Lax");
      expect(attrs).toContain("Path=/");
      expect(attrs).toContain(`Max-Age=${30 * 86_400}`);
      expect(names).not.toContain("secure");
      expect(names).not.toContain("domain");
    }
    // The cookie alone authenticates a query.
    const me = await query("auth.me", undefined, undefined, cookieHeader(reg.token));
    expect(ok(me).id).toBe(reg.user.id);
  });

  test("a cookie-authenticated JSON mutation from a foreign Origin is FORBIDDEN CSRF and changes nothing", async () => {
    const user = await createUserWithToken(t.sql, { displayName: "Before" });
    const res = await mutate("user.updateProfile", { displayName: "Hacked" }, undefined, { ...cookieHeader(user.token), origin: "https://evil.example" });
    expectError(res, "FORBIDDEN", 403, "CSRF");
    const logout = await mutate("auth.logout", undefined, undefined, { ...cookieHeader(user.token), origin: "https://evil.example" });
    expectError(logout, "FORBIDDEN", 403, "CSRF");
    // A sandboxed or privacy-redirected request sends the literal origin "null".
    expectError(await mutate("user.updateProfile", { displayName: "Hacked" }, undefined, { ...cookieHeader(user.token), origin: "null" }), "FORBIDDEN", 403, "CSRF");
    // A look-alike of an allowed origin is not allowed.
    expectError(await mutate("user.updateProfile", { displayName: "Hacked" }, undefined, { ...cookieHeader(user.token), origin: "http://localhost:5173.evil.example" }), "FORBIDDEN", 403, "CSRF");
    const [row] = await t.sql`SELECT display_name FROM user_profiles WHERE user_id = ${user.id}`;
    expect(row!.display_name).toBe("Before");
    expect(await liveSessions(user.id)).toBe(1);
  });

  test("Sec-Fetch-Site: cross-site (or same-site) without Origin is refused; same-origin is accepted", async () => {
    const user = await createUserWithToken(t.sql, { displayName: "Before" });
    for (const site of ["cross-site", "same-site"]) {
      const res = await mutate("user.updateProfile", { displayName: "Hacked" }, undefined, { ...cookieHeader(user.token), "sec-fetch-site": site });
      expectError(res, "FORBIDDEN", 403, "CSRF");
    }
    const [row] = await t.sql`SELECT display_name FROM user_profiles WHERE user_id = ${user.id}`;
    expect(row!.display_name).toBe("Before");
    const same = await mutate("user.updateProfile", { displayName: "Same origin" }, undefined, { ...cookieHeader(user.token), "sec-fetch-site": "same-origin" });
    expect(ok(same).profile.displayName).toBe("Same origin");
  });

  test("a cookie-authenticated mutation from an allowed or the same origin is OK", async () => {
    const user = await createUserWithToken(t.sql);
    const allowed = await mutate("user.updateProfile", { bio: "from the SPA" }, undefined, { ...cookieHeader(user.token), origin: "http://localhost:5173" });
    expect(ok(allowed).profile.bio).toBe("from the SPA");
    const same = await mutate("user.updateProfile", { bio: "same origin" }, undefined, { ...cookieHeader(user.token), origin: s.url });
    expect(ok(same).profile.bio).toBe("same origin");
    const [row] = await t.sql`SELECT bio FROM user_profiles WHERE user_id = ${user.id}`;
    expect(row!.bio).toBe("same origin");
  });

  test("a Bearer-authenticated mutation with a foreign Origin is OK (browsers never attach it on their own)", async () => {
    const user = await createUserWithToken(t.sql);
    const res = await mutate("user.updateProfile", { bio: "bearer" }, user.token, { origin: "https://evil.example", "sec-fetch-site": "cross-site" });
    expect(ok(res).profile.bio).toBe("bearer");
  });

  test("a mutation cannot be triggered by a GET (no method override), cookie or not", async () => {
    const user = await createUserWithToken(t.sql, { displayName: "Before" });
    for (const [path, input] of [["user.updateProfile", { displayName: "Hacked" }], ["auth.logoutAll", undefined]] as const) {
      const res = await rpc(s.url, path, input, { method: "GET", headers: cookieHeader(user.token) });
      expect({ path, status: res.status, code: res.body?.error?.data?.code }).toEqual({ path, status: 405, code: "METHOD_NOT_SUPPORTED" });
    }
    const [row] = await t.sql`SELECT display_name FROM user_profiles WHERE user_id = ${user.id}`;
    expect(row!.display_name).toBe("Before");
    expect(await liveSessions(user.id)).toBe(1);
  });

  test("a stale cookie is just anonymous on a public query, and UNAUTHORIZED on an authed one", async () => {
    const user = await createUserWithToken(t.sql);
    const viewer = await createUser(t.sql);
    await t.sql`UPDATE sessions SET revoked_at = NOW() WHERE user_id = ${user.id}`;
    const got = ok(await query("user.get", { username: viewer.username }, undefined, cookieHeader(user.token)));
    expect(got.relation.isSelf).toBe(false);
    expect(ok(await query("user.get", { username: user.username }, undefined, cookieHeader(user.token))).relation.isSelf).toBe(false);
    expectError(await query("auth.me", undefined, undefined, cookieHeader(user.token)), "UNAUTHORIZED", 401, "SESSION_REQUIRED");
  });

  test("a cookie-authenticated cross-site query is allowed (reads have no side effects)", async () => {
    const user = await createUserWithToken(t.sql);
    const res = await query("auth.me", undefined, undefined, { ...cookieHeader(user.token), origin: "https://evil.example" });
    expect(ok(res).id).toBe(user.id);
  });

  test("cross-site form posts (multipart, urlencoded, text/plain) carrying the cookie are 403 before any procedure runs", async () => {
    const user = await createUserWithToken(t.sql, { displayName: "Before" });
    const form = new FormData();
    form.set("displayName", "Hacked");
    const bodies: { body: NonNullable<RequestInit["body"]>; contentType?: string }[] = [
      { body: form },
      { body: "displayName=Hacked", contentType: "application/x-www-form-urlencoded" },
      { body: JSON.stringify({ displayName: "Hacked" }), contentType: "text/plain" },
    ];
    const headerSets: Record<string, string>[] = [
      {},
      { origin: "https://evil.example" },
      { origin: "null" },
      { "sec-fetch-site": "cross-site" },
      { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    ];
    for (const { body, contentType } of bodies) {
      for (const extra of headerSets) {
        for (const path of ["user.updateProfile", "auth.logoutAll"]) {
          const headers: Record<string, string> = { ...cookieHeader(user.token), ...extra };
          if (contentType) headers["content-type"] = contentType;
          const res = await fetch(`${s.url}/api/rpc/${path}`, { method: "POST", headers, body });
          expect({ path, extra, contentType, status: res.status }).toEqual({ path, extra, contentType, status: 403 });
          expect(((await res.json()) as any).error.data).toMatchObject({ code: "FORBIDDEN", httpStatus: 403, appCode: "CSRF" });
        }
      }
    }
    const [row] = await t.sql`SELECT display_name FROM user_profiles WHERE user_id = ${user.id}`;
    expect(row!.display_name).toBe("Before");
    expect(await liveSessions(user.id)).toBe(1);
  });

  test("a cookieless POST with no body (curl, a Bearer client) gets typed answers, never the plain-text form-post refusal", async () => {
    const user = await createUserWithToken(t.sql);
    const setup = (headers: Record<string, string>) => rpc(s.url, "auth.totp.setup", undefined, { headers });
    // No content-type: tRPC's own typed 415 (the body would be read as JSON); with it, the procedure runs.
    const bare = await fetch(`${s.url}/api/rpc/auth.totp.setup`, { method: "POST", headers: { authorization: `Bearer ${user.token}` } });
    expect({ status: bare.status, code: ((await bare.json()) as any).error?.data?.code }).toEqual({ status: 415, code: "UNSUPPORTED_MEDIA_TYPE" });
    expect(ok(await setup({ authorization: `Bearer ${user.token}` })).uri).toStartWith("otpauth://totp/");
    expectError(await setup({}), "UNAUTHORIZED", 401, "SESSION_REQUIRED");
  });
});

// ---------------------------------------------------------------------------------------------
describe("login throttling", () => {
  const failLogin = (url: string, email: string, xff?: string, password = "Wr0ngPassword") =>
    rpc(url, "auth.login", { email, password }, { headers: xff ? { "x-forwarded-for": xff } : {} });

  function expectRateLimited(res: RpcResult) {
    expectError(res, "TOO_MANY_REQUESTS", 429, "RATE_LIMITED");
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(res.body.error.data.details).toEqual({ retryAfterSeconds: retryAfter });
  }

  test("TRUST_PROXY off: a rotating X-Forwarded-For is ignored, so the per-IP limit holds across accounts", async () => {
    const limited = await startExtraServer({ RATE_LIMIT_LOGIN_PER_IP: "4", RATE_LIMIT_LOGIN_PER_ACCOUNT: "100", RATE_LIMIT_LOGIN_WINDOW_SECONDS: "600" });
    const user = await createUser(t.sql);
    for (let i = 0; i < 4; i++) {
      expectError(await failLogin(limited.url, `nobody${i}-${uniq("")}@example.test`, `203.0.113.${i + 1}`), "UNAUTHORIZED", 401, "INVALID_CREDENTIALS");
    }
    expectRateLimited(await failLogin(limited.url, `nobody-x-${uniq("")}@example.test`, "198.51.100.77"));
    // Even the right password of another account is refused from this address now.
    expectRateLimited(await failLogin(limited.url, user.email, "198.51.100.78", TEST_PASSWORD));
    expect(await liveSessions(user.id)).toBe(0);
  });

  test("TRUST_PROXY off: the per-account limit stops a rotating X-Forwarded-For, even with the right password", async () => {
    const limited = await startExtraServer({ RATE_LIMIT_LOGIN_PER_IP: "1000", RATE_LIMIT_LOGIN_PER_ACCOUNT: "3", RATE_LIMIT_LOGIN_WINDOW_SECONDS: "600" });
    const user = await createUser(t.sql);
    for (let i = 0; i < 3; i++) {
      expectError(await failLogin(limited.url, user.email, `203.0.113.${i + 10}`), "UNAUTHORIZED", 401, "INVALID_CREDENTIALS");
    }
    expectRateLimited(await failLogin(limited.url, user.email.toUpperCase(), "203.0.113.50"));
    expectRateLimited(await failLogin(limited.url, user.email, "203.0.113.51", TEST_PASSWORD));
    expect(await liveSessions(user.id)).toBe(0);
    // Another account is unaffected.
    const other = await createUser(t.sql);
    expect(ok(await failLogin(limited.url, other.email, undefined, TEST_PASSWORD)).user.id).toBe(other.id);
  });

  test("a successful login forgets the account's earlier failures", async () => {
    const limited = await startExtraServer({ RATE_LIMIT_LOGIN_PER_IP: "1000", RATE_LIMIT_LOGIN_PER_ACCOUNT: "3" });
    const user = await createUser(t.sql);
    for (let i = 0; i < 2; i++) expectError(await failLogin(limited.url, user.email), "UNAUTHORIZED", 401);
    ok(await failLogin(limited.url, user.email, undefined, TEST_PASSWORD));
    for (let i = 0; i < 2; i++) expectError(await failLogin(limited.url, user.email), "UNAUTHORIZED", 401);
    ok(await failLogin(limited.url, user.email, undefined, TEST_PASSWORD));
  });

  test("TRUST_PROXY on: X-Forwarded-For is the client address, and the per-account limit still stops rotation", async () => {
    const limited = await startExtraServer({
      TRUST_PROXY: "true", RATE_LIMIT_LOGIN_PER_IP: "3", RATE_LIMIT_LOGIN_PER_ACCOUNT: "3", RATE_LIMIT_LOGIN_WINDOW_SECONDS: "600",
    });
    // Per-IP is keyed on the forwarded address (its last hop) now.
    for (let i = 0; i < 3; i++) {
      expectError(await failLogin(limited.url, `ip${i}-${uniq("")}@example.test`, "192.0.2.1, 10.9.9.9"), "UNAUTHORIZED", 401);
    }
    expectRateLimited(await failLogin(limited.url, `ip-x-${uniq("")}@example.test`, "192.0.2.2, 10.9.9.9"));
    expectError(await failLogin(limited.url, `ip-y-${uniq("")}@example.test`, "10.9.9.10"), "UNAUTHORIZED", 401);

    const user = await createUser(t.sql);
    for (let i = 0; i < 3; i++) {
      expectError(await failLogin(limited.url, user.email, `10.1.0.${i + 1}`), "UNAUTHORIZED", 401, "INVALID_CREDENTIALS");
    }
    expectRateLimited(await failLogin(limited.url, user.email, "10.1.0.200"));
    expectRateLimited(await failLogin(limited.url, user.email, "10.1.0.201", TEST_PASSWORD));
    expect(await liveSessions(user.id)).toBe(0);
  });

  test("each call inside one tRPC batch counts toward the limit", async () => {
    const limited = await startExtraServer({ RATE_LIMIT_LOGIN_PER_IP: "1000", RATE_LIMIT_LOGIN_PER_ACCOUNT: "3", RATE_LIMIT_LOGIN_WINDOW_SECONDS: "600" });
    const batch = async (email: string, n: number) => {
      const input = Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), { email, password: `Wr0ngPassword${i}` }]));
      const res = await fetch(`${limited.url}/api/rpc/${Array(n).fill("auth.login").join(",")}?batch=1`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(input),
      });
      const body = (await res.json()) as any[];
      expect(body).toHaveLength(n);
      return { res, codes: body.map((r) => r.error?.data?.code ?? "OK") };
    };

    const a = await createUser(t.sql);
    const first = await batch(a.email, 3);
    expect(first.codes).toEqual(["UNAUTHORIZED", "UNAUTHORIZED", "UNAUTHORIZED"]);
    expectRateLimited(await failLogin(limited.url, a.email, undefined, TEST_PASSWORD));

    const b = await createUser(t.sql);
    const second = await batch(b.email, 5);
    expect(second.codes.filter((c) => c === "UNAUTHORIZED")).toHaveLength(3);
    expect(second.codes.filter((c) => c === "TOO_MANY_REQUESTS")).toHaveLength(2);
    expect(Number(second.res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await liveSessions(b.id)).toBe(0);
  });
});
