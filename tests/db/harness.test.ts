import { afterAll, beforeAll, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { loadMigrations, migrate, pendingMigrations } from "../../src/db/migrate";

let t: TestDatabase;
beforeAll(async () => { t = await createTestDatabase(); });
afterAll(async () => { await t.close(); });

test("a test database arrives fully migrated, and migrating again changes nothing", async () => {
  expect(await pendingMigrations(t.sql)).toEqual([]);
  const again = await migrate(t.sql);
  expect(again.applied).toEqual([]);
  expect(again.total).toBe(loadMigrations().length);
});
