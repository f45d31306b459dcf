// CONTRACT STUB (the poll helper replaces the bodies; the signatures are what post.* calls).
import type { DbOrTx } from "../../db/client";
import type { PollInput, PollView } from "./poll.schema";

/** Creates the poll of a new text post, inside the post's own transaction. */
export async function createPoll(_tx: DbOrTx, _p: { postId: string; poll: PollInput }): Promise<void> {
  throw new Error("not implemented");
}

/**
 * post.update with `poll`: the new poll (or null: remove it). If the options or their kind changed,
 * the old votes go (Mastodon's rule) and `changed` is true. Returns the options before the edit
 * (null: there was no poll) for the edit history.
 */
export async function replacePoll(_tx: DbOrTx, _p: { postId: string; poll: PollInput | null }): Promise<{ changed: boolean; previousOptions: string[] | null }> {
  throw new Error("not implemented");
}

/** The options of a post's poll now (null: none), for the edit history's snapshot. */
export async function pollOptionsOf(_tx: DbOrTx, _postId: string): Promise<string[] | null> {
  throw new Error("not implemented");
}

/** The polls of these posts as this viewer sees them (results hidden until they voted or it ended; the author sees them). One statement. */
export async function pollsFor(_db: DbOrTx, _viewerId: string | null, _postIds: string[]): Promise<Map<string, PollView>> {
  return new Map();
}
