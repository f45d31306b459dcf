// What search.* and tag.* answer. Post results are timeline items (post.output.ts), so the one
// timeline component renders search results and hashtag timelines too.
import { z } from "zod";
import { pageOf, userRefSchema } from "../common/common.output";

export { timelinePageSchema } from "../post/post.output";

export const userSearchPageSchema = pageOf(userRefSchema);

export const tagCountSchema = z.object({
  tag: z.string(),
  /** Posts carrying the tag (only tags that some post anyone may see carries are listed). */
  posts: z.number().int(),
});
export const tagSearchSchema = z.object({ items: z.array(tagCountSchema) });

export const trendingTagSchema = z.object({
  tag: z.string(),
  /** Distinct authors who used the tag within the window. */
  authors: z.number().int(),
  posts: z.number().int(),
});
export const trendingTagsSchema = z.object({ items: z.array(trendingTagSchema), windowHours: z.number().int() });
