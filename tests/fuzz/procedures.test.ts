// A seeded fuzz over every procedure of the router, over real HTTP (queries GET ?input=, mutations
// POST JSON), anonymously and as a fresh signed-in user: inputs generated from each procedure's
// own input schema (a small Zod v4 → fast-check walker), plus hostile mutations of them (NUL, lone
// surrogates, huge / negative / non-finite numbers, deep nesting, wrong types, `__proto__` keys,
// very long strings), plus the wrong HTTP method. Whatever comes in:
//   - never a 5xx;
//   - no stack trace, SQL text or the words postgres / drizzle in the body;
//   - every 4xx has the typed error shape (data.code, data.httpStatus, data.appCode key).
// Procedures not fuzzed are listed in NOT_FUZZED with the reason; nothing is skipped silently.
// The figures (procedures, calls, 5xx) are printed at the end for the release note.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import fc from "fast-check";
import { appRouter } from "../../src/trpc/router";
import { createPost, createUserWithToken, follow } from "../helpers/factories";
import { type Authed, rpc, type RpcResult, useServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

/** FUZZ_SEED / FUZZ_RUNS (a multiplier) explore further locally; CI runs the defaults. */
const SEED = Number(process.env.FUZZ_SEED ?? 0x14_2026);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1);
/** Inputs per procedure and caller (anonymous, signed in): generated from the schema, and hostile. */
const VALID_RUNS = 12 * RUNS;
const HOSTILE_RUNS = 16 * RUNS;
/** Procedures fuzzed at once (each procedure's own calls run in order). */
const CONCURRENCY = 4;

/** Procedures this file does not call, and why (checked: each must exist in the router). */
const NOT_FUZZED: Record<string, string> = {
  "message.onEvent":
    "subscription: an SSE stream that stays open on valid input; its only input (lastEventId, from Last-Event-ID) is an id checked by onEventInput and the input-safety middleware, and the stream is covered by tests/modules/message*.test.ts",
  "notification.onEvent":
    "subscription: an SSE stream that stays open on valid input; its only input (lastEventId, from Last-Event-ID) is an id checked by onEventInput and the input-safety middleware, and the stream is covered by tests/modules/notification-live.test.ts",
};

const ctx = useServer();

type AnyProcedure = { _def: { type: "query" | "mutation" | "subscription"; inputs: unknown[] } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>);

// ---------------------------------------------------------------------------------------------
// Zod v4 schema → fast-check arbitrary

/** Ids that exist in the seeded database (small BIGSERIAL values) or that surely do not. */
let knownIds: string[] = ["1", "2", "3"];
const ID_PATTERN = "^[1-9][0-9]{0,18}$";

type Def = { type: string; [key: string]: any };
const defOf = (schema: any): Def => schema._zod.def;
const checksOf = (def: Def): Def[] => (def.checks ?? []).map((c: any) => c._zod.def);

function stringArb(def: Def): fc.Arbitrary<string> {
  const checks = checksOf(def);
  let min = 0;
  let max = 40;
  let format: string | undefined = def.format;
  let pattern: RegExp | undefined = def.pattern;
  for (const c of checks) {
    if (c.check === "min_length") min = c.minimum;
    if (c.check === "max_length") max = Math.min(c.maximum, Math.max(40, min));
    if (c.check === "length_equals") min = max = c.length;
    if (c.check === "string_format") {
      format = c.format;
      pattern = c.pattern;
    }
  }
  max = Math.max(max, min);
  if (pattern?.source === ID_PATTERN) return fc.oneof(fc.constantFrom(...knownIds), fc.stringMatching(pattern));
  switch (format) {
    case "email":
      return fc.emailAddress();
    case "url":
      return fc.webUrl();
    case "datetime":
      return fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString());
    case "date":
      return fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  }
  if (pattern) {
    try {
      return fc.stringMatching(pattern).map((s) => s.slice(0, Math.max(max, 1)));
    } catch {
      // a pattern fast-check cannot generate from: plain strings below
    }
  }
  return fc.oneof(fc.string({ minLength: min, maxLength: max }), fc.string({ minLength: min, maxLength: max, unit: "binary" }));
}

