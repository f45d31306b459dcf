// Accounts and everything hanging directly off them: 0001 (users, user_profiles), 0018 (sessions),
// 0019 (user_blocks, user_mutes), 0023 (auth_tokens), 0064 (users.role). The SQL migrations are the source of truth; this is their mirror
// (tests/db/drizzle-drift.test.ts keeps the two in step). Constraint and index names are the ones
// PostgreSQL holds, including its generated `<table>_<column>_key` names for column-level UNIQUE.
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  varchar,
} from "drizzle-orm/pg-core";
import { tstz } from "./columns";

export const users = pgTable(
  "users",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    username: varchar("username", { length: 30 }).notNull().unique("users_username_key"),
    email: varchar("email", { length: 255 }).notNull().unique("users_email_key"),
    emailVerified: boolean("email_verified").notNull().default(false),
    passwordHash: varchar("password_hash", { length: 255 }).notNull(),
    status: varchar("status", { length: 20 }).notNull().default("active"),
    createdAt: tstz("created_at").notNull().defaultNow(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
    lastLoginAt: tstz("last_login_at"),
    deletedAt: tstz("deleted_at"),
    /** 'user' | 'moderator' | 'admin' (0064): set by `bun run admin:grant`, read fresh by moderatorProcedure. */
    role: varchar("role", { length: 20 }).notNull().default("user"),
  },
  (t) => [
    check("users_username_length", sql`LENGTH(${t.username}) BETWEEN 3 AND 30`),
    check("users_username_format", sql`${t.username} ~ '^[a-zA-Z0-9_]+$'`),
    check("users_status_valid", sql`${t.status} IN ('active', 'suspended', 'deleted')`),
    check("users_role_valid", sql`${t.role} IN ('user', 'moderator', 'admin')`),
    index("idx_users_email").on(t.email),
    index("idx_users_status").on(t.status).where(sql`${t.status} = 'active'`),
    uniqueIndex("users_username_lower_key").on(sql`lower(${t.username})`),
    uniqueIndex("users_email_lower_key").on(sql`lower(${t.email})`),
    index("users_username_prefix_idx").on(sql`lower(${t.username}) text_pattern_ops`),
    index("users_inactive_idx").on(t.id).where(sql`${t.status} <> 'active'`),
  ],
);

export const userProfiles = pgTable(
  "user_profiles",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .unique("user_profiles_user_id_key")
      .references(() => users.id, { onDelete: "cascade" }),
    displayName: varchar("display_name", { length: 100 }),
    bio: text("bio"),
    age: integer("age"),
    location: varchar("location", { length: 100 }),
    website: varchar("website", { length: 500 }),
    visibility: varchar("visibility", { length: 20 }).notNull().default("public"),
    /** Who may start a conversation with the user (0045). */
    messagePrivacy: varchar("message_privacy", { length: 20 }).notNull().default("everyone"),
    /** Locked profile: NULL = by visibility (on unless public), else the owner's choice (0051). */
    followApproval: boolean("follow_approval"),
    backgroundConfig: jsonb("background_config").notNull().default({}),
    musicConfig: jsonb("music_config"),
    styleConfig: jsonb("style_config").notNull().default({}),
    layoutConfig: jsonb("layout_config").notNull().default({ sections: [] }),
    createdAt: tstz("created_at").notNull().defaultNow(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    check("user_profiles_visibility_valid", sql`${t.visibility} IN ('public', 'followers', 'private')`),
    check("user_profiles_age_valid", sql`${t.age} IS NULL OR (${t.age} >= 13 AND ${t.age} <= 120)`),
    check("user_profiles_message_privacy_valid", sql`${t.messagePrivacy} IN ('everyone', 'following', 'friends', 'nobody')`),
    index("idx_user_profiles_visibility").on(t.visibility).where(sql`${t.visibility} != 'private'`),
    index("idx_user_profiles_style_config_gin").using("gin", t.styleConfig),
    index("user_profiles_display_name_prefix_idx").on(sql`lower(${t.displayName}) text_pattern_ops`),
    index("user_profiles_not_public_idx").on(t.userId).where(sql`${t.visibility} <> 'public'`),
    index("user_profiles_display_name_words_idx").using("gin", sql`to_tsvector('public.simple_unaccent'::regconfig, coalesce(${t.displayName}, ''))`),
  ],
);

/** Login sessions; only the SHA-256 hash of the opaque token is stored (0018). */
export const sessions = pgTable(
  "sessions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: varchar("token_hash", { length: 64 }).notNull().unique("sessions_token_hash_key"),
    createdAt: tstz("created_at").notNull().defaultNow(),
    expiresAt: tstz("expires_at").notNull(),
    lastSeenAt: tstz("last_seen_at").notNull().defaultNow(),
    revokedAt: tstz("revoked_at"),
    userAgent: varchar("user_agent", { length: 500 }),
    ipAddress: varchar("ip_address", { length: 64 }),
  },
  (t) => [
    check("sessions_token_hash_format", sql`${t.tokenHash} ~ '^[0-9a-f]{64}$'`),
    index("sessions_user_active_idx").on(t.userId).where(sql`${t.revokedAt} IS NULL`),
    index("sessions_expires_idx").on(t.expiresAt),
  ],
);

/** Single-use, expiring email-verification / password-reset tokens, stored as SHA-256 hashes (0023). */
export const authTokens = pgTable(
  "auth_tokens",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: varchar("purpose", { length: 30 }).notNull(),
    tokenHash: varchar("token_hash", { length: 64 }).notNull().unique("auth_tokens_token_hash_key"),
    createdAt: tstz("created_at").notNull().defaultNow(),
    expiresAt: tstz("expires_at").notNull(),
    usedAt: tstz("used_at"),
  },
  (t) => [
    check("auth_tokens_purpose_valid", sql`${t.purpose} IN ('verify_email', 'reset_password')`),
    check("auth_tokens_token_hash_format", sql`${t.tokenHash} ~ '^[0-9a-f]{64}$'`),
    index("auth_tokens_user_idx").on(t.userId, t.purpose).where(sql`${t.usedAt} IS NULL`),
  ],
);

export const userBlocks = pgTable(
  "user_blocks",
  {
    blockerId: bigint("blocker_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    blockedId: bigint("blocked_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "user_blocks_pkey", columns: [t.blockerId, t.blockedId] }),
    check("user_blocks_no_self", sql`${t.blockerId} != ${t.blockedId}`),
    index("user_blocks_blocked_idx").on(t.blockedId, t.blockerId),
  ],
);

export const userMutes = pgTable(
  "user_mutes",
  {
    muterId: bigint("muter_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    mutedId: bigint("muted_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "user_mutes_pkey", columns: [t.muterId, t.mutedId] }),
    check("user_mutes_no_self", sql`${t.muterId} != ${t.mutedId}`),
    index("user_mutes_muted_idx").on(t.mutedId),
  ],
);
