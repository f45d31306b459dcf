// Writing posts: the spec's type rules, drafts / scheduled / published, soft delete and restore.
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { many, one } from "../../db/query";
import { transaction } from "../../db/transaction";
import type { Cache } from "../../lib/cache";
import { AppError } from "../../lib/errors";
import { decodeCursor, toPage, type Page } from "../../lib/pagination";
import { durationProblem, type MediaKind } from "../media/media.rules";
import { checkStorageWarnings } from "../storage/storage.service";
import { requireVisibleProfile } from "../user/user.service";
import { postVisibleSql, VISIBLE_POST_FROM } from "../visibility/post-visibility";
import { createPoll, replacePoll } from "../poll/poll.service";
import type { PollInput } from "../poll/poll.schema";
import { notifyMentions, syncPostContent } from "./post-content";
import { currentVersion, recordEdit } from "./post.edits";
import { withExtras } from "./post.extras";
import { pinnedPosts } from "./post.pins";
import { notifyQuoted, requireQuotablePost } from "./post.quotes";
import { readVisiblePost } from "./post.facts";
import { fetchVisiblePosts, postColumnsSql, postView, type PostRow, type PostView } from "./post.queries";
import { extractTags } from "./post.render";
import { postItem, type TimelineItem } from "../feed/feed.timeline";
import { CONTENT_MAX, MEDIA_RULES, TEXT_TYPES, type PostType } from "./post.schema";

export const RESTORE_WINDOW_DAYS = 30;
const MAX_SCHEDULE_AHEAD_MS = 365 * 86_400_000;

function checkContent(type: PostType, content: string | null | undefined) {
  if (TEXT_TYPES.includes(type) && !content?.trim()) {
    throw new AppError("BAD_REQUEST", `A ${type} post needs content`, { field: "content" });
  }
  if (content && content.length > CONTENT_MAX[type]) {
    throw new AppError("BAD_REQUEST", `Content of a ${type} post is at most ${CONTENT_MAX[type]} characters`, { field: "content" });
  }
}

/** The normalized ISO timestamp (a string: the shared client's Date serializer is replaced by Drizzle). */
function checkSchedule(status: string, scheduledFor: string | undefined): string | null {
  if (status !== "scheduled") {
    if (scheduledFor) throw new AppError("BAD_REQUEST", "scheduledFor only applies to scheduled posts", { field: "scheduledFor" });
    return null;
  }
  if (!scheduledFor) throw new AppError("BAD_REQUEST", "A scheduled post needs scheduledFor", { field: "scheduledFor" });
  const at = new Date(scheduledFor);
  if (at.getTime() <= Date.now()) throw new AppError("BAD_REQUEST", "scheduledFor must be in the future", { field: "scheduledFor" });
  if (at.getTime() > Date.now() + MAX_SCHEDULE_AHEAD_MS) {
    throw new AppError("BAD_REQUEST", "scheduledFor is at most a year ahead", { field: "scheduledFor" });
  }
  return at.toISOString();
}

/**
 * Turns the author's confirmed, unattached uploads into this post's media, in the given order.
 * Anything else (someone else's, pending, already attached, wrong kind) is refused.
 */
