// No secret reaches a log line: failing queries through the real postgres.js + Drizzle stack
// (DrizzleQueryError carries the SQL and its parameters, postgres.js errors a `detail` with row
// values and, in debug mode, `query` / `parameters`), credential-bearing fields and headers, and
// a real server's "procedure failed" path, all logged by the app's logger into memory.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import { sql } from "drizzle-orm";
import { createLogger, REDACTED, safeErrorText, type Logger } from "../../src/lib/logger";
import type { RunningServer } from "../../src/server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { createUserWithToken, TEST_PASSWORD } from "../helpers/factories";
import { rpc, startTestServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

/** A logger like the app's, writing into memory; `lines()` parses what it wrote. */
function captureLogger(level: "info" | "debug" = "info"): { log: Logger; text: () => string; lines: () => any[] } {
  let out = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      out += String(chunk);
      done();
    },
  });
  const log = createLogger({ level }, stream as unknown as Parameters<typeof createLogger>[1]);
  return { log, text: () => out, lines: () => out.split("\n").filter(Boolean).map((l) => JSON.parse(l)) };
}

const secretHash = () => createHash("sha256").update(randomBytes(16)).digest("hex");
/** A SHA-256 hex string, the shape of every stored token hash. */
const HEX64 = /[0-9a-f]{64}/;

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
}, 60_000);
afterAll(async () => {
  await t?.close();
});

describe("errors of failing queries", () => {
  test("a DrizzleQueryError with a token hash parameter: neither SQL nor parameter is logged; code and PG message are", async () => {
    const { log, text, lines } = captureLogger();
    const hash = secretHash();
    const error = await t.db.execute(sql`SELECT id FROM sessions WHERE token_hash = ${hash} AND id = ${hash}::bigint`).catch((e) => e);
    expect(String(error.message)).toContain(hash); // the leak this guards against
    log.error({ err: error }, "procedure failed");
    log.error(error); // no message: pino would copy err.message into msg
    log.warn({ err: new Error("outer", { cause: error }) }, "wrapped");

    expect(text()).not.toContain(hash);
    expect(text()).not.toContain("token_hash");
    expect(text()).not.toContain("SELECT");
    const [first, second, third] = lines();
    expect(first.err.cause).toMatchObject({ type: "PostgresError", code: "22P02" });
    expect(first.err.cause.message).toContain("invalid input syntax for type bigint");
    expect(first.err.stack).toContain("    at ");
    expect(first.err.params).toBeUndefined();
    expect(first.err.query).toBeUndefined();
    expect(second.msg).toBe(first.err.message);
    expect(third.err.cause.cause.code).toBe("22P02");
  });

  test("a unique violation: the constraint is logged, the detail with the duplicate value is not", async () => {
    const { log, text, lines } = captureLogger();
    const hash = secretHash();
    const error = await t.db
      .transaction(async (tx) => {
        await tx.execute(sql`CREATE TEMP TABLE secret_probe (v TEXT CONSTRAINT secret_probe_v_key UNIQUE) ON COMMIT DROP`);
        await tx.execute(sql`INSERT INTO secret_probe VALUES (${hash})`);
        await tx.execute(sql`INSERT INTO secret_probe VALUES (${hash})`);
      })
      .catch((e) => e);
    expect(String(error.cause?.detail)).toContain(hash);
    log.error({ err: error }, "procedure failed");
    expect(text()).not.toContain(hash);
    expect(lines()[0].err.cause).toMatchObject({ code: "23505", constraint_name: "secret_probe_v_key", table_name: "secret_probe" });
    expect(lines()[0].err.cause.detail).toBeUndefined();
  });

  test("postgres.js in debug mode (query and parameters enumerable), without Drizzle", async () => {
    if (!t.url) return; // PGlite: no second client to open
    const client = postgres(t.url, { debug: true, max: 1, onnotice: () => {} });
    try {
      const { log, text, lines } = captureLogger();
      const hash = secretHash();
      const error = await client`SELECT ${hash}::uuid`.catch((e) => e);
      expect(error.parameters).toContain(hash);
      log.error({ err: error }, "query failed");
      expect(text()).not.toContain(hash);
      expect(lines()[0].err).toMatchObject({ type: "PostgresError", code: "22P02" });
      expect(lines()[0].err.parameters).toBeUndefined();
      // The same through Drizzle on this client.
      const viaDrizzle = await drizzle(client).execute(sql`SELECT ${hash}::uuid`).catch((e) => e);
      log.error({ err: viaDrizzle }, "procedure failed");
      expect(text()).not.toContain(hash);
    } finally {
      await client.end({ timeout: 5 });
    }
  });

  test("safeErrorText (what is stored in last_error columns) carries no parameter either", async () => {
    const hash = secretHash();
    const error = await t.db.execute(sql`SELECT ${hash}::int`).catch((e) => e);
    const text = safeErrorText(error);
    expect(text).not.toContain(hash);
    expect(text).toContain("22P02");
  });
});

