// Two-factor sign-in (issue 19): 0085 (user_totp: the encrypted TOTP secret and its replay marker),
// 0086 (user_recovery_codes, SHA-256 of single-use codes), 0087 (mfa_challenges: the login step
// between password and code). Mirror of the SQL migrations, kept honest by tests/db/drizzle-drift.test.ts.
import { sql } from "drizzle-orm";
import { bigint, bigserial, check, customType, index, pgTable, unique, varchar } from "drizzle-orm/pg-core";
import { tstz } from "./columns";
import { users } from "./users";

/** BYTEA. The app reads and writes it as hex through encode()/decode() (src/modules/auth/auth.totp.ts). */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

export const userTotp = pgTable(
  "user_totp",
  {
    userId: bigint("user_id", { mode: "number" }).primaryKey().references(() => users.id, { onDelete: "cascade" }),
    /** AES-256-GCM: IV ‖ tag ‖ ciphertext (src/modules/auth/totp-crypto.ts). */
    secretCiphertext: bytea("secret_ciphertext").notNull(),
    /** Fingerprint of the key it was encrypted under. */
    keyId: varchar("key_id", { length: 16 }).notNull(),
    createdAt: tstz("created_at").notNull().defaultNow(),
    /** NULL while the setup waits for its first code. */
    confirmedAt: tstz("confirmed_at"),
    /** The 30 s step of the last accepted code (replay protection). */
    lastUsedStep: bigint("last_used_step", { mode: "number" }),
  },
  (t) => [
    check("user_totp_key_id_format", sql`${t.keyId} ~ '^[0-9a-f]{16}$'`),
    check("user_totp_ciphertext_length", sql`octet_length(${t.secretCiphertext}) BETWEEN 29 AND 256`),
    check("user_totp_step_positive", sql`${t.lastUsedStep} IS NULL OR ${t.lastUsedStep} >= 0`),
    index("user_totp_pending_idx").on(t.createdAt).where(sql`${t.confirmedAt} IS NULL`),
  ],
);

export const userRecoveryCodes = pgTable(
  "user_recovery_codes",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" }).notNull().references(() => userTotp.userId, { onDelete: "cascade" }),
    codeHash: varchar("code_hash", { length: 64 }).notNull(),
    createdAt: tstz("created_at").notNull().defaultNow(),
    usedAt: tstz("used_at"),
  },
  (t) => [
    check("user_recovery_codes_hash_format", sql`${t.codeHash} ~ '^[0-9a-f]{64}$'`),
    unique("user_recovery_codes_unique").on(t.userId, t.codeHash),
  ],
);

export const mfaChallenges = pgTable(
  "mfa_challenges",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" }).notNull().references(() => users.id, { onDelete: "cascade" }),
    tokenHash: varchar("token_hash", { length: 64 }).notNull().unique("mfa_challenges_token_hash_key"),
    createdAt: tstz("created_at").notNull().defaultNow(),
    expiresAt: tstz("expires_at").notNull(),
    usedAt: tstz("used_at"),
  },
  (t) => [
    check("mfa_challenges_token_hash_format", sql`${t.tokenHash} ~ '^[0-9a-f]{64}$'`),
    index("mfa_challenges_user_idx").on(t.userId),
    index("mfa_challenges_expires_idx").on(t.expiresAt),
  ],
);
