// What a public page shows, read through the same services (and so the same visibility policy)
// as the API: user.get's resolveProfile, section.list, post.listByUser, section.feed, social.*
// lists, list.posts, post.get and comment.list. Anything the viewer may not see is `null` here,
// which the routes answer with the one 404 page.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { Cache } from "../lib/cache";
import { AppError } from "../lib/errors";
import { listPosts } from "../modules/list/list.service";
import { authorTimeline, type TimelineItem } from "../modules/feed/feed.timeline";
import { listComments, listReplies, type CommentView } from "../modules/comment/comment.service";
import { getPost, listPostsByUser } from "../modules/post/post.service";
import type { PostView } from "../modules/post/post.queries";
import { sectionFeed } from "../modules/section/section.feed";
import { listSections, type SectionView } from "../modules/section/section.service";
import { listRelation, type UserListItem } from "../modules/social/social.service";
import { resolveProfile, type ResolvedProfile } from "../modules/user/user.service";
import { profileView } from "../modules/user/user.views";

export interface PageDeps {
  db: Db;
  cache: Cache;
}

/** How much of each kind a page shows (a page is a first screen, not an archive). */
export const PAGE_LIMITS = { posts: 20, sectionPosts: 12, people: 12, comments: 50, replies: 20 };

/** The data a section renders besides its own items. */
export type SectionData =
  | { kind: "posts"; items: TimelineItem[] }
  | { kind: "people"; people: UserListItem[] }
  | { kind: "none" };

export interface ProfilePageData {
  profile: ResolvedProfile & { displayName: string | null; bio: string | null; location: string | null; website: string | null; age: number | null };
  look: ReturnType<typeof profileView>;
  sections: { section: SectionView; data: SectionData }[];
  posts: TimelineItem[];
}

/** NOT_FOUND → null (one answer for "does not exist" and "may not see"); anything else propagates. */
async function orNull<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof AppError && error.code === "NOT_FOUND") return null;
    throw error;
  }
}

const limitOf = (config: unknown, fallback: number) => {
  const n = (config as { limit?: unknown } | null)?.limit;
  return typeof n === "number" && n >= 1 ? Math.min(n, fallback) : fallback;
};

async function sectionData(deps: PageDeps, viewerId: string | null, username: string, ownerId: string, s: SectionView): Promise<SectionData> {
  const { db, cache } = deps;
  switch (s.type) {
    case "feed": {
      const page = await orNull(sectionFeed(db, cache, viewerId, { sectionId: s.id, limit: limitOf(s.config, PAGE_LIMITS.sectionPosts) }));
      return { kind: "posts", items: page?.items ?? [] };
    }
    case "friends":
    case "followers":
    case "following": {
      const page = await orNull(listRelation(db, cache, viewerId, s.type, { username, limit: limitOf(s.config, PAGE_LIMITS.people) }));
      return { kind: "people", people: page?.items ?? [] };
    }
    case "reposts": {
      // The owner's own timeline (posts and reposts, under the viewer's visibility), reposts only.
      const page = await authorTimeline(db, viewerId, sql`SELECT ${ownerId}::bigint`, { limit: PAGE_LIMITS.sectionPosts * 2 });
      return { kind: "posts", items: page.items.filter((i) => i.kind === "repost").slice(0, limitOf(s.config, PAGE_LIMITS.sectionPosts)) };
    }
    case "list": {
      const listId = String((s.config as { listId?: unknown }).listId ?? "");
      const page = listId ? await orNull(listPosts(db, viewerId, { listId, limit: limitOf(s.config, PAGE_LIMITS.sectionPosts) })) : null;
      return { kind: "posts", items: page?.items ?? [] };
    }
    default:
      return { kind: "none" };
  }
}

/** The profile page of `username` for `viewerId`, or null when the viewer may not see it. */
export async function loadProfilePage(deps: PageDeps, viewerId: string | null, username: string): Promise<ProfilePageData | null> {
  const resolved = await orNull(resolveProfile(deps.db, deps.cache, viewerId, username));
  // Not visible (followers-only or private to this viewer, a block either way): 404, like absence.
  if (!resolved || !resolved.contentVisible || resolved.relation.isBlocked) return null;
  const { row, ...profile } = resolved;
  const [sections, posts] = await Promise.all([
    listSections(deps.db, deps.cache, viewerId, row.username),
    listPostsByUser(deps.db, deps.cache, viewerId, { username: row.username, limit: PAGE_LIMITS.posts }),
  ]);
  // The public page is the profile as others see it: hidden sections stay hidden, even to the owner.
  const visible = sections.filter((s) => s.isVisible);
  const withData = await Promise.all(
    visible.map(async (section) => ({ section, data: await sectionData(deps, viewerId, row.username, resolved.id, section) })),
  );
  return {
    profile: { ...profile, displayName: row.display_name, bio: row.bio, location: row.location, website: row.website, age: row.age },
    look: profileView(row),
    sections: withData,
    posts: posts.items,
  };
}

export interface CommentNode {
  comment: CommentView;
  replies: CommentNode[];
}

export interface PostPageData {
  post: PostView;
  author: ProfilePageData["profile"];
  look: ReturnType<typeof profileView>;
  comments: CommentNode[];
}

/** Replies of a comment, two levels deep (deeper threads continue in the app). */
async function repliesOf(db: Db, viewerId: string | null, comment: CommentView, depth: number): Promise<CommentNode> {
  if (depth >= 2 || comment.counts.replies === 0) return { comment, replies: [] };
  const page = await orNull(listReplies(db, viewerId, { commentId: comment.id, limit: PAGE_LIMITS.replies }));
  const replies = await Promise.all((page?.items ?? []).map((r) => repliesOf(db, viewerId, r, depth + 1)));
  return { comment, replies };
}

/**
 * A published post of `username` with its comment thread, or null. Drafts and scheduled posts have
 * no public page, not even for their author (the app shows those); a post under another
 * username's path is null too, so /@a/posts/<b's post> cannot exist.
 */
export async function loadPostPage(deps: PageDeps, viewerId: string | null, username: string, postId: string): Promise<PostPageData | null> {
  const resolved = await orNull(resolveProfile(deps.db, deps.cache, viewerId, username));
  if (!resolved || !resolved.contentVisible || resolved.relation.isBlocked) return null;
  const post = await orNull(getPost(deps.db, deps.cache, viewerId, postId));
  if (!post || post.status !== "published" || post.author.id !== resolved.id) return null;
  const top = await orNull(listComments(deps.db, viewerId, { postId, limit: PAGE_LIMITS.comments }));
  const comments = await Promise.all((top?.items ?? []).map((c) => repliesOf(deps.db, viewerId, c, 0)));
  const { row, ...profile } = resolved;
  return {
    post,
    author: { ...profile, displayName: row.display_name, bio: row.bio, location: row.location, website: row.website, age: row.age },
    look: profileView(row),
    comments,
  };
}
