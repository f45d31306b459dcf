import { z } from "zod";
import { fitsTimestamptz } from "../../lib/input-safety";
import { idSchema, paginationShape } from "../../lib/pagination";
import { usernameSchema } from "../auth/auth.schema";
import { postTypeSchema, tagValueSchema } from "../feed/feed.schema";
import { pollInput } from "../poll/poll.schema";

export type PostType = z.infer<typeof postTypeSchema>;

export const TEXT_TYPES: readonly PostType[] = ["text_short", "text_long"];
/** Characters of content per type: short posts are short, long posts are articles. */
export const CONTENT_MAX: Record<PostType, number> = {
  text_short: 1_000, text_long: 100_000, image: 5_000, image_gallery: 5_000, gif: 5_000,
  video_short: 5_000, video_long: 5_000, song: 5_000, album: 5_000,
};
/** How many media items each media type takes, and of which media kind. */
export const MEDIA_RULES: Record<Exclude<PostType, "text_short" | "text_long">, { min: number; max: number; kinds: string[] }> = {
  image: { min: 1, max: 1, kinds: ["image"] },
  image_gallery: { min: 2, max: 20, kinds: ["image", "gif"] },
  gif: { min: 1, max: 1, kinds: ["gif"] },
  video_short: { min: 1, max: 1, kinds: ["video"] },
  video_long: { min: 1, max: 1, kinds: ["video"] },
  song: { min: 1, max: 1, kinds: ["audio"] },
  album: { min: 2, max: 50, kinds: ["audio"] },
};
export const MAX_TAGS = 30;

const title = z.string().trim().max(200).nullable();
const content = z.string().max(100_000).nullable();
const tags = z.array(tagValueSchema).max(MAX_TAGS);
export const SPOILER_TEXT_MAX = 500;
/** A content warning (Mastodon's spoiler_text, Misskey's cw); blank means none (stored as NULL). */
export const spoilerTextSchema = z.string().trim().max(SPOILER_TEXT_MAX, `A content warning is at most ${SPOILER_TEXT_MAX} characters`).nullable()
  .transform((t) => (t ? t : null));
const scheduledFor = z.iso.datetime({ offset: true }).refine(fitsTimestamptz, "Date out of range");

export const createPostInput = z
  .object({
    type: postTypeSchema,
    title: title.optional(),
    content: content.optional(),
    /** Upload ids (media.createUpload's `uploadId`), confirmed and not yet attached, in display order. */
    uploadIds: z.array(idSchema).max(50).optional(),
    tags: tags.optional(),
    status: z.enum(["draft", "published", "scheduled"]).default("published"),
    scheduledFor: scheduledFor.optional(),
    spoilerText: spoilerTextSchema.optional(),
    /** Marks every media item sensitive (a content warning does so anyway). */
    sensitive: z.boolean().optional(),
    /** A poll (text posts only). */
    poll: pollInput.optional(),
    /** Quote this post (one you may see, published): it is embedded in this post's view. */
    quotePostId: idSchema.optional(),
  })
  .strict();

export const updatePostInput = z
  .object({
    postId: idSchema, title: title.optional(), content: content.optional(), tags: tags.optional(), scheduledFor: scheduledFor.optional(),
    spoilerText: spoilerTextSchema.optional(),
    sensitive: z.boolean().optional(),
    /** Replace the poll (null removes it). Changing its options or kind resets its votes (Mastodon's rule). */
    poll: pollInput.nullable().optional(),
  })
  .strict();

export const postIdInput = z.object({ postId: idSchema }).strict();
export const repostInput = z.object({ postId: idSchema, comment: z.string().trim().max(1_000).optional() }).strict();
export const listByUserInput = z
  .object({ username: usernameSchema, ...paginationShape, type: postTypeSchema.optional(), status: z.enum(["published", "draft", "scheduled"]).optional() })
  .strict();
export const bookmarksInput = z.object(paginationShape).strict().prefault({});
