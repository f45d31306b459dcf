// Notification types as the API sends them. Dependency-free: notification.service.ts imports them,
// and src/client.ts re-exports them.
export const NOTIFICATION_TYPES = ["follow", "friend", "like", "comment", "reply", "repost", "mention", "message", "system", "follow_request", "follow_approved"] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
