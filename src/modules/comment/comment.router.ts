import { authedProcedure, router, viewerProcedure } from "../../trpc/init";
import { commentIdInput, createCommentInput, listCommentsInput, listRepliesInput } from "./comment.schema";
import * as comments from "./comment.service";
import { deletedSchema } from "../common/common.output";
import { commentPageSchema, commentSchema } from "./comment.output";

export const commentRouter = router({
  create: authedProcedure.input(createCommentInput).output(commentSchema).mutation(({ ctx, input }) => comments.createComment(ctx.db, ctx.session.userId, input)),
  list: viewerProcedure.input(listCommentsInput).output(commentPageSchema).query(({ ctx, input }) => comments.listComments(ctx.db, ctx.session?.userId ?? null, input)),
  replies: viewerProcedure.input(listRepliesInput).output(commentPageSchema).query(({ ctx, input }) => comments.listReplies(ctx.db, ctx.session?.userId ?? null, input)),
  delete: authedProcedure.input(commentIdInput).output(deletedSchema).mutation(({ ctx, input }) => comments.deleteComment(ctx.db, ctx.session.userId, input.commentId)),
});
