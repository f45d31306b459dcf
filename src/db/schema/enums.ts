// PostgreSQL enum types, mirroring the CREATE TYPE statements in drizzle/*.sql (value order matters).
import { pgEnum } from "drizzle-orm/pg-core";

/** 0006_create_posts.sql */
export const postType = pgEnum("post_type", [
  "text_short",
  "text_long",
  "image",
  "image_gallery",
  "gif",
  "video_short",
  "video_long",
  "song",
  "album",
]);

/** 0006_create_posts.sql */
export const postStatus = pgEnum("post_status", ["draft", "published", "scheduled", "deleted"]);

/** 0006_create_posts.sql */
export const mediaType = pgEnum("media_type", ["image", "gif", "video", "audio", "document"]);

/** 0007_create_social_tables.sql */
export const interactionType = pgEnum("interaction_type", ["like", "bookmark", "share"]);

/** 0011_create_profile_sections.sql */
export const sectionType = pgEnum("section_type", [
  "feed",
  "gallery",
  "links",
  "static_text",
  "static_image",
  "video",
  "reposts",
  "friends",
  "followers",
  "following",
  "list",
]);

/** 0012_create_custom_feeds.sql */
export const filterType = pgEnum("filter_type", ["post_type", "author", "tag", "date_range", "engagement"]);

/** 0012_create_custom_feeds.sql */
export const filterOperator = pgEnum("filter_operator", [
  "equals",
  "not_equals",
  "contains",
  "greater_than",
  "less_than",
  "in_range",
]);

/**
 * 0015_create_notifications.sql; 'reply' and 'friend' added by 0025_extend_notification_types.sql,
 * 'follow_request' and 'follow_approved' by 0055_add_follow_request_notification_types.sql,
 * 'poll', 'quote' and 'export' by 0072_add_peer_notification_types.sql
 */
export const notificationType = pgEnum("notification_type", [
  "follow",
  "like",
  "comment",
  "repost",
  "mention",
  "message",
  "friend_request",
  "system",
  "reply",
  "friend",
  "follow_request",
  "follow_approved",
  "poll",
  "quote",
  "export",
]);

/** 0016_create_user_subscriptions.sql */
export const subscriptionStatus = pgEnum("subscription_status", ["active", "canceled", "expired", "suspended"]);