function numberArb(def: Def): fc.Arbitrary<number> {
  let min = -1e9;
  let max = 1e9;
  let int = def.format === "safeint" || def.format === "int32";
  for (const c of checksOf(def)) {
    if (c.check === "greater_than") min = c.inclusive ? c.value : c.value + (int ? 1 : 1e-9);
    if (c.check === "less_than") max = c.inclusive ? c.value : c.value - (int ? 1 : 1e-9);
    if (c.check === "number_format") int = true;
  }
  if (int) return fc.integer({ min: Math.max(Math.ceil(min), -(2 ** 31)), max: Math.min(Math.floor(max), 2 ** 31 - 1) });
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

function arbOf(schema: any, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 10 || !schema?._zod) return fc.jsonValue({ maxDepth: 2 });
  const def = defOf(schema);
  const next = (s: any) => arbOf(s, depth + 1);
  switch (def.type) {
    case "object": {
      const shape = def.shape as Record<string, any>;
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      const requiredKeys: string[] = [];
      for (const [key, field] of Object.entries(shape)) {
        model[key] = next(field);
        if (field._zod.optin !== "optional") requiredKeys.push(key);
      }
      return fc.record(model, { requiredKeys });
    }
    case "string":
      return stringArb(def);
    case "number":
      return numberArb(def);
    case "boolean":
      return fc.boolean();
    case "enum":
      return fc.constantFrom(...Object.values(def.entries as Record<string, string>));
    case "literal":
      return fc.constantFrom(...(def.values as unknown[]));
    case "array": {
      const checks = checksOf(def);
      const minLength = checks.find((c) => c.check === "min_length")?.minimum ?? 0;
      const maxLength = Math.max(minLength, Math.min(checks.find((c) => c.check === "max_length")?.maximum ?? 5, 5));
      return fc.array(next(def.element), { minLength, maxLength });
    }
    case "tuple":
      return fc.tuple(...(def.items as any[]).map(next));
    case "optional":
      return fc.option(next(def.innerType), { nil: undefined, freq: 4 });
    case "nullable":
      return fc.option(next(def.innerType), { nil: null, freq: 4 });
    case "default":
    case "prefault":
    case "catch":
    case "readonly":
    case "nonoptional":
      return next(def.innerType);
    case "union":
      return fc.oneof(...(def.options as any[]).map(next));
    case "intersection":
      return next(def.left);
    case "record":
      return fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), next(def.valueType), { maxKeys: 3 });
    case "pipe":
      // `.transform()` is pipe(in, transform): generate for `in`; `.pipe(schema)`: for the stricter `out`.
      return defOf(def.out).type === "transform" ? next(def.in) : fc.oneof(next(def.out), next(def.in));
    case "lazy":
      return next(def.getter());
    case "null":
      return fc.constant(null);
    case "undefined":
    case "void":
      return fc.constant(undefined);
    default:
      // transform, unknown, any, custom…: anything JSON can carry.
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** The input arbitrary of a procedure: its input schemas (tRPC merges several object inputs). */
function inputArb(procedure: AnyProcedure): fc.Arbitrary<unknown> {
  const inputs = procedure._def.inputs;
  if (inputs.length === 0) return fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 1 }));
  if (inputs.length === 1) return arbOf(inputs[0]);
  return fc.tuple(...inputs.map((s) => arbOf(s))).map((parts) => Object.assign({}, ...parts.filter((p) => typeof p === "object" && p !== null)));
}

// ---------------------------------------------------------------------------------------------
// Hostile mutations

function nested(levels: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = asArray ? [value] : { a: value };
  return value;
}

function hostileValue(method: "GET" | "POST"): fc.Arbitrary<unknown> {
  const long = method === "GET" ? 4_000 : 100_000; // a GET's URL stays within the server's header limit
  return fc.oneof(
    fc.constantFrom<unknown>(
      "\u0000", "a\u0000b", "\uD800", "x\uDC00y", "\uDBFF\uDBFF", "x".repeat(long), "😀".repeat(long / 4),
      1e308, -1e308, 2 ** 63, -(2 ** 63), 2 ** 53 + 1, -1, 0, -0, 0.5, Number.MIN_VALUE,
      "9223372036854775808", "9223372036854775807", "-1", "0", "NaN", "Infinity", "-Infinity", "1e309", "0x10", "",
      " ", "null", "true", "[]", "{}", null, true, false, [], {}, [null], { "": "" },
      "' OR 1=1 --", "%00", "\\u0000", "../../etc/passwd", "<script>alert(1)</script>", "2020-02-30", "0000-01-01", "9999-12-31T23:59:59+23:00",
      nested(40, "x", false), nested(40, 1, true), nested(500, null, true),
    ),
    fc.jsonValue({ maxDepth: 3 }),
    fc.string({ unit: "binary", maxLength: 30 }),
  );
}

/** Every path (object keys / array indexes) to a value inside `value`. */
function pathsOf(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (typeof value !== "object" || value === null || out.length > 200) return out;
  for (const [key, child] of Object.entries(value)) {
    const path = [...prefix, Array.isArray(value) ? Number(key) : key];
    out.push(path);
    pathsOf(child, path, out);
  }
  return out;
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: any = Array.isArray(root) ? [...root] : { ...(root as object) };
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  copy[head] = setAt(copy[head], rest, value);
  return copy;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let value: any = root;
  for (const key of path) value = value?.[key];
  return value;
}

