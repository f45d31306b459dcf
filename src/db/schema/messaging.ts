// Conversations, messages and notifications: 0014, 0015 (plus the foreign-key indexes of 0017);
// the outgoing-mail outbox: 0024; messaging (0046 direct_key, 0047 conversation_participants,
// 0048 messages by (conversation_id, id), 0049 one unread message notification per conversation,
// 0070 notifications.xact for live delivery, 0071 the grouping index).
// Mirror of the SQL migrations, kept honest by tests/db/drizzle-drift.test.ts.
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  varchar,
} from "drizzle-orm/pg-core";
import { tstz } from "./columns";
import { notificationType } from "./enums";
import { posts } from "./posts";
import { comments } from "./social";
import { users } from "./users";

/** PostgreSQL's 64-bit transaction id (Drizzle has no built-in for it); read as decimal text. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => "xid8" });

/** 1:1 and group conversations; participants are an array of user ids (no foreign key). */
export const conversations = pgTable(
  "conversations",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    participantIds: bigint("participant_ids", { mode: "number" }).array().notNull(),
    lastMessageAt: tstz("last_message_at").notNull().defaultNow(),
    createdAt: tstz("created_at").notNull().defaultNow(),
    /** "minId:maxId" for 1:1 conversations, NULL for groups: one 1:1 conversation per pair (0046). */
    directKey: varchar("direct_key", { length: 41 }).unique("conversations_direct_key_key"),
  },
  (t) => [
    check("conversations_min_participants", sql`cardinality(${t.participantIds}) >= 2`),
    check(
      "conversations_direct_key_matches",
      sql`${t.directKey} IS NULL OR (cardinality(${t.participantIds}) = 2 AND ${t.participantIds}[1] < ${t.participantIds}[2]
        AND ${t.directKey} = ${t.participantIds}[1]::text || ':' || ${t.participantIds}[2]::text)`,
    ),
    index("idx_conversations_participants").using("gin", t.participantIds),
  ],
);

/**
 * One row per participant, kept in step with conversations.participant_ids by a trigger (0047):
 * the per-user inbox in activity order, and each participant's read marker (messages with
 * id <= last_read_message_id are read).
 */