async function attachMedia(tx: DbOrTx, authorId: string, postId: string, type: PostType, uploadIds: string[]) {
  if (TEXT_TYPES.includes(type)) {
    if (uploadIds.length) throw new AppError("BAD_REQUEST", "Text posts take no media", { field: "uploadIds" });
    return;
  }
  const rule = MEDIA_RULES[type as keyof typeof MEDIA_RULES];
  if (new Set(uploadIds).size !== uploadIds.length) throw new AppError("BAD_REQUEST", "Duplicate upload ids", { field: "uploadIds" });
  if (uploadIds.length < rule.min || uploadIds.length > rule.max) {
    const want = rule.min === rule.max ? `${rule.min}` : `${rule.min}–${rule.max}`;
    throw new AppError("BAD_REQUEST", `A ${type} post needs ${want} media item(s)`, { field: "uploadIds" });
  }
  const uploads = await many<{ id: string; media_type: MediaKind; duration_seconds: number | null }>(tx, sql`
    SELECT id, media_type, duration_seconds FROM upload_reservations
    WHERE id IN (${sql.join(uploadIds.map((id) => sql`${id}`), sql`, `)}) AND user_id = ${authorId} AND status = 'confirmed'
    FOR UPDATE`);
  if (uploads.length !== uploadIds.length) {
    throw new AppError("BAD_REQUEST", "uploadIds must be your own confirmed, unattached uploads", { field: "uploadIds", appCode: "MEDIA_NOT_AVAILABLE" });
  }
  const wrong = uploads.find((u) => !rule.kinds.includes(u.media_type));
  if (wrong) throw new AppError("BAD_REQUEST", `A ${type} post takes ${rule.kinds.join("/")} media`, { field: "uploadIds" });
  // The server-read length must suit this post type too (a video_short takes at most 60 s).
  // confirmUpload already refused media with no readable length; rows from before it have none.
  for (const u of uploads) {
    if (u.duration_seconds === null) continue;
    const problem = durationProblem(u.media_type, u.duration_seconds, type);
    if (problem) {
      throw new AppError("BAD_REQUEST", problem.message, {
        field: "uploadIds", appCode: "DURATION_OUT_OF_RANGE",
        details: { durationSeconds: u.duration_seconds, minSeconds: problem.min, maxSeconds: problem.max },
      });
    }
  }
  for (const [order, id] of uploadIds.entries()) {
    // The storage trigger on post_media moves the bytes into storage_usage in this transaction.
    await tx.execute(sql`
      WITH media AS (
        INSERT INTO post_media (post_id, user_id, type, file_url, file_size_bytes, mime_type, width, height, duration_seconds, thumbnail_url, display_order)
        SELECT ${postId}, user_id, media_type, file_url, size_bytes, mime_type, width, height, duration_seconds, thumbnail_url, ${order}
        FROM upload_reservations WHERE id = ${id}
        RETURNING id)
      UPDATE upload_reservations SET status = 'attached', attached_at = NOW(), media_id = (SELECT id FROM media) WHERE id = ${id}`);
  }
  const first = await one<{ url: string | null }>(tx, sql`
    SELECT COALESCE(thumbnail_url, CASE WHEN type IN ('image', 'gif') THEN file_url END) AS url
    FROM post_media WHERE post_id = ${postId} ORDER BY display_order LIMIT 1`);
  await tx.execute(sql`UPDATE posts SET thumbnail_url = ${first?.url ?? null},
    media_urls = (SELECT json_agg(json_build_object('url', file_url, 'type', type, 'order', display_order) ORDER BY display_order)
                  FROM post_media WHERE post_id = ${postId})
    WHERE id = ${postId}`);
}

/** Polls go on text posts only. */
function checkPoll(type: PostType, poll: PollInput | null | undefined) {
  if (poll && !TEXT_TYPES.includes(type)) throw new AppError("BAD_REQUEST", "Only text posts take a poll", { field: "poll" });
}

export async function createPost(
  db: Db,
  authorId: string,
  input: {
    type: PostType; title?: string | null; content?: string | null; uploadIds?: string[]; tags?: string[]; status: "draft" | "published" | "scheduled"; scheduledFor?: string;
    spoilerText?: string | null; sensitive?: boolean; poll?: PollInput; quotePostId?: string;
  },
): Promise<PostView> {
  checkContent(input.type, input.content);
  checkPoll(input.type, input.poll);
  const scheduledFor = checkSchedule(input.status, input.scheduledFor);
  if (!TEXT_TYPES.includes(input.type) && !input.uploadIds?.length) {
    throw new AppError("BAD_REQUEST", `A ${input.type} post needs media`, { field: "uploadIds" });
  }
  const postId = await transaction(db, async (tx) => {
    // Only an active account writes: a session may be cached for SESSION_CACHE_TTL_MS after a
    // status change made outside the app (plain SQL), and no post may commit for it meanwhile.
    const quoted = input.quotePostId ? await requireQuotablePost(tx, authorId, input.quotePostId) : null;
    const row = await one<{ id: string }>(tx, sql`
      INSERT INTO posts (user_id, type, status, title, content, published_at, scheduled_for, spoiler_text, quote_of_post_id)
      SELECT ${authorId}, ${input.type}, ${input.status}, ${input.title ?? null}, ${input.content ?? null},
             ${input.status === "published" ? sql`NOW()` : null}, ${scheduledFor}::timestamptz, ${input.spoilerText ?? null}, ${quoted?.id ?? null}::bigint
      FROM users WHERE id = ${authorId} AND status = 'active'
      RETURNING id`);
    if (!row) throw new AppError("UNAUTHORIZED", "Session is invalid or expired", { appCode: "SESSION_INVALID" });
    const id = row.id;
    await attachMedia(tx, authorId, id, input.type, input.uploadIds ?? []);
    if (input.sensitive) await tx.execute(sql`UPDATE post_media SET is_sensitive = TRUE WHERE post_id = ${id}`);
    if (input.poll) await createPoll(tx, { postId: id, poll: input.poll });
    // Attaching moved the uploads' bytes into storage_usage: a threshold may have been crossed.
    if (input.uploadIds?.length) await checkStorageWarnings(tx, authorId);
    const mentioned = await syncPostContent(tx, { id, userId: authorId, content: input.content ?? null, explicitTags: input.tags });
    if (input.status === "published") {
      await notifyMentions(tx, { id, userId: authorId, content: input.content ?? null }, mentioned);
      if (quoted) await notifyQuoted(tx, { id, userId: authorId, content: input.content ?? null });
    }
    return id;
  });
  return (await fetchVisiblePosts(db, authorId, [postId]))[0]!;
}

