// moderation.*: the report queue and the actions on accounts and content. Every procedure is a
// moderatorProcedure (the role is checked there, once); what an admin may do beyond a moderator
// (act on staff accounts and their content) is checked per target in roles.ts.
import { moderatorProcedure, router } from "../../trpc/init";
import type { Context } from "../../trpc/context";
import { emit } from "../events/events";
import { listActions } from "./audit";
import { actionPageSchema, accountStatusResultSchema, removalResultSchema, reportPageSchema, reportSchema } from "./moderation.output";
import {
  listActionsInput, listReportsInput, removeCommentInput, removePostInput, resolveReportInput, restoreCommentInput,
  restorePostInput, suspendInput, unsuspendInput,
} from "./moderation.schema";
import { changeAccountStatus, type RemovalResult } from "./moderation.service";
import * as content from "./moderation.service";
import { listReports, resolveReport } from "./moderation.reports";

/** Emits the removal's event once it has committed, then answers without it. */
async function settled(ctx: Context, result: RemovalResult) {
  const { event, ...answer } = result;
  if (event) await emit({ db: ctx.db, cache: ctx.deps.cache }, event);
  return answer;
}

const accountDeps = (ctx: Context) => ({ db: ctx.db, cache: ctx.deps.cache, sessions: ctx.deps.sessions });

export const moderationRouter = router({
  reports: moderatorProcedure.input(listReportsInput).output(reportPageSchema).query(({ ctx, input }) => listReports(ctx.db, input)),
  resolve: moderatorProcedure.input(resolveReportInput).output(reportSchema).mutation(({ ctx, input }) => resolveReport(ctx.db, ctx.moderator, input)),

  suspend: moderatorProcedure.input(suspendInput).output(accountStatusResultSchema).mutation(({ ctx, input }) =>
    changeAccountStatus(accountDeps(ctx), ctx.moderator, { userId: input.userId, status: "suspended", reason: input.reason })),
  unsuspend: moderatorProcedure.input(unsuspendInput).output(accountStatusResultSchema).mutation(({ ctx, input }) =>
    changeAccountStatus(accountDeps(ctx), ctx.moderator, { userId: input.userId, status: "active", reason: input.reason })),

  removePost: moderatorProcedure.input(removePostInput).output(removalResultSchema).mutation(async ({ ctx, input }) =>
    settled(ctx, await content.removeContent(ctx.db, ctx.moderator, "post", input.postId, input.reason))),
  restorePost: moderatorProcedure.input(restorePostInput).output(removalResultSchema).mutation(async ({ ctx, input }) =>
    settled(ctx, await content.restoreContent(ctx.db, ctx.moderator, "post", input.postId, input.reason))),
  removeComment: moderatorProcedure.input(removeCommentInput).output(removalResultSchema).mutation(async ({ ctx, input }) =>
    settled(ctx, await content.removeContent(ctx.db, ctx.moderator, "comment", input.commentId, input.reason))),
  restoreComment: moderatorProcedure.input(restoreCommentInput).output(removalResultSchema).mutation(async ({ ctx, input }) =>
    settled(ctx, await content.restoreContent(ctx.db, ctx.moderator, "comment", input.commentId, input.reason))),

  actions: moderatorProcedure.input(listActionsInput).output(actionPageSchema).query(({ ctx, input }) => listActions(ctx.db, input)),
});
