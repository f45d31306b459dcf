// account.*: the account as a whole (issue 19): the export archive of everything one wrote.
import { authedProcedure, router } from "../../trpc/init";
import { accountExportListSchema, accountExportSchema } from "./account.output";
import { listExports, requestExport } from "./account.service";

export const accountRouter = router({
  /** Asks for an archive of the account (or returns the one pending); ready later in account.exports. */
  export: authedProcedure.output(accountExportSchema).mutation(({ ctx }) =>
    requestExport({ db: ctx.db, rateLimits: ctx.deps.rateLimits }, { userId: ctx.session.userId })),
  /** The caller's exports, newest first, with a short-lived download URL on the ready ones. */
  exports: authedProcedure.output(accountExportListSchema).query(({ ctx }) =>
    listExports({ db: ctx.db, env: ctx.deps.env, media: ctx.deps.media }, { userId: ctx.session.userId })),
});
