// The caller's sessions over real HTTP: auth.sessions (live sessions, newest first, device label,
// current flag, lastSeenAt = the sliding renewal) and auth.revokeSession (one of one's own, at
// once: the token fails on the very next request, in this process and, over Redis, in another;
// someone else's or an unknown id is NOT_FOUND).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { env as processEnv } from "../../src/env";
import { deviceLabel } from "../../src/modules/auth/auth.sessions";
import type { RunningServer } from "../../src/server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { createUser, createUserWithToken, TEST_PASSWORD, type TestUser } from "../helpers/factories";
import { ok, rpc, type RpcResult, startTestServer } from "../helpers/server";
import { revokeSilently } from "../helpers/session-cache";

setDefaultTimeout(30_000); // see tests/setup.ts

let t: TestDatabase;
let s: RunningServer;
const extraServers: RunningServer[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  s = await startTestServer(t, { RATE_LIMIT_LOGIN_PER_IP: "10000", RATE_LIMIT_LOGIN_PER_ACCOUNT: "1000" });
}, 60_000);
afterAll(async () => {
  for (const extra of extraServers) await extra.stop();
  await s?.stop();
  await t?.close();
});

function expectError(res: RpcResult, code: string, status: number, appCode?: string | null, field?: string | null) {
  expect({ status: res.status, code: res.body?.error?.data?.code }).toEqual({ status, code });
  if (appCode !== undefined) expect(res.body.error.data.appCode).toBe(appCode);
  if (field !== undefined) expect(res.body.error.data.field).toBe(field);
}

const UA = {
  chromeLinux: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  firefoxWindows: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
  safariIphone: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
};

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const sessions = (token: string, url = s.url) => rpc(url, "auth.sessions", undefined, { method: "GET", token });
const revoke = (token: string, sessionId: string, url = s.url) => rpc(url, "auth.revokeSession", { sessionId }, { token });
const me = (token: string, url = s.url) => rpc(url, "auth.me", undefined, { method: "GET", token });

/** A real login (with a User-Agent): its token and its session id. */
async function signIn(u: TestUser, userAgent?: string): Promise<{ token: string; id: string }> {
  const data = ok(await rpc(s.url, "auth.login", { email: u.email, password: TEST_PASSWORD }, { headers: userAgent ? { "user-agent": userAgent } : {} }));
  return { token: data.token, id: await sessionIdOf(data.token) };
}
async function sessionIdOf(token: string): Promise<string> {
  const [row] = await t.sql<{ id: string }[]>`SELECT id::text AS id FROM sessions WHERE token_hash = ${sha256(token)}`;
  return row!.id;
}

