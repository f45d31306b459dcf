// section.feed: a `feed` profile section executed for a viewer, through the custom-feed engine
// (runAlgorithm + hydrateFeedPage, exactly what feed.execute runs), with the section's owner as the
// feed's owner (so `friends` / `following` author values mean the profile owner's).
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { one } from "../../db/query";
import type { Cache } from "../../lib/cache";
import { AppError } from "../../lib/errors";
import type { Page } from "../../lib/pagination";
import { hydrateFeedPage, runAlgorithm } from "../feed/feed.service";
import type { TimelineItem } from "../feed/feed.timeline";
import { requireVisibleProfile } from "../user/user.service";

/**
 * The section's posts for `viewerId`. NOT_FOUND — the same answer each time — when the section does
 * not exist, is not a feed section, is hidden (to anyone but its owner), or the viewer may not see
 * the owner's profile content (visibility, blocks, inactive account).
 */
export async function sectionFeed(
  db: Db,
  cache: Cache,
  viewerId: string | null,
  input: { sectionId: string; cursor?: string; limit: number },
): Promise<Page<TimelineItem>> {
  const section = await one<{ user_id: string; username: string; type: string; is_visible: boolean; config: Record<string, unknown> }>(db, sql`
    SELECT s.user_id, u.username, s.type, s.is_visible, s.config FROM profile_sections s JOIN users u ON u.id = s.user_id
    WHERE s.id = ${input.sectionId}`);
  const notFound = () => new AppError("NOT_FOUND", "Section not found");
  if (!section || section.type !== "feed") throw notFound();
  let profile;
  try {
    profile = await requireVisibleProfile(db, cache, viewerId, section.username);
  } catch (error) {
    if (error instanceof AppError && error.code === "NOT_FOUND") throw notFound();
    throw error;
  }
  if (!section.is_visible && !profile.relation.isSelf) throw notFound();
  // The section config is the algorithm config plus its presentation (`layout`), which the engine's
  // strict schema does not know; everything else goes to the engine as stored (and is re-validated there).
  const { layout: _layout, ...algorithm } = section.config;
  const page = await runAlgorithm(db, viewerId, section.user_id, algorithm, input);
  return hydrateFeedPage(db, viewerId, page);
}
