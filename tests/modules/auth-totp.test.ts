// Two-factor sign-in over real HTTP against a real server and database: auth.totp.setup / confirm /
// status / disable / regenerateRecoveryCodes, auth.login answering a challenge for an account with
// TOTP and auth.loginMfa completing it. Codes are computed here with otpauth from the secret setup
// answered, by 30 s step: a code's step is what replay protection compares.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import { DEVELOPMENT_TOTP_ENCRYPTION_KEY } from "../../src/env";
import { purgeAuthLeftoversJob } from "../../src/jobs/account-jobs";
import { MFA_ATTEMPTS } from "../../src/lib/rate-limit";
import { MFA_CHALLENGE_TTL_SECONDS } from "../../src/modules/auth/auth.mfa";
import { decodeTotpKey, decryptTotpSecret, totpKeyId, totpKeyring } from "../../src/modules/auth/totp-crypto";
import type { RunningServer } from "../../src/server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { createUserWithToken, TEST_PASSWORD, type TestUser } from "../helpers/factories";
import { ok, rpc, type RpcResult, startTestServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

let t: TestDatabase;
let s: RunningServer;

beforeAll(async () => {
  t = await createTestDatabase();
  // Every login and loginMfa of this file comes from 127.0.0.1: the per-IP budget must not be the limit.
  s = await startTestServer(t, { RATE_LIMIT_LOGIN_PER_IP: "10000", RATE_LIMIT_MAIL_PER_TARGET: "100" });
}, 60_000);
afterAll(async () => {
  await s?.stop();
  await t?.close();
});

type Authed = TestUser & { token: string };

const mutate = (path: string, input?: unknown, token?: string, headers?: Record<string, string>) => rpc(s.url, path, input, { token, headers });
const query = (path: string, input?: unknown, token?: string) => rpc(s.url, path, input, { method: "GET", token });

function expectError(res: RpcResult, code: string, status: number, appCode?: string | null, field?: string | null) {
  expect({ status: res.status, code: res.body?.error?.data?.code }).toEqual({ status, code });
  if (appCode !== undefined) expect(res.body.error.data.appCode).toBe(appCode);
  if (field !== undefined) expect(res.body.error.data.field).toBe(field);
}

const PERIOD_MS = 30_000;
const stepNow = () => Math.floor(Date.now() / PERIOD_MS);
/** The code of a 30 s step (the server accepts the current step ±1, each step once). */
const codeAt = (secret: string, step: number) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: step * PERIOD_MS + 1 });
/** Waits, when needed, until at least `ms` of the current step remain: for checks that must not straddle a step boundary. */
async function freshStep(ms = 5_000) {
  const left = PERIOD_MS - (Date.now() % PERIOD_MS);
  if (left < ms) await Bun.sleep(left + 50);
}
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const RECOVERY_FORMAT = /^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/;

const user = (): Promise<Authed> => createUserWithToken(t.sql);
const login = (u: TestUser, password = TEST_PASSWORD) => mutate("auth.login", { email: u.email, password });

/** setup + confirm with the current step's code: the account now signs in with a second factor. */
async function enable(u: Authed) {
  const { secret } = ok(await mutate("auth.totp.setup", undefined, u.token));
  const step = stepNow();
  const { recoveryCodes } = ok(await mutate("auth.totp.confirm", { code: codeAt(secret, step) }, u.token));
  return { secret: secret as string, step, recoveryCodes: recoveryCodes as string[] };
}

/** auth.login's challenge for an account with TOTP. */
async function challengeOf(u: TestUser): Promise<string> {
  const data = ok(await login(u));
  expect(data.mfaRequired).toBe(true);
  return data.challenge;
}

