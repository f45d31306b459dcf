import type { Db } from "../../db/client";
import type { Logger } from "../../lib/logger";
import type { PubSub } from "../../lib/pubsub";
import { authedProcedure, router } from "../../trpc/init";
import { streamRequest } from "../events/live-stream";
import * as notifications from "./notification.service";
import { countSchema } from "../common/common.output";
import { groupedNotifications, markGroupRead } from "./notification.grouped";
import { notificationEvents, publishUnread } from "./notification.events";
import { groupedInput, listInput, markGroupReadInput, markReadInput, onEventInput } from "./notification.schema";
import { notificationGroupPageSchema, notificationPageSchema, updatedSchema } from "./notification.output";

/**
 * After a mark-read statement committed (each is one autocommit UPDATE): the new count to every
 * open stream of the user, on every process. Nothing changed, nothing sent.
 */
async function unreadChanged(ctx: { db: Db; deps: { pubsub: PubSub }; log: Logger }, userId: string, result: { updated: number }) {
  if (result.updated > 0) await publishUnread({ db: ctx.db, pubsub: ctx.deps.pubsub, log: ctx.log }, userId);
  return result;
}

export const notificationRouter = router({
  list: authedProcedure
    .input(listInput)
    .output(notificationPageSchema)
    .query(({ ctx, input }) => notifications.listNotifications(ctx.db, ctx.session.userId, input)),
  /** Likes, reposts and follows grouped per target and burst; everything else as groups of one. */
  grouped: authedProcedure
    .input(groupedInput)
    .output(notificationGroupPageSchema)
    .query(({ ctx, input }) => groupedNotifications(ctx.db, ctx.session.userId, input)),
  unreadCount: authedProcedure.output(countSchema).query(({ ctx }) => notifications.unreadCount(ctx.db, ctx.session.userId)),
  markRead: authedProcedure
    .input(markReadInput)
    .output(updatedSchema)
    .mutation(async ({ ctx, input }) => unreadChanged(ctx, ctx.session.userId, await notifications.markRead(ctx.db, ctx.session.userId, input.ids))),
  markAllRead: authedProcedure
    .output(updatedSchema)
    .mutation(async ({ ctx }) => unreadChanged(ctx, ctx.session.userId, await notifications.markAllRead(ctx.db, ctx.session.userId))),
  markGroupRead: authedProcedure
    .input(markGroupReadInput)
    .output(updatedSchema)
    .mutation(async ({ ctx, input }) => unreadChanged(ctx, ctx.session.userId, await markGroupRead(ctx.db, ctx.session.userId, input.groupId))),
  /**
   * Server-sent events: new notifications (tracked, resumable with Last-Event-ID), the unread
   * count on open and on every change, ready / keepalive / resync / reconnect.
   */
  onEvent: authedProcedure.input(onEventInput).subscription(({ ctx, input, signal }) =>
    notificationEvents(streamRequest(ctx, input, signal))),
});
