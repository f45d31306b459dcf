// Posts and what hangs off them: 0006 (posts, post_media; read-path indexes added by 0026),
// 0020 (post_tags; 0062–0063 add the search indexes), 0021 (post_mentions), 0022 (upload_reservations), 0054 (post_mention_notifications). Mirror of the SQL migrations, kept honest by tests/db/drizzle-drift.test.ts.
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  varchar,
} from "drizzle-orm/pg-core";
import { tstz } from "./columns";
import { mediaType, postStatus, postType } from "./enums";
import { users } from "./users";

export const posts = pgTable(
  "posts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: postType("type").notNull(),
    status: postStatus("status").notNull().default("published"),
    title: varchar("title", { length: 200 }),
    content: text("content"),
    contentHtml: text("content_html"),
    mediaUrls: jsonb("media_urls"),
    thumbnailUrl: varchar("thumbnail_url", { length: 500 }),
    likesCount: integer("likes_count").notNull().default(0),
    commentsCount: integer("comments_count").notNull().default(0),
    repostsCount: integer("reposts_count").notNull().default(0),
    viewsCount: integer("views_count").notNull().default(0),
    publishedAt: tstz("published_at"),
    scheduledFor: tstz("scheduled_for"),
    createdAt: tstz("created_at").notNull().defaultNow(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
    deletedAt: tstz("deleted_at"),
    // 0074–0077 (issue 19): content warning, edit mark, pin, quote
    spoilerText: varchar("spoiler_text", { length: 500 }),
    editedAt: tstz("edited_at"),
    pinnedAt: tstz("pinned_at"),
    quoteOfPostId: bigint("quote_of_post_id", { mode: "number" }).references((): AnyPgColumn => posts.id, { onDelete: "set null" }),
    quoteDetachedAt: tstz("quote_detached_at"),
  },
  (t) => [
    check("posts_spoiler_text_not_blank", sql`${t.spoilerText} IS NULL OR LENGTH(BTRIM(${t.spoilerText})) > 0`),
    check("posts_quote_not_self", sql`${t.quoteOfPostId} IS NULL OR ${t.quoteOfPostId} <> ${t.id}`),
    index("posts_pinned_idx").on(t.userId, t.pinnedAt.desc()).where(sql`${t.pinnedAt} IS NOT NULL`),
    index("posts_quote_of_idx").on(t.quoteOfPostId).where(sql`${t.quoteOfPostId} IS NOT NULL`),
    check("posts_title_length", sql`${t.title} IS NULL OR LENGTH(${t.title}) <= 200`),
    check(
      "posts_content_required",
      sql`${t.type} NOT IN ('text_short', 'text_long') OR (${t.content} IS NOT NULL AND LENGTH(BTRIM(${t.content})) > 0)`,
    ),
    check("posts_published_at_check", sql`${t.status} <> 'published' OR ${t.publishedAt} IS NOT NULL`),
    check("posts_scheduled_for_check", sql`${t.status} <> 'scheduled' OR ${t.scheduledFor} IS NOT NULL`),
    index("idx_posts_user_created")
      .on(t.userId, t.createdAt.desc(), t.status)
      .where(sql`${t.deletedAt} IS NULL`),
    index("idx_posts_type_created")
      .on(t.type, t.createdAt.desc())
      .where(sql`${t.status} = 'published' AND ${t.deletedAt} IS NULL`),
    index("idx_posts_engagement_created")
      .on(t.likesCount.desc(), t.createdAt.desc())
      .where(sql`${t.status} = 'published'`),
    index("idx_posts_user_status").on(t.userId, t.status, t.createdAt.desc()),
    index("idx_posts_media_urls_gin").using("gin", t.mediaUrls),
    // 0026
    index("posts_user_published_idx")
      .on(t.userId, t.publishedAt.desc(), t.id.desc())
      .where(sql`${t.status} = 'published' AND ${t.deletedAt} IS NULL`),
    index("posts_published_created_idx")
      .on(t.createdAt.desc(), t.id.desc())
      .where(sql`${t.status} = 'published' AND ${t.deletedAt} IS NULL`),
    // Also INCLUDE (user_id, likes_count, comments_count, reposts_count) in SQL (0034): Drizzle has no INCLUDE.
    index("posts_published_at_idx")
      .on(t.publishedAt.desc(), t.id.desc())
      .where(sql`${t.status} = 'published' AND ${t.deletedAt} IS NULL`),
    index("posts_published_likes_idx")
      .on(t.likesCount.desc(), t.id.desc())
      .where(sql`${t.status} = 'published' AND ${t.deletedAt} IS NULL`),
    index("posts_scheduled_due_idx")
      .on(t.scheduledFor)
      .where(sql`${t.status} = 'scheduled' AND ${t.deletedAt} IS NULL`),
    index("posts_deleted_at_idx").on(t.deletedAt).where(sql`${t.deletedAt} IS NOT NULL`),
    // 0062, 0079: full-text search (post_search_document is a SQL function of those migrations)
    index("posts_search_idx").using("gin", sql`post_search_document(${t.title}, ${t.spoilerText}, ${t.content})`),
  ],
);

