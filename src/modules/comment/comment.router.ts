import { authedProcedure, router, viewerProcedure } from "../../trpc/init";
import { commentIdInput, createCommentInput, listCommentsInput, listRepliesInput } from "./comment.schema";
import * as comments from "./comment.service";

export const commentRouter = router({
  create: authedProcedure.input(createCommentInput).mutation(({ ctx, input }) => comments.createComment(ctx.db, ctx.session.userId, input)),
  list: viewerProcedure.input(listCommentsInput).query(({ ctx, input }) => comments.listComments(ctx.db, ctx.session?.userId ?? null, input)),
  replies: viewerProcedure.input(listRepliesInput).query(({ ctx, input }) => comments.listReplies(ctx.db, ctx.session?.userId ?? null, input)),
  delete: authedProcedure.input(commentIdInput).mutation(({ ctx, input }) => comments.deleteComment(ctx.db, ctx.session.userId, input.commentId)),
});
