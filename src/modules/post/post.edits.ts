// Edit history (issue 19): an edit of a published post keeps the version it replaces in
// post_edits (0075) and marks the post edited (posts.edited_at); post.history lists the versions,
// newest (the current one) first, to whoever may see the post. Drafts and scheduled posts keep no
// history: nobody saw their earlier versions.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { iso, many, one } from "../../db/query";
import type { Cache } from "../../lib/cache";
import { AppError } from "../../lib/errors";
import { pollOptionsOf } from "../poll/poll.service";
import { readVisiblePost } from "./post.facts";

export interface Version {
  title: string | null;
  spoiler_text: string | null;
  content: string | null;
  sensitive: boolean;
  media_ids: string[];
  poll_options: string[] | null;
}

/** What a reader sees of the post now, read inside the editing transaction (the post row is locked). */
export async function currentVersion(tx: DbOrTx, postId: string): Promise<Version & { shown_from: string }> {
  const row = await one<Omit<Version, "poll_options"> & { shown_from: string }>(tx, sql`
    SELECT p.title, p.spoiler_text, p.content,
           COALESCE((SELECT bool_or(m.is_sensitive) FROM post_media m WHERE m.post_id = p.id), FALSE) AS sensitive,
           COALESCE((SELECT array_agg(m.id::text ORDER BY m.display_order, m.id) FROM post_media m WHERE m.post_id = p.id), '{}') AS media_ids,
           COALESCE(p.edited_at, p.published_at, p.created_at) AS shown_from
    FROM posts p WHERE p.id = ${postId}`);
  return { ...row!, poll_options: await pollOptionsOf(tx, postId) };
}

const sameVersion = (a: Version, b: Version) =>
  a.title === b.title && a.spoiler_text === b.spoiler_text && a.content === b.content && a.sensitive === b.sensitive &&
  a.media_ids.join() === b.media_ids.join() && JSON.stringify(a.poll_options) === JSON.stringify(b.poll_options);

/**
 * After an edit of a published post wrote its changes (same transaction): if what readers see
 * changed, the version `before` goes into the history and the post is marked edited. Returns
 * whether a version was recorded.
 */
export async function recordEdit(tx: DbOrTx, postId: string, before: Version & { shown_from: string }): Promise<boolean> {
  const after = await currentVersion(tx, postId);
  if (sameVersion(before, after)) return false;
  const media = `{${before.media_ids.join(",")}}`;
  await tx.execute(sql`
    INSERT INTO post_edits (post_id, title, content, spoiler_text, media_ids, sensitive, poll_options, shown_from, replaced_at)
    VALUES (${postId}, ${before.title}, ${before.content}, ${before.spoiler_text}, ${media}::bigint[], ${before.sensitive},
            ${before.poll_options === null ? null : sql`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(before.poll_options)}::jsonb))`},
            ${before.shown_from}::timestamptz, GREATEST(clock_timestamp(), ${before.shown_from}::timestamptz))`);
  await tx.execute(sql`UPDATE posts SET edited_at = GREATEST(clock_timestamp(), ${before.shown_from}::timestamptz) WHERE id = ${postId}`);
  return true;
}

/** The versions of a post the viewer may see (NOT_FOUND otherwise), newest first, the current one included. */
export async function postHistory(db: DbOrTx, cache: Cache, viewerId: string | null, postId: string) {
  const post = await readVisiblePost(db, cache, viewerId, postId);
  if (!post) throw new AppError("NOT_FOUND", "Post not found");
  const now = await currentVersion(db, postId);
  const older = await many<Version & { shown_from: string; replaced_at: string }>(db, sql`
    SELECT title, spoiler_text, content, sensitive, media_ids::text[] AS media_ids, poll_options, shown_from, replaced_at
    FROM post_edits WHERE post_id = ${postId} ORDER BY replaced_at DESC, id DESC LIMIT 100`);
  const view = (v: Version & { shown_from: string }, current: boolean, replacedAt: string | null) => ({
    current, title: v.title, spoilerText: v.spoiler_text, content: v.content, sensitive: v.sensitive, mediaIds: v.media_ids,
    pollOptions: v.poll_options, shownFrom: iso(v.shown_from)!, replacedAt: iso(replacedAt),
  });
  return { postId, versions: [view(now, true, null), ...older.map((o) => view(o, false, o.replaced_at))] };
}
