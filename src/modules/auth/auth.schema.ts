import { z } from "zod";
import { idSchema } from "../../lib/pagination";

export const usernameSchema = z
  .string()
  .regex(/^[a-zA-Z0-9_]{3,30}$/, "Username must be 3–30 letters, digits or underscores");

/** RFC 5322-style address (Zod's email check), at most 255 characters, stored lowercased. */
export const emailSchema = z
  .string()
  .trim()
  .max(255, "Email must be at most 255 characters")
  .pipe(z.email("Invalid email address"))
  .transform((e) => e.toLowerCase());

/** ≥ 8 and ≤ 256 characters with an upper-case letter, a lower-case letter and a digit (any script). */
export const passwordSchema = z
  .string()
  .min(8, "Password must be at least 8 characters")
  .max(256, "Password must be at most 256 characters")
  .refine((p) => /\p{Lu}/u.test(p), "Password needs an upper-case letter")
  .refine((p) => /\p{Ll}/u.test(p), "Password needs a lower-case letter")
  .refine((p) => /\p{Nd}/u.test(p), "Password needs a digit");

const tokenSchema = z.string().min(16).max(200);

export const registerInput = z.object({ username: usernameSchema, email: emailSchema, password: passwordSchema }).strict();
export const loginInput = z
  .object({ email: z.string().trim().min(1).max(255).transform((e) => e.toLowerCase()), password: z.string().min(1).max(256) })
  .strict();
export const changePasswordInput = z.object({ currentPassword: z.string().min(1).max(256), newPassword: passwordSchema }).strict();
export const verifyEmailInput = z.object({ token: tokenSchema }).strict();
export const requestPasswordResetInput = z.object({ email: emailSchema }).strict();
export const resetPasswordInput = z.object({ token: tokenSchema, newPassword: passwordSchema }).strict();
export const deleteAccountInput = z.object({ password: z.string().min(1).max(256) }).strict();

/** A TOTP code ("123456", spaces allowed) or a recovery code ("abcd-efgh-jkmn-pqrs", any case). */
const secondFactorCode = z.string().trim().min(1).max(64);
export const loginMfaInput = z.object({ challenge: tokenSchema, code: secondFactorCode }).strict();
export const totpConfirmInput = z.object({ code: secondFactorCode }).strict();
export const totpDisableInput = z.object({ password: z.string().min(1).max(256), code: secondFactorCode }).strict();
export const totpRegenerateInput = z.object({ code: secondFactorCode }).strict();
export const revokeSessionInput = z.object({ sessionId: idSchema }).strict();
