import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "../src/trpc/router";
import type { RunningServer } from "../src/server";
import { createTestDatabase, type TestDatabase } from "./helpers/db";
import { createUserWithToken } from "./helpers/factories";
import { rpc, startTestServer } from "./helpers/server";
import { RPC_ALLOWED_HEADERS, RPC_PREFLIGHT_MAX_AGE } from "../src/app";

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

  test("a cross-site form POST riding a cookie is refused before any procedure runs, with the typed CSRF error", async () => {
    const form = new FormData();
    form.set("x", "1");
    const res = await fetch(`${s.url}/api/rpc/auth.logout`, {
      method: "POST",
      body: form,
      headers: { origin: "https://evil.example", cookie: "vrss_session=forged" },
    });
    expect(res.status).toBe(403);
    const body = (await res.json()) as any;
    expect(body.error.data).toMatchObject({ code: "FORBIDDEN", httpStatus: 403, appCode: "CSRF" });
  });

  test("a cookieless form POST has nothing to forge: it reaches tRPC and gets a typed 4xx, never a 500", async () => {
    const form = new FormData();
    form.set("x", "1");
    const res = await fetch(`${s.url}/api/rpc/auth.logout`, { method: "POST", body: form, headers: { origin: "https://evil.example" } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const body = (await res.json()) as any;
    expect(typeof body.error.data.code).toBe("string");
  });

  test("the typed client surfaces typed errors", async () => {
    const client = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${s.url}/api/rpc` })] });
    const error = await client.health.ping.query({ echo: "x".repeat(101) }).catch((e) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error.data.code).toBe("BAD_REQUEST");
  });
});

describe("CORS on /api/rpc (ALLOWED_ORIGINS: http://localhost:3000, http://localhost:5173)", () => {
  const allowed = "http://localhost:5173";
  const other = "https://evil.example";
  const corsHeaders = (res: Response) => [...res.headers.keys()].filter((k) => k.startsWith("access-control-")).sort();
  const preflight = (origin: string, method = "POST") => fetch(`${s.url}/api/rpc/user.updateProfile`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": method, "access-control-request-headers": "content-type,authorization,trpc-accept,x-trpc-source" },
  });

  test("a preflight from an allowed origin: that origin, credentials, methods, the tRPC headers, max-age, Vary: Origin", async () => {
    const res = await preflight(allowed);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(allowed);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("access-control-allow-methods")?.split(",")).toEqual(expect.arrayContaining(["GET", "POST"]));
    const headers = res.headers.get("access-control-allow-headers")!.split(",");
    expect(headers).toEqual(expect.arrayContaining(["content-type", "authorization", "trpc-accept", "x-trpc-source"]));
    expect(headers).toEqual(RPC_ALLOWED_HEADERS);
    expect(res.headers.get("access-control-max-age")).toBe(String(RPC_PREFLIGHT_MAX_AGE));
    expect(res.headers.get("vary")).toContain("Origin");
  });

  test("a preflight from any other origin gets no CORS header at all (the browser then refuses the call)", async () => {
    for (const origin of [other, "http://localhost:5174", "null", "http://localhost:5173.evil.example"]) {
      const res = await preflight(origin);
      expect([origin, corsHeaders(res)]).toEqual([origin, []]);
      expect(res.headers.get("vary")).toContain("Origin");
    }
  });

  test("responses name the allowed origin (with credentials and Retry-After exposed) and nothing for another; Vary: Origin on both", async () => {
    const path = `/api/rpc/health.ping?input=${encodeURIComponent(JSON.stringify({ echo: "c" }))}`;
    const mine = await fetch(`${s.url}${path}`, { headers: { origin: allowed } });
    expect(mine.status).toBe(200);
    expect(mine.headers.get("access-control-allow-origin")).toBe(allowed);
    expect(mine.headers.get("access-control-allow-credentials")).toBe("true");
    expect(mine.headers.get("access-control-expose-headers")).toContain("Retry-After");
    expect(mine.headers.get("vary")).toContain("Origin");
    const theirs = await fetch(`${s.url}${path}`, { headers: { origin: other } });
    expect(theirs.status).toBe(200); // a non-browser may call; a browser page on that origin cannot read it
    expect(corsHeaders(theirs)).toEqual([]);
    expect(theirs.headers.get("vary")).toContain("Origin");
    const none = await fetch(`${s.url}${path}`);
    expect(corsHeaders(none)).toEqual([]);
  });

  test("a cookie-authenticated mutation still needs an allowed Origin: CORS does not replace the CSRF check", async () => {
    const u = await createUserWithToken(t.sql);
    const call = (origin: string) => fetch(`${s.url}/api/rpc/user.updateProfile`, {
      method: "POST",
      headers: { origin, cookie: `vrss_session=${u.token}`, "content-type": "application/json" },
      body: JSON.stringify({ bio: `from ${origin}` }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any, acao: r.headers.get("access-control-allow-origin") }));
    const refused = await call(other);
    expect([refused.status, refused.body.error.data.code, refused.body.error.data.appCode, refused.acao]).toEqual([403, "FORBIDDEN", "CSRF", null]);
    const accepted = await call(allowed);
    expect([accepted.status, accepted.acao]).toEqual([200, allowed]);
    const [row] = await t.sql<{ bio: string }[]>`SELECT bio FROM user_profiles WHERE user_id = ${u.id}`;
    expect(row!.bio).toBe(`from ${allowed}`);
  });
});

describe("environment", () => {
  test("PUBLIC_APP_URL defaults to this server's port, so /media URLs of a dev server on another port reach it", async () => {
    const { parseEnv } = await import("../src/env");
    expect(parseEnv({ PORT: "3999" }).PUBLIC_APP_URL).toBe("http://localhost:3999");
    expect(parseEnv({}).PUBLIC_APP_URL).toBe("http://localhost:3000");
    expect(parseEnv({ PORT: "3999", PUBLIC_APP_URL: "https://vrss.example" }).PUBLIC_APP_URL).toBe("https://vrss.example");
    expect(() => parseEnv({ PUBLIC_APP_URL: "not a url" })).toThrow(/PUBLIC_APP_URL/);
  });
});
