import { authedProcedure, router, viewerProcedure } from "../../trpc/init";
import { discoverFeed, homeFeed } from "./feed.home";
import {
  createFeedInput, discoverFeedInput, executeFeedInput, feedIdInput, homeFeedInput, reorderFeedsInput, updateFeedInput,
} from "./feed.schema";
import * as feeds from "./feed.service";
import { deletedSchema } from "../common/common.output";
import { timelinePageSchema } from "../post/post.output";
import { feedListSchema, feedSchema } from "./feed.output";

export const feedRouter = router({
  home: authedProcedure.input(homeFeedInput).output(timelinePageSchema).query(({ ctx, input }) => homeFeed(ctx.db, ctx.deps.cache, ctx.session.userId, input)),
  discover: viewerProcedure.input(discoverFeedInput).output(timelinePageSchema).query(({ ctx, input }) =>
    discoverFeed(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, input)),
  create: authedProcedure.input(createFeedInput).output(feedSchema).mutation(({ ctx, input }) => feeds.createFeed(ctx.db, ctx.session.userId, input)),
  update: authedProcedure.input(updateFeedInput).output(feedSchema).mutation(({ ctx, input }) => feeds.updateFeed(ctx.db, ctx.deps.cache, ctx.session.userId, input)),
  delete: authedProcedure.input(feedIdInput).output(deletedSchema).mutation(({ ctx, input }) => feeds.deleteFeed(ctx.db, ctx.deps.cache, ctx.session.userId, input.feedId)),
  list: authedProcedure.output(feedListSchema).query(({ ctx }) => feeds.listFeeds(ctx.db, ctx.session.userId)),
  reorder: authedProcedure.input(reorderFeedsInput).output(feedListSchema).mutation(({ ctx, input }) => feeds.reorderFeeds(ctx.db, ctx.session.userId, input.feedIds)),
  execute: viewerProcedure.input(executeFeedInput).output(timelinePageSchema).query(({ ctx, input }) =>
    feeds.executeFeed(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, input)),
});
