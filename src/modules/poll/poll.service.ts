// Polls on text posts (issue 19). Tables: drizzle/0080–0083.
//  - A poll belongs to a text post (text_short, text_long), at most one per post; post.create and
//    post.update call createPoll / replacePoll inside the post's own transaction.
//  - Its clock starts at publication: a draft's or scheduled post's poll has no expires_at yet
//    (the 0083 trigger sets it when the post is published).
//  - poll.vote: once per account (poll_votes' primary key), final (Mastodon: no change, no
//    retraction), only on a poll of a published post the voter may see (NOT_FOUND otherwise, the
//    very answer for a missing post), only while it is open. The author may vote on their own poll
//    (Mastodon allows it). The vote transaction first locks the poll row, so votes of one poll —
//    and an edit that replaces its options — are serialized: the tallies, which the poll_votes
//    triggers keep (0082), are exact under any concurrency, and a vote is always checked against
//    the options it is counted in.
//  - Results (tallies) are hidden until the viewer voted or the poll ended (Mastodon's rule); the
//    post's author always sees them.
import { sql, type SQL } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { anyBigint, iso, many, one } from "../../db/query";
import { transaction } from "../../db/transaction";
import { AppError } from "../../lib/errors";
import { postVisibleSql, requireVisiblePost, VISIBLE_POST_FROM } from "../visibility/post-visibility";
import type { PollInput, PollView, VoteInput } from "./poll.schema";

/** Post types that may carry a poll. */
export const POLL_POST_TYPES = ["text_short", "text_long"] as const;

const textArray = (values: readonly string[]): SQL => sql`ARRAY[${sql.join(values.map((v) => sql`${v}`), sql`, `)}]::text[]`;
const smallintArray = (values: readonly number[]): SQL => sql`ARRAY[${sql.join(values.map((v) => sql`${v}`), sql`, `)}]::smallint[]`;
/** expires_at for a poll of this post: from now if the post is published, else not yet (NULL). */
const opensAt = (durationSeconds: number): SQL =>
  sql`CASE WHEN p.status = 'published' THEN NOW() + ${durationSeconds}::int * interval '1 second' END`;

/** Creates the poll of a new text post, inside the post's own transaction. */
export async function createPoll(tx: DbOrTx, p: { postId: string; poll: PollInput }): Promise<void> {
  const post = await one<{ type: string }>(tx, sql`SELECT type FROM posts WHERE id = ${p.postId} AND deleted_at IS NULL`);
  if (!post) throw new AppError("NOT_FOUND", "Post not found");
  if (!(POLL_POST_TYPES as readonly string[]).includes(post.type)) {
    throw new AppError("BAD_REQUEST", "Only text posts can have a poll", { appCode: "POLL_NOT_ALLOWED", field: "poll" });
  }
  const { options, multiple, expiresInSeconds } = p.poll;
  await tx.execute(sql`
    INSERT INTO polls (post_id, options, multiple, duration_seconds, expires_at, option_votes)
    SELECT p.id, ${textArray(options)}, ${multiple}, ${expiresInSeconds}, ${opensAt(expiresInSeconds)},
           array_fill(0, ARRAY[${options.length}::int])
    FROM posts p WHERE p.id = ${p.postId}`);
}

interface CurrentPoll {
  id: string;
  options: string[];
  multiple: boolean;
  opened: boolean;
}

/**
 * post.update with `poll`: the new poll (or null: remove it). If the options or their kind changed,
 * the old votes go (Mastodon's rule) and `changed` is true. Returns the options before the edit
 * (null: there was no poll) for the edit history.
 *
 * Unchanged options and kind keep the poll as it is — votes and, once it opened, its end (an edit
 * of the text does not restart or reopen a poll); a poll that has not opened yet (draft, scheduled)
 * takes the new duration. A changed poll starts over: no votes, a new clock from now (from
 * publication for a draft), announced again when it ends. Adding a poll counts as a change.
 */
