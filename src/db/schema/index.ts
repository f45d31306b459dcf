// Drizzle mirror of the SQL migrations, one file per table group (filled in per group).
export {};
