// tag.posts (a hashtag timeline) and tag.trending: open to signed-out callers (viewerProcedure).
import { router, viewerProcedure } from "../../trpc/init";
import { tagPostsInput, trendingTagsInput } from "./search.schema";
import { timelinePageSchema, trendingTagsSchema } from "./search.output";
import { tagPosts, trendingTags } from "./tag.service";

export const tagRouter = router({
  posts: viewerProcedure.input(tagPostsInput).output(timelinePageSchema).query(({ ctx, input }) =>
    tagPosts(ctx.db, ctx.session?.userId ?? null, input)),
  trending: viewerProcedure.input(trendingTagsInput).output(trendingTagsSchema).query(({ ctx, input }) =>
    trendingTags(ctx.db, ctx.deps.cache, input)),
});
