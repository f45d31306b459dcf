// What post procedures answer, and THE timeline item: every timeline (feed.home, feed.discover,
// feed.execute, list.posts, post.listByUser, post.bookmarks) is a page of `timelineItemSchema`, so
// one component renders them all.
import { z } from "zod";
import { outDate, outId, pageOf, userRefSchema } from "../common/common.output";
import { postTypeSchema } from "../feed/feed.schema";

export const POST_STATUSES = ["draft", "published", "scheduled"] as const;
export const postStatusSchema = z.enum(POST_STATUSES);
/** The kind of a stored media file (post_media.type, upload_reservations.media_type). */
export const MEDIA_KINDS = ["image", "gif", "video", "audio"] as const;
export const mediaKindSchema = z.enum(MEDIA_KINDS);

/** A media item of a post. `id` is the post_media id (what media.delete's `mediaId` takes). */
export const postMediaSchema = z.object({
  id: outId,
  type: mediaKindSchema,
  url: z.string(),
  mimeType: z.string(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  durationSeconds: z.number().int().nullable(),
  thumbnailUrl: z.string().nullable(),
  displayOrder: z.number().int(),
});

export const postSchema = z.object({
  id: outId,
  type: postTypeSchema,
  status: postStatusSchema,
  title: z.string().nullable(),
  content: z.string().nullable(),
  contentHtml: z.string().nullable(),
  thumbnailUrl: z.string().nullable(),
  media: z.array(postMediaSchema),
  tags: z.array(z.string()),
  author: userRefSchema,
  counts: z.object({ likes: z.number().int(), comments: z.number().int(), reposts: z.number().int(), views: z.number().int() }),
  viewer: z.object({ liked: z.boolean(), bookmarked: z.boolean(), reposted: z.boolean() }),
  publishedAt: outDate.nullable(),
  scheduledFor: outDate.nullable(),
  createdAt: outDate,
  updatedAt: outDate,
});
export type PostOutput = z.infer<typeof postSchema>;

export const repostRefSchema = z.object({ id: outId, by: userRefSchema, comment: z.string().nullable(), createdAt: outDate });

/** One entry of any timeline: a post ("p<postId>") or someone's repost of one ("r<repostId>"). */
export const timelineItemSchema = z.object({
  id: z.string(),
  kind: z.enum(["post", "repost"]),
  post: postSchema,
  repost: repostRefSchema.nullable(),
});
export type TimelineItemOutput = z.infer<typeof timelineItemSchema>;
export const timelinePageSchema = pageOf(timelineItemSchema);

export const postDeletedSchema = z.object({ deleted: z.literal(true), restorableUntil: outDate });
export const likeResultSchema = z.object({ liked: z.boolean(), likesCount: z.number().int() });
export const bookmarkResultSchema = z.object({ bookmarked: z.boolean() });
export const repostResultSchema = z.object({ reposted: z.boolean(), repostsCount: z.number().int() });
export const viewResultSchema = z.object({ counted: z.boolean(), viewsCount: z.number().int() });