// ---------------------------------------------------------------------------------------------
describe("auth.sessions", () => {
  test("lists the caller's live sessions, newest first, with device, address, times and the current flag", async () => {
    const u = await createUser(t.sql);
    const chrome = await signIn(u, UA.chromeLinux);
    const firefox = await signIn(u, UA.firefoxWindows);
    const iphone = await signIn(u, UA.safariIphone);
    const loggedOut = await signIn(u, UA.chromeLinux);
    ok(await rpc(s.url, "auth.logout", undefined, { token: loggedOut.token }));
    const expired = await signIn(u, UA.chromeLinux);
    await t.sql`UPDATE sessions SET expires_at = NOW() - INTERVAL '1 second' WHERE id = ${expired.id}`;
    const stranger = await createUserWithToken(t.sql); // someone else's session never shows

    const res = await sessions(firefox.token);
    const { items } = ok(res);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(items.map((i: any) => i.id)).toEqual([iphone.id, firefox.id, chrome.id]);
    expect(items.map((i: any) => i.current)).toEqual([false, true, false]);
    expect(items.map((i: any) => i.device)).toEqual(["Safari on iOS", "Firefox on Windows", "Chrome on Linux"]);
    const [row] = await t.sql<{ created_at: string; last_seen_at: string; expires_at: string }[]>`
      SELECT created_at, last_seen_at, expires_at FROM sessions WHERE id = ${chrome.id}`;
    expect(items[2]).toEqual({
      id: chrome.id,
      userAgent: UA.chromeLinux,
      device: "Chrome on Linux",
      ipAddress: "127.0.0.1",
      createdAt: new Date(row!.created_at).toISOString(),
      lastSeenAt: new Date(row!.last_seen_at).toISOString(),
      expiresAt: new Date(row!.expires_at).toISOString(),
      current: false,
    });
    expect(Date.parse(items[0].createdAt)).toBeGreaterThanOrEqual(Date.parse(items[1].createdAt));
    expect(Date.parse(items[1].createdAt)).toBeGreaterThanOrEqual(Date.parse(items[2].createdAt));
    expect(ok(await sessions(stranger.token)).items.map((i: any) => i.id)).toEqual([await sessionIdOf(stranger.token)]);
  });

  test("a session without a User-Agent has null userAgent and device", async () => {
    const u = await createUserWithToken(t.sql); // inserted without one
    const { items } = ok(await sessions(u.token));
    expect(items).toEqual([expect.objectContaining({ userAgent: null, device: null, ipAddress: null, current: true })]);
  });

  test("lastSeenAt is the sliding renewal: a request renews it once RENEW_AFTER_SECONDS have passed, an idle session keeps its old value", async () => {
    const u = await createUser(t.sql);
    const idle = await signIn(u, UA.chromeLinux);
    const active = await signIn(u, UA.firefoxWindows);
    await t.sql`UPDATE sessions SET last_seen_at = NOW() - INTERVAL '10 minutes' WHERE id IN (${idle.id}, ${active.id})`;
    const { items } = ok(await sessions(active.token)); // never seen by this process: its row is read and renewed
    const byId = new Map(items.map((i: any) => [i.id, i]));
    expect(Math.abs(Date.parse((byId.get(active.id) as any).lastSeenAt) - Date.now())).toBeLessThan(10_000);
    const idleSeen = Date.parse((byId.get(idle.id) as any).lastSeenAt);
    expect(Date.now() - idleSeen).toBeGreaterThan(9 * 60_000);
    expect(Date.now() - idleSeen).toBeLessThan(11 * 60_000);
  });

  test("needs a session", async () => {
    expectError(await rpc(s.url, "auth.sessions", undefined, { method: "GET" }), "UNAUTHORIZED", 401, "SESSION_REQUIRED");
    expectError(await rpc(s.url, "auth.revokeSession", { sessionId: "1" }), "UNAUTHORIZED", 401, "SESSION_REQUIRED");
  });
});