function withOwnKey(target: unknown, key: string, value: unknown): unknown {
  const base: Record<string, unknown> = typeof target === "object" && target !== null && !Array.isArray(target) ? { ...target } : {};
  // An own, enumerable `__proto__` (as JSON.parse makes it), so JSON.stringify sends it.
  Object.defineProperty(base, key, { value, enumerable: true, configurable: true, writable: true });
  return base;
}

/** Weighted: poisoned text and overflowing numbers inside otherwise valid inputs are what reaches SQL. */
const MUTATIONS = ["poisonText", "poisonText", "poisonText", "overflow", "overflow", "leaf", "leaf", "whole", "proto", "extraKey", "deep", "drop"] as const;
const POISON = ["\u0000", "\uD800", "\uDFFF", "\uDBFF\u0000"];
const OVERFLOW = [2 ** 63, 1e308, -(2 ** 63), 2 ** 31, -(2 ** 31) - 1, "9223372036854775808", "99999999999999999999", "-9223372036854775809"];

function hostileArb(procedure: AnyProcedure, method: "GET" | "POST"): fc.Arbitrary<unknown> {
  return fc
    .tuple(inputArb(procedure), fc.constantFrom(...MUTATIONS), fc.nat(), hostileValue(method), fc.constantFrom("__proto__", "constructor", "prototype"))
    .map(([input, kind, pick, hostile, protoKey]) => {
      const paths = pathsOf(input);
      const path = paths.length > 0 ? paths[pick % paths.length]! : [];
      const where = (test: (v: unknown) => boolean) => paths.filter((p) => test(valueAt(input, p)));
      switch (kind) {
        case "poisonText": {
          const texts = where((v) => typeof v === "string");
          if (texts.length === 0) return setAt(input, path, POISON[pick % POISON.length]);
          const at = texts[pick % texts.length]!;
          const text = valueAt(input, at) as string;
          const cut = pick % (text.length + 1);
          return setAt(input, at, text.slice(0, cut) + POISON[pick % POISON.length] + text.slice(cut));
        }
        case "overflow": {
          const numbers = where((v) => typeof v === "number" || (typeof v === "string" && /^[0-9]+$/.test(v)));
          const at = numbers.length > 0 ? numbers[pick % numbers.length]! : path;
          const value = OVERFLOW[pick % OVERFLOW.length];
          return setAt(input, at, typeof valueAt(input, at) === "string" ? String(value) : value);
        }
        case "leaf":
          return setAt(input, path, hostile);
        case "whole":
          return hostile;
        case "proto": {
          // Into the input itself or any object inside it.
          const objects = [[], ...paths].filter((p) => isPlainObject(valueAt(input, p)));
          const at = objects.length > 0 ? objects[pick % objects.length]! : [];
          return setAt(input, at, withOwnKey(valueAt(input, at), protoKey, hostile));
        }
        case "extraKey":
          return withOwnKey(input, "unexpected", hostile);
        case "deep":
          return setAt(input, path, nested(60, hostile, pick % 2 === 0));
        case "drop":
          return path.length > 0 ? setAt(input, path, undefined) : undefined;
      }
    });
}

// ---------------------------------------------------------------------------------------------
// The calls and what every response must satisfy

