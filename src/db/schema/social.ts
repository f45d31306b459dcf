// The follow graph, friendships, likes/bookmarks/shares, comments and reposts: 0007 (plus the
// foreign-key index of 0017 and the read-path indexes of 0026). Mirror of the SQL migrations, kept honest by
// tests/db/drizzle-drift.test.ts. user_follows and post_interactions have both a UNIQUE constraint
// and a plain index on the same columns, as in the SQL.
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  check,
  index,
  integer,
  pgTable,
  text,
  varchar,
  unique,
} from "drizzle-orm/pg-core";
import { tstz } from "./columns";
import { interactionType } from "./enums";
import { posts } from "./posts";
import { users } from "./users";

export const userFollows = pgTable(
  "user_follows",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    followerId: bigint("follower_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    followingId: bigint("following_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    check("user_follows_no_self_follow", sql`${t.followerId} != ${t.followingId}`),
    unique("user_follows_unique").on(t.followerId, t.followingId),
    index("idx_user_follows_follower").on(t.followerId, t.createdAt.desc()),
    index("idx_user_follows_following").on(t.followingId, t.createdAt.desc()),
    index("idx_user_follows_both").on(t.followerId, t.followingId),
  ],
);

/** Pending follows of locked profiles; approved ones move to user_follows (0051). */
export const followRequests = pgTable(
  "follow_requests",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    requesterId: bigint("requester_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    targetId: bigint("target_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    check("follow_requests_no_self", sql`${t.requesterId} <> ${t.targetId}`),
    unique("follow_requests_unique").on(t.requesterId, t.targetId),
    index("follow_requests_target_idx").on(t.targetId, t.createdAt.desc(), t.id.desc()),
  ],
);

/** Mutual follows, stored once per pair with user_id_1 < user_id_2 (kept by triggers, 0010). */
export const friendships = pgTable(
  "friendships",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId1: bigint("user_id_1", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    userId2: bigint("user_id_2", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    check("friendships_no_self", sql`${t.userId1} != ${t.userId2}`),
    check("friendships_ordered", sql`${t.userId1} < ${t.userId2}`),
    unique("friendships_unique").on(t.userId1, t.userId2),
    index("idx_friendships_user1").on(t.userId1, t.createdAt.desc()),
    index("idx_friendships_user2").on(t.userId2, t.createdAt.desc()),
  ],
);

export const postInteractions = pgTable(
  "post_interactions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    postId: bigint("post_id", { mode: "number" })
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    type: interactionType("type").notNull(),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    unique("post_interactions_unique").on(t.userId, t.postId, t.type),
    index("idx_post_interactions_user_post").on(t.userId, t.postId, t.type),
    index("idx_post_interactions_post_type").on(t.postId, t.type, t.createdAt.desc()),
    index("post_interactions_user_type_idx").on(t.userId, t.type, t.createdAt.desc(), t.id.desc()), // 0026
  ],
);

export const comments = pgTable(
  "comments",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    postId: bigint("post_id", { mode: "number" })
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    parentCommentId: bigint("parent_comment_id", { mode: "number" }).references(
      (): AnyPgColumn => comments.id,
      { onDelete: "cascade" },
    ),
    content: text("content").notNull(),
    contentHtml: text("content_html"),
    likesCount: integer("likes_count").notNull().default(0),
    repliesCount: integer("replies_count").notNull().default(0),
    createdAt: tstz("created_at").notNull().defaultNow(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
    deletedAt: tstz("deleted_at"),
    spoilerText: varchar("spoiler_text", { length: 500 }), // 0074
  },
  (t) => [
    check("comments_content_not_empty", sql`LENGTH(TRIM(${t.content})) > 0`),
    check("comments_spoiler_text_not_blank", sql`${t.spoilerText} IS NULL OR LENGTH(BTRIM(${t.spoilerText})) > 0`),
    index("idx_comments_post_created")
      .on(t.postId, t.createdAt.desc())
      .where(sql`${t.deletedAt} IS NULL`),
    index("idx_comments_parent")
      .on(t.parentCommentId, t.createdAt.desc())
      .where(sql`${t.parentCommentId} IS NOT NULL`),
    index("comments_user_id_idx").on(t.userId, t.id), // 0017, 0091
    // 0026
    index("comments_deleted_at_idx").on(t.deletedAt).where(sql`${t.deletedAt} IS NOT NULL`),
    index("comments_post_top_level_idx")
      .on(t.postId, t.createdAt.desc(), t.id.desc())
      .where(sql`${t.deletedAt} IS NULL AND ${t.parentCommentId} IS NULL`),
  ],
);

export const reposts = pgTable(
  "reposts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    postId: bigint("post_id", { mode: "number" })
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    comment: text("comment"),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    unique("reposts_unique").on(t.userId, t.postId),
    index("idx_reposts_user").on(t.userId, t.createdAt.desc()),
    index("idx_reposts_post").on(t.postId, t.createdAt.desc()),
    index("reposts_user_created_id_idx").on(t.userId, t.createdAt.desc(), t.id.desc()),
    // INCLUDE (user_id, post_id) in SQL (0034).
    index("reposts_created_idx").on(t.createdAt.desc(), t.id.desc()),
  ],
);
