import { z } from "zod";
import { idSchema, isIdString, paginationShape } from "../../lib/pagination";

export const MESSAGE_MAX = 5_000;
/** Participants of a conversation, the caller included. */
export const MAX_PARTICIPANTS = 50;
import { MESSAGE_PRIVACY } from "./message.constants";
export { MESSAGE_PRIVACY, type MessagePrivacy } from "./message.constants";

export const startInput = z
  .object({
    // Duplicates and the caller are allowed here (normalized by the service); the real cap is
    // MAX_PARTICIPANTS distinct accounts, this only bounds the payload.
    participantIds: z.array(idSchema).min(1, "Name at least one participant").max(MAX_PARTICIPANTS * 2),
  })
  .strict();
export const sendInput = z
  .object({
    conversationId: idSchema,
    content: z.string().trim().min(1, "A message needs content").max(MESSAGE_MAX),
  })
  .strict();
export const conversationIdInput = z.object({ conversationId: idSchema }).strict();
export const historyInput = z.object({ conversationId: idSchema, ...paginationShape }).strict();
export const conversationsInput = z.object(paginationShape).strict().prefault({});
export const messageIdInput = z.object({ messageId: idSchema }).strict();
export const setPrivacyInput = z.object({ who: z.enum(MESSAGE_PRIVACY) }).strict();
/** tRPC fills lastEventId from the client's Last-Event-ID on reconnection (a message id, "0" before any). */
export const onEventInput = z
  .object({ lastEventId: z.string().regex(/^(0|[1-9][0-9]{0,18})$/, "Invalid event id").refine((v) => v === "0" || isIdString(v), "Invalid event id").nullish() })
  .strict()
  .optional();
