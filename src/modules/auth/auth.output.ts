// What auth procedures answer.
import { z } from "zod";
import { okSchema, outDate, outId } from "../common/common.output";
import { meSchema } from "../user/user.output";

export const authResultSchema = z.object({ token: z.string(), expiresAt: outDate, user: meSchema });
/** auth.login for an account with two-factor sign-in: no session yet; auth.loginMfa completes it. */
export const mfaChallengeSchema = z.object({ mfaRequired: z.literal(true), challenge: z.string(), expiresAt: outDate });
/** auth.login: a session (as auth.register), or the challenge of the second step (tell them apart by `"mfaRequired" in result`). */
export const loginResultSchema = z.union([authResultSchema, mfaChallengeSchema]);
export const revokedSchema = z.object({ revokedSessions: z.number().int() });
export const emailVerifiedSchema = z.object({ emailVerified: z.literal(true) });
export const sentSchema = z.object({ sent: z.boolean() });

export const totpSetupSchema = z.object({ secret: z.string(), uri: z.string() });
export const recoveryCodesSchema = z.object({ recoveryCodes: z.array(z.string()) });
export const totpStatusSchema = z.object({
  enabled: z.boolean(),
  /** A setup waits for its first code (auth.totp.confirm). */
  pending: z.boolean(),
  enabledAt: outDate.nullable(),
  recoveryCodesLeft: z.number().int(),
});
export const sessionSchema = z.object({
  id: outId,
  userAgent: z.string().nullable(),
  /** "Chrome on Linux", from the User-Agent. */
  device: z.string().nullable(),
  ipAddress: z.string().nullable(),
  createdAt: outDate,
  /** Renewed at most every 5 minutes: accurate to that. */
  lastSeenAt: outDate,
  expiresAt: outDate,
  /** The session of this request. */
  current: z.boolean(),
});
export const sessionsSchema = z.object({ items: z.array(sessionSchema) });
export { okSchema };
