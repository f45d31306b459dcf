// The read side of materialized home timelines (write side: feed.fanout.ts; store:
// timeline-store.ts). A page is read from the viewer's inbox, merged with the outboxes of the large
// authors they follow, and then decided and hydrated by ONE statement under the full visibility
// policy — the same rules as the engine (feed.timeline.ts): the post visible to the viewer and its
// author not muted; a post only while its author is still followed (or is the viewer); a repost
// only while it exists and its reposter is followed (or the viewer), active, unblocked either way,
// content-visible and not muted. So whatever a set holds, a read shows exactly what the engine would.
//
// A page is *proven* from the sets only down to a bound: each source either returned everything
// after the cursor down to its floor (nothing unknown above the floor) or stopped at its last
// entry. Candidates newer than the highest such bound are complete; if they do not fill the page,
// the read asks for more entries, and after that falls back to the engine (deep pages beyond the
// 800 kept entries, a set being rebuilt). `null` means "use the engine".
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { many } from "../../db/query";
import { decodeCursor, encodeCursor, type Page } from "../../lib/pagination";
import { postColumnsSql, postView, type PostRow } from "../post/post.queries";
import { postVisibleSql } from "../visibility/post-visibility";
import { accountVisibleSql, profileContentVisibleSql } from "../visibility/visibility";
import { rebuildInbox, rebuildOutbox } from "./feed.fanout";
import type { TimelineItem } from "./feed.timeline";
import {
  compareEntries, inboxOwner, outboxOwner, parseMember, type TimelineEntry, type TimelineRead, type TimelineStore,
} from "./timeline-store";

