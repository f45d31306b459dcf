// Secrets at rest and in transit (issue 14, part 7): Cache-Control on token-bearing and
// authenticated /api/rpc answers, changePassword voiding outstanding reset links, and mail_outbox
// keeping no raw token once a mail is delivered (or expired), nor logging bodies in production.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { deliverMailJob } from "../../src/jobs/account-jobs";
import { runJobOnce } from "../../src/jobs/runner";
import { createLogger } from "../../src/lib/logger";
import { createMailer } from "../../src/lib/mail/mailer";
import { deliverOutbox, enqueueMail, REDACTED_AFTER_DELIVERY } from "../../src/lib/mail/outbox";
import { callersOf, expectErrorData, ok, rpc, useServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const app = useServer({ RATE_LIMIT_LOGIN_PER_IP: "10000", RATE_LIMIT_MAIL_PER_TARGET: "100" });
const { query } = callersOf(app);
const PASSWORD = "Str0ngPassw";

let seq = 0;
const uniq = (prefix: string) => `${prefix}${Date.now().toString(36).slice(-5)}${(++seq).toString(36)}`;

async function register() {
  const username = uniq("sec_");
  const email = `${username}@example.test`;
  const res = await rpc(app.s.url, "auth.register", { username, email, password: PASSWORD });
  return { ...ok(res), username, email, res } as { token: string; user: { id: string }; username: string; email: string; res: Awaited<ReturnType<typeof rpc>> };
}

async function latestMail(to: string, subject: string) {
  const [row] = await app.t.sql<{ id: string; body_text: string; sent_at: Date | null; last_error: string | null; attempts: number }[]>`
    SELECT id, body_text, sent_at, last_error, attempts FROM mail_outbox WHERE to_address = ${to} AND subject = ${subject} ORDER BY id DESC LIMIT 1`;
  return row;
}
function tokenFrom(body: string, path: string): string {
  const match = new RegExp(`/${path}\\?token=([^\\s]+)`).exec(body);
  if (!match) throw new Error(`no ${path} link in mail: ${body}`);
  return decodeURIComponent(match[1]!);
}
async function resetToken(email: string): Promise<string> {
  ok(await rpc(app.s.url, "auth.requestPasswordReset", { email }));
  return tokenFrom((await latestMail(email, "Reset your VRSS password"))!.body_text, "reset-password");
}

function capture() {
  let out = "";
  const stream = new Writable({ write: (chunk, _e, done) => ((out += String(chunk)), done()) });
  return { log: createLogger({ level: "info" }, stream as unknown as Parameters<typeof createLogger>[1]), text: () => out };
}

describe("Cache-Control on /api/rpc", () => {
  const vary = (h: Headers) => (h.get("vary") ?? "").toLowerCase();

  test("token-bearing answers (auth.register, auth.login) are no-store", async () => {
    const reg = await register();
    expect(reg.res.headers.get("cache-control")).toBe("no-store");
    const login = await rpc(app.s.url, "auth.login", { email: reg.email, password: PASSWORD });
    ok(login);
    expect(login.headers.get("cache-control")).toBe("no-store");
    // A failed login too (every mutation).
    const wrong = await rpc(app.s.url, "auth.login", { email: reg.email, password: "Wr0ngPassword" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("cache-control")).toBe("no-store");
  });

  test("authenticated queries are no-store, by Bearer token or by session cookie; Vary: Authorization, Cookie", async () => {
    const reg = await register();
    const me = await query({ token: reg.token } as any, "auth.me");
    ok(me);
    expect(me.headers.get("cache-control")).toBe("no-store");
    const byCookie = await rpc(app.s.url, "storage.usage", undefined, { method: "GET", headers: { cookie: `vrss_session=${reg.token}` } });
    ok(byCookie);
    expect(byCookie.headers.get("cache-control")).toBe("no-store");
    expect(vary(byCookie.headers)).toContain("authorization");
    expect(vary(byCookie.headers)).toContain("cookie");
    // A public query asked with a credential is still the caller's answer.
    const tiers = await rpc(app.s.url, "storage.tiers", undefined, { method: "GET", token: reg.token });
    expect(tiers.headers.get("cache-control")).toBe("no-store");
    // So is a rejected credential, and an anonymous call of an auth.* query.
    const bad = await rpc(app.s.url, "auth.me", undefined, { method: "GET", token: "x".repeat(43) });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("cache-control")).toBe("no-store");
    const anonMe = await rpc(app.s.url, "auth.me", undefined, { method: "GET" });
    expect(anonMe.headers.get("cache-control")).toBe("no-store");
  });

  test("an anonymous GET of public data is no-cache, and varies on the credentials", async () => {
    const res = await rpc(app.s.url, "storage.tiers", undefined, { method: "GET" });
    ok(res);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(vary(res.headers)).toContain("authorization");
    expect(vary(res.headers)).toContain("cookie");
    // A batch that includes an auth.* query is no-store.
    const batch = await fetch(`${app.s.url}/api/rpc/storage.tiers,auth.me?batch=1&input=${encodeURIComponent("{}")}`);
    await batch.text();
    expect(batch.headers.get("cache-control")).toBe("no-store");
  });
});

describe("auth.changePassword", () => {
  test("voids outstanding reset links, keeps the verification link, signs out the other sessions", async () => {
    const reg = await register();
    const verifyToken = tokenFrom((await latestMail(reg.email, "Confirm your VRSS email"))!.body_text, "verify-email");
    const resetA = await resetToken(reg.email);
    const resetB = await resetToken(reg.email);
    const other = ok(await rpc(app.s.url, "auth.login", { email: reg.email, password: PASSWORD })).token;

    const changed = ok(await rpc(app.s.url, "auth.changePassword", { currentPassword: PASSWORD, newPassword: "N3wPassword!" }, { token: reg.token }));
    expect(changed.revokedSessions).toBe(1);
    const used = await app.t.sql<{ purpose: string; used: boolean }[]>`
      SELECT purpose, used_at IS NOT NULL AS used FROM auth_tokens WHERE user_id = ${reg.user.id} ORDER BY id`;
    expect([...used]).toEqual([
      { purpose: "verify_email", used: false },
      { purpose: "reset_password", used: true },
      { purpose: "reset_password", used: true },
    ]);
    for (const token of [resetA, resetB]) {
      expectErrorData(await rpc(app.s.url, "auth.resetPassword", { token, newPassword: "Att4ckerPass" }), "BAD_REQUEST", { appCode: "TOKEN_INVALID" });
    }
    // The new password still stands; this session lives on, the other one is signed out.
    ok(await rpc(app.s.url, "auth.login", { email: reg.email, password: "N3wPassword!" }));
    ok(await rpc(app.s.url, "auth.me", undefined, { method: "GET", token: reg.token }));
    expect((await rpc(app.s.url, "auth.me", undefined, { method: "GET", token: other })).status).toBe(401);
    ok(await rpc(app.s.url, "auth.verifyEmail", { token: verifyToken }));
    // A reset link requested after the change works.
    ok(await rpc(app.s.url, "auth.resetPassword", { token: await resetToken(reg.email), newPassword: "Th1rdPassword" }));
  });
});

describe("mail_outbox keeps no raw token", () => {
  test("after the outbox job delivers a reset mail, the row holds no token and the link still resets the password", async () => {
    const reg = await register();
    const token = await resetToken(reg.email);
    const before = (await latestMail(reg.email, "Reset your VRSS password"))!;
    expect(before.body_text).toContain(token);

    expect(await runJobOnce(app.s.deps, deliverMailJob)).toMatchObject({ sent: expect.any(Number) });
    const after = (await latestMail(reg.email, "Reset your VRSS password"))!;
    expect(after.id).toBe(before.id);
    expect(after.sent_at).not.toBeNull();
    expect(after.body_text).not.toContain(token);
    expect(after.body_text).not.toContain(encodeURIComponent(token));
    expect(after.body_text).not.toContain("token=");
    expect(after.body_text).toContain(REDACTED_AFTER_DELIVERY);
    expect(after.body_text).toContain("Someone asked to reset your VRSS password");
    // Its verification mail was delivered and redacted in the same run.
    const verification = (await latestMail(reg.email, "Confirm your VRSS email"))!;
    expect([verification.sent_at !== null, verification.body_text.includes("token=")]).toEqual([true, false]);
    // No delivered row anywhere still holds a link.
    const [leftover] = await app.t.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM mail_outbox WHERE sent_at IS NOT NULL AND body_text LIKE '%token=%'`;
    expect(leftover!.n).toBe(0);

    ok(await rpc(app.s.url, "auth.resetPassword", { token, newPassword: "Res3tPassword" }));
    ok(await rpc(app.s.url, "auth.login", { email: reg.email, password: "Res3tPassword" }));
  });

  test("an expired undelivered mail is not sent and is deleted by the next delivery run", async () => {
    const to = `${uniq("exp_")}@example.test`;
    const secret = randomBytes(32).toString("base64url");
    await enqueueMail(app.t.db, { to, subject: "Reset your VRSS password", text: `link: https://vrss.test/reset-password?token=${secret}` }, { validMinutes: -1 });
    const sentTo: string[] = [];
    const { log } = capture();
    await deliverOutbox(app.t.db, { delivers: true, send: async (m) => void sentTo.push(m.to) }, log);
    expect(sentTo).not.toContain(to);
    expect(await latestMail(to, "Reset your VRSS password")).toBeUndefined();
  });

  test("production without SMTP_URL: one boot warning, the mail stays undelivered, no body or link is logged", async () => {
    const { log, text } = capture();
    const mailer = createMailer({ from: "VRSS <no-reply@vrss.test>", nodeEnv: "production" }, log);
    expect(mailer.delivers).toBe(false);
    expect(text()).toContain("SMTP_URL unset: mails are not delivered");

    const to = `${uniq("prod_")}@example.test`;
    const secret = randomBytes(32).toString("base64url");
    await enqueueMail(app.t.db, { to, subject: "Reset your VRSS password", text: `If it was you: https://vrss.test/reset-password?token=${secret}` }, { validMinutes: 60 });
    await deliverOutbox(app.t.db, mailer, log, 1000);
    const row = (await latestMail(to, "Reset your VRSS password"))!;
    expect(row.sent_at).toBeNull();
    expect(row.attempts).toBe(1);
    expect(row.last_error).toContain("SMTP_URL unset");
    expect(text()).toContain(to); // the fact of the mail is logged…
    expect(text()).not.toContain(secret); // …never its link
    expect(text()).not.toContain("If it was you");

    // Development keeps logging the body: the developer needs the link.
    const dev = capture();
    await createMailer({ from: "VRSS <no-reply@vrss.test>", nodeEnv: "development" }, dev.log).send({ to, subject: "s", text: `link ${secret}` });
    expect(dev.text()).toContain(secret);
  });
});