/** The author's own live post, locked; NOT_FOUND for anyone else's or a deleted one. */
async function ownPost(tx: DbOrTx, userId: string, postId: string) {
  const row = await one<{ id: string; user_id: string; type: PostType; status: string; content: string | null }>(tx, sql`
    SELECT id, user_id, type, status, content FROM posts WHERE id = ${postId} AND user_id = ${userId} AND deleted_at IS NULL FOR UPDATE`);
  if (!row) throw new AppError("NOT_FOUND", "Post not found");
  return row;
}

/**
 * Edits a post. Of a published post, the version it replaces is kept (post.edits.ts) when what
 * readers see changed; a changed poll loses its votes (poll.service.ts replacePoll).
 */
export async function updatePost(
  db: Db,
  userId: string,
  input: {
    postId: string; title?: string | null; content?: string | null; tags?: string[]; scheduledFor?: string;
    spoilerText?: string | null; sensitive?: boolean; poll?: PollInput | null;
  },
): Promise<PostView> {
  await transaction(db, async (tx) => {
    const post = await ownPost(tx, userId, input.postId);
    const content = input.content === undefined ? post.content : input.content;
    checkContent(post.type, content);
    checkPoll(post.type, input.poll);
    const scheduledFor = input.scheduledFor === undefined ? undefined : checkSchedule(post.status, input.scheduledFor);
    const before = post.status === "published" ? await currentVersion(tx, post.id) : null;
    await tx.execute(sql`
      UPDATE posts SET
        title = CASE WHEN ${input.title !== undefined} THEN ${input.title ?? null} ELSE title END,
        spoiler_text = CASE WHEN ${input.spoilerText !== undefined} THEN ${input.spoilerText ?? null} ELSE spoiler_text END,
        content = ${content},
        scheduled_for = COALESCE(${scheduledFor ?? null}::timestamptz, scheduled_for)
      WHERE id = ${post.id}`);
    if (input.sensitive !== undefined) await tx.execute(sql`UPDATE post_media SET is_sensitive = ${input.sensitive} WHERE post_id = ${post.id}`);
    if (input.poll !== undefined) await replacePoll(tx, { postId: post.id, poll: input.poll });
    if (before) await recordEdit(tx, post.id, before);
    // Without new explicit tags, keep the old explicit ones: the stored tags minus the hashtags of
    // the old content (those are re-extracted from the new content, so a removed #tag goes away).
    const oldHashtags = new Set(extractTags(post.content));
    const explicitTags = input.tags ??
      (await many<{ tag: string }>(tx, sql`SELECT tag FROM post_tags WHERE post_id = ${post.id}`)).map((t) => t.tag).filter((t) => !oldHashtags.has(t));
    const mentioned = await syncPostContent(tx, { id: post.id, userId, content, explicitTags });
    if (post.status === "published") await notifyMentions(tx, { id: post.id, userId, content }, mentioned);
  });
  return (await fetchVisiblePosts(db, userId, [input.postId]))[0]!;
}

