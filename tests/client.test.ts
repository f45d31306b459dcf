// src/client.ts, the entry frontends import: the app-code table is complete, the enums agree with
// the database's, and everything it loads at run time is dependency-free.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { Glob } from "bun";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import * as client from "../src/client";
import { filterOperator, filterType, mediaType, notificationType, postStatus, postType, sectionType } from "../src/db/schema/enums";

setDefaultTimeout(30_000); // see tests/setup.ts

const root = resolve(import.meta.dir, "..");
/** Every source file but the table itself, without comment lines. */
const sources = [...new Glob("src/**/*.ts").scanSync({ cwd: root })]
  .filter((path) => path !== "src/lib/app-codes.ts")
  .map((path) => ({ path, text: readFileSync(join(root, path), "utf8").split("\n").filter((l) => !/^\s*(\/\/|\/?\*)/.test(l)).join("\n") }));
const codes = new Set<string>(client.APP_CODES);

describe("APP_CODES", () => {
  test("lists every appCode the sources set, and each once", () => {
    const used = new Map<string, string>();
    for (const { path, text } of sources) {
      // `appCode: "X"`, `appCode: a ? "X" : "Y"`, `appCode === "X"`, and the constraint table's entries.
      for (const m of text.matchAll(/appCode\s*(?::|===|!==|=)\s*([^,}\n]+)/g)) {
        expect(m[1]!, `${path}: an appCode built at run time can't be checked; list its values`).not.toContain("`");
        for (const lit of m[1]!.matchAll(/"([A-Z][A-Z0-9_]*)"/g)) used.set(lit[1]!, path);
      }
      for (const m of text.matchAll(/databaseUnavailable\([^)]*?,\s*"([A-Z_]+)"\)/g)) used.set(m[1]!, path);
    }
    expect(used.size).toBeGreaterThan(40);
    const missing = [...used].filter(([code]) => !codes.has(code)).map(([code, path]) => `${code} (${path})`);
    expect(missing).toEqual([]);
    expect(codes.size).toBe(client.APP_CODES.length);
  });

  test("has no code the server never sends", () => {
    const text = sources.map((s) => s.text).join("\n");
    expect(client.APP_CODES.filter((code) => !text.includes(`"${code}"`))).toEqual([]);
  });

  test("isAppErrorCode narrows strings", () => {
    expect(client.isAppErrorCode("USERNAME_TAKEN")).toBe(true);
    expect(client.isAppErrorCode("NOT_A_CODE")).toBe(false);
    expect(client.isAppErrorCode(null)).toBe(false);
  });
});

describe("enums", () => {
  test("match the PostgreSQL enums (the API shows a subset where the database has more)", () => {
    expect([...client.POST_TYPES]).toEqual(postType.enumValues);
    expect([...client.FILTER_TYPES]).toEqual(filterType.enumValues);
    expect([...client.FILTER_OPERATORS]).toEqual(filterOperator.enumValues);
    expect([...client.SECTION_TYPES]).toEqual(sectionType.enumValues);
    for (const [api, db] of [
      [client.POST_STATUSES, postStatus.enumValues],
      [client.NOTIFICATION_TYPES, notificationType.enumValues],
      [client.MEDIA_KINDS, mediaType.enumValues],
    ] as const) {
      expect((api as readonly string[]).filter((v) => !(db as readonly string[]).includes(v))).toEqual([]);
    }
  });
});

describe("src/client.ts at run time", () => {
  test("loads only dependency-free modules (no zod, Drizzle, Bun or Node in a browser bundle)", () => {
    const entry = "src/client.ts";
    const runtimeImports = (path: string) =>
      [...readFileSync(join(root, path), "utf8").matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]!);
    const reached = runtimeImports(entry);
    expect(reached.length).toBeGreaterThan(3);
    for (const spec of reached) {
      expect(spec.startsWith("."), `${entry} imports the package ${spec} at run time`).toBe(true);
      const file = join(dirname(entry), `${spec}.ts`);
      expect(runtimeImports(file), `${file} must import nothing at run time`).toEqual([]);
      expect(readFileSync(join(root, file), "utf8")).not.toMatch(/\b(Bun|process|Buffer|require)\b[.(]/);
    }
  });
});
