// Notification types as the API sends them. Dependency-free: notification.service.ts imports them,
// and src/client.ts re-exports them.
export const NOTIFICATION_TYPES = ["follow", "friend", "like", "comment", "reply", "repost", "mention", "message", "system", "follow_request", "follow_approved", "poll", "quote", "export"] as const;
/** Types with no actor: the server tells the recipient about their own things. */
export const ACTORLESS_TYPES = ["system", "poll", "export"] as const;
export type ActorlessType = (typeof ACTORLESS_TYPES)[number];
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
