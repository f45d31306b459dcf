// argon2id at (at least) OWASP's minimum: m=19456 KiB, t=2, p=1.
import argon2 from "argon2";
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { one } from "../../db/query";
import { AppError } from "../../lib/errors";

const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** Passwords are NFC-normalized, so the same characters typed on different systems match. */
function normalize(password: string): string {
  return password.normalize("NFC");
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(normalize(password), OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, normalize(password));
  } catch {
    return false;
  }
}

export function needsRehash(hash: string): boolean {
  try {
    return argon2.needsRehash(hash, OPTIONS);
  } catch {
    return true;
  }
}

/** Verified against when the email is unknown, so both failures cost one argon2 verify. */
let dummyHash: Promise<string> | null = null;
export function timingDummyHash(): Promise<string> {
  dummyHash ??= hashPassword("vrss-timing-equalizer-Password1");
  return dummyHash;
}

/** The account's password, or FORBIDDEN WRONG_PASSWORD naming `field` (change password, delete account, disable 2FA). */
export async function requirePassword(db: DbOrTx, userId: string, password: string, field: string): Promise<void> {
  const row = await one<{ password_hash: string }>(db, sql`SELECT password_hash FROM users WHERE id = ${userId}`);
  if (!row || !(await verifyPassword(row.password_hash, password))) {
    throw new AppError("FORBIDDEN", "Current password is wrong", { appCode: "WRONG_PASSWORD", field });
  }
}
