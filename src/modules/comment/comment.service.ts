// Comments with nested replies. Counters are kept by the comments trigger; reads hide deleted
// comments and those of accounts the viewer may not see (inactive, or a block either way).
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { iso, many, one } from "../../db/query";
import { transaction } from "../../db/transaction";
import { AppError } from "../../lib/errors";
import { decodeCursor, toPage, type Page } from "../../lib/pagination";
import { notify } from "../notification/notification.service";
import { renderContentHtml } from "../post/post.render";
import { resolveMentions } from "../post/post-content";
import { accountVisibleSql } from "../visibility/visibility";
import { requireInteractablePost, requireVisiblePost } from "../visibility/post-visibility";

interface CommentRow {
  id: string;
  post_id: string;
  user_id: string;
  parent_comment_id: string | null;
  spoiler_text: string | null;
  content: string;
  content_html: string | null;
  likes_count: number;
  replies_count: number;
  created_at: string;
  updated_at: string;
  username: string;
  display_name: string | null;
}

const commentView = (c: CommentRow) => ({
  id: c.id,
  postId: c.post_id,
  parentCommentId: c.parent_comment_id,
  spoilerText: c.spoiler_text,
  content: c.content,
  contentHtml: c.content_html,
  author: { id: c.user_id, username: c.username, displayName: c.display_name },
  counts: { likes: c.likes_count, replies: c.replies_count },
  createdAt: iso(c.created_at)!,
  updatedAt: iso(c.updated_at)!,
});
export type CommentView = ReturnType<typeof commentView>;

const COMMENT_COLUMNS = sql`c.id, c.post_id, c.user_id, c.parent_comment_id, c.spoiler_text, c.content, c.content_html, c.likes_count,
  c.replies_count, c.created_at, c.updated_at, u.username, pr.display_name`;
const COMMENT_FROM = sql`comments c JOIN users u ON u.id = c.user_id JOIN user_profiles pr ON pr.user_id = c.user_id`;

/** A live comment whose author the viewer may see, on a post the viewer may see; else NOT_FOUND. */
async function requireVisibleComment(db: DbOrTx, viewerId: string | null, commentId: string) {
  const row = await one<{ id: string; post_id: string; user_id: string }>(db, sql`
    SELECT c.id, c.post_id, c.user_id FROM comments c JOIN users u ON u.id = c.user_id
    WHERE c.id = ${commentId} AND c.deleted_at IS NULL AND ${accountVisibleSql(sql`c.user_id`, sql`u.status`, viewerId)}`);
  if (!row) throw new AppError("NOT_FOUND", "Comment not found");
  await requireVisiblePost(db, viewerId, row.post_id);
  return row;
}

export async function createComment(db: Db, userId: string, input: { postId: string; content: string; parentCommentId?: string; spoilerText?: string | null }): Promise<CommentView> {
  const id = await transaction(db, async (tx) => {
    const post = await requireInteractablePost(tx, userId, input.postId);
    let parentAuthor: string | null = null;
    if (input.parentCommentId) {
      const parent = await requireVisibleComment(tx, userId, input.parentCommentId).catch(() => null);
      if (!parent || parent.post_id !== post.id) {
        throw new AppError("BAD_REQUEST", "parentCommentId must be a comment of the same post", { field: "parentCommentId" });
      }
      parentAuthor = parent.user_id;
    }
    const mentioned = await resolveMentions(tx, userId, input.content);
    const html = renderContentHtml(input.content, new Set(mentioned.map((m) => m.username.toLowerCase())));
    const row = await one<{ id: string }>(tx, sql`
      INSERT INTO comments (post_id, user_id, parent_comment_id, content, content_html, spoiler_text)
      VALUES (${post.id}, ${userId}, ${input.parentCommentId ?? null}, ${input.content}, ${html}, ${input.spoilerText ?? null}) RETURNING id`);
    const commentId = row!.id;
    const excerpt = input.content;
    if (parentAuthor) await notify(tx, { recipientId: parentAuthor, actorId: userId, type: "reply", postId: post.id, commentId, content: excerpt });
    if (post.user_id !== parentAuthor) {
      await notify(tx, { recipientId: post.user_id, actorId: userId, type: "comment", postId: post.id, commentId, content: excerpt });
    }
    for (const m of mentioned) {
      if (m.id === parentAuthor || m.id === post.user_id) continue;
      await notify(tx, { recipientId: m.id, actorId: userId, type: "mention", postId: post.id, commentId, content: excerpt, requirePostVisible: true });
    }
    return commentId;
  });
  const row = await one<CommentRow>(db, sql`SELECT ${COMMENT_COLUMNS} FROM ${COMMENT_FROM} WHERE c.id = ${id}`);
  return commentView(row!);
}