export async function replacePoll(tx: DbOrTx, p: { postId: string; poll: PollInput | null }): Promise<{ changed: boolean; previousOptions: string[] | null }> {
  const current = await one<CurrentPoll>(tx, sql`
    SELECT id, options, multiple, expires_at IS NOT NULL AS opened FROM polls WHERE post_id = ${p.postId} FOR UPDATE`);
  if (!p.poll) {
    if (!current) return { changed: false, previousOptions: null };
    await tx.execute(sql`DELETE FROM polls WHERE id = ${current.id}`);
    return { changed: true, previousOptions: current.options };
  }
  if (!current) {
    await createPoll(tx, { postId: p.postId, poll: p.poll });
    return { changed: true, previousOptions: null };
  }
  const { options, multiple, expiresInSeconds } = p.poll;
  const same = current.multiple === multiple && current.options.length === options.length && current.options.every((o, i) => o === options[i]);
  if (same) {
    if (!current.opened) await tx.execute(sql`UPDATE polls SET duration_seconds = ${expiresInSeconds} WHERE id = ${current.id}`);
    return { changed: false, previousOptions: current.options };
  }
  // The votes first (the triggers take them off the old tallies), then the new poll on a clean slate.
  await tx.execute(sql`DELETE FROM poll_votes WHERE poll_id = ${current.id}`);
  await tx.execute(sql`
    UPDATE polls pl SET options = ${textArray(options)}, multiple = ${multiple}, duration_seconds = ${expiresInSeconds},
      option_votes = array_fill(0, ARRAY[${options.length}::int]), votes_count = 0, voters_count = 0,
      expires_at = ${opensAt(expiresInSeconds)}, ended_notified_at = NULL
    FROM posts p WHERE pl.id = ${current.id} AND p.id = pl.post_id`);
  return { changed: true, previousOptions: current.options };
}

/** The options of a post's poll now (null: none), for the edit history's snapshot. */
export async function pollOptionsOf(tx: DbOrTx, postId: string): Promise<string[] | null> {
  const row = await one<{ options: string[] }>(tx, sql`SELECT options FROM polls WHERE post_id = ${postId}`);
  return row?.options ?? null;
}

/** A poll row as pollsFor and post_facts (drizzle/0092) read it. */
export interface PollRow {
  post_id: string;
  id: string;
  options: string[];
  option_votes: number[];
  multiple: boolean;
  expires_at: string | null;
  expired: boolean;
  votes_count: number;
  voters_count: number;
  author_id: string;
  choices: number[] | null;
}

export function pollView(r: PollRow, viewerId: string | null): PollView {
  const voted = r.choices !== null;
  const hidden = !(voted || r.expired || (viewerId !== null && r.author_id === viewerId));
  return {
    id: r.id,
    multiple: r.multiple,
    expiresAt: iso(r.expires_at),
    expired: r.expired,
    votesCount: hidden ? null : r.votes_count,
    votersCount: hidden ? null : r.voters_count,
    resultsHidden: hidden,
    options: r.options.map((title, i) => ({ title, votesCount: hidden ? null : (r.option_votes[i] ?? 0) })),
    viewer: { voted, choices: (r.choices ?? []).map(Number) },
  };
}

/**
 * The polls of these posts as this viewer sees them (results hidden until they voted or it ended;
 * the author sees them). One statement. The caller has applied the visibility policy to the posts.
 */
export async function pollsFor(db: DbOrTx, viewerId: string | null, postIds: string[]): Promise<Map<string, PollView>> {
  const polls = new Map<string, PollView>();
  if (postIds.length === 0) return polls;
  const rows = await many<PollRow>(db, sql`
    SELECT pl.post_id, pl.id, pl.options, pl.option_votes, pl.multiple, pl.expires_at,
           (pl.expires_at IS NOT NULL AND pl.expires_at <= NOW()) AS expired,
           pl.votes_count, pl.voters_count, p.user_id AS author_id, v.choices
    FROM polls pl
    JOIN posts p ON p.id = pl.post_id
    LEFT JOIN poll_votes v ON v.poll_id = pl.id AND v.user_id = ${viewerId}::bigint
    WHERE pl.post_id = ${anyBigint([...new Set(postIds)])}`);
  for (const r of rows) polls.set(String(r.post_id), pollView(r, viewerId));
  return polls;
}

