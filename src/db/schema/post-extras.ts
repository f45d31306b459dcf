// Edit history of posts (0075, issue 19). The posts columns of 0074–0077 are in posts.ts.
import { sql } from "drizzle-orm";
import { bigint, bigserial, boolean, check, index, pgTable, text, varchar } from "drizzle-orm/pg-core";
import { tstz } from "./columns";
import { posts } from "./posts";

export const postEdits = pgTable(
  "post_edits",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    postId: bigint("post_id", { mode: "number" }).notNull().references(() => posts.id, { onDelete: "cascade" }),
    title: varchar("title", { length: 200 }),
    content: text("content"),
    spoilerText: varchar("spoiler_text", { length: 500 }),
    mediaIds: bigint("media_ids", { mode: "number" }).array().notNull().default(sql`'{}'`),
    sensitive: boolean("sensitive").notNull().default(false),
    pollOptions: text("poll_options").array(),
    shownFrom: tstz("shown_from").notNull(),
    replacedAt: tstz("replaced_at").notNull().defaultNow(),
  },
  (t) => [
    check("post_edits_order", sql`${t.replacedAt} >= ${t.shownFrom}`),
    index("post_edits_post_idx").on(t.postId, t.replacedAt.desc(), t.id.desc()),
  ],
);
