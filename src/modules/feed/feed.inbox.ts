// The read side of materialized home timelines (write side: feed.fanout.ts; store:
// timeline-store.ts). A page is read from the viewer's inbox, merged with the outboxes of the large
// authors they follow, and then decided and hydrated under the full visibility policy
// (feed.hydrate.ts) — the same rules as the engine (feed.timeline.ts): the post visible to the viewer and its
// author not muted; a post only while its author is still followed (or is the viewer); a repost
// only while it exists and its reposter is followed (or the viewer), active, unblocked either way,
// content-visible and not muted. So whatever a set holds, a read shows exactly what the engine would.
//
// A page is *proven* from the sets only down to a bound: each source either returned everything
// after the cursor down to its floor (nothing unknown above the floor) or stopped at its last
// entry. Candidates newer than the highest such bound are complete; if they do not fill the page,
// the read asks for more entries, and after that falls back to the engine (deep pages beyond the
// 800 kept entries, a set being rebuilt). `null` means "use the engine".
import type { DbOrTx } from "../../db/client";
import { decodeCursor, encodeCursor, type Page } from "../../lib/pagination";
import { rebuildInbox, rebuildOutbox } from "./feed.fanout";
import { decidePage, type DecidedItem } from "./feed.hydrate";
import { tsMicros } from "./feed.time";
import type { TimelineItem } from "./feed.timeline";
import {
  compareEntries, inboxOwner, outboxOwner, type TimelineEntry, type TimelineRead, type TimelineStore,
} from "./timeline-store";

/** The highest member string: a bound at (floor, MAX) means "every entry above the floor's score". */
const MAX_MEMBER = "\uffff";
const isNewer = (e: TimelineEntry, bound: TimelineEntry) => compareEntries(e, bound) < 0;

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
  for (let count = n + 4, attempt = 0; attempt < 3; attempt++, count *= 4) {
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
    // Every set gave all it has and a floor still hides older items: asking for more cannot help.
    const exhausted = sources.every((source) => source.entries.length < count);
    if (proven.length < n && !complete) {
      if (exhausted) break;
      continue;
    }
    const rows = proven.length ? await decidePage(db, store, viewerId, proven, n) : [];
    if (rows.length < n && !complete) {
      if (exhausted) break;
      continue;
    }
    inboxStats.served++;
    return pageOf(rows, input.limit);
  }
  inboxStats.engine++;
  return null;
}

function pageOf(rows: DecidedItem[], limit: number): Page<TimelineItem> {
  const hasMore = rows.length > limit;
  const kept = hasMore ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map((r) => r.item), nextCursor: hasMore && last ? encodeCursor([last.ts, last.kind, last.itemId]) : null };
}
