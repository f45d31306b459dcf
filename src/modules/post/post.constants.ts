// Post enums as the API speaks them. Dependency-free: the schemas import them, and src/client.ts
// re-exports them to frontends.

/** The nine kinds of post (PostgreSQL enum post_type, same order). */
export const POST_TYPES = [
  "text_short", "text_long", "image", "image_gallery", "gif", "video_short", "video_long", "song", "album",
] as const;
export type PostType = (typeof POST_TYPES)[number];

/** What a client may see or set as a post's status (post_status's `deleted` is never shown). */
export const POST_STATUSES = ["draft", "published", "scheduled"] as const;
export type PostStatus = (typeof POST_STATUSES)[number];
