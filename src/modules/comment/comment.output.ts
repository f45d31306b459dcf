// What comment procedures answer.
import { z } from "zod";
import { outDate, outId, pageOf, userRefSchema } from "../common/common.output";

export const commentSchema = z.object({
  id: outId,
  postId: outId,
  parentCommentId: outId.nullable(),
  /** The content warning (null: none). */
  spoilerText: z.string().nullable(),
  content: z.string(),
  contentHtml: z.string().nullable(),
  author: userRefSchema,
  counts: z.object({ likes: z.number().int(), replies: z.number().int() }),
  createdAt: outDate,
  updatedAt: outDate,
});
export const commentPageSchema = pageOf(commentSchema);