/** Top-level comments of a post, newest first. */
export async function listComments(db: DbOrTx, viewerId: string | null, input: { postId: string; cursor?: string; limit: number }): Promise<Page<CommentView>> {
  await requireVisiblePost(db, viewerId, input.postId);
  const after = decodeCursor(input.cursor, 2);
  const rows = await many<CommentRow>(db, sql`
    SELECT ${COMMENT_COLUMNS} FROM ${COMMENT_FROM}
    WHERE c.post_id = ${input.postId} AND c.parent_comment_id IS NULL AND c.deleted_at IS NULL
      AND ${accountVisibleSql(sql`c.user_id`, sql`u.status`, viewerId)}
      ${after ? sql`AND (c.created_at, c.id) < (${String(after[0])}::timestamptz, ${String(after[1])}::bigint)` : sql``}
    ORDER BY c.created_at DESC, c.id DESC
    LIMIT ${input.limit + 1}`);
  return toPage(rows, input.limit, commentView, (r) => [r.created_at, r.id]);
}

/**
 * Direct replies of a comment, oldest first (conversation order). A soft-deleted parent still
 * anchors its live replies (shown under a "[deleted]" placeholder), as on Mastodon or Reddit.
 */
export async function listReplies(db: DbOrTx, viewerId: string | null, input: { commentId: string; cursor?: string; limit: number }): Promise<Page<CommentView>> {
  const parent = await one<{ post_id: string }>(db, sql`SELECT post_id FROM comments WHERE id = ${input.commentId}`);
  if (!parent) throw new AppError("NOT_FOUND", "Comment not found");
  await requireVisiblePost(db, viewerId, parent.post_id);
  const after = decodeCursor(input.cursor, 2);
  const rows = await many<CommentRow>(db, sql`
    SELECT ${COMMENT_COLUMNS} FROM ${COMMENT_FROM}
    WHERE c.parent_comment_id = ${input.commentId} AND c.deleted_at IS NULL
      AND ${accountVisibleSql(sql`c.user_id`, sql`u.status`, viewerId)}
      ${after ? sql`AND (c.created_at, c.id) > (${String(after[0])}::timestamptz, ${String(after[1])}::bigint)` : sql``}
    ORDER BY c.created_at ASC, c.id ASC
    LIMIT ${input.limit + 1}`);
  return toPage(rows, input.limit, commentView, (r) => [r.created_at, r.id]);
}

/** Soft delete by the comment's author or the post's author; counters follow by trigger. */
export async function deleteComment(db: Db, userId: string, commentId: string): Promise<{ deleted: true }> {
  const row = await one<{ id: string }>(db, sql`
    UPDATE comments c SET deleted_at = NOW()
    FROM posts p
    WHERE c.id = ${commentId} AND p.id = c.post_id AND c.deleted_at IS NULL
      AND (c.user_id = ${userId} OR p.user_id = ${userId})
    RETURNING c.id`);
  if (!row) throw new AppError("NOT_FOUND", "Comment not found");
  return { deleted: true };
}
