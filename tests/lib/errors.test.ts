import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { TRPCError } from "@trpc/server";
import { sql } from "drizzle-orm";
import { AppError, toTRPCError } from "../../src/lib/errors";
import { transaction } from "../../src/db/transaction";
import { createTestDatabase, canRunConcurrently, type TestDatabase } from "../helpers/db";
import { createUser } from "../helpers/factories";

setDefaultTimeout(30_000); // see tests/setup.ts

let t: TestDatabase;
beforeAll(async () => { t = await createTestDatabase(); });
afterAll(async () => { await t.close(); });

async function pgFailure(query: ReturnType<typeof sql>): Promise<unknown> {
  return t.db.execute(query).then(() => { throw new Error("expected a database error"); }, (e) => e);
}

describe("toTRPCError maps real PostgreSQL errors through Drizzle", () => {
  test("23505 on the username index → CONFLICT / USERNAME_TAKEN, no SQL in the message", async () => {
    const user = await createUser(t.sql, { username: "taken_name" });
    const error = await pgFailure(sql`INSERT INTO users (username, email, password_hash) VALUES (${"TAKEN_NAME"}, ${"other@x.test"}, ${"h"})`);
    const mapped = toTRPCError(error);
    expect(mapped.code).toBe("CONFLICT");
    expect((mapped.cause as AppError).appCode).toBe("USERNAME_TAKEN");
    expect(mapped.message).not.toMatch(/insert|users|select/i);
    expect(user.username).toBe("taken_name");
  });

  test("23514 → BAD_REQUEST; 23503 → NOT_FOUND; 22P02 → BAD_REQUEST; unknown → INTERNAL with a generic message", async () => {
    expect(toTRPCError(await pgFailure(sql`UPDATE user_profiles SET age = ${5}`)).code).toBe("BAD_REQUEST");
    expect(toTRPCError(await pgFailure(sql`INSERT INTO user_follows (follower_id, following_id) VALUES (${"999999"}, ${"999998"})`)).code).toBe("NOT_FOUND");
    expect(toTRPCError(await pgFailure(sql`SELECT ${"abc"}::bigint`)).code).toBe("BAD_REQUEST");
    const internal = toTRPCError(await pgFailure(sql`SELECT * FROM no_such_table`));
    expect(internal.code).toBe("INTERNAL_SERVER_ERROR");
    expect(internal.message).toBe("Internal server error");
  });

  test("an AppError wrapped by tRPC keeps its code and appCode", () => {
    const wrapped = new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause: new AppError("FORBIDDEN", "Over quota", { appCode: "STORAGE_QUOTA_EXCEEDED" }) });
    const mapped = toTRPCError(wrapped);
    expect(mapped.code).toBe("FORBIDDEN");
    expect((mapped.cause as AppError).appCode).toBe("STORAGE_QUOTA_EXCEEDED");
  });
});

describe("transaction()", () => {
  test("rolls back every step when a later step fails", async () => {
    const before = await t.sql`SELECT count(*)::int AS n FROM users`;
    const error = await transaction(t.db, async (tx) => {
      await tx.execute(sql`INSERT INTO users (username, email, password_hash) VALUES (${"half_written"}, ${"half@x.test"}, ${"h"})`);
      await tx.execute(sql`UPDATE user_profiles SET age = ${1}`);
    }).catch((e) => e);
    expect(toTRPCError(error).code).toBe("BAD_REQUEST");
    const after = await t.sql`SELECT count(*)::int AS n FROM users`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  test.skipIf(!canRunConcurrently)("retries a deadlock (40P01) and then succeeds", async () => {
    const a = await createUser(t.sql);
    const b = await createUser(t.sql);
    let attempts = 0;
    // Two transactions lock the same two rows in opposite order: PostgreSQL kills one with 40P01.
    const run = (first: string, second: string) =>
      transaction(t.db, async (tx) => {
        attempts++;
        await tx.execute(sql`UPDATE users SET last_login_at = now() WHERE id = ${first}`);
        await Bun.sleep(150);
        await tx.execute(sql`UPDATE users SET last_login_at = now() WHERE id = ${second}`);
      });
    await Promise.all([run(a.id, b.id), run(b.id, a.id)]);
    expect(attempts).toBeGreaterThanOrEqual(3);
  });
});

describe("database outages are retryable 503s, never a 500 or a success", () => {
  test("25006 (a write on a read-only transaction) → SERVICE_UNAVAILABLE / DATABASE_READ_ONLY with Retry-After", async () => {
    const error = await t.sql.begin(async (tx) => {
      await tx`SET TRANSACTION READ ONLY`;
      return tx`INSERT INTO users (username, email, password_hash) VALUES ('ro_user', 'ro@x.test', 'h')`.then(() => null, (e) => e);
    }).catch((e) => e);
    expect((error as { code?: string }).code).toBe("25006");
    const mapped = toTRPCError(error);
    expect(mapped.code).toBe("SERVICE_UNAVAILABLE");
    expect((mapped.cause as AppError).appCode).toBe("DATABASE_READ_ONLY");
    expect((mapped.cause as AppError).details).toEqual({ retryAfterSeconds: 1 });
  });

  test("a refused connection (postgres.js ECONNREFUSED) → SERVICE_UNAVAILABLE / DATABASE_UNAVAILABLE", async () => {
    const { connectPostgres } = await import("../../src/db/client");
    const dead = connectPostgres("postgres://postgres@127.0.0.1:1/none", { max: 1 });
    try {
      const error = await dead.db.execute(sql`SELECT 1`).then(() => null, (e) => e);
      const mapped = toTRPCError(error);
      expect(mapped.code).toBe("SERVICE_UNAVAILABLE");
      expect((mapped.cause as AppError).appCode).toBe("DATABASE_UNAVAILABLE");
    } finally {
      await dead.close();
    }
  });

  test("PgBouncer's own failures (08P01) and too many connections (53300) → SERVICE_UNAVAILABLE", () => {
    for (const code of ["08P01", "08006", "53300", "57P01", "57P03"]) {
      const pgError = Object.assign(new Error("pooler says no"), { name: "PostgresError", code });
      expect(toTRPCError(pgError).code).toBe("SERVICE_UNAVAILABLE");
    }
  });
});