async function liveSessions(userId: string): Promise<number> {
  return (await t.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM sessions WHERE user_id = ${userId} AND revoked_at IS NULL AND expires_at > NOW()`)[0]!.n;
}

// ---------------------------------------------------------------------------------------------
describe("auth.totp.setup and confirm", () => {
  test("setup answers a base32 secret and its otpauth:// URI; nothing is active until confirmed", async () => {
    const u = await user();
    const setup = ok(await mutate("auth.totp.setup", undefined, u.token));
    expect(Object.keys(setup).sort()).toEqual(["secret", "uri"]);
    expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/); // 20 bytes
    const uri = new URL(setup.uri);
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.host).toBe("totp");
    expect(decodeURIComponent(uri.pathname)).toBe(`/VRSS:${u.username}`);
    expect(Object.fromEntries(uri.searchParams)).toEqual({ issuer: "VRSS", secret: setup.secret, algorithm: "SHA1", digits: "6", period: "30" });
    expect(ok(await query("auth.totp.status", undefined, u.token))).toEqual({ enabled: false, pending: true, enabledAt: null, recoveryCodesLeft: 0 });
    // Unconfirmed: login is a plain session.
    const plain = ok(await login(u));
    expect(plain.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(plain.mfaRequired).toBeUndefined();
    // A second setup replaces the pending secret: the first one's codes no longer confirm.
    const again = ok(await mutate("auth.totp.setup", undefined, u.token));
    expect(again.secret).not.toBe(setup.secret);
    await freshStep();
    expectError(await mutate("auth.totp.confirm", { code: codeAt(setup.secret, stepNow()) }, u.token), "BAD_REQUEST", 400, "INVALID_CODE", "code");
    expect(ok(await mutate("auth.totp.confirm", { code: codeAt(again.secret, stepNow()) }, u.token)).recoveryCodes).toHaveLength(10);
  });

  test("confirm: a wrong code is BAD_REQUEST INVALID_CODE; the right one activates it and answers ten recovery codes, stored hashed", async () => {
    const u = await user();
    expectError(await mutate("auth.totp.confirm", { code: "123456" }, u.token), "BAD_REQUEST", 400, "TOTP_SETUP_REQUIRED");
    const { secret } = ok(await mutate("auth.totp.setup", undefined, u.token));
    const step = stepNow();
    const wrong = String((Number(codeAt(secret, step)) + 1) % 1_000_000).padStart(6, "0");
    expectError(await mutate("auth.totp.confirm", { code: wrong }, u.token), "BAD_REQUEST", 400, "INVALID_CODE", "code");
    expectError(await mutate("auth.totp.confirm", { code: "not a code" }, u.token), "BAD_REQUEST", 400, "INVALID_CODE", "code");
    expect(ok(await query("auth.totp.status", undefined, u.token)).enabled).toBe(false);

    const code = codeAt(secret, step);
    const res = await mutate("auth.totp.confirm", { code: `${code.slice(0, 3)} ${code.slice(3)}` }, u.token);
    const { recoveryCodes } = ok(res);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const rc of recoveryCodes) expect(rc).toMatch(RECOVERY_FORMAT);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const status = ok(await query("auth.totp.status", undefined, u.token));
    expect(status).toEqual({ enabled: true, pending: false, enabledAt: expect.any(String), recoveryCodesLeft: 10 });

    const rows = await t.sql<{ code_hash: string; used_at: string | null }[]>`SELECT code_hash, used_at FROM user_recovery_codes WHERE user_id = ${u.id}`;
    expect(rows.map((r) => r.code_hash).sort()).toEqual(recoveryCodes.map((rc: string) => sha256(rc.replace(/-/g, "").toUpperCase())).sort());
    expect(rows.every((r) => r.used_at === null)).toBe(true);
    const dump = JSON.stringify(await t.sql`SELECT * FROM user_recovery_codes WHERE user_id = ${u.id}`);
    for (const rc of recoveryCodes) {
      expect(dump).not.toContain(rc);
      expect(dump.toUpperCase()).not.toContain(rc.replace(/-/g, "").toUpperCase());
    }

    // Active now: confirming again, or a new setup, is CONFLICT.
    expectError(await mutate("auth.totp.confirm", { code: codeAt(secret, step + 1) }, u.token), "CONFLICT", 409, "TOTP_ALREADY_ENABLED");
    expectError(await mutate("auth.totp.setup", undefined, u.token), "CONFLICT", 409, "TOTP_ALREADY_ENABLED");
  });

  test("the stored secret is AES-256-GCM ciphertext under TOTP_ENCRYPTION_KEY, bound to its account, never the plaintext", async () => {
    const u = await user();
    const { secret } = ok(await mutate("auth.totp.setup", undefined, u.token));
    const [row] = await t.sql<{ hex: string; key_id: string }[]>`
      SELECT encode(secret_ciphertext, 'hex') AS hex, key_id FROM user_totp WHERE user_id = ${u.id}`;
    const plain = Buffer.from(Secret.fromBase32(secret).bytes);
    const stored = Buffer.from(row!.hex, "hex");
    expect(stored.length).toBe(12 + 16 + plain.length); // IV ‖ tag ‖ ciphertext
    expect(stored.includes(plain)).toBe(false);
    expect(stored.toString("latin1")).not.toContain(secret);
    expect(row!.hex).not.toContain(plain.toString("hex"));
    const dump = JSON.stringify(await t.sql`SELECT *, encode(secret_ciphertext, 'escape') AS text FROM user_totp WHERE user_id = ${u.id}`);
    expect(dump).not.toContain(secret);
    // The test server runs without TOTP_ENCRYPTION_KEY: the development key; key_id is its fingerprint.
    expect(s.deps.env.TOTP_ENCRYPTION_KEY).toBe(DEVELOPMENT_TOTP_ENCRYPTION_KEY);
    expect(row!.key_id).toBe(totpKeyId(decodeTotpKey(DEVELOPMENT_TOTP_ENCRYPTION_KEY)));
    const ring = totpKeyring(s.deps.env);
    expect(decryptTotpSecret(ring, u.id, row!.key_id, stored).equals(plain)).toBe(true);
    // Bound to the row: the same ciphertext on another account does not decrypt.
    expect(() => decryptTotpSecret(ring, String(Number(u.id) + 1), row!.key_id, stored)).toThrow();
    // Two setups never share an IV.
    ok(await mutate("auth.totp.setup", undefined, u.token));
    const [again] = await t.sql<{ hex: string }[]>`SELECT encode(secret_ciphertext, 'hex') AS hex FROM user_totp WHERE user_id = ${u.id}`;
    expect(again!.hex.slice(0, 24)).not.toBe(row!.hex.slice(0, 24));
  });

  test("every auth.totp procedure needs a session", async () => {
    expectError(await mutate("auth.totp.setup"), "UNAUTHORIZED", 401, "SESSION_REQUIRED");
    expectError(await mutate("auth.totp.confirm", { code: "123456" }), "UNAUTHORIZED", 401, "SESSION_REQUIRED");
    expectError(await mutate("auth.totp.disable", { password: TEST_PASSWORD, code: "123456" }), "UNAUTHORIZED", 401, "SESSION_REQUIRED");
    expectError(await mutate("auth.totp.regenerateRecoveryCodes", { code: "123456" }), "UNAUTHORIZED", 401, "SESSION_REQUIRED");
    expectError(await query("auth.totp.status"), "UNAUTHORIZED", 401, "SESSION_REQUIRED");
  });
});

// ---------------------------------------------------------------------------------------------
describe("auth.login and auth.loginMfa", () => {
  test("an account with TOTP: login answers { mfaRequired, challenge } with no cookie and no session; loginMfa signs in like login", async () => {
    const u = await user();
    const { secret, step } = await enable(u);
    await t.sql`UPDATE users SET last_login_at = '2001-01-01T00:00:00Z' WHERE id = ${u.id}`;
    const sessionsBefore = await liveSessions(u.id);
    const res = await login(u);
    const data = ok(res);
    expect(Object.keys(data).sort()).toEqual(["challenge", "expiresAt", "mfaRequired"]);
    expect(data.mfaRequired).toBe(true);
    expect(data.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const ttl = Date.parse(data.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan((MFA_CHALLENGE_TTL_SECONDS - 30) * 1000);
    expect(ttl).toBeLessThanOrEqual(MFA_CHALLENGE_TTL_SECONDS * 1000 + 1000);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await liveSessions(u.id)).toBe(sessionsBefore);
    const [challengeRow] = await t.sql<{ token_hash: string; user_id: string }[]>`SELECT token_hash, user_id FROM mfa_challenges WHERE user_id = ${u.id}`;
    expect(challengeRow).toEqual({ token_hash: sha256(data.challenge), user_id: u.id }); // only its hash is stored
    const [{ last_login_at: notYet }] = await t.sql`SELECT last_login_at FROM users WHERE id = ${u.id}` as any;
    expect(new Date(notYet).getUTCFullYear()).toBe(2001);

    // The next step's code (the confirming one's step is spent).
    const done = await mutate("auth.loginMfa", { challenge: data.challenge, code: codeAt(secret, step + 1) }, undefined, { "user-agent": "totp-test/1" });
    const session = ok(done);
    expect(Object.keys(session).sort()).toEqual(["expiresAt", "token", "user"]);
    expect(session.user).toMatchObject({ id: u.id, username: u.username, email: u.email });
    expect(done.headers.get("set-cookie")).toMatch(new RegExp(`^vrss_session=${session.token}; Max-Age=2592000; Path=/; HttpOnly; SameSite=Lax$`));
    expect(ok(await query("auth.me", undefined, session.token)).id).toBe(u.id);
    expect(await liveSessions(u.id)).toBe(sessionsBefore + 1);
    const [row] = await t.sql<{ user_agent: string }[]>`SELECT user_agent FROM sessions WHERE token_hash = ${sha256(session.token)}`;
    expect(row!.user_agent).toBe("totp-test/1");
    const [{ last_login_at: now }] = await t.sql`SELECT last_login_at FROM users WHERE id = ${u.id}` as any;
    expect(Math.abs(new Date(now).getTime() - Date.now())).toBeLessThan(10_000);
  });

  test("accounts without TOTP: login's answer is unchanged ({ token, expiresAt, user } and the cookie)", async () => {
    const u = await user();
    const res = await login(u);
    const data = ok(res);
    expect(Object.keys(data).sort()).toEqual(["expiresAt", "token", "user"]);
    expect(res.headers.get("set-cookie")).toContain(`vrss_session=${data.token}`);
  });

  test("a wrong password is still INVALID_CREDENTIALS (no challenge), and login's limits still apply", async () => {
    const u = await user();
    await enable(u);
    const res = await login(u, "Wr0ngPassword");
    expectError(res, "UNAUTHORIZED", 401, "INVALID_CREDENTIALS");
    expect(await t.sql`SELECT 1 FROM mfa_challenges WHERE user_id = ${u.id}`).toHaveLength(0);
  });

  test("a wrong code is UNAUTHORIZED INVALID_CODE and leaves the challenge usable; a replayed code (same or older step) is refused", async () => {
    await freshStep(12_000); // "two steps ahead" below must stay two steps ahead
    const u = await user();
    const { secret, step } = await enable(u);
    const challenge = await challengeOf(u);
    const wrong = String((Number(codeAt(secret, step + 1)) + 1) % 1_000_000).padStart(6, "0");
    expectError(await mutate("auth.loginMfa", { challenge, code: wrong }), "UNAUTHORIZED", 401, "INVALID_CODE", "code");
    // The confirming code, again: the same step is spent.
    expectError(await mutate("auth.loginMfa", { challenge, code: codeAt(secret, step) }), "UNAUTHORIZED", 401, "INVALID_CODE", "code");
    // Two steps ahead is outside the window.
    expectError(await mutate("auth.loginMfa", { challenge, code: codeAt(secret, step + 2) }), "UNAUTHORIZED", 401, "INVALID_CODE", "code");
    // Still the same challenge: the next step's code signs in.
    expect(ok(await mutate("auth.loginMfa", { challenge, code: codeAt(secret, step + 1) })).user.id).toBe(u.id);
    // That code again, on a new challenge: replayed.
    const next = await challengeOf(u);
    expectError(await mutate("auth.loginMfa", { challenge: next, code: codeAt(secret, step + 1) }), "UNAUTHORIZED", 401, "INVALID_CODE");
    const [{ last_used_step }] = await t.sql`SELECT last_used_step FROM user_totp WHERE user_id = ${u.id}` as any;
    expect(Number(last_used_step)).toBe(step + 1);
  });

  test("the same code sent twice at once signs in once (the step is taken in one conditional UPDATE)", async () => {
    const u = await user();
    const { secret, step, recoveryCodes } = await enable(u);
    const [a, b] = [await challengeOf(u), await challengeOf(u)];
    const code = codeAt(secret, step + 1);
    const results = await Promise.all([a, b].map((challenge) => mutate("auth.loginMfa", { challenge, code })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    expect(results.find((r) => r.status === 401)!.body.error.data.appCode).toBe("INVALID_CODE");
    // Likewise a recovery code.
    const [c, d] = [await challengeOf(u), await challengeOf(u)];
    const again = await Promise.all([c, d].map((challenge) => mutate("auth.loginMfa", { challenge, code: recoveryCodes[0] })));
    expect(again.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  test("codes of the previous step are accepted (window 1)", async () => {
    await freshStep();
    const u = await user();
    const { secret } = ok(await mutate("auth.totp.setup", undefined, u.token));
    const step = stepNow();
    ok(await mutate("auth.totp.confirm", { code: codeAt(secret, step - 1) }, u.token));
    expect(ok(await mutate("auth.loginMfa", { challenge: await challengeOf(u), code: codeAt(secret, step) })).user.id).toBe(u.id);
  });

  test("recovery codes: each signs in once (any case, dashes optional), then is INVALID_CODE", async () => {
    const u = await user();
    const { recoveryCodes } = await enable(u);
    const [first, second] = recoveryCodes as [string, string];
    expect(ok(await mutate("auth.loginMfa", { challenge: await challengeOf(u), code: first.replace(/-/g, "").toUpperCase() })).user.id).toBe(u.id);
    expectError(await mutate("auth.loginMfa", { challenge: await challengeOf(u), code: first }), "UNAUTHORIZED", 401, "INVALID_CODE");
    expect(ok(await mutate("auth.loginMfa", { challenge: await challengeOf(u), code: ` ${second} ` })).user.id).toBe(u.id);
    expect(ok(await query("auth.totp.status", undefined, u.token)).recoveryCodesLeft).toBe(8);
    // Someone else's recovery code is not one of this account's.
    const other = await user();
    const { recoveryCodes: theirs } = await enable(other);
    expectError(await mutate("auth.loginMfa", { challenge: await challengeOf(u), code: theirs[0] }), "UNAUTHORIZED", 401, "INVALID_CODE");
  });

  test("the challenge is single use, expires, and is bound to its account", async () => {
    const u = await user();
    const { recoveryCodes } = await enable(u);
    const challenge = await challengeOf(u);
    ok(await mutate("auth.loginMfa", { challenge, code: recoveryCodes[0] }));
    expectError(await mutate("auth.loginMfa", { challenge, code: recoveryCodes[1] }), "UNAUTHORIZED", 401, "MFA_CHALLENGE_INVALID", "challenge");

    const expiring = await challengeOf(u);
    await t.sql`UPDATE mfa_challenges SET expires_at = NOW() - INTERVAL '1 second' WHERE token_hash = ${sha256(expiring)}`;
    expectError(await mutate("auth.loginMfa", { challenge: expiring, code: recoveryCodes[1] }), "UNAUTHORIZED", 401, "MFA_CHALLENGE_INVALID");
    expectError(await mutate("auth.loginMfa", { challenge: "x".repeat(43), code: recoveryCodes[1] }), "UNAUTHORIZED", 401, "MFA_CHALLENGE_INVALID");
    // Nothing was spent by those refusals.
    expect(ok(await query("auth.totp.status", undefined, u.token)).recoveryCodesLeft).toBe(9);

    // Another account's challenge does not take this account's code.
    const other = await user();
    await enable(other);
    expectError(await mutate("auth.loginMfa", { challenge: await challengeOf(other), code: recoveryCodes[1] }), "UNAUTHORIZED", 401, "INVALID_CODE");
  });

  test("input validation: challenge and code are required, unknown keys refused", async () => {
    expectError(await mutate("auth.loginMfa", { challenge: "x".repeat(43) }), "BAD_REQUEST", 400, null, "code");
    expectError(await mutate("auth.loginMfa", { code: "123456" }), "BAD_REQUEST", 400, null, "challenge");
    expectError(await mutate("auth.loginMfa", { challenge: "short", code: "123456" }), "BAD_REQUEST", 400, null, "challenge");
    expectError(await mutate("auth.loginMfa", { challenge: "x".repeat(43), code: "123456", userId: "1" }), "BAD_REQUEST", 400, null, "userId");
  });

  test("an account suspended between the two steps is FORBIDDEN ACCOUNT_SUSPENDED, and the challenge is not spent", async () => {
    const u = await user();
    const { recoveryCodes } = await enable(u);
    const challenge = await challengeOf(u);
    await t.sql`UPDATE users SET status = 'suspended' WHERE id = ${u.id}`;
    expectError(await mutate("auth.loginMfa", { challenge, code: recoveryCodes[0] }), "FORBIDDEN", 403, "ACCOUNT_SUSPENDED");
    const [row] = await t.sql`SELECT used_at FROM mfa_challenges WHERE token_hash = ${sha256(challenge)}`;
    expect(row!.used_at).toBeNull();
    const [code] = await t.sql`SELECT count(*)::int AS n FROM user_recovery_codes WHERE user_id = ${u.id} AND used_at IS NOT NULL`;
    expect(code!.n).toBe(0);
  });

  test(`rate limit: after ${MFA_ATTEMPTS} wrong codes the account gets TOO_MANY_REQUESTS, even with the right code and on auth.totp.*`, async () => {
    const u = await user();
    const { recoveryCodes } = await enable(u);
    const challenge = await challengeOf(u);
    for (let i = 0; i < MFA_ATTEMPTS; i++) {
      expectError(await mutate("auth.loginMfa", { challenge, code: "000000" }), "UNAUTHORIZED", 401, "INVALID_CODE");
    }
    const limited = await mutate("auth.loginMfa", { challenge, code: recoveryCodes[0] });
    expectError(limited, "TOO_MANY_REQUESTS", 429, "RATE_LIMITED");
    expect(limited.body.error.data.details.retryAfterSeconds).toBeGreaterThan(0);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // A new challenge does not help, nor do the authed checks: one budget per account.
    expectError(await mutate("auth.loginMfa", { challenge: await challengeOf(u), code: recoveryCodes[0] }), "TOO_MANY_REQUESTS", 429, "RATE_LIMITED");
    expectError(await mutate("auth.totp.regenerateRecoveryCodes", { code: recoveryCodes[0] }, u.token), "TOO_MANY_REQUESTS", 429, "RATE_LIMITED");
    expectError(await mutate("auth.totp.disable", { password: TEST_PASSWORD, code: recoveryCodes[0] }, u.token), "TOO_MANY_REQUESTS", 429, "RATE_LIMITED");
    // Nothing was spent while limited.
    expect(ok(await query("auth.totp.status", undefined, u.token))).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });
    // Another account is not affected.
    const other = await user();
    const { recoveryCodes: theirs } = await enable(other);
    expect(ok(await mutate("auth.loginMfa", { challenge: await challengeOf(other), code: theirs[0] })).user.id).toBe(other.id);
  });

  test("a successful code clears the account's failed attempts", async () => {
    const u = await user();
    const { recoveryCodes } = await enable(u);
    for (let i = 0; i < MFA_ATTEMPTS - 1; i++) {
      expectError(await mutate("auth.loginMfa", { challenge: await challengeOf(u), code: "000000" }), "UNAUTHORIZED", 401, "INVALID_CODE");
    }
    ok(await mutate("auth.loginMfa", { challenge: await challengeOf(u), code: recoveryCodes[0] }));
    for (let i = 0; i < MFA_ATTEMPTS - 1; i++) {
      expectError(await mutate("auth.loginMfa", { challenge: await challengeOf(u), code: "000000" }), "UNAUTHORIZED", 401, "INVALID_CODE");
    }
    expect(ok(await mutate("auth.loginMfa", { challenge: await challengeOf(u), code: recoveryCodes[1] })).user.id).toBe(u.id);
  });
});

// ---------------------------------------------------------------------------------------------
describe("auth.totp.disable and regenerateRecoveryCodes", () => {
  test("disable: a wrong password is FORBIDDEN WRONG_PASSWORD, a wrong code INVALID_CODE, nothing changes; password + code turn it off", async () => {
    const u = await user();
    const { secret, step, recoveryCodes } = await enable(u);
    expectError(await mutate("auth.totp.disable", { password: "Wr0ngPassword", code: codeAt(secret, step + 1) }, u.token), "FORBIDDEN", 403, "WRONG_PASSWORD", "password");
    expectError(await mutate("auth.totp.disable", { password: TEST_PASSWORD, code: "000000" }, u.token), "BAD_REQUEST", 400, "INVALID_CODE", "code");
    expectError(await mutate("auth.totp.disable", { password: TEST_PASSWORD, code: codeAt(secret, step) }, u.token), "BAD_REQUEST", 400, "INVALID_CODE"); // replayed
    expectError(await mutate("auth.totp.disable", { password: TEST_PASSWORD }, u.token), "BAD_REQUEST", 400, null, "code");
    expect(ok(await query("auth.totp.status", undefined, u.token))).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });
    expect(ok(await login(u)).mfaRequired).toBe(true);

    expect(ok(await mutate("auth.totp.disable", { password: TEST_PASSWORD, code: recoveryCodes[0] }, u.token))).toEqual({ ok: true });
    expect(ok(await query("auth.totp.status", undefined, u.token))).toEqual({ enabled: false, pending: false, enabledAt: null, recoveryCodesLeft: 0 });
    expect(await t.sql`SELECT 1 FROM user_totp WHERE user_id = ${u.id}`).toHaveLength(0);
    expect(await t.sql`SELECT 1 FROM user_recovery_codes WHERE user_id = ${u.id}`).toHaveLength(0);
    expect(ok(await login(u)).token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expectError(await mutate("auth.totp.disable", { password: TEST_PASSWORD, code: recoveryCodes[1] }, u.token), "BAD_REQUEST", 400, "TOTP_NOT_ENABLED");
    // It can be set up again, with a new secret.
    const { secret: fresh } = ok(await mutate("auth.totp.setup", undefined, u.token));
    expect(fresh).not.toBe(secret);
  });

  test("a challenge issued before 2FA was disabled is void", async () => {
    const u = await user();
    const { recoveryCodes } = await enable(u);
    const challenge = await challengeOf(u);
    ok(await mutate("auth.totp.disable", { password: TEST_PASSWORD, code: recoveryCodes[0] }, u.token));
    expectError(await mutate("auth.loginMfa", { challenge, code: recoveryCodes[1] }), "UNAUTHORIZED", 401, "MFA_CHALLENGE_INVALID");
  });

  test("regenerateRecoveryCodes: ten new codes for a valid code; the old ones stop working", async () => {
    const u = await user();
    const { secret, step, recoveryCodes: old } = await enable(u);
    expectError(await mutate("auth.totp.regenerateRecoveryCodes", { code: "000000" }, u.token), "BAD_REQUEST", 400, "INVALID_CODE");
    const { recoveryCodes } = ok(await mutate("auth.totp.regenerateRecoveryCodes", { code: codeAt(secret, step + 1) }, u.token));
    expect(recoveryCodes).toHaveLength(10);
    for (const rc of recoveryCodes) expect(old).not.toContain(rc);
    expectError(await mutate("auth.loginMfa", { challenge: await challengeOf(u), code: old[1] }), "UNAUTHORIZED", 401, "INVALID_CODE");
    expect(ok(await mutate("auth.loginMfa", { challenge: await challengeOf(u), code: recoveryCodes[0] })).user.id).toBe(u.id);
    expect(ok(await query("auth.totp.status", undefined, u.token)).recoveryCodesLeft).toBe(9);
    const other = await user();
    expectError(await mutate("auth.totp.regenerateRecoveryCodes", { code: "000000" }, other.token), "BAD_REQUEST", 400, "TOTP_NOT_ENABLED");
  });
});

// ---------------------------------------------------------------------------------------------
describe("passwords keep two-factor sign-in", () => {
  test("after a password reset, login still asks for the code", async () => {
    const u = await user();
    const { recoveryCodes } = await enable(u);
    ok(await mutate("auth.requestPasswordReset", { email: u.email }));
    const [mail] = await t.sql<{ body_text: string }[]>`SELECT body_text FROM mail_outbox WHERE to_address = ${u.email} ORDER BY id DESC LIMIT 1`;
    const token = decodeURIComponent(/\/reset-password\?token=([^\s]+)/.exec(mail!.body_text)![1]!);
    const reset = await mutate("auth.resetPassword", { token, newPassword: "R3setPassword" });
    expect(ok(reset)).toEqual({ ok: true });
    expect(reset.headers.get("set-cookie")).toBeNull();
    const data = ok(await login(u, "R3setPassword"));
    expect(data).toEqual({ mfaRequired: true, challenge: expect.any(String), expiresAt: expect.any(String) });
    expect(ok(await mutate("auth.loginMfa", { challenge: data.challenge, code: recoveryCodes[0] })).user.id).toBe(u.id);
  });

  test("after a password change, login still asks for the code", async () => {
    const u = await user();
    await enable(u);
    ok(await mutate("auth.changePassword", { currentPassword: TEST_PASSWORD, newPassword: "Ch4ngedPassword" }, u.token));
    expect(ok(await login(u, "Ch4ngedPassword")).mfaRequired).toBe(true);
    expect(ok(await query("auth.totp.status", undefined, u.token)).enabled).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
describe("housekeeping", () => {
  test("the hourly purge drops challenges a day past their expiry and setups never confirmed within a day", async () => {
    const [pending, active, fresh] = [await user(), await user(), await user()];
    ok(await mutate("auth.totp.setup", undefined, pending.token));
    await enable(active);
    ok(await mutate("auth.totp.setup", undefined, fresh.token));
    const old = await challengeOf(active);
    const recent = await challengeOf(active);
    await t.sql`UPDATE mfa_challenges SET expires_at = NOW() - INTERVAL '2 days' WHERE token_hash = ${sha256(old)}`;
    await t.sql`UPDATE user_totp SET created_at = NOW() - INTERVAL '2 days' WHERE user_id IN (${pending.id}, ${active.id})`;
    const report = await purgeAuthLeftoversJob.run(s.deps);
    expect(report).toMatchObject({ challenges: 1, totpSetups: 1 });
    expect((await t.sql`SELECT token_hash FROM mfa_challenges WHERE user_id = ${active.id}`).map((r) => r.token_hash)).toEqual([sha256(recent)]);
    expect((await t.sql`SELECT user_id::text AS id FROM user_totp WHERE user_id IN (${pending.id}, ${active.id}, ${fresh.id}) ORDER BY user_id`).map((r) => r.id))
      .toEqual([active.id, fresh.id]);
  });
});
