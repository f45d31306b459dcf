// Profile sections and their content items. Reads obey the owner's profile visibility; writes
// are owner-only, and someone else's section or item is NOT_FOUND, like one that does not exist.
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { iso, many, one } from "../../db/query";
import { transaction } from "../../db/transaction";
import type { Cache } from "../../lib/cache";
import { AppError } from "../../lib/errors";
import { requireVisibleProfile } from "../user/user.service";
import type { SectionWire } from "./section.output";
import { MAX_ITEMS_PER_SECTION, MAX_SECTIONS_PER_USER, parseSectionConfig, type SectionType } from "./section.schema";

interface SectionRow {
  id: string;
  user_id: string;
  type: SectionType;
  title: string;
  description: string | null;
  config: Record<string, unknown>;
  display_order: number;
  is_visible: boolean;
  created_at: string;
  updated_at: string;
}

interface ContentRow {
  id: string;
  section_id: string;
  content_type: "text" | "link" | "image" | "embed";
  title: string | null;
  content: string | null;
  url: string | null;
  display_order: number;
}

const contentView = (c: ContentRow) => ({
  id: c.id, contentType: c.content_type, title: c.title, content: c.content, url: c.url, displayOrder: c.display_order,
});

function sectionView(s: SectionRow, items: ContentRow[]): SectionWire {
  // The config was validated against its type when written (parseSectionConfig).
  return ({
    id: s.id, type: s.type, title: s.title, description: s.description, config: s.config,
    displayOrder: s.display_order, isVisible: s.is_visible, createdAt: iso(s.created_at)!, updatedAt: iso(s.updated_at)!,
    items: items.filter((c) => c.section_id === s.id).map(contentView),
  }) as SectionWire;
}
export type SectionView = ReturnType<typeof sectionView>;

export async function listSections(db: DbOrTx, cache: Cache, viewerId: string | null, username: string): Promise<SectionView[]> {
  const profile = await requireVisibleProfile(db, cache, viewerId, username);
  const owner = profile.relation.isSelf;
  const sections = await many<SectionRow>(db, sql`
    SELECT * FROM profile_sections WHERE user_id = ${profile.id} ${owner ? sql`` : sql`AND is_visible = TRUE`}
    ORDER BY display_order, id`);
  if (sections.length === 0) return [];
  const items = await many<ContentRow>(db, sql`
    SELECT * FROM section_content WHERE section_id IN (${sql.join(sections.map((s) => sql`${s.id}`), sql`, `)})
    ORDER BY display_order, id`);
  return sections.map((s) => sectionView(s, items));
}

/** The caller's own section, locked for update; NOT_FOUND for anyone else's. */
async function ownSection(db: DbOrTx, userId: string, sectionId: string): Promise<SectionRow> {
  const row = await one<SectionRow>(db, sql`SELECT * FROM profile_sections WHERE id = ${sectionId} AND user_id = ${userId} FOR UPDATE`);
  if (!row) throw new AppError("NOT_FOUND", "Section not found");
  return row;
}

async function sectionWithItems(db: DbOrTx, sectionId: string): Promise<SectionView> {
  const s = await one<SectionRow>(db, sql`SELECT * FROM profile_sections WHERE id = ${sectionId}`);
  const items = await many<ContentRow>(db, sql`SELECT * FROM section_content WHERE section_id = ${sectionId} ORDER BY display_order, id`);
  return sectionView(s!, items);
}

export async function createSection(
  db: Db,
  userId: string,
  input: { type: SectionType; title: string; description?: string | null; config?: Record<string, unknown>; displayOrder?: number; isVisible?: boolean },
): Promise<SectionView> {
  const config = parseSectionConfig(input.type, input.config);
  return transaction(db, async (tx) => {
    // Serialize this user's section writes so the cap holds under concurrency.
    await tx.execute(sql`SELECT 1 FROM users WHERE id = ${userId} FOR UPDATE`);
    const count = await one<{ n: number; next: number }>(tx, sql`
      SELECT count(*)::int AS n, COALESCE(max(display_order) + 1, 0)::int AS next FROM profile_sections WHERE user_id = ${userId}`);
    if (count!.n >= MAX_SECTIONS_PER_USER) {
      throw new AppError("BAD_REQUEST", `At most ${MAX_SECTIONS_PER_USER} sections`, { appCode: "TOO_MANY_SECTIONS" });
    }
    const row = await one<{ id: string }>(tx, sql`
      INSERT INTO profile_sections (user_id, type, title, description, config, display_order, is_visible)
      VALUES (${userId}, ${input.type}, ${input.title}, ${input.description ?? null}, ${JSON.stringify(config)}::jsonb,
              ${input.displayOrder ?? count!.next}, ${input.isVisible ?? true})
      RETURNING id`);
    return sectionWithItems(tx, row!.id);
  });
}

