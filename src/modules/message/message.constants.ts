// Messaging enums. Dependency-free: message.schema.ts imports them, and src/client.ts re-exports them.

/** Who may start a conversation with someone (users.message_privacy). */
export const MESSAGE_PRIVACY = ["everyone", "following", "friends", "nobody"] as const;
export type MessagePrivacy = (typeof MESSAGE_PRIVACY)[number];
