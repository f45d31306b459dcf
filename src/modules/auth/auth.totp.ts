// TOTP second factor (RFC 6238 with `otpauth`: SHA-1, 6 digits, 30 s steps, ±1 step accepted) and
// its recovery codes: auth.totp.setup / confirm / disable / status / regenerateRecoveryCodes, and
// the code check auth.loginMfa uses (auth.mfa.ts).
//
// - The secret is encrypted at rest (totp-crypto.ts); it leaves the server once, in setup's answer.
// - Replay: user_totp.last_used_step is the step of the last accepted code, and a code is accepted
//   only if its step is newer, in one conditional UPDATE (two requests with the same code: the
//   second waits for the first's row lock, then finds the step taken).
// - Recovery codes: 80 random bits each, shown once, stored as SHA-256; spent by one conditional
//   UPDATE, so a code works exactly once even under concurrency.
// - Every code check costs a point of the account's "mfaByAccount" limit (MFA_ATTEMPTS per
//   MFA_WINDOW_SECONDS, src/lib/rate-limit.ts); a successful check clears it.
// - A wrong, malformed, replayed or spent code is INVALID_CODE (BAD_REQUEST here, UNAUTHORIZED on
//   auth.loginMfa); the checks never say which.
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { Secret, TOTP } from "otpauth";
import type { DbOrTx } from "../../db/client";
import { iso, one } from "../../db/query";
import { transaction } from "../../db/transaction";
import { AppError } from "../../lib/errors";
import { hashToken } from "../../lib/tokens";
import type { AppDeps } from "../../trpc/context";
import { requirePassword } from "./password";
import { decryptTotpSecret, encryptTotpSecret, totpKeyring, type TotpKeyring } from "./totp-crypto";

export const TOTP_ISSUER = "VRSS";
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Codes of the previous and the next step are accepted too (clock drift, typing time). */
export const TOTP_WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;
/** 160 bits, RFC 4226's recommendation (and what authenticator apps expect for SHA-1). */
const SECRET_BYTES = 20;

const TOTP_PARAMS = { algorithm: "SHA1", digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS } as const;

// ---------------------------------------------------------------------------------------------
// Codes as typed

/** Crockford base32: no I, L, O, U (a user typing I/L or O gets 1 or 0). */
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export type ParsedCode = { kind: "totp"; token: string } | { kind: "recovery"; normalized: string } | { kind: "malformed" };

/** "123 456" → TOTP; "abcd-efgh-jkmn-pqrs" (any case, dashes and spaces optional) → recovery code. */
export function parseCode(input: string): ParsedCode {
  const compact = input.replace(/[\s-]/g, "").toUpperCase();
  if (new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(compact)) return { kind: "totp", token: compact };
  const normalized = compact.replace(/O/g, "0").replace(/[IL]/g, "1");
  if (/^[0-9A-HJKMNP-TV-Z]{16}$/.test(normalized)) return { kind: "recovery", normalized };
  return { kind: "malformed" };
}

/** 80 random bits as 16 Crockford base32 characters, shown as xxxx-xxxx-xxxx-xxxx. */
function newRecoveryCode(): { display: string; hash: string } {
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let text = "";
  for (let i = 15; i >= 0; i--) text += CROCKFORD[Number((bits >> BigInt(i * 5)) & 31n)];
  return { display: text.toLowerCase().match(/.{4}/g)!.join("-"), hash: hashToken(text) };
}

// ---------------------------------------------------------------------------------------------
// Rows

interface TotpRow {
  secret_hex: string;
  key_id: string;
  confirmed_at: string | null;
}

async function readTotp(db: DbOrTx, userId: string): Promise<TotpRow | undefined> {
  return one<TotpRow>(db, sql`
    SELECT encode(secret_ciphertext, 'hex') AS secret_hex, key_id, confirmed_at FROM user_totp WHERE user_id = ${userId}`);
}

function secretOf(ring: TotpKeyring, userId: string, row: TotpRow): Secret {
  return Secret.fromHex(decryptTotpSecret(ring, userId, row.key_id, Buffer.from(row.secret_hex, "hex")).toString("hex"));
}

