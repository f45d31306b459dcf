// Reading posts by id without a query per concept and without a statement that is expensive to
// plan: the facts of a set of posts (state, counters, reposts, the accounts involved with the
// viewer's relation to them, the viewer's flags) come from one call of the PL/pgSQL function
// post_facts (drizzle/0059: its plan is cached per server connection, so the pooler does not make
// PostgreSQL plan it again on every request), the visibility policy is applied here rule for rule
// as postVisibleSql, and the content of the posts that pass comes from a per-process cache keyed by
// post id *and* updated_at (which every edit bumps, drizzle/0031), so a cached content is never
// stale; misses are one more statement. Used by the materialized home timeline (feed.hydrate.ts)
// and post.get.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { anyBigint, iso, many, one } from "../../db/query";
import { pollView, type PollRow } from "../poll/poll.service";
import type { PollView } from "../poll/poll.schema";
import { registerExtras, withExtras } from "./post.extras";
import { extraFields, MEDIA_JSON_SQL, POST_EXTRA_COLUMNS_SQL, type PostExtraColumns, type PostView } from "./post.queries";

export interface PostFacts { id: string; u: string; st: PostView["status"] | "deleted"; del: boolean; ts: string | null; up: string; l: number; c: number; r: number; v: number }
export interface RepostFacts { id: string; p: string; u: string; ts: string; c: string | null }
export interface Actor { id: string; active: boolean; vis: "public" | "followers" | "private"; name: string; dn: string | null; f: boolean; m: boolean; b: boolean }
interface Content extends PostExtraColumns {
  type: PostView["type"]; status: PostView["status"]; title: string | null; content: string | null; content_html: string | null;
  thumbnail_url: string | null; published_at: string | null; scheduled_for: string | null; created_at: string;
  media: PostView["media"]; tags: string[];
}
/** polls: those of the posts, with the viewer's vote (0092), so a page with polls needs no statement for them. */
export interface Facts { posts: PostFacts[]; reposts: RepostFacts[]; actors: Actor[]; flags: { p: string; t: string }[]; mine: string[]; polls: PollRow[] }

const bigintArray = (values: string[]) => {
  for (const id of values) if (!/^\d{1,19}$/.test(id)) throw new Error(`not a bigint id: ${JSON.stringify(id)}`);
  return `{${values.join(",")}}`;
};

export async function readFacts(db: DbOrTx, viewerId: string | null, postIds: string[], repostIds: string[]): Promise<Facts> {
  return (await one<Facts>(db, sql`
    SELECT * FROM post_facts(${bigintArray(postIds)}::bigint[], ${bigintArray(repostIds)}::bigint[], ${viewerId}::bigint)`))!;
}

/** postVisibleSql's account half: the viewer may see this author's content (blocks, profile visibility). */
export const contentVisible = (viewerId: string | null, a: Actor) =>
  a.id === viewerId || (!a.b && (a.vis === "public" || (a.vis === "followers" && a.f)));

/** postVisibleSql's post half: published and not deleted, or the viewer's own draft or scheduled post. */
export const postStateVisible = (viewerId: string | null, p: PostFacts) =>
  !p.del && (p.st === "published" || (p.u === viewerId && (p.st === "draft" || p.st === "scheduled")));

const CONTENT_MAX = 20_000;
/** One content cache per owner (a timeline store, an app's cache): an app's posts never meet another's. */
const contentCaches = new WeakMap<object, Map<string, Content>>();

export async function readContent(db: DbOrTx, owner: object, wanted: { id: string; up: string }[]): Promise<Map<string, Content>> {
  let cache = contentCaches.get(owner);
  if (!cache) contentCaches.set(owner, (cache = new Map()));
  const found = new Map<string, Content>();
  const missing: string[] = [];
  for (const w of wanted) {
    const hit = cache.get(`${w.id}@${w.up}`);
    if (hit) found.set(w.id, hit);
    else missing.push(w.id);
  }
  if (!missing.length) return found;
  const rows = await many<Content & { id: string; up: string }>(db, sql`
    SELECT p.id::text AS id, p.updated_at::text AS up, p.type, p.status, p.title, p.content, p.content_html, p.thumbnail_url,
           p.published_at, p.scheduled_for, p.created_at, ${POST_EXTRA_COLUMNS_SQL},
           ${MEDIA_JSON_SQL} AS media,
           COALESCE((SELECT array_agg(t.tag ORDER BY t.tag) FROM post_tags t WHERE t.post_id = p.id), '{}') AS tags
    FROM posts p WHERE p.id = ${anyBigint(missing)}`);
  for (const { id, up, ...content } of rows) {
    found.set(id, content);
    cache.set(`${id}@${up}`, content);
    if (cache.size > CONTENT_MAX) cache.delete(cache.keys().next().value!);
  }
  return found;
}

/** The facts' polls as this viewer sees them, by post id (withExtras takes them instead of reading). */
export function factPolls(facts: Facts, viewerId: string | null): Map<string, PollView> {
  return new Map(facts.polls.map((r) => [r.post_id, pollView(r, viewerId)]));
}

/** The viewer's flags of the facts' posts. */
export function viewerFlags(facts: Facts) {
  const liked = new Set<string>();
  const bookmarked = new Set<string>();
  for (const f of facts.flags) (f.t === "like" ? liked : f.t === "bookmark" ? bookmarked : null)?.add(f.p);
  const reposted = new Set(facts.mine);
  return (postId: string) => ({ liked: liked.has(postId), bookmarked: bookmarked.has(postId), reposted: reposted.has(postId) });
}

/** The wire view of a post from its facts, its author and its content (withExtras completes it). */
export function postViewOf(post: PostFacts, author: Actor, c: Content, viewer: PostView["viewer"]): PostView {
  return registerExtras({
    id: post.id, type: c.type, status: c.status, title: c.title, ...extraFields(c), content: c.content, contentHtml: c.content_html,
    thumbnailUrl: c.thumbnail_url, media: c.media, tags: c.tags,
    author: { id: author.id, username: author.name, displayName: author.dn },
    counts: { likes: post.l, comments: post.c, reposts: post.r, views: post.v },
    viewer,
    publishedAt: iso(c.published_at), scheduledFor: iso(c.scheduled_for), createdAt: iso(c.created_at)!, updatedAt: iso(post.up)!,
  }, c);
}

/** One post as the viewer may see it (postVisibleSql's rule), or null: two statements at most, one when its content is cached. */
export async function readVisiblePost(db: DbOrTx, owner: object, viewerId: string | null, postId: string): Promise<PostView | null> {
  const facts = await readFacts(db, viewerId, [postId], []);
  const post = facts.posts[0];
  const author = post && facts.actors.find((a) => a.id === post.u);
  if (!post || !author || !author.active || !postStateVisible(viewerId, post) || !contentVisible(viewerId, author)) return null;
  const c = (await readContent(db, owner, [{ id: post.id, up: post.up }])).get(post.id);
  // Signed out: no relation, no flags (post_facts gives none for a NULL viewer either).
  return c ? (await withExtras(db, viewerId, [postViewOf(post, author, c, viewerFlags(facts)(post.id))], factPolls(facts, viewerId)))[0]! : null;
}
