// Domain events: the state changes other people can see. Services and routers say what happened
// with `emit(deps, event)`; what that means for caches is decided in one place,
// cache-invalidation.ts, so a new state change cannot forget a cache it affects — and a new cache
// is wired to every event that can make it stale by adding one line per event there.
import type { DbOrTx } from "../../db/client";
import type { Cache } from "../../lib/cache";
import { invalidationFor } from "./cache-invalidation";

export type DomainEvent =
  /** A post became visible to others: created published, published from a draft, restored, or scheduled and due. */
  | { type: "post.published"; authorId: string; postId?: string }
  /** A post was soft-deleted. */
  | { type: "post.deleted"; authorId: string; postId: string }
  | { type: "repost.created"; userId: string; postId: string }
  | { type: "repost.removed"; userId: string; postId: string }
  /** An approved follow now holds (social.follow on an open profile, social.approveFollow). */
  | { type: "follow.started"; followerId: string; followingId: string }
  /** A follow no longer holds (unfollow, removeFollower, a block). */
  | { type: "follow.ended"; followerId: string; followingId: string }
  /** A follow request was created, approved, rejected or cancelled (nothing visible changes until approval). */
  | { type: "follow.requestChanged"; requesterId: string; targetId: string }
  | { type: "block.changed"; blockerId: string; blockedId: string }
  | { type: "mute.changed"; muterId: string; mutedId: string }
  /** Profile fields or configs (display name, bio, background, music, style, layout). */
  | { type: "profile.updated"; userId: string; username: string }
  /** Visibility or follow approval changed: who may see the account's content. */
  | { type: "profile.visibilityChanged"; userId: string; username: string }
  /** Suspended, deleted, or restored to active. */
  | { type: "account.statusChanged"; userId: string; username: string }
  | { type: "feed.changed"; feedId: string }
  | { type: "list.changed"; listId: string };

export type DomainEventType = DomainEvent["type"];

/** What an event handler may use: the database (to find who is affected) and the cache. */
export interface EventDeps {
  db: DbOrTx;
  cache: Cache;
}

/**
 * Applies an event's effects. Call it after the change has committed (a read racing the
 * invalidation then sees the new state), with the primary as `db`.
 */
export async function emit(deps: EventDeps, ...events: DomainEvent[]): Promise<void> {
  for (const event of events) await invalidationFor(event)(deps);
}
