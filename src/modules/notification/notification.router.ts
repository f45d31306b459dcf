import { z } from "zod";
import { idSchema, paginationShape } from "../../lib/pagination";
import { authedProcedure, router } from "../../trpc/init";
import * as notifications from "./notification.service";
import { countSchema } from "../common/common.output";
import { notificationPageSchema, updatedSchema } from "./notification.output";

export const notificationRouter = router({
  list: authedProcedure
    .input(z.object({ ...paginationShape, unreadOnly: z.boolean().optional() }).strict().prefault({}))
    .output(notificationPageSchema)
    .query(({ ctx, input }) => notifications.listNotifications(ctx.db, ctx.session.userId, input)),
  unreadCount: authedProcedure.output(countSchema).query(({ ctx }) => notifications.unreadCount(ctx.db, ctx.session.userId)),
  markRead: authedProcedure
    .input(z.object({ ids: z.array(idSchema).min(1).max(100) }).strict())
    .output(updatedSchema)
    .mutation(({ ctx, input }) => notifications.markRead(ctx.db, ctx.session.userId, input.ids)),
  markAllRead: authedProcedure.output(updatedSchema).mutation(({ ctx }) => notifications.markAllRead(ctx.db, ctx.session.userId)),
});
