// The parts of a post view that depend on the reader beyond the post's own row (issue 19): its
// poll (results hidden until the reader voted or it ended) and the post it quotes (re-checked
// against the visibility policy for this reader). Every read builds the view from its row or its
// cached content first (post.queries.ts postView, post.facts.ts postViewOf) and then completes a
// whole page here: at most two statements per page (the quoted posts, the polls), none when the
// page has no poll and no quote (the row says whether a post has either: has_poll, quote_of_post_id).
import type { DbOrTx } from "../../db/client";
import { pollsFor } from "../poll/poll.service";
import type { PollView } from "../poll/poll.schema";
import type { PostOutput } from "./post.output";
import { fetchVisiblePostsBare } from "./post.queries";

type View = PostOutput;

/**
 * The post each view quotes, when it is still attached. Kept beside the view rather than in it:
 * the id of a quoted post the reader may not see is not theirs to learn (an "unavailable" quote is
 * the same whether the post is gone or hidden).
 */
const quoteTargets = new WeakMap<object, string>();
/** The views whose post has a poll. */
const withPoll = new WeakSet<object>();

/** Records what `view` needs completed (from its row or cached content) and returns the view. */
export function registerExtras<T extends object>(
  view: T, row: { quote_of_post_id: string | null; quote_detached_at: string | null; has_poll: boolean },
): T {
  if (row.quote_of_post_id !== null && !row.quote_detached_at) quoteTargets.set(view, row.quote_of_post_id);
  if (row.has_poll) withPoll.add(view);
  return view;
}

/**
 * Completes views in place (and returns them): polls, and quoted posts as this viewer may see them.
 * `known`: polls already read for this viewer (post_facts returns them), by post id.
 */
export async function withExtras<T extends View>(
  db: DbOrTx, viewerId: string | null, views: T[], known: Map<string, PollView> = new Map(),
): Promise<T[]> {
  if (!views.length) return views;
  const targets = [...new Set(views.flatMap((v) => quoteTargets.get(v) ?? []))];
  const quoted = targets.length ? await fetchVisiblePostsBare(db, viewerId, targets) : [];
  const missing = [...views, ...quoted].filter((v) => withPoll.has(v) && !known.has(v.id));
  const polls = missing.length ? new Map([...known, ...(await pollsFor(db, viewerId, [...new Set(missing.map((v) => v.id))]))]) : known;
  for (const v of [...views, ...quoted]) v.poll = polls.get(v.id) ?? null;
  const byId = new Map(quoted.map((q) => [q.id, q]));
  for (const v of views) {
    const target = quoteTargets.get(v);
    const q = target ? byId.get(target) : undefined;
    if (!q) continue;
    const { quote: _nested, ...rest } = q;
    // One level deep, as Mastodon and Bluesky embed: that the quoted post quotes another is said,
    // not shown (post.get of the quoted post embeds its own quote, checked for the reader there).
    v.quote = { state: "visible", post: { ...rest, hasQuote: _nested !== null } };
  }
  return views;
}
