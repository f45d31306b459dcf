// report.*: what any signed-in account may do about content or accounts it can see.
import { authedProcedure, router } from "../../trpc/init";
import { filedReportSchema } from "./moderation.output";
import { createReportInput } from "./moderation.schema";
import { createReport } from "./report.service";

export const reportRouter = router({
  create: authedProcedure.input(createReportInput).output(filedReportSchema).mutation(({ ctx, input }) =>
    createReport({ db: ctx.db, cache: ctx.deps.cache, rateLimits: ctx.deps.rateLimits }, ctx.session.userId, input)),
});
