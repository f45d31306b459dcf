// What message procedures answer.
import { z } from "zod";
import { outDate, outId, pageOf, userRefSchema } from "../common/common.output";
import { MESSAGE_PRIVACY } from "./message.schema";

export const messageSchema = z.object({
  id: outId,
  conversationId: outId,
  sender: userRefSchema,
  /** null once deleted. */
  content: z.string().nullable(),
  deleted: z.boolean(),
  createdAt: outDate,
  readBy: z.array(outId),
});

export const startedConversationSchema = z.object({
  id: outId,
  isGroup: z.boolean(),
  participants: z.array(userRefSchema),
  createdAt: outDate,
  lastMessageAt: outDate,
  created: z.boolean(),
});

export const conversationPageSchema = pageOf(z.object({
  id: outId,
  isGroup: z.boolean(),
  participants: z.array(userRefSchema),
  createdAt: outDate,
  lastMessageAt: outDate,
  lastMessage: messageSchema.omit({ readBy: true }).nullable(),
  unreadCount: z.number().int(),
  unreadCapped: z.boolean(),
  lastReadMessageId: outId,
}));

export const messagePageSchema = pageOf(messageSchema);
export const messageDeletedSchema = z.object({ messageId: outId, conversationId: outId, deleted: z.literal(true) });
export const readResultSchema = z.object({ conversationId: outId, userId: outId, lastReadMessageId: outId, readAt: outDate });
export const privacySchema = z.object({ who: z.enum(MESSAGE_PRIVACY) });
