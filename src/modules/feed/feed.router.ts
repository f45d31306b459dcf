import { authedProcedure, router, viewerProcedure } from "../../trpc/init";
import { discoverFeed, homeFeed } from "./feed.home";
import {
  createFeedInput, discoverFeedInput, executeFeedInput, feedIdInput, homeFeedInput, reorderFeedsInput, updateFeedInput,
} from "./feed.schema";
import * as feeds from "./feed.service";

export const feedRouter = router({
  home: authedProcedure.input(homeFeedInput).query(({ ctx, input }) => homeFeed(ctx.db, ctx.deps.cache, ctx.session.userId, input)),
  discover: viewerProcedure.input(discoverFeedInput).query(({ ctx, input }) =>
    discoverFeed(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, input)),
  create: authedProcedure.input(createFeedInput).mutation(({ ctx, input }) => feeds.createFeed(ctx.db, ctx.session.userId, input)),
  update: authedProcedure.input(updateFeedInput).mutation(({ ctx, input }) => feeds.updateFeed(ctx.db, ctx.deps.cache, ctx.session.userId, input)),
  delete: authedProcedure.input(feedIdInput).mutation(({ ctx, input }) => feeds.deleteFeed(ctx.db, ctx.deps.cache, ctx.session.userId, input.feedId)),
  list: authedProcedure.query(({ ctx }) => feeds.listFeeds(ctx.db, ctx.session.userId)),
  reorder: authedProcedure.input(reorderFeedsInput).mutation(({ ctx, input }) => feeds.reorderFeeds(ctx.db, ctx.session.userId, input.feedIds)),
  execute: viewerProcedure.input(executeFeedInput).query(({ ctx, input }) =>
    feeds.executeFeed(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, input)),
});