/** poll.get: the poll of a post the viewer may see; NOT_FOUND otherwise (or when it has none). */
export async function getPoll(db: DbOrTx, viewerId: string | null, postId: string): Promise<PollView> {
  await requireVisiblePost(db, viewerId, postId).catch((error: unknown) => {
    throw error instanceof AppError && error.code === "NOT_FOUND" ? pollNotFound() : error;
  });
  const poll = (await pollsFor(db, viewerId, [postId])).get(postId);
  if (!poll) throw pollNotFound();
  return poll;
}

/** One answer for a missing post, a post the caller may not see and a post without a poll. */
const pollNotFound = () => new AppError("NOT_FOUND", "Poll not found");
const choicesError = (message: string) => new AppError("BAD_REQUEST", message, { field: "choices" });

/**
 * poll.vote, in one transaction: lock the poll (of a published post the voter may see), check it is
 * open, that the voter has not voted and that the choices fit it, insert the vote (the triggers
 * count it). Returns the poll as the voter now sees it (results shown: they voted).
 */
export async function votePoll(db: Db, voterId: string, input: VoteInput): Promise<PollView> {
  return transaction(db, async (tx) => {
    // FOR UPDATE OF pl: votes of one poll (and an edit replacing it) queue here, so everything
    // below is decided on the poll as it is when this vote is counted. `closed` reads the clock
    // after the lock: a vote that waited past the end, or behind the poll-ended job's claim, is
    // refused rather than counted after the announcement.
    const poll = await one<{ id: string; n: number; multiple: boolean; closed: boolean; voter_active: boolean }>(tx, sql`
      SELECT pl.id, cardinality(pl.options) AS n, pl.multiple,
             (pl.expires_at IS NULL OR pl.expires_at <= clock_timestamp() OR pl.ended_notified_at IS NOT NULL) AS closed,
             EXISTS (SELECT 1 FROM users vu WHERE vu.id = ${voterId} AND vu.status = 'active') AS voter_active
      FROM ${VISIBLE_POST_FROM} JOIN polls pl ON pl.post_id = p.id
      WHERE p.id = ${input.postId} AND ${postVisibleSql(voterId, { publishedOnly: true })}
      FOR UPDATE OF pl`);
    if (!poll) throw pollNotFound();
    // Only active accounts vote (the session layer refuses others; this holds even for a session
    // cached in the instant before a suspension).
    if (!poll.voter_active) throw new AppError("UNAUTHORIZED", "Session is invalid or expired", { appCode: "SESSION_INVALID" });
    if (poll.closed) throw new AppError("BAD_REQUEST", "This poll has ended", { appCode: "POLL_EXPIRED" });
    const mine = await one<{ choices: number[] }>(tx, sql`SELECT choices FROM poll_votes WHERE poll_id = ${poll.id} AND user_id = ${voterId}`);
    if (mine) throw alreadyVoted();
    const choices = [...input.choices].sort((a, b) => a - b);
    if (new Set(choices).size !== choices.length) throw choicesError("Each option can be chosen once");
    if (choices.some((c) => c >= Number(poll.n))) throw choicesError(`This poll has ${poll.n} options`);
    if (!poll.multiple && choices.length > 1) throw choicesError("This poll takes a single choice");
    // The primary key is the last word on "once per account" (ON CONFLICT: nothing inserted).
    const inserted = await many<{ user_id: string }>(tx, sql`
      INSERT INTO poll_votes (poll_id, user_id, choices) VALUES (${poll.id}, ${voterId}, ${smallintArray(choices)})
      ON CONFLICT (poll_id, user_id) DO NOTHING RETURNING user_id`);
    if (inserted.length === 0) throw alreadyVoted();
    return (await pollsFor(tx, voterId, [input.postId])).get(input.postId)!;
  });
}

const alreadyVoted = () => new AppError("CONFLICT", "You already voted in this poll", { appCode: "ALREADY_VOTED" });