describe("credential fields and headers", () => {
  test("authorization, cookie, set-cookie headers, passwords, tokens and token hashes are redacted", () => {
    const { log, text, lines } = captureLogger();
    const bearer = randomBytes(32).toString("base64url");
    const hash = secretHash();
    log.info(
      {
        req: { method: "POST", headers: { authorization: `Bearer ${bearer}`, cookie: `vrss_session=${bearer}`, "user-agent": "probe" } },
        res: { headers: { "set-cookie": `vrss_session=${bearer}; HttpOnly` } },
        password: "hunter2-secret",
        token: bearer,
        tokenHash: hash,
        token_hash: hash,
        params: [hash],
        parameters: [hash],
        query: `SELECT 1 WHERE h = '${hash}'`,
        input: { email: "a@example.test", password: "hunter2-secret", newPassword: "n3w-secret", currentPassword: "0ld-secret" },
        session: { token: bearer },
        nested: { deeper: { token_hash: hash } },
      },
      "request",
    );
    const out = text();
    for (const secret of [bearer, hash, "hunter2-secret", "n3w-secret", "0ld-secret"]) expect(out).not.toContain(secret);
    const [line] = lines();
    expect(line.req.headers).toEqual({ authorization: REDACTED, cookie: REDACTED, "user-agent": "probe" });
    expect(line.res.headers["set-cookie"]).toBe(REDACTED);
    expect([line.password, line.token, line.tokenHash, line.input.password, line.session.token]).toEqual(Array(5).fill(REDACTED));
    expect(line.input.email).toBe("a@example.test"); // not everything is censored
  });
});

describe("a real server's error log", () => {
  let s: RunningServer;
  const capture = captureLogger("debug");
  beforeAll(async () => {
    s = await startTestServer(t, { LOG_LEVEL: "debug", RATE_LIMIT_LOGIN_PER_IP: "1000" }, { log: capture.log });
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
  });

  test("procedures failing on an unexpected PG error (session lookup, session insert) log no bearer token, hash or password", async () => {
    const user = await createUserWithToken(t.sql);
    const tokenHash = createHash("sha256").update(user.token, "utf8").digest("hex");
    const email = (await t.sql<{ email: string }[]>`SELECT email FROM users WHERE id = ${user.id}`)[0]!.email;
    // Break the session table under the running server: every lookup (token hash as parameter)
    // and every insert (a new token's hash) fails with 42703 → INTERNAL_SERVER_ERROR, logged.
    await t.sql`ALTER TABLE sessions RENAME COLUMN last_seen_at TO last_seen_at_broken`;
    await t.sql`ALTER TABLE sessions RENAME COLUMN user_agent TO user_agent_broken`;
    try {
      const me = await rpc(s.url, "auth.me", undefined, { method: "GET", token: user.token });
      expect(me.status).toBe(500);
      expect(JSON.stringify(me.body)).not.toContain("Failed query");
      const byCookie = await rpc(s.url, "auth.me", undefined, { method: "GET", headers: { cookie: `vrss_session=${user.token}` } });
      expect(byCookie.status).toBe(500);
      const login = await rpc(s.url, "auth.login", { email, password: TEST_PASSWORD });
      expect(login.status).toBe(500);
    } finally {
      await t.sql`ALTER TABLE sessions RENAME COLUMN last_seen_at_broken TO last_seen_at`;
      await t.sql`ALTER TABLE sessions RENAME COLUMN user_agent_broken TO user_agent`;
    }
    const out = capture.text();
    const failures = capture.lines().filter((l) => l.msg === "procedure failed");
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(failures.map((l) => l.path)).toContain("auth.login");
    expect(failures.every((l) => l.err.cause?.code === "42703" || l.err.code === "42703")).toBe(true);
    expect(out).not.toContain(user.token);
    expect(out).not.toContain(tokenHash);
    expect(out).not.toContain(TEST_PASSWORD);
    expect(out).not.toMatch(HEX64); // no token hash at all (the login's new session's included)
    expect(out).not.toContain("Failed query:");
  });
});
