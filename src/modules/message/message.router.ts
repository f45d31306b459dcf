import { authedProcedure, router } from "../../trpc/init";
import { streamRequest } from "../events/live-stream";
import { messageEvents, publishToUsers } from "./message.events";
import {
  conversationIdInput,
  conversationsInput,
  historyInput,
  messageIdInput,
  onEventInput,
  sendInput,
  setPrivacyInput,
  startInput,
} from "./message.schema";
import * as messages from "./message.service";
import { countSchema } from "../common/common.output";
import {
  conversationPageSchema, messageDeletedSchema, messagePageSchema, messageSchema, privacySchema, readResultSchema, startedConversationSchema,
} from "./message.output";

export const messageRouter = router({
  start: authedProcedure.input(startInput).output(startedConversationSchema).mutation(({ ctx, input }) =>
    messages.startConversation(ctx.db, ctx.session.userId, input.participantIds)),
  send: authedProcedure.input(sendInput).output(messageSchema).mutation(async ({ ctx, input }) => {
    const { message, recipients } = await messages.sendMessage(ctx.db, ctx.session.userId, input.conversationId, input.content);
    await publishToUsers(ctx.deps.pubsub, ctx.log, recipients, { type: "message", conversationId: message.conversationId, message });
    return message;
  }),
  history: authedProcedure.input(historyInput).output(messagePageSchema).query(({ ctx, input }) => messages.history(ctx.db, ctx.session.userId, input)),
  delete: authedProcedure.input(messageIdInput).output(messageDeletedSchema).mutation(async ({ ctx, input }) => {
    const { recipients, ...result } = await messages.deleteMessage(ctx.db, ctx.session.userId, input.messageId);
    await publishToUsers(ctx.deps.pubsub, ctx.log, recipients, { type: "deleted", conversationId: result.conversationId, messageId: result.messageId });
    return result;
  }),
  markRead: authedProcedure.input(conversationIdInput).output(readResultSchema).mutation(async ({ ctx, input }) => {
    const { recipients, ...read } = await messages.markRead(ctx.db, ctx.session.userId, input.conversationId);
    await publishToUsers(ctx.deps.pubsub, ctx.log, recipients, { type: "read", ...read });
    return read;
  }),
  conversations: authedProcedure.input(conversationsInput).output(conversationPageSchema).query(({ ctx, input }) =>
    messages.listConversations(ctx.db, ctx.session.userId, input)),
  unreadCount: authedProcedure.output(countSchema).query(({ ctx }) => messages.unreadCount(ctx.db, ctx.session.userId)),
  privacy: authedProcedure.output(privacySchema).query(({ ctx }) => messages.getPrivacy(ctx.db, ctx.session.userId)),
  setPrivacy: authedProcedure.input(setPrivacyInput).output(privacySchema).mutation(({ ctx, input }) =>
    messages.setPrivacy(ctx.db, ctx.session.userId, input.who)),
  /** Server-sent events: new messages (tracked by message id, resumable), read and delete updates. */
  onEvent: authedProcedure.input(onEventInput).subscription(({ ctx, input, signal }) =>
    messageEvents(streamRequest(ctx, input, signal))),
});
