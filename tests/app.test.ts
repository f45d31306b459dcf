import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "../src/trpc/router";
import type { RunningServer } from "../src/server";
import { createTestDatabase, type TestDatabase } from "./helpers/db";
import { rpc, startTestServer } from "./helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

let t: TestDatabase;
let s: RunningServer;
beforeAll(async () => {
  t = await createTestDatabase();
  s = await startTestServer(t, { MAX_BATCH_SIZE: "5", BODY_LIMIT_BYTES: "4096" });
});
afterAll(async () => {
  await s.stop();
  await t.close();
});

describe("HTTP surface", () => {
  test("GET /health and /ready answer 200 once migrations are applied", async () => {
    const health = await fetch(`${s.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await fetch(`${s.url}/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { status: string }).status).toBe("ready");
  });

  test("/ready answers 503 while a migration is pending", async () => {
    await t.sql`DELETE FROM schema_migrations WHERE name = (SELECT max(name) FROM schema_migrations)`;
    try {
      const ready = await fetch(`${s.url}/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { pending: string[] }).pending).toHaveLength(1);
    } finally {
      const { loadMigrations } = await import("../src/db/migrate");
      const last = loadMigrations().at(-1)!;
      await t.sql`INSERT INTO schema_migrations (name, checksum) VALUES (${last.name}, ${last.checksum})`;
    }
  });

  test("health.ping answers through /api/rpc over GET and through the typed client", async () => {
    const res = await rpc(s.url, "health.ping", { echo: "hi" }, { method: "GET" });
    expect(res.status).toBe(200);
    expect(res.body.result.data).toMatchObject({ pong: true, echo: "hi" });

    const client = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${s.url}/api/rpc` })] });
    const out = await client.health.ping.query({ echo: "typed" });
    expect(out.echo).toBe("typed");
  });

  test("secure headers are set", async () => {
    const res = await fetch(`${s.url}/health`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  test("bad input is a 400 naming the field, with no stack trace", async () => {
    const res = await rpc(s.url, "health.ping", { echo: 5 }, { method: "GET" });
    expect(res.status).toBe(400);
    expect(res.body.error.data.code).toBe("BAD_REQUEST");
    expect(res.body.error.data.field).toBe("echo");
    expect(res.body.error.data.zodError.echo).toHaveLength(1);
    expect(res.body.error.data.stack).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toContain("at ");
  });

  test("unknown keys are rejected (no mass assignment)", async () => {
    const res = await rpc(s.url, "health.ping", { echo: "x", userId: "1" }, { method: "GET" });
    expect(res.status).toBe(400);
    expect(res.body.error.data.field).toBe("userId");
  });

  test("an unknown procedure is NOT_FOUND", async () => {
    const res = await rpc(s.url, "nope.nothing", undefined, { method: "GET" });
    expect(res.status).toBe(404);
    expect(res.body.error.data.code).toBe("NOT_FOUND");
  });

  test("batching works up to maxBatchSize and is refused above it", async () => {
    const ok = await fetch(`${s.url}/api/rpc/health.ping,health.ping?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: { echo: "a" }, 1: { echo: "b" } }))}`);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as any[];
    expect(body.map((r) => r.result.data.echo)).toEqual(["a", "b"]);

    const six = Array(6).fill("health.ping").join(",");
    const tooMany = await fetch(`${s.url}/api/rpc/${six}?batch=1&input=${encodeURIComponent("{}")}`);
    expect(tooMany.status).toBe(400);
  });

  test("a body over the limit is refused with 413", async () => {
    const res = await fetch(`${s.url}/api/rpc/health.ping`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ echo: "x".repeat(10_000) }),
    });
    expect(res.status).toBe(413);
  });

  test("a cross-site form POST is refused before any procedure runs", async () => {
    const form = new FormData();
    form.set("x", "1");
    const res = await fetch(`${s.url}/api/rpc/health.ping`, { method: "POST", body: form, headers: { origin: "https://evil.example" } });
    expect(res.status).toBe(403);
  });

  test("the typed client surfaces typed errors", async () => {
    const client = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${s.url}/api/rpc` })] });
    const error = await client.health.ping.query({ echo: "x".repeat(101) }).catch((e) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error.data.code).toBe("BAD_REQUEST");
  });
});
