import { authedProcedure, publicProcedure, router } from "../../trpc/init";
import type { Context } from "../../trpc/context";
import { getMe } from "../user/user.queries";
import {
  changePasswordInput, loginInput, registerInput, requestPasswordResetInput, resetPasswordInput, verifyEmailInput,
} from "./auth.schema";
import * as auth from "./auth.service";
import { clearedSessionCookie, sessionCookie } from "./cookies";
import { revokeSession, revokeUserSessions } from "./session.service";
import { meSchema } from "../user/user.output";
import { authResultSchema, emailVerifiedSchema, okSchema, revokedSchema, sentSchema } from "./auth.output";

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

  login: publicProcedure.input(loginInput).output(authResultSchema).mutation(async ({ ctx, input }) =>
    setSessionCookie(ctx, await auth.login(ctx.deps, input, meta(ctx)))),

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

  changePassword: authedProcedure.input(changePasswordInput).output(revokedSchema).mutation(({ ctx, input }) =>
    auth.changePassword(ctx.deps, ctx.session, input)),

  verifyEmail: publicProcedure.input(verifyEmailInput).output(emailVerifiedSchema).mutation(({ ctx, input }) => auth.verifyEmail(ctx.deps, input.token)),

  resendVerification: authedProcedure.output(sentSchema).mutation(({ ctx }) => auth.resendVerification(ctx.deps, ctx.session.userId)),

  requestPasswordReset: publicProcedure.input(requestPasswordResetInput).output(okSchema).mutation(({ ctx, input }) =>
    auth.requestPasswordReset(ctx.deps, input.email, meta(ctx))),

  resetPassword: publicProcedure.input(resetPasswordInput).output(okSchema).mutation(({ ctx, input }) => auth.resetPassword(ctx.deps, input)),
});