export const postMedia = pgTable(
  "post_media",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    postId: bigint("post_id", { mode: "number" })
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: mediaType("type").notNull(),
    fileUrl: varchar("file_url", { length: 500 }).notNull(),
    fileSizeBytes: bigint("file_size_bytes", { mode: "number" }).notNull(),
    mimeType: varchar("mime_type", { length: 100 }).notNull(),
    width: integer("width"),
    height: integer("height"),
    durationSeconds: integer("duration_seconds"),
    thumbnailUrl: varchar("thumbnail_url", { length: 500 }),
    displayOrder: integer("display_order").notNull().default(0),
    createdAt: tstz("created_at").notNull().defaultNow(),
    isSensitive: boolean("is_sensitive").notNull().default(false), // 0074
  },
  (t) => [
    check("post_media_file_size_positive", sql`${t.fileSizeBytes} > 0`),
    index("idx_post_media_post").on(t.postId, t.displayOrder),
    index("idx_post_media_user_size").on(t.userId, t.createdAt.desc()),
    index("post_media_user_type_idx").on(t.userId, t.type), // 0017
  ],
);

/** Lowercase tags without '#', from #hashtags in the content and the post's explicit tags (0020). */
export const postTags = pgTable(
  "post_tags",
  {
    postId: bigint("post_id", { mode: "number" })
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    tag: varchar("tag", { length: 64 }).notNull(),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "post_tags_pkey", columns: [t.postId, t.tag] }),
    check("post_tags_normalized", sql`${t.tag} = LOWER(${t.tag}) AND ${t.tag} ~ '^[[:alnum:]_]+$'`),
    index("post_tags_tag_idx").on(t.tag, t.postId.desc()),
    // 0063: search.tags' prefix match (LIKE 'pre%' under a non-C collation)
    index("post_tags_tag_prefix_idx").on(sql`${t.tag} text_pattern_ops`),
  ],
);

/** One row per (post, mentioned user) (0021). */
export const postMentions = pgTable(
  "post_mentions",
  {
    postId: bigint("post_id", { mode: "number" })
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    mentionedUserId: bigint("mentioned_user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "post_mentions_pkey", columns: [t.postId, t.mentionedUserId] }),
    index("post_mentions_user_idx").on(t.mentionedUserId, t.createdAt.desc()),
  ],
);

/** One row per (post, account) sent its mention notification: survives edits that drop the mention (0054). */
export const postMentionNotifications = pgTable(
  "post_mention_notifications",
  {
    postId: bigint("post_id", { mode: "number" })
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    notifiedAt: tstz("notified_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "post_mention_notifications_pkey", columns: [t.postId, t.userId] }),
    index("post_mention_notifications_user_idx").on(t.userId),
  ],
);

/** Declared upload sizes held against the quota between createUpload and confirmUpload (0022). */
export const uploadReservations = pgTable(
  "upload_reservations",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    fileKey: varchar("file_key", { length: 500 }).notNull().unique("upload_reservations_file_key_key"),
    fileName: varchar("file_name", { length: 255 }).notNull(),
    mimeType: varchar("mime_type", { length: 100 }).notNull(),
    mediaType: mediaType("media_type").notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    status: varchar("status", { length: 20 }).notNull().default("pending"),
    mediaId: bigint("media_id", { mode: "number" }).references(() => postMedia.id, { onDelete: "set null" }),
    createdAt: tstz("created_at").notNull().defaultNow(),
    expiresAt: tstz("expires_at").notNull(),
    confirmedAt: tstz("confirmed_at"),
    fileUrl: varchar("file_url", { length: 500 }),
    width: integer("width"),
    height: integer("height"),
    durationSeconds: integer("duration_seconds"),
    thumbnailUrl: varchar("thumbnail_url", { length: 500 }),
    attachedAt: tstz("attached_at"),
    purpose: varchar("purpose", { length: 20 }).notNull().default("post"),
  },
  (t) => [
    check("upload_reservations_size_positive", sql`${t.sizeBytes} > 0`),
    check(
      "upload_reservations_status_valid",
      sql`${t.status} IN ('pending', 'confirmed', 'attached', 'expired', 'rejected')`,
    ),
    check("upload_reservations_purpose_valid", sql`${t.purpose} IN ('post', 'profile')`),
    index("upload_reservations_attached_orphan_idx").on(t.id).where(sql`${t.status} = 'attached' AND ${t.mediaId} IS NULL`),
    index("upload_reservations_user_held_idx").on(t.userId).where(sql`${t.status} IN ('pending', 'confirmed')`),
    index("upload_reservations_expiry_idx").on(t.expiresAt).where(sql`${t.status} = 'pending'`),
  ],
);
