// What notification procedures answer.
import { z } from "zod";
import { outDate, outId, pageOf, userRefSchema } from "../common/common.output";
import { NOTIFICATION_TYPES } from "./notification.constants";

export const notificationSchema = z.object({
  id: outId,
  type: z.enum(NOTIFICATION_TYPES),
  title: z.string(),
  content: z.string().nullable(),
  actionUrl: z.string().nullable(),
  isRead: z.boolean(),
  readAt: outDate.nullable(),
  createdAt: outDate,
  postId: outId.nullable(),
  commentId: outId.nullable(),
  /** null for system notifications. */
  actor: userRefSchema.nullable(),
});
export const notificationPageSchema = pageOf(notificationSchema);
export const updatedSchema = z.object({ updated: z.number().int() });

/** One group of notification.grouped: likes or reposts of one post, or follows, close in time; anything else alone. */
export const notificationGroupSchema = z.object({
  /** The group's first notification id: stable while the group grows; notification.markGroupRead takes it. */
  groupId: outId,
  type: z.enum(NOTIFICATION_TYPES),
  /** The post liked or reposted (null for follows and account-level notifications). */
  postId: outId.nullable(),
  /** "maya and 11 others liked your post"; a group of one has its notification's title. */
  title: z.string(),
  /** Distinct visible actors (0 for system notifications). */
  actorCount: z.number().int(),
  notificationCount: z.number().int(),
  /** Up to 3 most recent distinct visible actors, newest first. */
  latestActors: z.array(userRefSchema),
  unread: z.boolean(),
  unreadCount: z.number().int(),
  newestAt: outDate,
  oldestAt: outDate,
  /** The group's newest notification (its link, excerpt, post). */
  latest: notificationSchema,
});
export const notificationGroupPageSchema = pageOf(notificationGroupSchema);