export async function publishPost(db: Db, userId: string, postId: string): Promise<PostView> {
  await transaction(db, async (tx) => {
    const post = await ownPost(tx, userId, postId);
    if (post.status === "published") return;
    await tx.execute(sql`UPDATE posts SET status = 'published', published_at = NOW() WHERE id = ${post.id}`);
    await notifyMentions(tx, { id: post.id, userId, content: post.content });
    await notifyQuoted(tx, { id: post.id, userId, content: post.content });
  });
  return (await fetchVisiblePosts(db, userId, [postId]))[0]!;
}

export async function deletePost(db: Db, userId: string, postId: string): Promise<{ deleted: true; restorableUntil: string }> {
  const row = await one<{ until: string }>(db, sql`
    UPDATE posts SET deleted_at = NOW(), pinned_at = NULL WHERE id = ${postId} AND user_id = ${userId} AND deleted_at IS NULL
    RETURNING deleted_at + make_interval(days => ${RESTORE_WINDOW_DAYS}) AS until`);
  if (!row) throw new AppError("NOT_FOUND", "Post not found");
  return { deleted: true, restorableUntil: new Date(row.until).toISOString() };
}

export async function restorePost(db: Db, userId: string, postId: string): Promise<PostView> {
  const row = await one<{ id: string }>(db, sql`
    UPDATE posts SET deleted_at = NULL
    WHERE id = ${postId} AND user_id = ${userId} AND deleted_at IS NOT NULL
      AND deleted_at > NOW() - make_interval(days => ${RESTORE_WINDOW_DAYS})
      -- Removed by a moderator: only a moderator restores it (moderation.restorePost).
      AND NOT EXISTS (SELECT 1 FROM moderation_removals mr WHERE mr.post_id = posts.id)
    RETURNING id`);
  if (!row) throw new AppError("NOT_FOUND", "Post not found");
  return (await fetchVisiblePosts(db, userId, [postId]))[0]!;
}

/** One post under the visibility policy (post.facts.ts: one plan-cached call, content cached by version). */
export async function getPost(db: DbOrTx, cache: Cache, viewerId: string | null, postId: string): Promise<PostView> {
  const post = await readVisiblePost(db, cache, viewerId, postId);
  if (!post) throw new AppError("NOT_FOUND", "Post not found");
  return post;
}

/**
 * A profile's posts, newest first. Published posts page by (published_at, id); the author may also
 * list their drafts or scheduled posts, which page by (created_at, id). The first page of
 * published posts starts with the pinned ones (newest pin first, up to MAX_PINS beyond `limit`),
 * which the chronological pages then leave out: each post appears once.
 */
export async function listPostsByUser(
  db: DbOrTx,
  cache: Cache,
  viewerId: string | null,
  input: { username: string; cursor?: string; limit: number; type?: PostType; status?: "published" | "draft" | "scheduled" },
): Promise<Page<TimelineItem>> {
  const profile = await requireVisibleProfile(db, cache, viewerId, input.username);
  const status = input.status ?? "published";
  if (status !== "published" && !profile.relation.isSelf) throw new AppError("NOT_FOUND", "User not found");
  const after = decodeCursor(input.cursor, 2);
  const key = status === "published" ? sql`p.published_at` : sql`p.created_at`;
  const rows = await many<PostRow & { sort_key: string }>(db, sql`
    SELECT ${postColumnsSql(viewerId)}, ${key} AS sort_key FROM ${VISIBLE_POST_FROM}
    WHERE p.user_id = ${profile.id} AND p.status = ${status} AND ${postVisibleSql(viewerId)}
      ${status === "published" ? sql`AND p.pinned_at IS NULL` : sql``}
      ${input.type ? sql`AND p.type = ${input.type}` : sql``}
      ${after ? sql`AND (${key}, p.id) < (${String(after[0])}::timestamptz, ${String(after[1])}::bigint)` : sql``}
    ORDER BY ${key} DESC, p.id DESC
    LIMIT ${input.limit + 1}`);
  const page = toPage(rows, input.limit, (r) => postItem(postView(r)), (r) => [r.sort_key, r.id]);
  if (status === "published" && !after) page.items.unshift(...(await pinnedPosts(db, viewerId, profile.id, input.type)).map(postItem));
  await withExtras(db, viewerId, page.items.map((i) => i.post));
  return page;
}
