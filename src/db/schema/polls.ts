// Polls on text posts (issue 19): 0080 (polls), 0081 (poll_votes), 0082 (the tally triggers and
// the refusal of UPDATE on votes), 0083 (the trigger that opens a poll when its post is
// published). Mirror of the SQL migrations, kept honest by tests/db/drizzle-drift.test.ts.
import { sql } from "drizzle-orm";
import { bigint, bigserial, boolean, check, index, integer, pgTable, primaryKey, smallint, text } from "drizzle-orm/pg-core";
import { tstz } from "./columns";
import { posts } from "./posts";
import { users } from "./users";

export const polls = pgTable(
  "polls",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    postId: bigint("post_id", { mode: "number" }).notNull().unique("polls_post_id_key").references(() => posts.id, { onDelete: "cascade" }),
    /** 2–4 options of 1–100 characters. */
    options: text("options").array().notNull(),
    multiple: boolean("multiple").notNull().default(false),
    /** What the author chose (300 s – 7 days); the clock starts at publication. */
    durationSeconds: integer("duration_seconds").notNull(),
    /** NULL while the post is a draft or scheduled (the poll has not opened). */
    expiresAt: tstz("expires_at"),
    /** option_votes[i]: voters who chose option i (maintained by the 0082 triggers). */
    optionVotes: integer("option_votes").array().notNull(),
    votesCount: integer("votes_count").notNull().default(0),
    votersCount: integer("voters_count").notNull().default(0),
    /** The poll-ended job's claim (author and voters notified). */
    endedNotifiedAt: tstz("ended_notified_at"),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    check("polls_options_valid", sql`array_ndims(${t.options}) = 1 AND cardinality(${t.options}) BETWEEN 2 AND 4`),
    check("polls_option_votes_valid", sql`cardinality(${t.optionVotes}) = cardinality(${t.options})`),
    check("polls_counts_valid", sql`${t.votersCount} >= 0 AND ${t.votesCount} >= ${t.votersCount} AND (${t.multiple} OR ${t.votesCount} = ${t.votersCount})`),
    check("polls_duration_valid", sql`${t.durationSeconds} BETWEEN 300 AND 604800`),
    check("polls_notified_after_open", sql`${t.endedNotifiedAt} IS NULL OR ${t.expiresAt} IS NOT NULL`),
    index("polls_ending_idx").on(t.expiresAt).where(sql`${t.endedNotifiedAt} IS NULL AND ${t.expiresAt} IS NOT NULL`),
  ],
);

/** One row per voter and poll (the key is "once per account"); never updated (0082). */
export const pollVotes = pgTable(
  "poll_votes",
  {
    pollId: bigint("poll_id", { mode: "number" }).notNull().references(() => polls.id, { onDelete: "cascade" }),
    userId: bigint("user_id", { mode: "number" }).notNull().references(() => users.id, { onDelete: "cascade" }),
    /** 0-based option indexes, strictly ascending. */
    choices: smallint("choices").array().notNull(),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "poll_votes_pkey", columns: [t.pollId, t.userId] }),
    check("poll_votes_choices_valid", sql`cardinality(${t.choices}) BETWEEN 1 AND 4 AND ${t.choices} <@ '{0,1,2,3}'::smallint[]`),
    index("poll_votes_user_idx").on(t.userId),
  ],
);