export const conversationParticipants = pgTable(
  "conversation_participants",
  {
    conversationId: bigint("conversation_id", { mode: "number" })
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    joinedAt: tstz("joined_at").notNull().defaultNow(),
    lastReadMessageId: bigint("last_read_message_id", { mode: "number" }).notNull().default(0),
    lastReadAt: tstz("last_read_at"),
    lastMessageId: bigint("last_message_id", { mode: "number" }).notNull().default(0),
    lastMessageAt: tstz("last_message_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "conversation_participants_pkey", columns: [t.conversationId, t.userId] }),
    index("conversation_participants_user_activity_idx").on(t.userId, t.lastMessageAt.desc(), t.conversationId.desc()),
  ],
);

export const messages = pgTable(
  "messages",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    conversationId: bigint("conversation_id", { mode: "number" })
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    senderId: bigint("sender_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    content: text("content").notNull(),
    readBy: bigint("read_by", { mode: "number" }).array().notNull().default(sql`'{}'`),
    createdAt: tstz("created_at").notNull().defaultNow(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
    deletedAt: tstz("deleted_at"),
  },
  (t) => [
    check("messages_content_not_empty", sql`LENGTH(TRIM(${t.content})) > 0`),
    index("idx_messages_conversation_created")
      .on(t.conversationId, t.createdAt.desc())
      .where(sql`${t.deletedAt} IS NULL`),
    index("idx_messages_unread").using("gin", t.readBy).where(sql`${t.deletedAt} IS NULL`),
    index("messages_sender_id_idx").on(t.senderId, t.id), // 0017, 0091
    // 0048: INCLUDE (sender_id, deleted_at) in SQL; Drizzle has no INCLUDE, the drift test compares names and kinds.
    index("messages_conversation_id_idx").on(t.conversationId, t.id),
  ],
);

export const notifications = pgTable(
  "notifications",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: notificationType("type").notNull(),
    actorId: bigint("actor_id", { mode: "number" }).references(() => users.id, { onDelete: "cascade" }),
    postId: bigint("post_id", { mode: "number" }).references(() => posts.id, { onDelete: "cascade" }),
    commentId: bigint("comment_id", { mode: "number" }).references(() => comments.id, { onDelete: "cascade" }),
    title: varchar("title", { length: 200 }).notNull(),
    content: text("content"),
    actionUrl: varchar("action_url", { length: 500 }),
    isRead: boolean("is_read").notNull().default(false),
    readAt: tstz("read_at"),
    createdAt: tstz("created_at").notNull().defaultNow(),
    /** 0070: the inserting transaction (pg_current_xact_id()); live delivery polls by it. NULL on older rows. */
    xact: xid8("xact").default(sql`pg_current_xact_id()`),
  },
  (t) => [
    check("notifications_title_not_empty", sql`LENGTH(TRIM(${t.title})) > 0`),
    check("notifications_actor_required", sql`${t.type}::text IN ('system', 'poll', 'export') OR ${t.actorId} IS NOT NULL`), // 0073
    // Also INCLUDE (actor_id) in SQL (0036): Drizzle has no INCLUDE.
    index("idx_notifications_user_unread")
      .on(t.userId, t.createdAt.desc())
      .where(sql`${t.isRead} = FALSE`),
    index("idx_notifications_user_created").on(t.userId, t.createdAt.desc()),
    // 0017
    index("notifications_actor_idx").on(t.actorId).where(sql`${t.actorId} IS NOT NULL`),
    index("notifications_post_idx").on(t.postId).where(sql`${t.postId} IS NOT NULL`),
    index("notifications_comment_idx").on(t.commentId).where(sql`${t.commentId} IS NOT NULL`),
    // 0026: a like (or repost) notifies the author once per actor and post.
    uniqueIndex("notifications_once_per_actor_post_idx")
      .on(t.userId, t.actorId, t.postId, t.type)
      .where(sql`${t.type} IN ('like', 'repost')`),
    // 0053: notify() dedupes follow/friend notifications per (recipient, actor) within 24 hours.
    index("notifications_follow_window_idx")
      .on(t.userId, t.actorId, t.createdAt.desc())
      .where(sql`${t.postId} IS NULL`),
    // 0049: one unread `message` notification per recipient and conversation (action_url /messages/<id>).
    uniqueIndex("notifications_one_unread_message_idx")
      .on(t.userId, t.actionUrl)
      .where(sql`${t.type} = 'message' AND ${t.isRead} = FALSE`),
    // 0070: live delivery's poll, per streaming user by inserting transaction.
    index("notifications_user_xact_idx").on(t.userId, t.xact).where(sql`${t.xact} IS NOT NULL`),
    // 0071: notification.grouped, one index-only range; also INCLUDE (actor_id, is_read) in SQL.
    index("notifications_user_group_idx").on(t.userId, t.type, t.postId, t.createdAt, t.id),
  ],
);

/** Mail queued in the caller's transaction, delivered by a job (SKIP LOCKED) (0024). */
export const mailOutbox = pgTable(
  "mail_outbox",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    toAddress: varchar("to_address", { length: 255 }).notNull(),
    subject: varchar("subject", { length: 200 }).notNull(),
    bodyText: text("body_text").notNull(),
    createdAt: tstz("created_at").notNull().defaultNow(),
    sendAfter: tstz("send_after").notNull().defaultNow(),
    sentAt: tstz("sent_at"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    /** When the mail's link stops working: not sent after it, then deleted (drizzle/0052). */
    expiresAt: tstz("expires_at"),
  },
  (t) => [
    check("mail_outbox_attempts_positive", sql`${t.attempts} >= 0`),
    index("mail_outbox_pending_idx").on(t.sendAfter).where(sql`${t.sentAt} IS NULL`),
  ],
);
