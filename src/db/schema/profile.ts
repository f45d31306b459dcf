// Profile sections and the items inside static ones: 0011 (plus the foreign-key index of 0017).
// Mirror of the SQL migrations, kept honest by tests/db/drizzle-drift.test.ts.
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  varchar,
} from "drizzle-orm/pg-core";
import { tstz } from "./columns";
import { sectionType } from "./enums";
import { users } from "./users";

export const profileSections = pgTable(
  "profile_sections",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: sectionType("type").notNull(),
    title: varchar("title", { length: 100 }).notNull(),
    description: text("description"),
    config: jsonb("config").notNull().default({}),
    displayOrder: integer("display_order").notNull().default(0),
    isVisible: boolean("is_visible").notNull().default(true),
    createdAt: tstz("created_at").notNull().defaultNow(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    check("profile_sections_title_not_empty", sql`LENGTH(TRIM(${t.title})) > 0`),
    index("idx_profile_sections_user_order")
      .on(t.userId, t.displayOrder)
      .where(sql`${t.isVisible} = TRUE`),
    index("profile_sections_user_idx").on(t.userId), // 0017
  ],
);

export const sectionContent = pgTable(
  "section_content",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    sectionId: bigint("section_id", { mode: "number" })
      .notNull()
      .references(() => profileSections.id, { onDelete: "cascade" }),
    contentType: varchar("content_type", { length: 50 }).notNull(),
    title: varchar("title", { length: 200 }),
    content: text("content"),
    url: varchar("url", { length: 500 }),
    displayOrder: integer("display_order").notNull().default(0),
    createdAt: tstz("created_at").notNull().defaultNow(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    check("section_content_type_valid", sql`${t.contentType} IN ('text', 'link', 'image', 'embed')`),
    index("idx_section_content_section_order").on(t.sectionId, t.displayOrder),
  ],
);
