// Drizzle mirror of the SQL migrations in drizzle/*.sql, one file per table group. The SQL is the
// source of truth (nothing is generated from these files); tests/db/drizzle-drift.test.ts fails
// when the two disagree. schema_migrations belongs to the migrator and is deliberately absent.
export * from "./enums";
export * from "./users";
export * from "./posts";
export * from "./social";
export * from "./profile";
export * from "./feeds";
export * from "./messaging";
export * from "./storage";
export * from "./jobs";
export * from "./timelines";
export * from "./account-stats";
export * from "./moderation";
export * from "./polls";
export * from "./auth-mfa";
export * from "./exports";
export * from "./post-extras";
