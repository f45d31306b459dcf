// Reading posts as wire objects: author, media, tags, counts and the viewer's own flags, in one
// statement. Every caller filters with the visibility policy (postVisibleSql).
import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { anyBigint, iso, many } from "../../db/query";
import type { PostType } from "./post.schema";
import { postVisibleSql, VISIBLE_POST_FROM } from "../visibility/post-visibility";
import type { PostOutput } from "./post.output";
import { registerExtras, withExtras } from "./post.extras";

export type MediaRow = PostOutput["media"][number];

/** The media of post `p` as the wire shows them, in display order (a json array). */
export const MEDIA_JSON_SQL = sql`COALESCE((SELECT json_agg(json_build_object('id', m.id::text, 'type', m.type, 'url', m.file_url,
    'mimeType', m.mime_type, 'width', m.width, 'height', m.height, 'durationSeconds', m.duration_seconds,
    'thumbnailUrl', m.thumbnail_url, 'displayOrder', m.display_order,
    'sensitive', m.is_sensitive OR p.spoiler_text IS NOT NULL) ORDER BY m.display_order, m.id)
  FROM post_media m WHERE m.post_id = p.id), '[]'::json)`;
/**
 * What issue 19 added to a post row (content warning, edit mark, pin, quote, whether it has a
 * poll), the same in every read. has_poll lets a page without polls skip the poll statement; it
 * can be cached with the content: a poll comes and goes only with an edit of its post (updated_at).
 */
export const POST_EXTRA_COLUMNS_SQL = sql`p.spoiler_text, p.edited_at, p.pinned_at, p.quote_of_post_id::text AS quote_of_post_id, p.quote_detached_at,
  EXISTS (SELECT 1 FROM polls pl WHERE pl.post_id = p.id) AS has_poll`;

export interface PostExtraColumns {
  spoiler_text: string | null;
  edited_at: string | null;
  pinned_at: string | null;
  quote_of_post_id: string | null;
  quote_detached_at: string | null;
  has_poll: boolean;
}

export interface PostRow extends PostExtraColumns {
  id: string;
  user_id: string;
  type: PostType;
  status: "draft" | "published" | "scheduled";
  title: string | null;
  content: string | null;
  content_html: string | null;
  thumbnail_url: string | null;
  likes_count: number;
  comments_count: number;
  reposts_count: number;
  views_count: number;
  published_at: string | null;
  scheduled_for: string | null;
  created_at: string;
  updated_at: string;
  username: string;
  display_name: string | null;
  media: MediaRow[];
  tags: string[];
  liked: boolean;
  bookmarked: boolean;
  reposted: boolean;
}

/** Columns of a post view; needs `posts p`, `users u`, `user_profiles pr` in FROM. */
export function postColumnsSql(viewerId: string | null): SQL {
  const flag = (type: "like" | "bookmark") =>
    viewerId
      ? sql`EXISTS (SELECT 1 FROM post_interactions i WHERE i.user_id = ${viewerId} AND i.post_id = p.id AND i.type = ${type})`
      : sql`FALSE`;
  return sql`p.id, p.user_id, p.type, p.status, p.title, p.content, p.content_html, p.thumbnail_url,
    p.likes_count, p.comments_count, p.reposts_count, p.views_count, p.published_at, p.scheduled_for,
    p.created_at, p.updated_at, u.username, pr.display_name, ${POST_EXTRA_COLUMNS_SQL},
    ${MEDIA_JSON_SQL} AS media,
    COALESCE((SELECT array_agg(t.tag ORDER BY t.tag) FROM post_tags t WHERE t.post_id = p.id), '{}') AS tags,
    ${flag("like")} AS liked, ${flag("bookmark")} AS bookmarked,
    ${viewerId ? sql`EXISTS (SELECT 1 FROM reposts r WHERE r.user_id = ${viewerId} AND r.post_id = p.id)` : sql`FALSE`} AS reposted`;
}

/** The parts of a view that come from the row's issue-19 columns (poll and quote filled by withExtras). */
export function extraFields(r: PostExtraColumns & { media: MediaRow[] }) {
  return {
    spoilerText: r.spoiler_text,
    sensitive: r.media.some((m) => m.sensitive),
    pinned: r.pinned_at !== null,
    editedAt: iso(r.edited_at),
    poll: null,
    quote: r.quote_of_post_id === null ? null : { state: r.quote_detached_at ? "detached" as const : "unavailable" as const, post: null },
  };
}

/** A post's view without its poll and quoted post: withExtras (post.extras.ts) completes it. */
export function postView(r: PostRow): PostView {
  return registerExtras({
    id: r.id,
    type: r.type,
    status: r.status,
    title: r.title,
    ...extraFields(r),
    content: r.content,
    contentHtml: r.content_html,
    thumbnailUrl: r.thumbnail_url,
    media: r.media,
    tags: r.tags,
    author: { id: r.user_id, username: r.username, displayName: r.display_name },
    counts: { likes: r.likes_count, comments: r.comments_count, reposts: r.reposts_count, views: r.views_count },
    viewer: { liked: r.liked, bookmarked: r.bookmarked, reposted: r.reposted },
    publishedAt: iso(r.published_at),
    scheduledFor: iso(r.scheduled_for),
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  }, r);
}
export type PostView = PostOutput;

/** Visible posts by id, in the order given (missing or invisible ones are left out), complete (polls, quotes). */
export async function fetchVisiblePosts(db: DbOrTx, viewerId: string | null, ids: string[]): Promise<PostView[]> {
  return withExtras(db, viewerId, await fetchVisiblePostsBare(db, viewerId, ids));
}

/** fetchVisiblePosts without polls and quoted posts (what withExtras itself reads quoted posts with). */
export async function fetchVisiblePostsBare(db: DbOrTx, viewerId: string | null, ids: string[]): Promise<PostView[]> {
  if (ids.length === 0) return [];
  const rows = await many<PostRow>(db, sql`
    SELECT ${postColumnsSql(viewerId)} FROM ${VISIBLE_POST_FROM}
    WHERE p.id = ${anyBigint(ids)} AND ${postVisibleSql(viewerId)}`);
  const byId = new Map(rows.map((r) => [r.id, postView(r)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
