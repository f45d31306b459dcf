import { authedProcedure, router, viewerProcedure } from "../../trpc/init";
import type { Context } from "../../trpc/context";
import { emit, type DomainEvent } from "../events/events";
import * as interactions from "./post.interactions";
import { bookmarksInput, createPostInput, listByUserInput, postIdInput, repostInput, updatePostInput } from "./post.schema";
import * as posts from "./post.service";
import { postHistory } from "./post.edits";
import { pinPost, unpinPost } from "./post.pins";
import { detachQuote } from "./post.quotes";
import {
  bookmarkResultSchema, detachResultSchema, likeResultSchema, pinResultSchema, postDeletedSchema, postHistorySchema, postSchema, repostResultSchema,
  timelinePageSchema, viewResultSchema,
} from "./post.output";

type AuthedContext = Context & { session: { userId: string } };

/** A post that others can now see (a draft or a scheduled post is not an event yet). */
async function published<T extends { id: string; status: string }>(ctx: AuthedContext, post: T): Promise<T> {
  if (post.status === "published") await emit({ db: ctx.db, cache: ctx.deps.cache }, { type: "post.published", authorId: ctx.session.userId, postId: post.id });
  return post;
}

/** Emits `event` once `result` is in (the change has committed), then answers `result`. */
async function then<T>(ctx: AuthedContext, result: T, event: DomainEvent): Promise<T> {
  await emit({ db: ctx.db, cache: ctx.deps.cache }, event);
  return result;
}

export const postRouter = router({
  create: authedProcedure.input(createPostInput).output(postSchema).mutation(async ({ ctx, input }) =>
    published(ctx, await posts.createPost(ctx.db, ctx.session.userId, input))),
  update: authedProcedure.input(updatePostInput).output(postSchema).mutation(({ ctx, input }) => posts.updatePost(ctx.db, ctx.session.userId, input)),
  publish: authedProcedure.input(postIdInput).output(postSchema).mutation(async ({ ctx, input }) =>
    published(ctx, await posts.publishPost(ctx.db, ctx.session.userId, input.postId))),
  delete: authedProcedure.input(postIdInput).output(postDeletedSchema).mutation(async ({ ctx, input }) =>
    then(ctx, await posts.deletePost(ctx.db, ctx.session.userId, input.postId), { type: "post.deleted", authorId: ctx.session.userId, postId: input.postId })),
  restore: authedProcedure.input(postIdInput).output(postSchema).mutation(async ({ ctx, input }) =>
    published(ctx, await posts.restorePost(ctx.db, ctx.session.userId, input.postId))),
  get: viewerProcedure.input(postIdInput).output(postSchema).query(({ ctx, input }) => posts.getPost(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, input.postId)),
  /** The versions of a published post, newest (current) first: whoever may see the post may see them. */
  history: viewerProcedure.input(postIdInput).output(postHistorySchema).query(({ ctx, input }) =>
    postHistory(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, input.postId)),
  pin: authedProcedure.input(postIdInput).output(pinResultSchema).mutation(({ ctx, input }) => pinPost(ctx.db, ctx.session.userId, input.postId)),
  unpin: authedProcedure.input(postIdInput).output(pinResultSchema).mutation(({ ctx, input }) => unpinPost(ctx.db, ctx.session.userId, input.postId)),
  /** By the quoted post's author: `postId` is the quoting post; its embed then says "detached". */
  detachQuote: authedProcedure.input(postIdInput).output(detachResultSchema).mutation(({ ctx, input }) =>
    detachQuote(ctx.db, ctx.session.userId, input.postId)),
  listByUser: viewerProcedure.input(listByUserInput).output(timelinePageSchema).query(({ ctx, input }) =>
    posts.listPostsByUser(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, input)),

  like: authedProcedure.input(postIdInput).output(likeResultSchema).mutation(({ ctx, input }) => interactions.likePost(ctx.db, ctx.session.userId, input.postId)),
  unlike: authedProcedure.input(postIdInput).output(likeResultSchema).mutation(({ ctx, input }) => interactions.unlikePost(ctx.db, ctx.session.userId, input.postId)),
  bookmark: authedProcedure.input(postIdInput).output(bookmarkResultSchema).mutation(({ ctx, input }) => interactions.bookmarkPost(ctx.db, ctx.session.userId, input.postId)),
  unbookmark: authedProcedure.input(postIdInput).output(bookmarkResultSchema).mutation(({ ctx, input }) =>
    interactions.unbookmarkPost(ctx.db, ctx.session.userId, input.postId)),
  bookmarks: authedProcedure.input(bookmarksInput).output(timelinePageSchema).query(({ ctx, input }) => interactions.listBookmarks(ctx.db, ctx.session.userId, input)),
  repost: authedProcedure.input(repostInput).output(repostResultSchema).mutation(async ({ ctx, input }) =>
    then(ctx, await interactions.repostPost(ctx.db, ctx.session.userId, input.postId, input.comment), { type: "repost.created", userId: ctx.session.userId, postId: input.postId })),
  unrepost: authedProcedure.input(postIdInput).output(repostResultSchema).mutation(async ({ ctx, input }) =>
    then(ctx, await interactions.unrepostPost(ctx.db, ctx.session.userId, input.postId), { type: "repost.removed", userId: ctx.session.userId, postId: input.postId })),
  view: viewerProcedure.input(postIdInput).output(viewResultSchema).mutation(({ ctx, input }) =>
    interactions.viewPost(ctx.db, ctx.deps.cache, { userId: ctx.session?.userId ?? null, ip: ctx.clientIp }, input.postId)),
});
