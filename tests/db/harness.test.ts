import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import postgres from "postgres";
import { env } from "../../src/env";
import { createTestDatabase, canRunConcurrently, type TestDatabase } from "../helpers/db";
import { loadMigrations, migrate, pendingMigrations } from "../../src/db/migrate";

setDefaultTimeout(30_000); // see tests/setup.ts

let t: TestDatabase;
beforeAll(async () => { t = await createTestDatabase(); });
afterAll(async () => { await t.close(); });

const SPEC_TABLES = [
  "users", "user_profiles", "posts", "post_media", "user_follows", "friendships", "post_interactions", "comments",
  "reposts", "profile_sections", "section_content", "custom_feeds", "feed_filters", "conversations", "messages",
  "notifications", "storage_usage", "subscription_tiers", "user_subscriptions", "user_lists", "list_members",
];
const EXTRA_TABLES = ["sessions", "user_blocks", "user_mutes", "post_tags", "post_mentions", "upload_reservations"];

test("a test database arrives fully migrated, and migrating again changes nothing", async () => {
  expect(await pendingMigrations(t.sql)).toEqual([]);
  const again = await migrate(t.sql);
  expect(again.applied).toEqual([]);
  expect(again.total).toBe(loadMigrations().length);
});

test("the schema has the 21 spec tables, the extra ones, 30+ indexes and every required trigger", async () => {
  const tables = await t.sql<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`;
  const names = new Set(tables.map((r) => r.table_name));
  for (const table of [...SPEC_TABLES, ...EXTRA_TABLES]) expect(names.has(table)).toBe(true);
  const [indexes] = await t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'public'`;
  expect(indexes!.n).toBeGreaterThanOrEqual(30);

  const triggers = await t.sql<{ table: string; name: string }[]>`
    SELECT event_object_table AS table, trigger_name AS name FROM information_schema.triggers WHERE trigger_schema = 'public'`;
  const has = (table: string, name: string) => triggers.some((r) => r.table === table && r.name === name);
  const withUpdatedAt = await t.sql<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.columns
    WHERE table_schema = 'public' AND column_name = 'updated_at'`;
  for (const { table_name } of withUpdatedAt) expect(has(table_name, `${table_name}_set_updated_at`)).toBe(true);
  expect(withUpdatedAt.length).toBeGreaterThanOrEqual(12);
  expect(has("post_interactions", "trigger_update_post_likes_count")).toBe(true);
  expect(has("comments", "trigger_update_post_comments_count")).toBe(true);
  expect(has("reposts", "trigger_update_post_reposts_count")).toBe(true);
  expect(has("post_media", "trigger_update_storage_insert")).toBe(true);
  expect(has("post_media", "trigger_update_storage_delete")).toBe(true);
  expect(has("user_follows", "trigger_create_friendship")).toBe(true);
  expect(has("user_follows", "trigger_remove_friendship")).toBe(true);
  expect(has("users", "users_bootstrap")).toBe(true);
});

test.skipIf(!canRunConcurrently)("two processes migrating one empty database at once apply each migration once", async () => {
  const server = env.TEST_DATABASE_URL!;
  const name = `vrss_mig_race_${Date.now()}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const a = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const b = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
    const total = loadMigrations().length;
    expect(ra.applied.length + rb.applied.length).toBe(total);
    expect([ra.applied.length, rb.applied.length].sort()).toEqual([0, total]);
    const [row] = await a<{ n: number }[]>`SELECT count(*)::int AS n FROM schema_migrations`;
    expect(row!.n).toBe(total);
  } finally {
    await a.end();
    await b.end();
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
});

test("a migration edited after it was applied is refused", async () => {
  const migrations = loadMigrations();
  const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: "0".repeat(64) } : m));
  await expect(migrate(t.sql, edited)).rejects.toThrow(/edited after it was applied/);
});
