import type { Cache } from "../../lib/cache";
import { authedProcedure, router, viewerProcedure } from "../../trpc/init";
import { invalidateHome } from "../feed/feed.home";
import { ownListInput, userIdInput, userListInput } from "./social.schema";
import * as social from "./social.service";
import { suggestions } from "./suggestions";
import { blockResultSchema, followResultSchema, muteResultSchema, relatedAccountPageSchema, suggestionPageSchema } from "./social.output";

/** Runs a graph change, then refreshes the cached home timelines it affects (read-your-writes). */
async function changeGraph<T>(cache: Cache, affected: string[], change: Promise<T>): Promise<T> {
  const result = await change;
  await invalidateHome(cache, ...affected);
  return result;
}

export const socialRouter = router({
  follow: authedProcedure.input(userIdInput).output(followResultSchema).mutation(({ ctx, input }) =>
    changeGraph(ctx.deps.cache, [ctx.session.userId], social.follow(ctx.db, ctx.session.userId, input.userId))),
  unfollow: authedProcedure.input(userIdInput).output(followResultSchema).mutation(({ ctx, input }) =>
    changeGraph(ctx.deps.cache, [ctx.session.userId], social.unfollow(ctx.db, ctx.session.userId, input.userId))),
  followers: viewerProcedure.input(userListInput).output(relatedAccountPageSchema).query(({ ctx, input }) =>
    social.listRelation(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, "followers", input)),
  following: viewerProcedure.input(userListInput).output(relatedAccountPageSchema).query(({ ctx, input }) =>
    social.listRelation(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, "following", input)),
  friends: viewerProcedure.input(userListInput).output(relatedAccountPageSchema).query(({ ctx, input }) =>
    social.listRelation(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, "friends", input)),
  suggestions: authedProcedure.input(ownListInput).output(suggestionPageSchema).query(({ ctx, input }) => suggestions(ctx.db, ctx.session.userId, input)),
  block: authedProcedure.input(userIdInput).output(blockResultSchema).mutation(({ ctx, input }) =>
    changeGraph(ctx.deps.cache, [ctx.session.userId, input.userId], social.block(ctx.db, ctx.session.userId, input.userId))),
  unblock: authedProcedure.input(userIdInput).output(blockResultSchema).mutation(({ ctx, input }) =>
    changeGraph(ctx.deps.cache, [ctx.session.userId, input.userId], social.unblock(ctx.db, ctx.session.userId, input.userId))),
  mute: authedProcedure.input(userIdInput).output(muteResultSchema).mutation(({ ctx, input }) =>
    changeGraph(ctx.deps.cache, [ctx.session.userId], social.mute(ctx.db, ctx.session.userId, input.userId))),
  unmute: authedProcedure.input(userIdInput).output(muteResultSchema).mutation(({ ctx, input }) =>
    changeGraph(ctx.deps.cache, [ctx.session.userId], social.unmute(ctx.db, ctx.session.userId, input.userId))),
  blocked: authedProcedure.input(ownListInput).output(relatedAccountPageSchema).query(({ ctx, input }) => social.listOwn(ctx.db, ctx.session.userId, "blocked", input)),
  muted: authedProcedure.input(ownListInput).output(relatedAccountPageSchema).query(({ ctx, input }) => social.listOwn(ctx.db, ctx.session.userId, "muted", input)),
});
