// The second step of signing in to an account with TOTP: auth.login (right password) answers
// `{ mfaRequired: true, challenge, expiresAt }` and sets no cookie; auth.loginMfa { challenge, code }
// creates the session exactly as a plain login does.
//
// A challenge is an opaque 256-bit token (only its SHA-256 is stored, mfa_challenges 0087), bound
// to its account, valid MFA_CHALLENGE_TTL_SECONDS and spent by the sign-in it completes, in the
// transaction that creates the session. A wrong code leaves it usable (typos happen): the
// account's "mfaByAccount" limit bounds the guesses (each call costs a point, whichever challenge
// it carries), and the IP's login budget applies too.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { one } from "../../db/query";
import { transaction } from "../../db/transaction";
import { AppError } from "../../lib/errors";
import { hashToken, newOpaqueToken } from "../../lib/tokens";
import type { AppDeps } from "../../trpc/context";
import { getMe } from "../user/user.queries";
import type { AuthResult, ClientMeta } from "./auth.service";
import { checkSecondFactor, invalidCode } from "./auth.totp";
import { createSession } from "./session.service";
import { totpKeyring } from "./totp-crypto";

export const MFA_CHALLENGE_TTL_SECONDS = 300;

export interface MfaChallenge {
  mfaRequired: true;
  challenge: string;
  expiresAt: string;
}

export async function issueMfaChallenge(db: DbOrTx, userId: string): Promise<MfaChallenge> {
  const challenge = newOpaqueToken();
  const row = await one<{ expires_at: string }>(db, sql`
    INSERT INTO mfa_challenges (user_id, token_hash, expires_at)
    VALUES (${userId}, ${hashToken(challenge)}, NOW() + make_interval(secs => ${MFA_CHALLENGE_TTL_SECONDS}))
    RETURNING expires_at`);
  return { mfaRequired: true, challenge, expiresAt: new Date(row!.expires_at).toISOString() };
}

const challengeInvalid = () =>
  new AppError("UNAUTHORIZED", "This sign-in has expired or was completed; sign in again", { appCode: "MFA_CHALLENGE_INVALID", field: "challenge" });

export async function loginMfa(deps: AppDeps, input: { challenge: string; code: string }, meta: ClientMeta): Promise<AuthResult> {
  await deps.rateLimits.consume("loginByIp", meta.ip);
  const db = deps.database.db;
  const tokenHash = hashToken(input.challenge);
  const live = await one<{ user_id: string }>(db, sql`
    SELECT user_id FROM mfa_challenges WHERE token_hash = ${tokenHash} AND used_at IS NULL AND expires_at > NOW()`);
  if (!live) throw challengeInvalid();
  const userId = live.user_id;
  await deps.rateLimits.consume("mfaByAccount", userId);
  const ring = totpKeyring(deps.env);
  const result = await transaction(db, async (tx) => {
    // Spent here; any failure below (wrong code, suspension) rolls this back with everything else.
    const spent = await one(tx, sql`
      UPDATE mfa_challenges SET used_at = NOW()
      WHERE token_hash = ${tokenHash} AND used_at IS NULL AND expires_at > NOW() RETURNING id`);
    if (!spent) throw challengeInvalid();
    const user = await one<{ status: string }>(tx, sql`SELECT status FROM users WHERE id = ${userId}`);
    if (!user || user.status === "deleted") throw challengeInvalid();
    if (user.status !== "active") throw new AppError("FORBIDDEN", "This account is suspended", { appCode: "ACCOUNT_SUSPENDED" });
    const check = await checkSecondFactor(tx, ring, userId, input.code);
    // Two-factor sign-in was switched off since the password step: that login is void.
    if (check === "not_enabled") throw challengeInvalid();
    if (check === "invalid") throw invalidCode("UNAUTHORIZED");
    await tx.execute(sql`UPDATE users SET last_login_at = NOW() WHERE id = ${userId}`);
    const session = await createSession(tx, { userId, ttlDays: deps.env.SESSION_TTL_DAYS, userAgent: meta.userAgent, ip: meta.ip });
    return { token: session.token, expiresAt: session.expiresAt, user: await getMe(tx, userId) };
  });
  await deps.rateLimits.reset("mfaByAccount", userId);
  return result;
}