/** The step a valid code belongs to, or null. */
function matchingStep(secret: Secret, token: string, now = Date.now()): number | null {
  const delta = TOTP.validate({ token, secret, ...TOTP_PARAMS, timestamp: now, window: TOTP_WINDOW });
  return delta === null ? null : TOTP.counter({ period: TOTP_PERIOD_SECONDS, timestamp: now }) + delta;
}

/** Whether the account signs in with a second factor (a confirmed authenticator). */
export async function totpEnabled(db: DbOrTx, userId: string): Promise<boolean> {
  return !!(await one(db, sql`SELECT 1 AS on FROM user_totp WHERE user_id = ${userId} AND confirmed_at IS NOT NULL`));
}

export type SecondFactorCheck = "ok" | "invalid" | "not_enabled";

/**
 * Checks a TOTP or recovery code of the account's confirmed authenticator and spends it (the step
 * becomes last_used_step; the recovery code is marked used). Run it in the transaction of what the
 * code authorizes, so that a later failure there does not spend it.
 */
export async function checkSecondFactor(tx: DbOrTx, ring: TotpKeyring, userId: string, code: string): Promise<SecondFactorCheck> {
  const row = await readTotp(tx, userId);
  if (!row || !row.confirmed_at) return "not_enabled";
  const parsed = parseCode(code);
  if (parsed.kind === "totp") {
    const step = matchingStep(secretOf(ring, userId, row), parsed.token);
    if (step === null) return "invalid";
    const taken = await one(tx, sql`
      UPDATE user_totp SET last_used_step = ${step}
      WHERE user_id = ${userId} AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < ${step})
      RETURNING user_id`);
    return taken ? "ok" : "invalid";
  }
  if (parsed.kind === "recovery") {
    const spent = await one(tx, sql`
      UPDATE user_recovery_codes SET used_at = NOW()
      WHERE user_id = ${userId} AND code_hash = ${hashToken(parsed.normalized)} AND used_at IS NULL
      RETURNING id`);
    return spent ? "ok" : "invalid";
  }
  return "invalid";
}

export function invalidCode(code: "BAD_REQUEST" | "UNAUTHORIZED"): AppError {
  return new AppError(code, "Invalid or already used code", { appCode: "INVALID_CODE", field: "code" });
}

const notEnabled = () => new AppError("BAD_REQUEST", "Two-factor sign-in is not enabled", { appCode: "TOTP_NOT_ENABLED" });

/** One point of the account's MFA budget per call; a success clears the account's failures. */
async function attempt<T>(deps: AppDeps, userId: string, fn: () => Promise<T>): Promise<T> {
  await deps.rateLimits.consume("mfaByAccount", userId);
  const result = await fn();
  await deps.rateLimits.reset("mfaByAccount", userId);
  return result;
}

/** Replaces the account's recovery codes with ten new ones; returns them for display (once). */
async function replaceRecoveryCodes(tx: DbOrTx, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await tx.execute(sql`DELETE FROM user_recovery_codes WHERE user_id = ${userId}`);
  await tx.execute(sql`
    INSERT INTO user_recovery_codes (user_id, code_hash)
    SELECT ${userId}, h FROM unnest(${`{${codes.map((c) => c.hash).join(",")}}`}::text[]) AS h`);
  return codes.map((c) => c.display);
}

// ---------------------------------------------------------------------------------------------
// Procedures

export interface TotpSetup {
  secret: string;
  uri: string;
}

/** A new pending secret (replacing an unconfirmed one); CONFLICT while one is active. */
export async function setupTotp(deps: AppDeps, session: { userId: string; username: string }): Promise<TotpSetup> {
  const ring = totpKeyring(deps.env);
  const secret = new Secret({ size: SECRET_BYTES });
  const { ciphertext, keyId } = encryptTotpSecret(ring, session.userId, secret.bytes);
  const written = await one(deps.database.db, sql`
    INSERT INTO user_totp (user_id, secret_ciphertext, key_id)
    VALUES (${session.userId}, decode(${ciphertext.toString("hex")}, 'hex'), ${keyId})
    ON CONFLICT (user_id) DO UPDATE
      SET secret_ciphertext = EXCLUDED.secret_ciphertext, key_id = EXCLUDED.key_id, created_at = NOW(), last_used_step = NULL
      WHERE user_totp.confirmed_at IS NULL
    RETURNING user_id`);
  if (!written) throw new AppError("CONFLICT", "Two-factor sign-in is already enabled", { appCode: "TOTP_ALREADY_ENABLED" });
  const totp = new TOTP({ issuer: TOTP_ISSUER, label: session.username, secret, ...TOTP_PARAMS });
  return { secret: secret.base32, uri: totp.toString() };
}

