// Materialized home timelines: 0057 (timeline_large_authors, the authors merged in at read time
// instead of fanned out) and 0058 (timeline_fanout, the crash-safe fan-out queue filled by
// triggers). Mirror of the SQL migrations, kept honest by tests/db/drizzle-drift.test.ts.
import { sql } from "drizzle-orm";
import { bigint, bigserial, check, index, pgTable, smallint } from "drizzle-orm/pg-core";
import { tstz } from "./columns";
import { users } from "./users";

export const timelineLargeAuthors = pgTable("timeline_large_authors", {
  userId: bigint("user_id", { mode: "number" })
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  since: tstz("since").notNull().defaultNow(),
});

export const timelineFanout = pgTable(
  "timeline_fanout",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** 0 a post, 1 a repost. */
    kind: smallint("kind").notNull(),
    itemId: bigint("item_id", { mode: "number" }).notNull(),
    authorId: bigint("author_id", { mode: "number" }).notNull(),
    enqueuedAt: tstz("enqueued_at").notNull().defaultNow(),
  },
  (t) => [
    check("timeline_fanout_kind_valid", sql`${t.kind} IN (0, 1)`),
    index("timeline_fanout_item_idx").on(t.kind, t.itemId),
  ],
);
