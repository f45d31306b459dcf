import { authedProcedure, router, viewerProcedure } from "../../trpc/init";
import { ownListInput, userIdInput, userListInput } from "./social.schema";
import * as social from "./social.service";

export const socialRouter = router({
  follow: authedProcedure.input(userIdInput).mutation(({ ctx, input }) => social.follow(ctx.db, ctx.session.userId, input.userId)),
  unfollow: authedProcedure.input(userIdInput).mutation(({ ctx, input }) => social.unfollow(ctx.db, ctx.session.userId, input.userId)),
  followers: viewerProcedure.input(userListInput).query(({ ctx, input }) =>
    social.listRelation(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, "followers", input)),
  following: viewerProcedure.input(userListInput).query(({ ctx, input }) =>
    social.listRelation(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, "following", input)),
  friends: viewerProcedure.input(userListInput).query(({ ctx, input }) =>
    social.listRelation(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, "friends", input)),
  block: authedProcedure.input(userIdInput).mutation(({ ctx, input }) => social.block(ctx.db, ctx.session.userId, input.userId)),
  unblock: authedProcedure.input(userIdInput).mutation(({ ctx, input }) => social.unblock(ctx.db, ctx.session.userId, input.userId)),
  mute: authedProcedure.input(userIdInput).mutation(({ ctx, input }) => social.mute(ctx.db, ctx.session.userId, input.userId)),
  unmute: authedProcedure.input(userIdInput).mutation(({ ctx, input }) => social.unmute(ctx.db, ctx.session.userId, input.userId)),
  blocked: authedProcedure.input(ownListInput).query(({ ctx, input }) => social.listOwn(ctx.db, ctx.session.userId, "blocked", input)),
  muted: authedProcedure.input(ownListInput).query(({ ctx, input }) => social.listOwn(ctx.db, ctx.session.userId, "muted", input)),
});
