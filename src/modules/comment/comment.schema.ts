import { z } from "zod";
import { idSchema, paginationShape } from "../../lib/pagination";

export const COMMENT_MAX = 5_000;

export const createCommentInput = z
  .object({
    postId: idSchema,
    content: z.string().trim().min(1, "A comment needs content").max(COMMENT_MAX),
    parentCommentId: idSchema.optional(),
  })
  .strict();
export const listCommentsInput = z.object({ postId: idSchema, ...paginationShape }).strict();
export const listRepliesInput = z.object({ commentId: idSchema, ...paginationShape }).strict();
export const commentIdInput = z.object({ commentId: idSchema }).strict();
