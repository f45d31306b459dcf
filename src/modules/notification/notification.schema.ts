// Inputs of the notification procedures.
import { z } from "zod";
import { idSchema, isIdString, paginationShape } from "../../lib/pagination";

export const listInput = z.object({ ...paginationShape, unreadOnly: z.boolean().optional() }).strict().prefault({});
/** Groups with at least one unread notification only, when unreadOnly. */
export const groupedInput = z.object({ ...paginationShape, unreadOnly: z.boolean().optional() }).strict().prefault({});
export const markReadInput = z.object({ ids: z.array(idSchema).min(1).max(100) }).strict();
/** A group's id as notification.grouped returned it (its first notification's id). */
export const markGroupReadInput = z.object({ groupId: idSchema }).strict();
/** tRPC fills lastEventId from the client's Last-Event-ID on reconnection (a notification id, "0" before any). */
export const onEventInput = z
  .object({ lastEventId: z.string().regex(/^(0|[1-9][0-9]{0,18})$/, "Invalid event id").refine((v) => v === "0" || isIdString(v), "Invalid event id").nullish() })
  .strict()
  .optional();