/** The first valid code (TOTP only) activates the pending secret; answers ten recovery codes. */
export async function confirmTotp(deps: AppDeps, userId: string, code: string): Promise<{ recoveryCodes: string[] }> {
  const ring = totpKeyring(deps.env);
  return attempt(deps, userId, () =>
    transaction(deps.database.db, async (tx) => {
      const row = await readTotp(tx, userId);
      if (!row) throw new AppError("BAD_REQUEST", "Call auth.totp.setup first", { appCode: "TOTP_SETUP_REQUIRED" });
      if (row.confirmed_at) throw new AppError("CONFLICT", "Two-factor sign-in is already enabled", { appCode: "TOTP_ALREADY_ENABLED" });
      const parsed = parseCode(code);
      const step = parsed.kind === "totp" ? matchingStep(secretOf(ring, userId, row), parsed.token) : null;
      if (step === null) throw invalidCode("BAD_REQUEST");
      // The very secret whose code we checked: a setup that replaced it meanwhile wins.
      const confirmed = await one(tx, sql`
        UPDATE user_totp SET confirmed_at = NOW(), last_used_step = ${step}
        WHERE user_id = ${userId} AND confirmed_at IS NULL AND secret_ciphertext = decode(${row.secret_hex}, 'hex')
        RETURNING user_id`);
      if (!confirmed) throw invalidCode("BAD_REQUEST");
      return { recoveryCodes: await replaceRecoveryCodes(tx, userId) };
    }));
}

/** Needs the password and a code (TOTP or recovery); removes the secret and the recovery codes. */
export async function disableTotp(deps: AppDeps, userId: string, input: { password: string; code: string }): Promise<{ ok: true }> {
  const ring = totpKeyring(deps.env);
  await deps.rateLimits.consume("loginByAccount", `user:${userId}`);
  await requirePassword(deps.database.db, userId, input.password, "password");
  return attempt(deps, userId, () =>
    transaction(deps.database.db, async (tx) => {
      const check = await checkSecondFactor(tx, ring, userId, input.code);
      if (check === "not_enabled") throw notEnabled();
      if (check === "invalid") throw invalidCode("BAD_REQUEST");
      // user_recovery_codes go with the row (ON DELETE CASCADE).
      await tx.execute(sql`DELETE FROM user_totp WHERE user_id = ${userId}`);
      return { ok: true as const };
    }));
}

/** A code (TOTP or recovery) buys ten new recovery codes; the old ones stop working. */
export async function regenerateRecoveryCodes(deps: AppDeps, userId: string, code: string): Promise<{ recoveryCodes: string[] }> {
  const ring = totpKeyring(deps.env);
  return attempt(deps, userId, () =>
    transaction(deps.database.db, async (tx) => {
      const check = await checkSecondFactor(tx, ring, userId, code);
      if (check === "not_enabled") throw notEnabled();
      if (check === "invalid") throw invalidCode("BAD_REQUEST");
      return { recoveryCodes: await replaceRecoveryCodes(tx, userId) };
    }));
}

export interface TotpStatus {
  enabled: boolean;
  pending: boolean;
  enabledAt: string | null;
  recoveryCodesLeft: number;
}

export async function totpStatus(db: DbOrTx, userId: string): Promise<TotpStatus> {
  const row = await one<{ confirmed_at: string | null; left: number }>(db, sql`
    SELECT t.confirmed_at,
           (SELECT count(*)::int FROM user_recovery_codes r WHERE r.user_id = t.user_id AND r.used_at IS NULL) AS left
    FROM user_totp t WHERE t.user_id = ${userId}`);
  if (!row) return { enabled: false, pending: false, enabledAt: null, recoveryCodesLeft: 0 };
  return { enabled: !!row.confirmed_at, pending: !row.confirmed_at, enabledAt: iso(row.confirmed_at), recoveryCodesLeft: Number(row.left) };
}
