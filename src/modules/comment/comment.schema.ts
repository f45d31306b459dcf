import { z } from "zod";
import { idSchema, paginationShape } from "../../lib/pagination";
import { spoilerTextSchema } from "../post/post.schema";

export const COMMENT_MAX = 5_000;

export const createCommentInput = z
  .object({
    postId: idSchema,
    content: z.string().trim().min(1, "A comment needs content").max(COMMENT_MAX),
    parentCommentId: idSchema.optional(),
    /** A content warning shown in place of the comment until opened. */
    spoilerText: spoilerTextSchema.optional(),
  })
  .strict();
export const listCommentsInput = z.object({ postId: idSchema, ...paginationShape }).strict();
export const listRepliesInput = z.object({ commentId: idSchema, ...paginationShape }).strict();
export const commentIdInput = z.object({ commentId: idSchema }).strict();
