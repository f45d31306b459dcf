import { authedProcedure, router, viewerProcedure } from "../../trpc/init";
import { invalidateHome } from "../feed/feed.home";
import { ownListInput, userIdInput, userListInput } from "./social.schema";
import * as social from "./social.service";
import { suggestions } from "./suggestions";

export const socialRouter = router({
  // Graph changes invalidate the cached home timelines they affect (read-your-writes).
  follow: authedProcedure.input(userIdInput).mutation(async ({ ctx, input }) => {
    const result = await social.follow(ctx.db, ctx.session.userId, input.userId);
    await invalidateHome(ctx.deps.cache, ctx.session.userId);
    return result;
  }),
  unfollow: authedProcedure.input(userIdInput).mutation(async ({ ctx, input }) => {
    const result = await social.unfollow(ctx.db, ctx.session.userId, input.userId);
    await invalidateHome(ctx.deps.cache, ctx.session.userId);
    return result;
  }),
  followers: viewerProcedure.input(userListInput).query(({ ctx, input }) =>
    social.listRelation(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, "followers", input)),
  following: viewerProcedure.input(userListInput).query(({ ctx, input }) =>
    social.listRelation(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, "following", input)),
  friends: viewerProcedure.input(userListInput).query(({ ctx, input }) =>
    social.listRelation(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, "friends", input)),
  suggestions: authedProcedure.input(ownListInput).query(({ ctx, input }) => suggestions(ctx.db, ctx.session.userId, input)),
  block: authedProcedure.input(userIdInput).mutation(async ({ ctx, input }) => {
    const result = await social.block(ctx.db, ctx.session.userId, input.userId);
    await invalidateHome(ctx.deps.cache, ctx.session.userId, input.userId);
    return result;
  }),
  unblock: authedProcedure.input(userIdInput).mutation(async ({ ctx, input }) => {
    const result = await social.unblock(ctx.db, ctx.session.userId, input.userId);
    await invalidateHome(ctx.deps.cache, ctx.session.userId, input.userId);
    return result;
  }),
  mute: authedProcedure.input(userIdInput).mutation(async ({ ctx, input }) => {
    const result = await social.mute(ctx.db, ctx.session.userId, input.userId);
    await invalidateHome(ctx.deps.cache, ctx.session.userId);
    return result;
  }),
  unmute: authedProcedure.input(userIdInput).mutation(async ({ ctx, input }) => {
    const result = await social.unmute(ctx.db, ctx.session.userId, input.userId);
    await invalidateHome(ctx.deps.cache, ctx.session.userId);
    return result;
  }),
  blocked: authedProcedure.input(ownListInput).query(({ ctx, input }) => social.listOwn(ctx.db, ctx.session.userId, "blocked", input)),
  muted: authedProcedure.input(ownListInput).query(({ ctx, input }) => social.listOwn(ctx.db, ctx.session.userId, "muted", input)),
});
