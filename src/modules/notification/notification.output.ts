// What notification procedures answer.
import { z } from "zod";
import { outDate, outId, pageOf, userRefSchema } from "../common/common.output";
import { NOTIFICATION_TYPES } from "./notification.constants";

export const notificationSchema = z.object({
  id: outId,
  type: z.enum(NOTIFICATION_TYPES),
  title: z.string(),
  content: z.string().nullable(),
  actionUrl: z.string().nullable(),
  isRead: z.boolean(),
  readAt: outDate.nullable(),
  createdAt: outDate,
  postId: outId.nullable(),
  commentId: outId.nullable(),
  /** null for system notifications. */
  actor: userRefSchema.nullable(),
});
export const notificationPageSchema = pageOf(notificationSchema);
export const updatedSchema = z.object({ updated: z.number().int() });
