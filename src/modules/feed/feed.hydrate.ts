// Deciding and hydrating a materialized-timeline page (feed.inbox.ts) without a query per concept
// and without a statement that is expensive to plan: the candidates' facts come from one call of
// post_facts (post.facts.ts; the first version of this page, one statement with the whole policy
// as correlated subqueries, spent 7 ms planning for 5 ms of work), the policy is applied here, rule
// for rule the same as postVisibleSql + the engine's eligibility (feed.timeline.ts), and only the
// page's posts get their content (cached by id and updated_at).
import type { DbOrTx } from "../../db/client";
import { iso } from "../../db/query";
import { contentVisible, factPolls, postViewOf, readContent, readFacts, viewerFlags, type Actor, type PostFacts, type RepostFacts } from "../post/post.facts";
import { withExtras } from "../post/post.extras";
import { tsMicros } from "./feed.time";
import type { TimelineItem } from "./feed.timeline";
import { parseMember, type TimelineEntry, type TimelineStore } from "./timeline-store";

export interface DecidedItem {
  kind: 0 | 1;
  itemId: string;
  /** The item's time as PostgreSQL prints it (the cursor's first field, as the engine's). */
  ts: string;
  item: TimelineItem;
}

/** Of these candidates (newest first), the first `n` the viewer may see, decided and hydrated. */
export async function decidePage(db: DbOrTx, store: TimelineStore, viewerId: string, candidates: TimelineEntry[], n: number): Promise<DecidedItem[]> {
  const parsed = candidates.map((c) => parseMember(c.member)!);
  const facts = await readFacts(db, viewerId, [...new Set(parsed.map((p) => p.postId))], parsed.filter((p) => p.kind === 1).map((p) => p.itemId));
  const posts = new Map(facts.posts.map((p) => [p.id, p]));
  const reposts = new Map(facts.reposts.map((r) => [r.id, r]));
  const actors = new Map(facts.actors.map((a) => [a.id, a]));
  // postVisibleSql and the engine's eligibility, rule for rule.
  const visible = (a: Actor) => contentVisible(viewerId, a);
  const eligible = (a: Actor) => a.id === viewerId || (!a.m && a.f);
  const decided: { kind: 0 | 1; itemId: string; ts: string; micros: number; post: PostFacts; author: Actor; repost?: RepostFacts; by?: Actor }[] = [];
  for (const c of parsed) {
    const post = posts.get(c.postId);
    const author = post && actors.get(post.u);
    if (!post || !author || post.del || post.st !== "published" || !author.active || !visible(author)) continue;
    if (c.kind === 0) {
      if (!eligible(author)) continue;
      decided.push({ kind: 0, itemId: c.itemId, ts: post.ts!, micros: tsMicros(post.ts!)!, post, author });
      continue;
    }
    const repost = reposts.get(c.itemId);
    const by = repost && actors.get(repost.u);
    if (!repost || !by || repost.p !== c.postId) continue;
    if (author.id !== viewerId && author.m) continue; // a repost of a muted author's post
    if (!by.active || !visible(by) || !eligible(by)) continue;
    decided.push({ kind: 1, itemId: c.itemId, ts: repost.ts, micros: tsMicros(repost.ts)!, post, author, repost, by });
  }
  decided.sort((a, b) => b.micros - a.micros || b.kind - a.kind || (BigInt(b.itemId) > BigInt(a.itemId) ? 1 : BigInt(b.itemId) < BigInt(a.itemId) ? -1 : 0));
  const page = decided.slice(0, n);
  const content = await readContent(db, store, [...new Map(page.map((d) => [d.post.id, { id: d.post.id, up: d.post.up }])).values()]);
  const flagsOf = viewerFlags(facts);
  const items = page.flatMap((d): DecidedItem[] => {
    const c = content.get(d.post.id);
    if (!c) return []; // purged between the two statements
    const post = postViewOf(d.post, d.author, c, flagsOf(d.post.id));
    const repost = d.repost && d.by
      ? { id: d.repost.id, by: { id: d.by.id, username: d.by.name, displayName: d.by.dn }, comment: d.repost.c, createdAt: iso(d.repost.ts)! }
      : null;
    return [{ kind: d.kind, itemId: d.itemId, ts: d.ts, item: { id: `${d.kind === 0 ? "p" : "r"}${d.itemId}`, kind: d.kind === 0 ? "post" : "repost", post, repost } }];
  });
  // Quoted posts, per reader (post.extras.ts): one statement when the page has quotes; the polls came with the facts.
  await withExtras(db, viewerId, items.map((i) => i.item.post), factPolls(facts, viewerId));
  return items;
}
