// What auth procedures answer.
import { z } from "zod";
import { okSchema, outDate } from "../common/common.output";
import { meSchema } from "../user/user.output";

export const authResultSchema = z.object({ token: z.string(), expiresAt: outDate, user: meSchema });
export const revokedSchema = z.object({ revokedSessions: z.number().int() });
export const emailVerifiedSchema = z.object({ emailVerified: z.literal(true) });
export const sentSchema = z.object({ sent: z.boolean() });
export { okSchema };
