// The one map from domain events to the cache entries they make stale. Every cached read is here:
//   timelines feed.home's materialized inboxes and outboxes (feed.fanout.ts): new posts and reposts
//             fanned out, inboxes dropped when whose items they hold changes (rebuilt on next read)
//   discover  feed.discover, shared: post ids, 5 min, no version (popularity may lag by its TTL)
//   feedexec  feed.execute, per feed and viewer: post ids, version `feed:<id>`, 60 s
//   profile   user.get & co, per username: the profile row, deleted on change, 5 min
// Cached entries hold ids only: every read hydrates them under the visibility policy — the post
// *and*, for a repost, the reposter (active, no block, content visible, not muted) — and profile
// reads check the account's status and blocks fresh. So removals (delete, block, suspension, a
// profile turning private) vanish at once even without an event; the events below make additions
// (a new post, a follow) show at once and keep cached pages from shrinking to nothing.
// tests/modules/cache-invalidation.test.ts checks every event against every cached read.
import { feedVersionKey } from "../feed/feed.service";
import { profileCacheKey } from "../user/user.service";
import type { DomainEvent, DomainEventType, EventDeps } from "./events";
import { dropFollowerInboxes, dropInboxes, fanOutPost, fanOutRepost, removePost } from "../feed/feed.fanout";
import { timelinesOf, type TimelineStore } from "../feed/timeline-store";

type Effect = (deps: EventDeps) => Promise<void>;

const profileOf = (username: string): Effect => async ({ cache }) => {
  await cache.del(profileCacheKey(username));
};

/** A materialized-timeline effect (feed.fanout.ts); nothing when the deployment has no store. */
const timelines = (effect: (store: TimelineStore, deps: EventDeps) => Promise<void>): Effect => async (deps) => {
  const store = timelinesOf(deps.cache);
  if (store) await effect(store, deps);
};

const all = (...effects: Effect[]): Effect => async (deps) => {
  for (const effect of effects) await effect(deps);
};

const nothing: Effect = async () => {};

/** Exhaustive: a new event type does not compile until it says what it invalidates (maybe nothing). */
const MAP: { [T in DomainEventType]: (event: Extract<DomainEvent, { type: T }>) => Effect } = {
  "post.published": (e) =>
    timelines((store, { db }) => (e.postId ? fanOutPost(db, store, e.postId) : dropFollowerInboxes(db, store, e.authorId))),
  // Reads skip it anyway (not visible); removing it keeps the sets' pages full.
  "post.deleted": (e) => timelines((store, { db }) => removePost(db, store, e.authorId, e.postId)),
  "repost.created": (e) => timelines((store, { db }) => fanOutRepost(db, store, e.userId, e.postId)),
  // The repost row is gone: every read skips its entry.
  "repost.removed": () => nothing,
  // Whose items an inbox holds changed: rebuilt on the next read (with the engine's eligibility).
  "follow.started": (e) => timelines((store) => dropInboxes(store, e.followerId)),
  "follow.ended": (e) => timelines((store) => dropInboxes(store, e.followerId)),
  // A pending request shows nothing anywhere: no cached read depends on it.
  "follow.requestChanged": () => nothing,
  "block.changed": (e) => timelines((store) => dropInboxes(store, e.blockerId, e.blockedId)),
  "mute.changed": (e) => timelines((store) => dropInboxes(store, e.muterId)),
  "profile.updated": (e) => profileOf(e.username),
  // Reads check content visibility on every item: nothing in the sets changes.
  "profile.visibilityChanged": (e) => profileOf(e.username),
  // Inboxes rebuilt while the account was inactive lack its items (and hold them after a suspension).
  "account.statusChanged": (e) => all(profileOf(e.username), timelines((store, { db }) => dropFollowerInboxes(db, store, e.userId))),
  "feed.changed": (e) => async ({ cache }) => void (await cache.bump(feedVersionKey(e.feedId))),
  // list.posts is not cached (a list timeline is read live); feeds do not filter by list.
  "list.changed": () => nothing,
};

export function invalidationFor(event: DomainEvent): Effect {
  return (MAP[event.type] as (e: DomainEvent) => Effect)(event);
}
