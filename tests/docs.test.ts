// docs/api.md and docs/openapi.json: generated from the router, current, and a valid OpenAPI 3.1
// document (checked by a real validator) that describes every procedure and the wire as it is.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import type { RunningServer } from "../src/server";
import { appRouter } from "../src/trpc/router";
import { API_MD, OPENAPI_JSON, collectProcedures, generatedDocs, renderSchema, staleDocs } from "../scripts/docs-api";
import { createTestDatabase, type TestDatabase } from "./helpers/db";
import { createUserWithToken } from "./helpers/factories";
import { rpc, startTestServer } from "./helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ROOT = join(import.meta.dir, "..");
const procedures = (appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: string } }> } })._def.procedures;

let t: TestDatabase;
let s: RunningServer;
let served: any;
beforeAll(async () => {
  t = await createTestDatabase();
  s = await startTestServer(t);
  const res = await fetch(`${s.url}/api/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/json");
  served = await res.json();
});
afterAll(async () => {
  await s.stop();
  await t.close();
});

describe("GET /api/openapi.json", () => {
  test("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(served));
    if (!result.valid) throw new Error(`invalid OpenAPI document: ${JSON.stringify(result.errors, null, 2).slice(0, 4000)}`);
    expect(validator.version).toBe("3.1");
    expect(served.openapi).toBe("3.1.0");
    // The validator does check: a dangling $ref and a query parameter without schema/content fail.
    const broken = structuredClone(served);
    broken.paths["/api/rpc/feed.home"].get.responses["200"].content["application/json"].schema = { $ref: "#/components/schemas/Nope" };
    expect((await new Validator().validate(broken)).valid).toBe(false);
    const noContent = structuredClone(served);
    delete noContent.paths["/api/rpc/feed.home"].get.parameters[0].content;
    expect((await new Validator().validate(noContent)).valid).toBe(false);
  });

  test("lists every procedure of the router, with the method of its kind", () => {
    const names = Object.keys(procedures).sort();
    expect(names.length).toBeGreaterThan(50);
    expect(Object.keys(served.paths).sort()).toEqual(names.map((n) => `/api/rpc/${n}`));
    for (const name of names) {
      const method = procedures[name]!._def.type === "mutation" ? "post" : "get";
      expect(Object.keys(served.paths[`/api/rpc/${name}`])).toEqual([method]);
    }
  });

  test("security follows the tier: none for public, optional for viewer, required for authed", () => {
    const op = (path: string) => Object.values(served.paths[`/api/rpc/${path}`])[0] as any;
    expect(op("auth.register").security).toEqual([]);
    expect(op("post.get").security).toEqual([{}, { bearerAuth: [] }, { sessionCookie: [] }]);
    expect(op("feed.home").security).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }]);
    expect(op("feed.home").responses["401"]).toBeDefined();
    expect(op("auth.register").responses["401"]).toBeUndefined();
    expect(served.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(served.components.securitySchemes.sessionCookie).toMatchObject({ type: "apiKey", in: "cookie", name: "vrss_session" });
    // Queries take their input as a content-encoded query parameter, mutations as a JSON body.
    expect(op("feed.home").parameters[0]).toMatchObject({ name: "input", in: "query", content: { "application/json": {} } });
    expect(op("post.create").requestBody).toMatchObject({ required: true, content: { "application/json": {} } });
    expect(op("health.ping").parameters[0].required).toBe(false);
  });

  test("is the same document as docs/openapi.json", () => {
    expect(served).toEqual(JSON.parse(readFileSync(join(ROOT, OPENAPI_JSON), "utf8")));
  });
});

describe("tiers and schemas", () => {
  test("each procedure's tier is detected from its middlewares", () => {
    const tier = Object.fromEntries(collectProcedures().map((p) => [p.path, p.tier]));
    expect(tier["health.ping"]).toBe("public");
    expect(tier["storage.tiers"]).toBe("public");
    expect(tier["auth.login"]).toBe("public");
    expect(tier["post.get"]).toBe("viewer");
    expect(tier["feed.discover"]).toBe("viewer");
    expect(tier["feed.home"]).toBe("authed");
    expect(tier["auth.me"]).toBe("authed");
    expect(tier["message.onEvent"]).toBe("authed");
    expect(tier["report.create"]).toBe("authed");
    expect(tier["moderation.reports"]).toBe("moderator");
  });

  test("schemas render compactly", () => {
    expect(renderSchema({ type: "object", properties: { a: { type: "string", maxLength: 3 }, b: { type: "integer", minimum: 1, maximum: 9, default: 2 } }, required: ["a"] }))
      .toBe("{\n  a: string(≤3 chars)\n  b?: integer(1..9) = 2\n}");
    expect(renderSchema({ anyOf: [{ type: "string" }, { type: "null" }] })).toBe("string | null");
    expect(renderSchema({ type: "array", items: { enum: ["x", "y"] }, maxItems: 2 })).toBe('("x" | "y")[](≤2 items)');
  });
});

describe("the documents describe the wire as it is", () => {
  test("a success is { result: { data } }; an error is the documented envelope", async () => {
    const okRes = await rpc(s.url, "health.ping", { echo: "x" }, { method: "GET" });
    expect(okRes.status).toBe(200);
    expect(Object.keys(okRes.body)).toEqual(["result"]);
    expect(okRes.body.result.data.echo).toBe("x");

    const required = served.components.schemas.Error.properties.error.properties.data.properties;
    const unauth = await rpc(s.url, "feed.home", {}, { method: "GET" });
    expect(unauth.status).toBe(401);
    expect(Object.keys(unauth.body.error).sort()).toEqual(["code", "data", "message"]);
    expect(Object.keys(unauth.body.error.data).sort()).toEqual(Object.keys(required).sort());
    expect(unauth.body.error.data).toMatchObject({ code: "UNAUTHORIZED", httpStatus: 401, appCode: "SESSION_REQUIRED", path: "feed.home" });

    const user = await createUserWithToken(t.sql);
    const bad = await rpc(s.url, "post.create", { type: "nope" }, { token: user.token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.data).toMatchObject({ code: "BAD_REQUEST", field: "type" });
    expect(bad.body.error.data.zodError).toHaveProperty("type");
  });
});

describe("docs/api.md and docs/openapi.json", () => {
  test("are current (regenerated in memory and compared: run `bun run docs:api` when this fails)", () => {
    expect(staleDocs(ROOT)).toEqual([]);
  });

  test("generation is deterministic and api.md lists every procedure", () => {
    const a = generatedDocs();
    const b = generatedDocs();
    expect(a).toEqual(b);
    for (const name of Object.keys(procedures)) expect(a[API_MD]).toContain(`\n### ${name}\n`);
  });

  test("`bun run docs:api --check` exits 0 when current, 1 with a message when a document is stale", () => {
    const current = Bun.spawnSync(["bun", "scripts/docs-api.ts", "--check"], { cwd: ROOT });
    expect(current.stderr.toString()).toBe("");
    expect(current.exitCode).toBe(0);
    // A copy of the docs where api.md lost a procedure's heading.
    const dir = mkdtempSync(join(tmpdir(), "vrss-docs-"));
    mkdirSync(join(dir, "docs"));
    const docs = generatedDocs();
    writeFileSync(join(dir, OPENAPI_JSON), docs[OPENAPI_JSON]!);
    writeFileSync(join(dir, API_MD), docs[API_MD]!.replace("\n### health.ping\n", "\n"));
    expect(staleDocs(dir)).toEqual([API_MD]);
    const stale = Bun.spawnSync(["bun", "scripts/docs-api.ts", "--check", `--root=${dir}`], { cwd: ROOT });
    expect(stale.exitCode).toBe(1);
    expect(stale.stderr.toString()).toContain("docs/api.md is stale");
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("README and docs link only files inside the repository", () => {
  for (const file of ["README.md", "docs/api.md", "docs/data-model.md"]) {
    test(file, () => {
      const text = readFileSync(join(ROOT, file), "utf8");
      const targets = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/.test(t));
      for (const target of targets) {
        const path = resolve(dirname(join(ROOT, file)), target);
        expect(relative(ROOT, path).startsWith("..")).toBe(false);
        expect(existsSync(path)).toBe(true);
      }
      expect(text).not.toContain("../shared");
    });
  }
});