/** A timestamp as PostgreSQL or ISO text → microseconds since the epoch (the store's scores). */
export function tsMicros(ts: string | number): number | null {
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d(?::?\d\d)?)?$/.exec(String(ts));
  if (!m) return null;
  let zone = m[4] ?? "Z";
  if (/^[+-]\d\d$/.test(zone)) zone += ":00";
  else if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}T${m[2]}${zone}`);
  return Number.isFinite(ms) ? ms * 1000 + Number((m[3] ?? "").padEnd(6, "0")) : null;
}

/** The highest member string: a bound at (floor, MAX) means "every entry above the floor's score". */
const MAX_MEMBER = "\uffff";
const isNewer = (e: TimelineEntry, bound: TimelineEntry) => compareEntries(e, bound) < 0;

interface PageRow extends PostRow {
  kind: number;
  item_id: string;
  ts: string;
  reposter_id: string | null;
  repost_comment: string | null;
  reposter_username: string | null;
  reposter_display_name: string | null;
}

/** Of these candidates (newest first), the first `n` the viewer may see, as full rows. */
async function visiblePage(db: DbOrTx, viewerId: string, candidates: TimelineEntry[], n: number): Promise<PageRow[]> {
  const parsed = candidates.map((c) => parseMember(c.member)!);
  const array = (values: string[], type: "int" | "bigint") => sql`${`{${values.join(",")}}`}::${sql.raw(type)}[]`;
  const notMuted = (who: ReturnType<typeof sql>) => sql`NOT EXISTS (SELECT 1 FROM user_mutes mu WHERE mu.muter_id = ${viewerId} AND mu.muted_id = ${who})`;
  const followed = (who: ReturnType<typeof sql>) => sql`EXISTS (SELECT 1 FROM user_follows f WHERE f.follower_id = ${viewerId} AND f.following_id = ${who})`;
  return many<PageRow>(db, sql`
    SELECT v.kind, v.item_id::text AS item_id, v.ts, v.reposter_id::text AS reposter_id, r.comment AS repost_comment,
           ru.username AS reposter_username, rp.display_name AS reposter_display_name, ${postColumnsSql(viewerId)}
    FROM (
      SELECT c.kind, c.item_id, c.post_id, CASE WHEN c.kind = 0 THEN p.published_at ELSE r.created_at END AS ts, r.user_id AS reposter_id
      FROM unnest(${array(parsed.map((p) => String(p.kind)), "int")}, ${array(parsed.map((p) => p.itemId), "bigint")},
                  ${array(parsed.map((p) => p.postId), "bigint")}) AS c(kind, item_id, post_id)
      JOIN posts p ON p.id = c.post_id JOIN users u ON u.id = p.user_id JOIN user_profiles pr ON pr.user_id = p.user_id
      LEFT JOIN reposts r ON c.kind = 1 AND r.id = c.item_id AND r.post_id = c.post_id
      WHERE ${postVisibleSql(viewerId, { publishedOnly: true })}
        AND (p.user_id = ${viewerId} OR ${notMuted(sql`p.user_id`)})
        AND CASE WHEN c.kind = 0 THEN (p.user_id = ${viewerId} OR ${followed(sql`p.user_id`)})
            ELSE r.id IS NOT NULL AND COALESCE((
              SELECT TRUE FROM users ru JOIN user_profiles rp ON rp.user_id = ru.id
              WHERE ru.id = r.user_id AND ${accountVisibleSql(sql`ru.id`, sql`ru.status`, viewerId)}
                AND ${profileContentVisibleSql(sql`ru.id`, sql`rp.visibility`, viewerId)}
                AND (ru.id = ${viewerId} OR (${notMuted(sql`ru.id`)} AND ${followed(sql`ru.id`)}))), FALSE) END
      ORDER BY ts DESC, c.kind DESC, c.item_id DESC
      LIMIT ${n}
    ) v
    JOIN posts p ON p.id = v.post_id JOIN users u ON u.id = p.user_id JOIN user_profiles pr ON pr.user_id = p.user_id
    LEFT JOIN reposts r ON v.kind = 1 AND r.id = v.item_id
    LEFT JOIN users ru ON ru.id = v.reposter_id LEFT JOIN user_profiles rp ON rp.user_id = v.reposter_id
    ORDER BY v.ts DESC, v.kind DESC, v.item_id DESC`);
}

/** Reads the sets, building any that is missing; null when the store cannot answer. */
async function readSources(db: DbOrTx, store: TimelineStore, viewerId: string, maxScore: number | null, count: number): Promise<TimelineRead[] | null> {
  let inbox = (await store.read([inboxOwner(viewerId)], maxScore, count))?.[0];
  if (!inbox) return null;
  if (!inbox.ready) {
    await rebuildInbox(db, store, viewerId);
    inbox = (await store.read([inboxOwner(viewerId)], maxScore, count))?.[0];
    if (!inbox?.ready) return null;
  }
  if (!inbox.large.length) return [inbox];
  let outboxes = await store.read(inbox.large.map(outboxOwner), maxScore, count);
  if (!outboxes) return null;
  const missing = inbox.large.filter((_, i) => !outboxes![i]!.ready);
  if (missing.length) {
    for (const authorId of missing) await rebuildOutbox(db, store, authorId);
    outboxes = await store.read(inbox.large.map(outboxOwner), maxScore, count);
    if (!outboxes || outboxes.some((o) => !o.ready)) return null;
  }
  return [inbox, ...outboxes];
}

/** Pages served from the sets vs. handed to the engine, per process (tests and the bench read it). */
export const inboxStats = { served: 0, engine: 0 };

export async function inboxHome(db: DbOrTx, store: TimelineStore, viewerId: string, input: { cursor?: string; limit: number }): Promise<Page<TimelineItem> | null> {
  const after = decodeCursor(input.cursor, 3);
  const cursorScore = after ? tsMicros(after[0]!) : null;
  if (after && cursorScore === null) return (inboxStats.engine++, null);
  const cursor: TimelineEntry | null = after ? { score: cursorScore!, member: `${Number(after[1])}:${String(after[2]).padStart(19, "0")}` } : null;
  const n = input.limit + 1;
  for (let count = n * 2 + 10, attempt = 0; attempt < 3; attempt++, count *= 4) {
    const sources = await readSources(db, store, viewerId, cursor?.score ?? null, count);
    if (!sources) return (inboxStats.engine++, null);
    // Each source is known down to its last entry (it returned all it was asked for) or its floor.
    let bound: TimelineEntry = { score: 0, member: MAX_MEMBER };
    const seen = new Set<string>();
    const candidates: TimelineEntry[] = [];
    for (const source of sources) {
      const known = source.entries.length >= count ? source.entries[source.entries.length - 1]! : { score: source.floor, member: MAX_MEMBER };
      if (compareEntries(known, bound) < 0) bound = known;
      for (const e of source.entries) {
        // Strictly after the cursor (the store's range includes ties at its score).
        if (cursor && !(e.score < cursor.score || (e.score === cursor.score && e.member.slice(0, 21) < cursor.member))) continue;
        if (!seen.has(e.member)) {
          seen.add(e.member);
          candidates.push(e);
        }
      }
    }
    const proven = candidates.filter((e) => isNewer(e, bound)).sort(compareEntries);
    const complete = bound.score <= 0; // nothing unknown anywhere: what the sets hold is all there is
    if (proven.length < n && !complete) continue;
    const rows = proven.length ? await visiblePage(db, viewerId, proven, n) : [];
    if (rows.length < n && !complete) continue;
    inboxStats.served++;
    return pageOf(rows, input.limit);
  }
  inboxStats.engine++;
  return null;
}

function pageOf(rows: PageRow[], limit: number): Page<TimelineItem> {
  const hasMore = rows.length > limit;
  const kept = hasMore ? rows.slice(0, limit) : rows;
  const items = kept.map((r): TimelineItem => ({
    id: `${r.kind === 0 ? "p" : "r"}${r.item_id}`,
    kind: r.kind === 0 ? "post" : "repost",
    post: postView(r),
    repost: r.kind === 1
      ? { id: r.item_id, by: { id: r.reposter_id!, username: r.reposter_username!, displayName: r.reposter_display_name }, comment: r.repost_comment, createdAt: new Date(r.ts).toISOString() }
      : null,
  }));
  const last = kept[kept.length - 1];
  return { items, nextCursor: hasMore && last ? encodeCursor([last.ts, last.kind, last.item_id]) : null };
}
