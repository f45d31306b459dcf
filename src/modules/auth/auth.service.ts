// Registration, login, password changes, email verification and password reset. Whatever revokes
// sessions announces it after the commit (deps.sessions.revoked), before answering: every process's
// session cache drops them.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { one } from "../../db/query";
import { transaction } from "../../db/transaction";
import { AppError } from "../../lib/errors";
import { enqueueMail } from "../../lib/mail/outbox";
import { hashToken, newOpaqueToken } from "../../lib/tokens";
import type { AppDeps } from "../../trpc/context";
import { getMe } from "../user/user.queries";
import type { MeView } from "../user/user.views";
import { hashPassword, needsRehash, requirePassword, timingDummyHash, verifyPassword } from "./password";
import { issueMfaChallenge, type MfaChallenge } from "./auth.mfa";
import { totpEnabled } from "./auth.totp";
import { createSession, revokeUserSessions } from "./session.service";

const VERIFY_EMAIL_TTL_HOURS = 48;
const RESET_PASSWORD_TTL_MINUTES = 60;

export interface ClientMeta {
  ip: string;
  userAgent: string | null;
}

export interface AuthResult {
  token: string;
  expiresAt: string;
  user: MeView;
}

type TokenPurpose = "verify_email" | "reset_password";

async function issueToken(db: DbOrTx, userId: string, purpose: TokenPurpose, ttlMinutes: number) {
  const token = newOpaqueToken();
  await db.execute(sql`INSERT INTO auth_tokens (user_id, purpose, token_hash, expires_at)
    VALUES (${userId}, ${purpose}, ${hashToken(token)}, NOW() + make_interval(mins => ${ttlMinutes}))`);
  return token;
}

function verificationMail(deps: AppDeps, to: string, token: string) {
  const link = `${deps.env.PUBLIC_APP_URL}/verify-email?token=${encodeURIComponent(token)}`;
  return { to, subject: "Confirm your VRSS email", text: `Welcome to VRSS!\n\nConfirm your email address: ${link}\n\nThe link works for ${VERIFY_EMAIL_TTL_HOURS} hours.` };
}

export async function register(
  deps: AppDeps,
  input: { username: string; email: string; password: string },
  meta: ClientMeta,
): Promise<AuthResult> {
  await deps.rateLimits.consume("registerByIp", meta.ip);
  const passwordHash = await hashPassword(input.password);
  return transaction(deps.database.db, async (tx) => {
    // The users_bootstrap trigger creates the profile and the free-tier storage row in this transaction.
    const user = await one<{ id: string }>(tx, sql`
      INSERT INTO users (username, email, password_hash, last_login_at)
      VALUES (${input.username}, ${input.email}, ${passwordHash}, NOW()) RETURNING id`);
    const verifyToken = await issueToken(tx, user!.id, "verify_email", VERIFY_EMAIL_TTL_HOURS * 60);
    await enqueueMail(tx, verificationMail(deps, input.email, verifyToken), { validMinutes: VERIFY_EMAIL_TTL_HOURS * 60 });
    const session = await createSession(tx, { userId: user!.id, ttlDays: deps.env.SESSION_TTL_DAYS, userAgent: meta.userAgent, ip: meta.ip });
    return { token: session.token, expiresAt: session.expiresAt, user: await getMe(tx, user!.id) };
  });
}

const invalidCredentials = () => new AppError("UNAUTHORIZED", "Invalid email or password", { appCode: "INVALID_CREDENTIALS" });

/**
 * The password step. An account with two-factor sign-in gets a challenge instead of a session
 * (auth.mfa.ts: auth.loginMfa completes it); everything before — limits, errors, suspension — is
 * the same for both.
 */
export async function login(deps: AppDeps, input: { email: string; password: string }, meta: ClientMeta): Promise<AuthResult | MfaChallenge> {
  await deps.rateLimits.consume("loginByIp", meta.ip);
  await deps.rateLimits.consume("loginByAccount", input.email);
  const db = deps.database.db;
  const user = await one<{ id: string; password_hash: string; status: string }>(db, sql`
    SELECT id, password_hash, status FROM users WHERE LOWER(email) = ${input.email}`);
  // Unknown email and wrong password cost the same argon2 verify and give the same error.
  const ok = await verifyPassword(user?.password_hash ?? (await timingDummyHash()), input.password);
  if (!user || !ok || user.status === "deleted") throw invalidCredentials();
  if (user.status !== "active") {
    throw new AppError("FORBIDDEN", "This account is suspended", { appCode: "ACCOUNT_SUSPENDED" });
  }
  await deps.rateLimits.reset("loginByAccount", input.email);
  const rehash = needsRehash(user.password_hash) ? await hashPassword(input.password) : null;
  if (await totpEnabled(db, user.id)) {
    if (rehash) await db.execute(sql`UPDATE users SET password_hash = ${rehash} WHERE id = ${user.id}`);
    return issueMfaChallenge(db, user.id);
  }
  return transaction(db, async (tx) => {
    await tx.execute(sql`UPDATE users SET last_login_at = NOW(),
                         password_hash = COALESCE(${rehash}, password_hash) WHERE id = ${user.id}`);
    const session = await createSession(tx, { userId: user.id, ttlDays: deps.env.SESSION_TTL_DAYS, userAgent: meta.userAgent, ip: meta.ip });
    return { token: session.token, expiresAt: session.expiresAt, user: await getMe(tx, user.id) };
  });
}

