import { authedProcedure, publicProcedure, router } from "../../trpc/init";
import type { Context } from "../../trpc/context";
import { getMe } from "../user/user.queries";
import {
  changePasswordInput, loginInput, loginMfaInput, registerInput, requestPasswordResetInput, resetPasswordInput, revokeSessionInput,
  totpConfirmInput, totpDisableInput, totpRegenerateInput, verifyEmailInput,
} from "./auth.schema";
import { loginMfa } from "./auth.mfa";
import * as auth from "./auth.service";
import { listSessions, revokeOwnSession } from "./auth.sessions";
import * as totp from "./auth.totp";
import { clearedSessionCookie, sessionCookie } from "./cookies";
import { revokeSession, revokeUserSessions } from "./session.service";
import { meSchema } from "../user/user.output";
import {
  authResultSchema, emailVerifiedSchema, loginResultSchema, okSchema, recoveryCodesSchema, revokedSchema, sentSchema, sessionsSchema,
  totpSetupSchema, totpStatusSchema,
} from "./auth.output";

const meta = (ctx: Context): auth.ClientMeta => ({ ip: ctx.clientIp, userAgent: ctx.req.headers.get("user-agent") });

/** Signs the new session in: a cookie, and the user's next reads see what this call wrote. */
function setSessionCookie(ctx: Context, result: auth.AuthResult) {
  ctx.resHeaders.append("Set-Cookie", sessionCookie(ctx.deps.env, result.token, ctx.deps.env.SESSION_TTL_DAYS * 86_400));
  ctx.writers.add(result.user.id);
  return result;
}

export const authRouter = router({
  register: publicProcedure.input(registerInput).output(authResultSchema).mutation(async ({ ctx, input }) =>
    setSessionCookie(ctx, await auth.register(ctx.deps, input, meta(ctx)))),

  /** A session, or (two-factor sign-in) `{ mfaRequired: true, challenge }` and no cookie: then auth.loginMfa. */
  login: publicProcedure.input(loginInput).output(loginResultSchema).mutation(async ({ ctx, input }) => {
    const result = await auth.login(ctx.deps, input, meta(ctx));
    return "mfaRequired" in result ? result : setSessionCookie(ctx, result);
  }),

  /** The second step: the challenge auth.login answered and a TOTP or recovery code; signs in as auth.login does. */
  loginMfa: publicProcedure.input(loginMfaInput).output(authResultSchema).mutation(async ({ ctx, input }) =>
    setSessionCookie(ctx, await loginMfa(ctx.deps, input, meta(ctx)))),

  logout: authedProcedure.output(okSchema).mutation(async ({ ctx }) => {
    await revokeSession(ctx.db, ctx.session.sessionId);
    // Announced to every process before we answer: the very next request with this token is refused.
    await ctx.deps.sessions.revoked({ sessionId: ctx.session.sessionId });
    ctx.resHeaders.append("Set-Cookie", clearedSessionCookie(ctx.deps.env));
    return { ok: true as const };
  }),

  logoutAll: authedProcedure.output(revokedSchema).mutation(async ({ ctx }) => {
    const revoked = await revokeUserSessions(ctx.db, ctx.session.userId);
    await ctx.deps.sessions.revoked({ userId: ctx.session.userId });
    ctx.resHeaders.append("Set-Cookie", clearedSessionCookie(ctx.deps.env));
    return { revokedSessions: revoked };
  }),

  me: authedProcedure.output(meSchema).query(({ ctx }) => getMe(ctx.db, ctx.session.userId)),

  /** The caller's live sessions, newest first; `current` marks this one. */
  sessions: authedProcedure.output(sessionsSchema).query(({ ctx }) => listSessions(ctx.db, ctx.session)),

  /** Signs one of the caller's sessions out, at once everywhere; another account's or an unknown id is NOT_FOUND. */
  revokeSession: authedProcedure.input(revokeSessionInput).output(okSchema).mutation(async ({ ctx, input }) => {
    const { current } = await revokeOwnSession(ctx.deps, ctx.db, ctx.session, input.sessionId);
    if (current) ctx.resHeaders.append("Set-Cookie", clearedSessionCookie(ctx.deps.env));
    return { ok: true as const };
  }),

  totp: router({
    status: authedProcedure.output(totpStatusSchema).query(({ ctx }) => totp.totpStatus(ctx.db, ctx.session.userId)),
    /** A new secret (base32 and otpauth:// URI), inactive until auth.totp.confirm. */
    setup: authedProcedure.output(totpSetupSchema).mutation(({ ctx }) => totp.setupTotp(ctx.deps, ctx.session)),
    /** The first code activates two-factor sign-in; answers ten single-use recovery codes, shown this once. */
    confirm: authedProcedure.input(totpConfirmInput).output(recoveryCodesSchema).mutation(({ ctx, input }) =>
      totp.confirmTotp(ctx.deps, ctx.session.userId, input.code)),
    /** Needs the password and a TOTP or recovery code. */
    disable: authedProcedure.input(totpDisableInput).output(okSchema).mutation(({ ctx, input }) =>
      totp.disableTotp(ctx.deps, ctx.session.userId, input)),
    /** Ten new recovery codes for a TOTP or recovery code; the old ones stop working. */
    regenerateRecoveryCodes: authedProcedure.input(totpRegenerateInput).output(recoveryCodesSchema).mutation(({ ctx, input }) =>
      totp.regenerateRecoveryCodes(ctx.deps, ctx.session.userId, input.code)),
  }),

  changePassword: authedProcedure.input(changePasswordInput).output(revokedSchema).mutation(({ ctx, input }) =>
    auth.changePassword(ctx.deps, ctx.session, input)),

  verifyEmail: publicProcedure.input(verifyEmailInput).output(emailVerifiedSchema).mutation(({ ctx, input }) => auth.verifyEmail(ctx.deps, input.token)),

  resendVerification: authedProcedure.output(sentSchema).mutation(({ ctx }) => auth.resendVerification(ctx.deps, ctx.session.userId)),

  requestPasswordReset: publicProcedure.input(requestPasswordResetInput).output(okSchema).mutation(({ ctx, input }) =>
    auth.requestPasswordReset(ctx.deps, input.email, meta(ctx))),

  resetPassword: publicProcedure.input(resetPasswordInput).output(okSchema).mutation(({ ctx, input }) => auth.resetPassword(ctx.deps, input)),
});
