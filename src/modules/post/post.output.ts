// What post procedures answer, and THE timeline item: every timeline (feed.home, feed.discover,
// feed.execute, list.posts, post.listByUser, post.bookmarks) is a page of `timelineItemSchema`, so
// one component renders them all.
import { z } from "zod";
import { outDate, outId, pageOf, userRefSchema } from "../common/common.output";
import { postTypeSchema } from "../feed/feed.schema";
import { pollSchema } from "../poll/poll.schema";

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
  /** Blur it until the reader asks (the author marked the media sensitive, or the post has a content warning). */
  sensitive: z.boolean(),
});

const postFields = {
  id: outId,
  type: postTypeSchema,
  status: postStatusSchema,
  title: z.string().nullable(),
  /** The content warning: show it in place of the content (and media) until the reader opens the post. */
  spoilerText: z.string().nullable(),
  /** Any of the media is sensitive. */
  sensitive: z.boolean(),
  content: z.string().nullable(),
  contentHtml: z.string().nullable(),
  thumbnailUrl: z.string().nullable(),
  media: z.array(postMediaSchema),
  tags: z.array(z.string()),
  author: userRefSchema,
  counts: z.object({ likes: z.number().int(), comments: z.number().int(), reposts: z.number().int(), views: z.number().int() }),
  viewer: z.object({ liked: z.boolean(), bookmarked: z.boolean(), reposted: z.boolean() }),
  /** A text post's poll, as this reader sees it (results hidden until they voted or it ended). */
  poll: pollSchema.nullable(),
  /** Pinned to its author's profile (post.pin). */
  pinned: z.boolean(),
  /** Set once a published post was edited (post.history lists the versions). */
  editedAt: outDate.nullable(),
  publishedAt: outDate.nullable(),
  scheduledFor: outDate.nullable(),
  createdAt: outDate,
  updatedAt: outDate,
};

/**
 * A quoted post as the quoting post embeds it: `visible` with the post (as this reader may see it;
 * its own quote is not embedded again: hasQuote says there is one), `unavailable` when the reader may not see
 * it or it is gone (the two are indistinguishable, as everywhere), `detached` when its author
 * detached it from this quote (post.detachQuote). The quoted post's id is only given when visible.
 */
export const quotedPostSchema = z.object({ ...postFields, hasQuote: z.boolean() });
export const quoteSchema = z.object({
  state: z.enum(["visible", "unavailable", "detached"]),
  post: quotedPostSchema.nullable(),
});
export const postSchema = z.object({ ...postFields, quote: quoteSchema.nullable() });
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
export const pinResultSchema = z.object({ pinned: z.boolean(), pinnedCount: z.number().int() });
export const detachResultSchema = z.object({ detached: z.literal(true) });

/** One version of a post in post.history: newest (the current one) first. */
export const postVersionSchema = z.object({
  current: z.boolean(),
  title: z.string().nullable(),
  spoilerText: z.string().nullable(),
  content: z.string().nullable(),
  sensitive: z.boolean(),
  /** The post_media ids the version showed (still listed when since removed from the post). */
  mediaIds: z.array(outId),
  pollOptions: z.array(z.string()).nullable(),
  /** From when this version was shown. */
  shownFrom: outDate,
  /** When the next edit replaced it; null for the current version. */
  replacedAt: outDate.nullable(),
});
export const postHistorySchema = z.object({ postId: outId, versions: z.array(postVersionSchema) });