export async function updateSection(
  db: Db,
  userId: string,
  input: { sectionId: string; title?: string; description?: string | null; config?: Record<string, unknown>; displayOrder?: number; isVisible?: boolean },
): Promise<SectionView> {
  return transaction(db, async (tx) => {
    const current = await ownSection(tx, userId, input.sectionId);
    const config = input.config === undefined ? current.config : parseSectionConfig(current.type, input.config);
    await tx.execute(sql`
      UPDATE profile_sections SET
        title = ${input.title ?? current.title},
        description = ${input.description === undefined ? current.description : input.description},
        config = ${JSON.stringify(config)}::jsonb,
        display_order = ${input.displayOrder ?? current.display_order},
        is_visible = ${input.isVisible ?? current.is_visible}
      WHERE id = ${current.id}`);
    return sectionWithItems(tx, current.id);
  });
}

export async function deleteSection(db: Db, userId: string, sectionId: string): Promise<{ deleted: true }> {
  const rows = await many<{ id: string }>(db, sql`DELETE FROM profile_sections WHERE id = ${sectionId} AND user_id = ${userId} RETURNING id`);
  if (rows.length === 0) throw new AppError("NOT_FOUND", "Section not found");
  return { deleted: true };
}

/** Puts the given sections first, in this order; the caller's other sections follow in their old order. */
export async function reorderSections(db: Db, userId: string, sectionIds: string[]): Promise<{ sectionIds: string[] }> {
  return transaction(db, async (tx) => {
    const mine = await many<{ id: string }>(tx, sql`
      SELECT id FROM profile_sections WHERE user_id = ${userId} ORDER BY display_order, id FOR UPDATE`);
    const owned = new Set(mine.map((r) => r.id));
    if (sectionIds.some((id) => !owned.has(id))) throw new AppError("NOT_FOUND", "Section not found");
    const order = [...sectionIds, ...mine.map((r) => r.id).filter((id) => !sectionIds.includes(id))];
    for (const [index, id] of order.entries()) {
      await tx.execute(sql`UPDATE profile_sections SET display_order = ${index} WHERE id = ${id}`);
    }
    return { sectionIds: order };
  });
}

type ContentInput = { title?: string | null; content?: string | null; url?: string | null; displayOrder?: number };

export async function addContent(
  db: Db,
  userId: string,
  input: ContentInput & { sectionId: string; contentType: "text" | "link" | "image" | "embed" },
) {
  return transaction(db, async (tx) => {
    const section = await ownSection(tx, userId, input.sectionId);
    const stats = await one<{ n: number; next: number }>(tx, sql`
      SELECT count(*)::int AS n, COALESCE(max(display_order) + 1, 0)::int AS next FROM section_content WHERE section_id = ${section.id}`);
    if (stats!.n >= MAX_ITEMS_PER_SECTION) {
      throw new AppError("BAD_REQUEST", `At most ${MAX_ITEMS_PER_SECTION} items per section`, { appCode: "TOO_MANY_ITEMS" });
    }
    const row = await one<ContentRow>(tx, sql`
      INSERT INTO section_content (section_id, content_type, title, content, url, display_order)
      VALUES (${section.id}, ${input.contentType}, ${input.title ?? null}, ${input.content ?? null}, ${input.url ?? null},
              ${input.displayOrder ?? stats!.next})
      RETURNING *`);
    return contentView(row!);
  });
}

/** A content item of one of the caller's sections; NOT_FOUND otherwise. */
async function ownContent(db: DbOrTx, userId: string, contentId: string): Promise<ContentRow> {
  const row = await one<ContentRow>(db, sql`
    SELECT c.* FROM section_content c JOIN profile_sections s ON s.id = c.section_id
    WHERE c.id = ${contentId} AND s.user_id = ${userId} FOR UPDATE OF c`);
  if (!row) throw new AppError("NOT_FOUND", "Item not found");
  return row;
}

export async function updateContent(db: Db, userId: string, input: ContentInput & { contentId: string }) {
  return transaction(db, async (tx) => {
    const current = await ownContent(tx, userId, input.contentId);
    const pick = <K extends keyof ContentInput>(k: K, old: ContentInput[K]) => (input[k] === undefined ? old : input[k]);
    const next = {
      title: pick("title", current.title),
      content: pick("content", current.content),
      url: pick("url", current.url),
      displayOrder: pick("displayOrder", current.display_order),
    };
    if (current.content_type === "text" && !next.content?.trim()) {
      throw new AppError("BAD_REQUEST", "A text item needs content", { field: "content" });
    }
    if (current.content_type !== "text" && !next.url) throw new AppError("BAD_REQUEST", "This item needs a url", { field: "url" });
    const row = await one<ContentRow>(tx, sql`
      UPDATE section_content SET title = ${next.title ?? null}, content = ${next.content ?? null}, url = ${next.url ?? null},
        display_order = ${next.displayOrder ?? 0}
      WHERE id = ${current.id} RETURNING *`);
    return contentView(row!);
  });
}

export async function removeContent(db: Db, userId: string, contentId: string): Promise<{ deleted: true }> {
  const rows = await many<{ id: string }>(db, sql`
    DELETE FROM section_content c USING profile_sections s
    WHERE c.id = ${contentId} AND s.id = c.section_id AND s.user_id = ${userId} RETURNING c.id`);
  if (rows.length === 0) throw new AppError("NOT_FOUND", "Item not found");
  return { deleted: true };
}