// ---------------------------------------------------------------------------------------------
describe("auth.revokeSession", () => {
  test("revoking another of one's sessions: its token fails on the very next request (even while cached); the caller stays", async () => {
    const u = await createUser(t.sql);
    const laptop = await signIn(u, UA.chromeLinux);
    const phone = await signIn(u, UA.safariIphone);
    // The phone's session is now in this process's cache.
    for (let i = 0; i < 2; i++) expect((await me(phone.token)).status).toBe(200);
    const res = await revoke(laptop.token, phone.id);
    expect(ok(res)).toEqual({ ok: true });
    expect(res.headers.get("set-cookie")).toBeNull();
    const next = await me(phone.token);
    expectError(next, "UNAUTHORIZED", 401, "SESSION_INVALID");
    expect((await me(laptop.token)).status).toBe(200);
    expect(ok(await sessions(laptop.token)).items.map((i: any) => i.id)).toEqual([laptop.id]);
    const [row] = await t.sql`SELECT revoked_at FROM sessions WHERE id = ${phone.id}`;
    expect(row!.revoked_at).not.toBeNull();
    // Already revoked: NOT_FOUND.
    expectError(await revoke(laptop.token, phone.id), "NOT_FOUND", 404, null, "sessionId");
  });

  test("revoking the current session signs it out and clears the cookie", async () => {
    const u = await createUser(t.sql);
    const current = await signIn(u);
    const res = await revoke(current.token, current.id);
    expect(ok(res)).toEqual({ ok: true });
    expect(res.headers.get("set-cookie")).toMatch(/^vrss_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax$/);
    expectError(await me(current.token), "UNAUTHORIZED", 401, "SESSION_INVALID");
  });

  test("someone else's session, an unknown or an expired id is NOT_FOUND, and nothing is revoked; a malformed id is BAD_REQUEST", async () => {
    const a = await createUserWithToken(t.sql);
    const b = await createUserWithToken(t.sql);
    const theirs = await sessionIdOf(b.token);
    const notFound = await revoke(a.token, theirs);
    expectError(notFound, "NOT_FOUND", 404, null, "sessionId");
    expect((await me(b.token)).status).toBe(200);
    const unknown = await revoke(a.token, "9000000000000000000");
    expect({ status: unknown.status, message: unknown.body.error.message }).toEqual({ status: notFound.status, message: notFound.body.error.message });
    const expired = await signIn(a);
    await t.sql`UPDATE sessions SET expires_at = NOW() - INTERVAL '1 second' WHERE id = ${expired.id}`;
    expectError(await revoke(a.token, expired.id), "NOT_FOUND", 404);
    for (const sessionId of ["abc", "0", "-1", "1.5", ""]) expectError(await revoke(a.token, sessionId), "BAD_REQUEST", 400, null, "sessionId");
    expectError(await rpc(s.url, "auth.revokeSession", { sessionId: theirs, userId: b.id }, { token: a.token }), "BAD_REQUEST", 400, null, "userId");
    const [row] = await t.sql`SELECT revoked_at FROM sessions WHERE id = ${theirs}`;
    expect(row!.revoked_at).toBeNull();
  });

  // Two servers on one database and one Redis (the same key prefix): a revocation through this
  // one holds on the very next request through the other, which had the session cached.
  test.skipIf(!processEnv.TEST_REDIS_URL)("revoking through one process: the very next request through another is UNAUTHORIZED", async () => {
    const other = await startTestServer(t, { RATE_LIMIT_LOGIN_PER_IP: "10000", REDIS_KEY_PREFIX: s.deps.env.REDIS_KEY_PREFIX });
    extraServers.push(other);
    const deadline = Date.now() + 15_000;
    while (!(s.deps.sessions.stats().serving && other.deps.sessions.stats().serving)) {
      if (Date.now() > deadline) throw new Error("the session caches never served");
      await Bun.sleep(50);
    }
    // Conclusive once a witness — cached by the other process, revoked behind its back — is still
    // served afterwards: the other process's cache was live throughout, so only the message refused the token.
    for (let attempt = 0; ; attempt++) {
      const u = await createUser(t.sql);
      const laptop = await signIn(u, UA.chromeLinux);
      const phone = await signIn(u, UA.safariIphone);
      const witness = await createUserWithToken(t.sql);
      for (const token of [phone.token, witness.token]) expect((await me(token, other.url)).status).toBe(200);
      await revokeSilently(t.sql, witness.token);
      ok(await revoke(laptop.token, phone.id));
      expectError(await me(phone.token, other.url), "UNAUTHORIZED", 401, "SESSION_INVALID");
      if ((await me(witness.token, other.url)).status === 200) break;
      if (attempt >= 4) throw new Error("the other process's cache never stayed live through a run");
    }
  });
});

describe("device labels", () => {
  test("browser on system, from the User-Agent", () => {
    const cases: [string | null, string | null][] = [
      [UA.chromeLinux, "Chrome on Linux"],
      [UA.firefoxWindows, "Firefox on Windows"],
      [UA.safariIphone, "Safari on iOS"],
      ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari on macOS"],
      ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows"],
      ["Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome on Android"],
      ["Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1", "Chrome on iPadOS"],
      ["Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on ChromeOS"],
      ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/114.0.0.0", "Opera on Windows"],
      ["curl/8.5.0", "curl"],
      ["Bun/1.4.5", "Bun"],
      ["SomethingElse/1.0", "Unknown device"],
      ["", null],
      [null, null],
    ];
    for (const [ua, label] of cases) expect({ ua, label: deviceLabel(ua) }).toEqual({ ua, label });
  });
});