export async function changePassword(
  deps: AppDeps,
  session: { userId: string; sessionId: string },
  input: { currentPassword: string; newPassword: string },
): Promise<{ revokedSessions: number }> {
  await deps.rateLimits.consume("loginByAccount", `user:${session.userId}`);
  await requirePassword(deps.database.db, session.userId, input.currentPassword, "currentPassword");
  const hash = await hashPassword(input.newPassword);
  const result = await transaction(deps.database.db, async (tx) => {
    await tx.execute(sql`UPDATE users SET password_hash = ${hash} WHERE id = ${session.userId}`);
    // Reset links issued before the change (someone who read the mailbox, or an old request) must
    // not reset the new password. Verification links stay valid: they grant no access. Every
    // other session is signed out (as after a reset); this one stays signed in.
    await tx.execute(sql`UPDATE auth_tokens SET used_at = NOW()
                         WHERE user_id = ${session.userId} AND purpose = 'reset_password' AND used_at IS NULL`);
    return { revokedSessions: await revokeUserSessions(tx, session.userId, session.sessionId) };
  });
  // After the commit, by user: this session's entry goes too, and is simply read again.
  await deps.sessions.revoked({ userId: session.userId });
  return result;
}

/** Marks a token used if it is live; returns its user. Single use even under concurrency. */
async function consumeToken(db: DbOrTx, token: string, purpose: TokenPurpose): Promise<string> {
  const row = await one<{ user_id: string }>(db, sql`
    UPDATE auth_tokens SET used_at = NOW()
    WHERE token_hash = ${hashToken(token)} AND purpose = ${purpose} AND used_at IS NULL AND expires_at > NOW()
    RETURNING user_id`);
  if (!row) throw new AppError("BAD_REQUEST", "This link is invalid or has expired", { appCode: "TOKEN_INVALID", field: "token" });
  return row.user_id;
}

export async function verifyEmail(deps: AppDeps, token: string): Promise<{ emailVerified: true }> {
  await transaction(deps.database.db, async (tx) => {
    const userId = await consumeToken(tx, token, "verify_email");
    await tx.execute(sql`UPDATE users SET email_verified = TRUE WHERE id = ${userId}`);
  });
  return { emailVerified: true };
}

export async function resendVerification(deps: AppDeps, userId: string): Promise<{ sent: boolean }> {
  await deps.rateLimits.consume("mailByTarget", `verify:${userId}`);
  return transaction(deps.database.db, async (tx) => {
    const user = await one<{ email: string; email_verified: boolean }>(tx, sql`SELECT email, email_verified FROM users WHERE id = ${userId}`);
    if (!user || user.email_verified) return { sent: false };
    // Older unused links stop working: only the newest mail is valid.
    await tx.execute(sql`UPDATE auth_tokens SET used_at = NOW() WHERE user_id = ${userId} AND purpose = 'verify_email' AND used_at IS NULL`);
    const token = await issueToken(tx, userId, "verify_email", VERIFY_EMAIL_TTL_HOURS * 60);
    await enqueueMail(tx, verificationMail(deps, user.email, token), { validMinutes: VERIFY_EMAIL_TTL_HOURS * 60 });
    return { sent: true };
  });
}

/** Same answer whether or not the address exists. */
export async function requestPasswordReset(deps: AppDeps, email: string, meta: ClientMeta): Promise<{ ok: true }> {
  await deps.rateLimits.consume("loginByIp", meta.ip);
  await deps.rateLimits.consume("mailByTarget", `reset:${email}`);
  await transaction(deps.database.db, async (tx) => {
    const user = await one<{ id: string; email: string }>(tx, sql`
      SELECT id, email FROM users WHERE LOWER(email) = ${email} AND status = 'active'`);
    if (!user) return;
    const token = await issueToken(tx, user.id, "reset_password", RESET_PASSWORD_TTL_MINUTES);
    const link = `${deps.env.PUBLIC_APP_URL}/reset-password?token=${encodeURIComponent(token)}`;
    await enqueueMail(tx, {
      to: user.email,
      subject: "Reset your VRSS password",
      text: `Someone asked to reset your VRSS password. If it was you: ${link}\n\nThe link works for ${RESET_PASSWORD_TTL_MINUTES} minutes. Otherwise ignore this mail.`,
    }, { validMinutes: RESET_PASSWORD_TTL_MINUTES });
  });
  return { ok: true };
}

/**
 * Signs every session out and creates none. Two-factor sign-in stays on (as after changePassword):
 * whoever holds the mailbox still needs the code at the next auth.login.
 */
export async function resetPassword(deps: AppDeps, input: { token: string; newPassword: string }): Promise<{ ok: true }> {
  const hash = await hashPassword(input.newPassword);
  const userId = await transaction(deps.database.db, async (tx) => {
    const userId = await consumeToken(tx, input.token, "reset_password");
    await tx.execute(sql`UPDATE users SET password_hash = ${hash} WHERE id = ${userId}`);
    // Other reset links still sitting in the mailbox must not reset the new password again.
    await tx.execute(sql`UPDATE auth_tokens SET used_at = NOW()
                         WHERE user_id = ${userId} AND purpose = 'reset_password' AND used_at IS NULL`);
    await revokeUserSessions(tx, userId);
    return userId;
  });
  await deps.sessions.revoked({ userId });
  return { ok: true };
}

/** Soft delete: the account vanishes from every read at once; a job purges it after 30 days. */
export async function deleteAccount(deps: AppDeps, userId: string, password: string): Promise<{ deleted: true }> {
  await deps.rateLimits.consume("loginByAccount", `user:${userId}`);
  await requirePassword(deps.database.db, userId, password, "currentPassword"); // (the field name predates 2FA; user.delete's input calls it password)
  await transaction(deps.database.db, async (tx) => {
    await tx.execute(sql`UPDATE users SET status = 'deleted', deleted_at = NOW() WHERE id = ${userId}`);
    await revokeUserSessions(tx, userId);
  });
  await deps.sessions.revoked({ userId });
  return { deleted: true };
}
