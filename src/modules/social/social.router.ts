// The follow graph, follow requests, blocks and mutes. Services emit the domain events.
import { authedProcedure, router, viewerProcedure } from "../../trpc/init";
import { followRequestsInput, ownListInput, userIdInput, userListInput } from "./social.schema";
import * as social from "./social.service";
import * as requests from "./follow-requests";
import { suggestions } from "./suggestions";
import {
  approveResultSchema, blockResultSchema, followRequestPageSchema, followResultSchema, muteResultSchema, rejectResultSchema,
  relatedAccountPageSchema, removeFollowerResultSchema, suggestionPageSchema,
} from "./social.output";

export const socialRouter = router({
  follow: authedProcedure.input(userIdInput).output(followResultSchema).mutation(({ ctx, input }) =>
    social.follow(ctx.db, ctx.deps.cache, ctx.session.userId, input.userId)),
  unfollow: authedProcedure.input(userIdInput).output(followResultSchema).mutation(({ ctx, input }) =>
    social.unfollow(ctx.db, ctx.deps.cache, ctx.session.userId, input.userId)),
  followers: viewerProcedure.input(userListInput).output(relatedAccountPageSchema).query(({ ctx, input }) =>
    social.listRelation(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, "followers", input)),
  following: viewerProcedure.input(userListInput).output(relatedAccountPageSchema).query(({ ctx, input }) =>
    social.listRelation(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, "following", input)),
  friends: viewerProcedure.input(userListInput).output(relatedAccountPageSchema).query(({ ctx, input }) =>
    social.listRelation(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, "friends", input)),
  suggestions: authedProcedure.input(ownListInput).output(suggestionPageSchema).query(({ ctx, input }) => suggestions(ctx.db, ctx.session.userId, input)),

  followRequests: authedProcedure.input(followRequestsInput).output(followRequestPageSchema).query(({ ctx, input }) =>
    requests.listFollowRequests(ctx.db, ctx.session.userId, input)),
  approveFollow: authedProcedure.input(userIdInput).output(approveResultSchema).mutation(({ ctx, input }) =>
    requests.approveFollow(ctx.db, ctx.deps.cache, ctx.session.userId, input.userId)),
  rejectFollow: authedProcedure.input(userIdInput).output(rejectResultSchema).mutation(({ ctx, input }) =>
    requests.rejectFollow(ctx.db, ctx.deps.cache, ctx.session.userId, input.userId)),
  cancelFollowRequest: authedProcedure.input(userIdInput).output(followResultSchema).mutation(({ ctx, input }) =>
    requests.cancelFollowRequest(ctx.db, ctx.deps.cache, ctx.session.userId, input.userId)),
  removeFollower: authedProcedure.input(userIdInput).output(removeFollowerResultSchema).mutation(({ ctx, input }) =>
    requests.removeFollower(ctx.db, ctx.deps.cache, ctx.session.userId, input.userId)),

  block: authedProcedure.input(userIdInput).output(blockResultSchema).mutation(({ ctx, input }) =>
    social.block(ctx.db, ctx.deps.cache, ctx.session.userId, input.userId)),
  unblock: authedProcedure.input(userIdInput).output(blockResultSchema).mutation(({ ctx, input }) =>
    social.unblock(ctx.db, ctx.deps.cache, ctx.session.userId, input.userId)),
  mute: authedProcedure.input(userIdInput).output(muteResultSchema).mutation(({ ctx, input }) =>
    social.mute(ctx.db, ctx.deps.cache, ctx.session.userId, input.userId)),
  unmute: authedProcedure.input(userIdInput).output(muteResultSchema).mutation(({ ctx, input }) =>
    social.unmute(ctx.db, ctx.deps.cache, ctx.session.userId, input.userId)),
  blocked: authedProcedure.input(ownListInput).output(relatedAccountPageSchema).query(({ ctx, input }) => social.listOwn(ctx.db, ctx.session.userId, "blocked", input)),
  muted: authedProcedure.input(ownListInput).output(relatedAccountPageSchema).query(({ ctx, input }) => social.listOwn(ctx.db, ctx.session.userId, "muted", input)),
});