const FORBIDDEN_TEXT: [string, RegExp][] = [
  ["stack trace", /\n? {4}at /],
  ["SQL text", /\b(SELECT|INSERT|UPDATE|DELETE) [^"]*\b(FROM|INTO|SET|WHERE)\b/],
  ["SQL error", /syntax error|relation "|column "|violates .* constraint/],
  ["postgres", /postgres/i],
  ["drizzle", /drizzle/i],
];

interface Violation {
  path: string;
  caller: string;
  input: string;
  status: number;
  problem: string;
  body: string;
}

const figures = { procedures: 0, calls: 0, fiveXx: 0, byStatus: new Map<number, number>(), succeeded: new Set<string>() };
const violations: Violation[] = [];

function check(path: string, caller: string, input: unknown, res: RpcResult): void {
  figures.calls++;
  figures.byStatus.set(res.status, (figures.byStatus.get(res.status) ?? 0) + 1);
  if (res.status === 200) figures.succeeded.add(path);
  const text = typeof res.body === "string" ? res.body : JSON.stringify(res.body);
  const problems: string[] = [];
  if (res.status >= 500) {
    figures.fiveXx++;
    problems.push(`${res.status}`);
  }
  for (const [name, re] of FORBIDDEN_TEXT) if (re.test(text)) problems.push(`body contains ${name}`);
  if (res.status >= 400 && res.status < 500) {
    const data = res.body?.error?.data;
    if (typeof data?.code !== "string" || typeof data?.httpStatus !== "number" || !("appCode" in data) || data.httpStatus !== res.status) {
      problems.push("4xx without the typed error shape");
    }
  }
  if (res.status < 400 && !(res.body && typeof res.body === "object" && "result" in res.body)) problems.push("success without a result");
  for (const problem of problems) {
    violations.push({ path, caller, input: safeJson(input).slice(0, 300), status: res.status, problem, body: text.slice(0, 400) });
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "undefined";
  } catch {
    return String(value);
  }
}

async function call(path: string, method: "GET" | "POST", input: unknown, token?: string): Promise<RpcResult> {
  try {
    return await rpc(ctx.s.url, path, input, { method, token });
  } catch (error) {
    // A failed request (connection reset, URL refused by the client): recorded, never thrown away.
    return { status: 599, body: `request failed: ${(error as Error).message}`, headers: new Headers() };
  }
}

async function fuzzProcedure(path: string, procedure: AnyProcedure, index: number): Promise<void> {
  const method = procedure._def.type === "query" ? "GET" : "POST";
  const me: Authed = await createUserWithToken(ctx.t.sql);
  const callers: [string, string | undefined][] = [["anonymous", undefined], ["signed-in", me.token]];
  const seed = SEED + index;
  const valid = fc.sample(inputArb(procedure), { seed, numRuns: VALID_RUNS });
  const hostile = fc.sample(hostileArb(procedure, method), { seed: seed + 1, numRuns: HOSTILE_RUNS });
  for (const [caller, token] of callers) {
    for (const input of [...valid, ...hostile]) check(path, caller, input, await call(path, method, input, token));
    // The wrong HTTP method, once per caller.
    check(path, `${caller} (wrong method)`, valid[0], await call(path, method === "GET" ? "POST" : "GET", valid[0], token));
  }
  figures.procedures++;
}

beforeAll(async () => {
  // A little data, so generated ids name real rows: users, posts, follows, a comment, a list, a feed.
  const users: Authed[] = [];
  for (let i = 0; i < 4; i++) users.push(await createUserWithToken(ctx.t.sql));
  for (const u of users) for (let i = 0; i < 2; i++) await createPost(ctx.t.sql, u.id);
  await follow(ctx.t.sql, users[0]!.id, users[1]!.id);
  await follow(ctx.t.sql, users[1]!.id, users[0]!.id);
  const post = await rpc(ctx.s.url, "comment.create", { postId: "1", content: "seed comment" }, { token: users[1]!.token });
  expect(post.status).toBe(200);
  expect((await rpc(ctx.s.url, "list.create", { name: "seed list" }, { token: users[0]!.token })).status).toBe(200);
  const feed = await rpc(ctx.s.url, "feed.create", { name: "seed", algorithmConfig: { filters: [{ type: "author", operator: "equals", value: "friends" }] } }, { token: users[0]!.token });
  expect(feed.status).toBe(200);
  knownIds = ["1", "2", "3", "4", "5", "8", users[0]!.id, "9223372036854775807"];
});

describe("fuzz: every procedure", () => {
  test("the NOT_FUZZED list names real procedures", () => {
    const names = new Set(procedures.map(([name]) => name));
    for (const name of Object.keys(NOT_FUZZED)) expect(names.has(name)).toBe(true);
    // Every subscription is listed (they need an SSE client, not one request and one response).
    for (const [name, p] of procedures) if (p._def.type === "subscription") expect(Object.keys(NOT_FUZZED)).toContain(name);
  });

  test(
    "no input, anonymous or signed in, gets a 5xx, a leak, or an untyped 4xx",
    async () => {
      const started = performance.now();
      const queue = procedures.map(([path, p], i) => ({ path, p, i })).filter(({ path }) => !(path in NOT_FUZZED));
      const workers = Array.from({ length: CONCURRENCY }, async () => {
        for (let job = queue.shift(); job; job = queue.shift()) await fuzzProcedure(job.path, job.p, job.i);
      });
      await Promise.all(workers);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const statuses = [...figures.byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(" ");
      console.log(
        `fuzz (seed ${SEED}): ${figures.procedures} procedures covered of ${procedures.length} (${Object.keys(NOT_FUZZED).length} not fuzzed: ${Object.keys(NOT_FUZZED).join(", ")}), ` +
          `${figures.calls} calls, ${figures.fiveXx} 5xx, ${violations.length} violations, ${seconds}s; statuses ${statuses}; ` +
          `${figures.succeeded.size} procedures answered 200 at least once`,
      );
      if (violations.length > 0) console.log(JSON.stringify(violations.slice(0, 40), null, 2));
      expect(figures.procedures).toBe(procedures.length - Object.keys(NOT_FUZZED).length);
      expect(violations).toEqual([]);
    },
    120_000,
  );
});

afterAll(() => {
  expect(figures.fiveXx).toBe(0);
});
