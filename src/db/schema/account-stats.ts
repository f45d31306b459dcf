// account_stats (0060): the profile counters kept by triggers (follows by/of active accounts,
// published posts). Mirror of the SQL migration, kept honest by tests/db/drizzle-drift.test.ts.
import { bigint, integer, pgTable } from "drizzle-orm/pg-core";
import { users } from "./users";

export const accountStats = pgTable("account_stats", {
  userId: bigint("user_id", { mode: "number" })
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  followersCount: integer("followers_count").notNull().default(0),
  followingCount: integer("following_count").notNull().default(0),
  postsCount: integer("posts_count").notNull().default(0),
});
