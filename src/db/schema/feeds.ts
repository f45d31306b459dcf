// User-built feeds and curated user lists: 0012 (custom_feeds, feed_filters), 0013 (user_lists,
// list_members), plus the foreign-key indexes of 0017. Mirror of the SQL migrations, kept honest
// by tests/db/drizzle-drift.test.ts.
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
  unique,
  varchar,
} from "drizzle-orm/pg-core";
import { tstz } from "./columns";
import { filterOperator, filterType } from "./enums";
import { users } from "./users";

/** algorithm_config is the source of truth; feed_filters is its normalized copy. */
export const customFeeds = pgTable(
  "custom_feeds",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 100 }).notNull(),
    description: text("description"),
    algorithmConfig: jsonb("algorithm_config").notNull(),
    isDefault: boolean("is_default").notNull().default(false),
    displayOrder: integer("display_order").notNull().default(0),
    createdAt: tstz("created_at").notNull().defaultNow(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    check("custom_feeds_name_not_empty", sql`LENGTH(TRIM(${t.name})) > 0`),
    unique("custom_feeds_user_name_unique").on(t.userId, t.name),
    index("idx_custom_feeds_user").on(t.userId, t.displayOrder),
  ],
);

export const feedFilters = pgTable(
  "feed_filters",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    feedId: bigint("feed_id", { mode: "number" })
      .notNull()
      .references(() => customFeeds.id, { onDelete: "cascade" }),
    type: filterType("type").notNull(),
    operator: filterOperator("operator").notNull(),
    value: jsonb("value").notNull(),
    groupId: integer("group_id").notNull().default(0),
    logicalOperator: varchar("logical_operator", { length: 10 }).notNull().default("AND"),
    displayOrder: integer("display_order").notNull().default(0),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    check("feed_filters_logical_operator_valid", sql`${t.logicalOperator} IN ('AND', 'OR', 'NOT')`),
    index("idx_feed_filters_feed").on(t.feedId, t.groupId, t.displayOrder),
    index("idx_feed_filters_type").on(t.type, t.feedId),
  ],
);

export const userLists = pgTable(
  "user_lists",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 100 }).notNull(),
    description: text("description"),
    isPublic: boolean("is_public").notNull().default(true),
    createdAt: tstz("created_at").notNull().defaultNow(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    check("user_lists_name_not_empty", sql`LENGTH(TRIM(${t.name})) > 0`),
    unique("user_lists_user_name_unique").on(t.userId, t.name),
    index("user_lists_user_idx").on(t.userId), // 0017
  ],
);

export const listMembers = pgTable(
  "list_members",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    listId: bigint("list_id", { mode: "number" })
      .notNull()
      .references(() => userLists.id, { onDelete: "cascade" }),
    memberUserId: bigint("member_user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    addedAt: tstz("added_at").notNull().defaultNow(),
  },
  (t) => [
    unique("list_members_unique").on(t.listId, t.memberUserId),
    index("list_members_member_idx").on(t.memberUserId), // 0017
  ],
);
