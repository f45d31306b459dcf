// `bun run docs:api` — docs/api.md and docs/openapi.json, generated from the router itself: every
// procedure's path, kind, auth tier (detected by middleware identity against the tiers of
// src/trpc/init.ts), input (its Zod schema through z.toJSONSchema), output (its `.output()` schema,
// when it declares one) and the errors its tier and input can raise.
// `bun run docs:api --check` writes nothing and exits 1 when either file differs from what the
// router generates now (CI: the docs are stale). GET /api/openapi.json serves buildOpenApi().
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { z } from "zod";
import { SESSION_COOKIE } from "../src/modules/auth/cookies";
import { authedProcedure, moderatorProcedure, publicProcedure, viewerProcedure } from "../src/trpc/init";
import { appRouter } from "../src/trpc/router";

export const RPC_PATH = "/api/rpc";
export const API_MD = "docs/api.md";
export const OPENAPI_JSON = "docs/openapi.json";

export type Kind = "query" | "mutation" | "subscription";
export type Tier = "public" | "viewer" | "authed" | "moderator";
type JsonSchema = Record<string, unknown>;

export interface ErrorCase {
  /** tRPC error code (`error.data.code`). */
  code: string;
  httpStatus: number;
  /** appCodes this error carries for this procedure, where they are certain. */
  appCodes: string[];
  when: string;
}

export interface ProcedureDoc {
  path: string;
  kind: Kind;
  tier: Tier;
  /** The input's JSON Schema, or null when the procedure takes none. */
  input: JsonSchema | null;
  /** Whether the input may be left out altogether. */
  inputOptional: boolean;
  /** The declared output's JSON Schema, or null while the procedure declares no `.output()`. */
  output: JsonSchema | null;
  errors: ErrorCase[];
}

interface ProcedureDef {
  type: Kind;
  middlewares: unknown[];
  inputs: unknown[];
  output?: unknown;
}

function middlewaresOf(builder: unknown): unknown[] {
  return (builder as { _def: { middlewares: unknown[] } })._def.middlewares;
}

const TIERS: [Tier, unknown[]][] = [
  // Most specific first: an authed procedure also starts with the viewer's and the public middlewares.
  ["moderator", middlewaresOf(moderatorProcedure)],
  ["authed", middlewaresOf(authedProcedure)],
  ["viewer", middlewaresOf(viewerProcedure)],
  ["public", middlewaresOf(publicProcedure)],
];

/** The tier a procedure is built on: the longest tier whose middlewares (the same functions) open its list. */
export function tierOf(path: string, def: ProcedureDef): Tier {
  for (const [tier, prefix] of TIERS) {
    if (prefix.every((mw, i) => def.middlewares[i] === mw)) return tier;
  }
  throw new Error(`${path} is built on none of publicProcedure, viewerProcedure, authedProcedure, moderatorProcedure (src/trpc/init.ts)`);
}

/** JSON Schema of a Zod schema, without `$schema` (OpenAPI 3.1's default dialect is 2020-12 already). */
function jsonSchema(schema: unknown, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema as z.ZodType, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

function isZod(schema: unknown): schema is z.ZodType {
  return typeof schema === "object" && schema !== null && "_zod" in schema;
}

function acceptsNothing(schema: z.ZodType): boolean {
  const optin = (schema as unknown as { _zod: { optin?: string } })._zod.optin;
  if (optin === "optional" || optin === "defaulted") return true;
  try {
    return schema.safeParse(undefined).success;
  } catch {
    return false; // async refinements: not decidable here, so documented as required
  }
}

function status(code: TRPCError["code"]): number {
  return getHTTPStatusCodeFromError(new TRPCError({ code }));
}

function errorsOf(kind: Kind, tier: Tier, hasInput: boolean): ErrorCase[] {
  const errors: ErrorCase[] = [];
  const add = (code: TRPCError["code"], appCodes: string[], when: string) => errors.push({ code, httpStatus: status(code), appCodes, when });
  if (hasInput) add("BAD_REQUEST", [], "the input does not match its schema (`data.field`, `data.zodError`)");
  if (tier !== "public") add("UNAUTHORIZED", ["SESSION_INVALID"], "a Bearer token that is unknown, revoked or expired");
  if (tier === "authed" || tier === "moderator") add("UNAUTHORIZED", ["SESSION_REQUIRED"], "no credential (or a stale cookie)");
  if (tier === "moderator") add("FORBIDDEN", ["MODERATOR_REQUIRED"], "the caller's role (read fresh on every call) is neither moderator nor admin");
  if (tier !== "public" && kind === "mutation") {
    add("FORBIDDEN", ["CSRF"], "cookie-authenticated from an Origin outside ALLOWED_ORIGINS");
  }
  if (kind === "mutation") add("PAYLOAD_TOO_LARGE", [], "a body larger than BODY_LIMIT_BYTES");
  if (tier !== "public") add("SERVICE_UNAVAILABLE", ["DATABASE_UNAVAILABLE"], "the database cannot be reached (`Retry-After`)");
  add("INTERNAL_SERVER_ERROR", [], "an unexpected failure (logged; the message says no more)");
  return errors;
}

/** Every procedure of the router, sorted by path. */
export function collectProcedures(router: unknown = appRouter): ProcedureDoc[] {
  const procedures = (router as { _def: { procedures: Record<string, { _def: ProcedureDef }> } })._def.procedures;
  return Object.keys(procedures)
    .sort()
    .map((path) => {
      const def = procedures[path]!._def;
      const tier = tierOf(path, def);
      const inputs = def.inputs.filter(isZod);
      if (inputs.length !== def.inputs.length) throw new Error(`${path}: an input parser that is not a Zod schema`);
      let input: JsonSchema | null = null;
      if (inputs.length === 1) input = jsonSchema(inputs[0], "input");
      else if (inputs.length > 1) input = { allOf: inputs.map((i) => jsonSchema(i, "input")) };
      // Optional on the wire when leaving it out (tRPC then parses `undefined`) is accepted:
      // `.optional()`, and `.default()` / `.prefault()` too.
      const inputOptional = inputs.length === 0 || inputs.every((i) => acceptsNothing(i));
      const output = def.output === undefined ? null : isZod(def.output) ? jsonSchema(def.output, "output") : {};
      return { path, kind: def.type, tier, input, inputOptional, output, errors: errorsOf(def.type, tier, inputs.length > 0) };
    });
}

// ---------------------------------------------------------------------------------------------
// docs/api.md: the schemas rendered compactly, TypeScript-like.

const MAX_PATTERN = 40;

function literal(value: unknown): string {
  return JSON.stringify(value);
}

function bounds(min: unknown, max: unknown, unit = ""): string {
  // z.int()'s safe-integer range says nothing a reader needs.
  const lo = typeof min === "number" && min !== Number.MIN_SAFE_INTEGER ? min : undefined;
  const hi = typeof max === "number" && max !== Number.MAX_SAFE_INTEGER ? max : undefined;
  if (lo === undefined && hi === undefined) return "";
  if (lo !== undefined && hi !== undefined) return lo === hi ? `(${lo}${unit})` : `(${lo}..${hi}${unit})`;
  return lo !== undefined ? `(≥${lo}${unit})` : `(≤${hi}${unit})`;
}

/** A compact TypeScript-like rendering of a JSON Schema; `indent` is the current nesting. */
export function renderSchema(schema: unknown, indent = ""): string {
  if (schema === true || schema === undefined) return "unknown";
  if (schema === false) return "never";
  const s = schema as JsonSchema;
  let out = renderCore(s, indent);
  if ("default" in s) out += ` = ${literal(s.default)}`;
  return out;
}

function renderCore(s: JsonSchema, indent: string): string {
  if (typeof s.$ref === "string") return s.$ref === "#" ? "(self)" : s.$ref.replace(/^#\/(\$defs|components\/schemas)\//, "");
  if ("const" in s) return literal(s.const);
  if (Array.isArray(s.enum)) return s.enum.map(literal).join(" | ");
  const union = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(union)) return union.map((m) => wrapUnion(renderSchema(m, indent))).join(" | ");
  if (Array.isArray(s.allOf)) return s.allOf.map((m) => renderSchema(m, indent)).join(" & ");
  if (Array.isArray(s.type)) return s.type.map((t) => renderCore({ ...s, type: t }, indent)).join(" | ");
  switch (s.type) {
    case "string": {
      let out = "string";
      if (typeof s.format === "string") out += `<${s.format}>`;
      else if (typeof s.pattern === "string") out += s.pattern.length <= MAX_PATTERN ? ` /${s.pattern}/` : " /…/";
      return out + bounds(s.minLength, s.maxLength, " chars");
    }
    case "integer":
    case "number":
      return `${s.type}${bounds(s.minimum ?? s.exclusiveMinimum, s.maximum ?? s.exclusiveMaximum)}`;
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array": {
      if (Array.isArray(s.prefixItems)) return `[${s.prefixItems.map((m) => renderSchema(m, indent)).join(", ")}]`;
      const item = renderSchema(s.items, indent);
      return `${/ /.test(item) && !item.startsWith("{") ? `(${item})` : item}[]${bounds(s.minItems, s.maxItems, " items")}`;
    }
    case "object":
      return renderObject(s, indent);
    default:
      return "unknown";
  }
}

function wrapUnion(rendered: string): string {
  return / \| | & /.test(rendered) && !rendered.startsWith("{") ? `(${rendered})` : rendered;
}

function renderObject(s: JsonSchema, indent: string): string {
  const properties = (s.properties ?? {}) as Record<string, unknown>;
  const required = new Set((s.required ?? []) as string[]);
  const keys = Object.keys(properties);
  const extra = s.additionalProperties;
  if (keys.length === 0) {
    if (extra && extra !== false) {
      const key = s.propertyNames ? renderSchema(s.propertyNames, indent) : "string";
      return `Record<${key}, ${renderSchema(extra, indent)}>`;
    }
    return "{}";
  }
  const inner = `${indent}  `;
  const lines = keys.map((key) => {
    const name = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : literal(key);
    return `${inner}${name}${required.has(key) ? "" : "?"}: ${renderSchema(properties[key], inner)}`;
  });
  if (extra && extra !== false) lines.push(`${inner}[key: string]: ${renderSchema(extra, inner)}`);
  return `{\n${lines.join("\n")}\n${indent}}`;
}

function errorLine(e: ErrorCase): string {
  const codes = e.appCodes.length ? ` ${e.appCodes.map((c) => `\`${c}\``).join(", ")}` : "";
  return `- \`${e.code}\` ${e.httpStatus}${codes}: ${e.when}`;
}

const TIER_TEXT: Record<Tier, string> = {
  public: "public — no credential read",
  viewer: "viewer — anyone; the answer depends on who is asking when signed in",
  authed: "authed — signed in (Bearer token or session cookie)",
  moderator: "moderator — signed in with the role moderator or admin (users.role, read on every call)",
};

function wireLine(p: ProcedureDoc): string {
  const url = `${RPC_PATH}/${p.path}`;
  if (p.kind === "mutation") return p.input ? `\`POST ${url}\` with the input as the JSON body` : `\`POST ${url}\` (no body; \`content-type: application/json\` still required)`;
  const query = p.input ? `?input=<JSON>` : "";
  return p.kind === "subscription" ? `\`GET ${url}${query}\` as \`text/event-stream\` (SSE)` : `\`GET ${url}${query}\``;
}

export function renderMarkdown(procedures: ProcedureDoc[] = collectProcedures()): string {
  const out: string[] = [];
  out.push(
    "# VRSS API",
    "",
    "<!-- Generated by `bun run docs:api` from src/trpc/router.ts. Do not edit: CI runs `bun run docs:api --check`. -->",
    "",
    `${procedures.length} procedures, all at \`${RPC_PATH}/<path>\` (tRPC v11, no transformer: plain JSON).`,
    "The same contract as OpenAPI 3.1: [`openapi.json`](openapi.json), also served at `GET /api/openapi.json`.",
    "",
    "## Wire",
    "",
    "- **query**: `GET /api/rpc/<path>?input=<URL-encoded JSON>` (leave `input` out when there is none).",
    "- **mutation**: `POST /api/rpc/<path>` with `Content-Type: application/json` and the input as the body.",
    "- **subscription**: `GET /api/rpc/<path>?input=<JSON>` answered as server-sent events (`text/event-stream`);",
    "  `lastEventId` in the input (or the `Last-Event-ID` header) resumes.",
    "- **success**: `200 {\"result\":{\"data\":<output>}}`.",
    "- **error**: the HTTP status of the tRPC code, and",
    "  `{\"error\":{\"message\",\"code\":<JSON-RPC code>,\"data\":{\"code\",\"httpStatus\",\"path\",\"appCode\",\"field\",\"details\",\"zodError\"}}}` —",
    "  `data.code` is the tRPC code, `appCode` a stable reason (e.g. `USERNAME_TAKEN`) or null, `field` the input",
    "  field at fault, `details` safe extra data (e.g. `retryAfterSeconds`), `zodError` the field errors of an",
    "  invalid input. 429 and 503 answers carry `Retry-After`.",
    "- Batching (`/api/rpc/a,b?batch=1`) works as in tRPC, at most `MAX_BATCH_SIZE` calls.",
    "",
    "## Auth tiers",
    "",
    "- **public**: reads no credential.",
    "- **viewer**: anyone; a signed-in caller may see more (their own drafts, followers-only posts). An invalid",
    "  Bearer token is still `UNAUTHORIZED` `SESSION_INVALID`: the client believes it is signed in.",
    "- **authed**: signed in, by `Authorization: Bearer <token>` (the `token` that `auth.register` /",
    `  \`auth.login\` answer) or the \`${SESSION_COOKIE}\` cookie they set. A cookie-authenticated mutation must`,
    "  come from an Origin in `ALLOWED_ORIGINS` (`FORBIDDEN` `CSRF` otherwise); a Bearer token needs none.",
    "",
    "Errors listed below are the ones the tier, the input schema and the HTTP layer can raise; each procedure",
    "also raises its own business errors (`NOT_FOUND`, `CONFLICT`, `FORBIDDEN`, … with an `appCode`), not listed here.",
    "",
    "## Procedures",
    "",
    "| procedure | kind | auth | input | output |",
    "| --- | --- | --- | --- | --- |",
  );
  for (const p of procedures) {
    const input = p.input ? (p.inputOptional ? "optional" : "yes") : "none";
    out.push(`| [\`${p.path}\`](#${anchor(p.path)}) | ${p.kind} | ${p.tier} | ${input} | ${p.output ? "declared" : "undeclared"} |`);
  }
  let group = "";
  for (const p of procedures) {
    const head = p.path.split(".")[0]!;
    if (head !== group) {
      group = head;
      out.push("", `## ${group}`);
    }
    out.push("", `### ${p.path}`, "", `${p.kind} · ${TIER_TEXT[p.tier]} · ${wireLine(p)}`, "");
    if (p.input) {
      out.push(`Input${p.inputOptional ? " (optional)" : ""}:`, "", "```ts", renderSchema(p.input), "```", "");
    } else out.push("Input: none.", "");
    if (p.output) out.push("Output (`result.data`):", "", "```ts", renderSchema(p.output), "```", "");
    else out.push("Output: undeclared.", "");
    out.push("Errors:", "", ...p.errors.map(errorLine));
  }
  return `${out.join("\n")}\n`;
}

function anchor(path: string): string {
  return path.toLowerCase().replace(/[^a-z0-9 -]/g, "");
}

// ---------------------------------------------------------------------------------------------
// docs/openapi.json: OpenAPI 3.1 of the plain-HTTP wire.

/**
 * Puts a JSON Schema into components.schemas under `name` and answers a $ref to it. Its `$defs`
 * (recursive or reused parts) become components `name.<def>`, and refs inside are rewritten.
 */
function addComponent(components: Record<string, JsonSchema>, name: string, schema: JsonSchema): JsonSchema {
  const { $defs, ...root } = schema as JsonSchema & { $defs?: Record<string, JsonSchema> };
  const defName = (key: string) => `${name}.${key.replace(/[^A-Za-z0-9._-]/g, "_")}`;
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (typeof node !== "object" || node === null) return node;
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") {
        if (value === "#") copy[key] = `#/components/schemas/${name}`;
        else if (value.startsWith("#/$defs/")) copy[key] = `#/components/schemas/${defName(value.slice(8))}`;
        else copy[key] = value;
      } else copy[key] = rewrite(value);
    }
    return copy;
  };
  components[name] = rewrite(root) as JsonSchema;
  for (const [key, def] of Object.entries($defs ?? {})) components[defName(key)] = rewrite(def) as JsonSchema;
  return { $ref: `#/components/schemas/${name}` };
}

const ERROR_ENVELOPE: JsonSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["message", "code", "data"],
      properties: {
        message: { type: "string" },
        code: { type: "integer", description: "JSON-RPC 2.0 error code of the tRPC code (e.g. -32600 BAD_REQUEST)" },
        data: {
          type: "object",
          required: ["code", "httpStatus"],
          properties: {
            code: { type: "string", description: "tRPC error code, e.g. BAD_REQUEST, UNAUTHORIZED, NOT_FOUND" },
            httpStatus: { type: "integer" },
            path: { type: ["string", "null"], description: "the procedure path" },
            appCode: { type: ["string", "null"], description: "stable machine-readable reason, e.g. USERNAME_TAKEN" },
            field: { type: ["string", "null"], description: "the input field at fault" },
            details: { type: ["object", "null"], additionalProperties: true, description: "safe extra data, e.g. retryAfterSeconds" },
            zodError: {
              type: ["object", "null"],
              additionalProperties: { type: "array", items: { type: "string" } },
              description: "field errors of an invalid input",
            },
          },
        },
      },
    },
  },
};

export function buildOpenApi(procedures: ProcedureDoc[] = collectProcedures()): JsonSchema {
  const schemas: Record<string, JsonSchema> = { Error: ERROR_ENVELOPE };
  const responses: Record<string, JsonSchema> = {};
  const paths: Record<string, JsonSchema> = {};
  const errorResponse = (code: string, httpStatus: number) => {
    const name = code;
    responses[name] ??= {
      description: `${code} (${httpStatus}); JSON-RPC code ${TRPC_ERROR_CODES_BY_KEY[code as keyof typeof TRPC_ERROR_CODES_BY_KEY]}`,
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
    return { $ref: `#/components/responses/${name}` };
  };
  const anySession = [{ bearerAuth: [] }, { sessionCookie: [] }];

  for (const p of procedures) {
    const input = p.input ? addComponent(schemas, `${p.path}.input`, p.input) : null;
    const output = p.output ? addComponent(schemas, `${p.path}.output`, p.output) : null;
    const data: JsonSchema = output ?? { description: "undeclared: the procedure declares no output schema yet" };
    const operation: JsonSchema = {
      operationId: p.path,
      tags: [p.path.split(".")[0]],
      summary: `${p.path} (${p.kind}, ${p.tier})`,
    };
    if (p.tier === "public") operation.security = [];
    else if (p.tier === "viewer") operation.security = [{}, ...anySession];
    else operation.security = anySession;
    if (p.kind === "mutation") {
      if (input) {
        operation.requestBody = { required: !p.inputOptional, content: { "application/json": { schema: input } } };
      }
    } else if (input) {
      operation.parameters = [
        { name: "input", in: "query", required: !p.inputOptional, description: "the input as JSON", content: { "application/json": { schema: input } } },
      ];
    }
    const success: JsonSchema =
      p.kind === "subscription"
        ? {
            description: "server-sent events: each `data:` line is one event's JSON; `id:` is its resumable id",
            content: { "text/event-stream": { schema: { type: "string" }, "x-event-data": data } },
          }
        : {
            description: "the result",
            content: {
              "application/json": {
                schema: { type: "object", required: ["result"], properties: { result: { type: "object", required: ["data"], properties: { data } } } },
              },
            },
          };
    const byStatus: Record<string, JsonSchema> = { "200": success };
    for (const e of p.errors) byStatus[String(e.httpStatus)] ??= errorResponse(e.code, e.httpStatus);
    operation.responses = Object.fromEntries(Object.keys(byStatus).sort().map((k) => [k, byStatus[k]]));
    paths[`${RPC_PATH}/${p.path}`] = { [p.kind === "mutation" ? "post" : "get"]: operation };
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "VRSS API",
      version: "0.1.0",
      description:
        "The tRPC router at /api/rpc over plain HTTP (no transformer): queries and subscriptions are GET with `?input=<JSON>`, " +
        "mutations POST with a JSON body. Generated by `bun run docs:api`; see docs/api.md.",
    },
    servers: [{ url: "/" }],
    tags: [...new Set(procedures.map((p) => p.path.split(".")[0]!))].map((name) => ({ name })),
    paths,
    components: {
      schemas: sortKeys(schemas),
      responses: sortKeys(responses),
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", description: "the `token` answered by auth.register / auth.login" },
        sessionCookie: {
          type: "apiKey",
          in: "cookie",
          name: SESSION_COOKIE,
          description: "set by auth.register / auth.login; mutations with it must come from an Origin in ALLOWED_ORIGINS",
        },
      },
    },
  };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]!]));
}

export function renderOpenApi(procedures: ProcedureDoc[] = collectProcedures()): string {
  return `${JSON.stringify(buildOpenApi(procedures), null, 2)}\n`;
}

/** The generated files, path (from the repository root) → contents. */
export function generatedDocs(): Record<string, string> {
  const procedures = collectProcedures();
  return { [API_MD]: renderMarkdown(procedures), [OPENAPI_JSON]: renderOpenApi(procedures) };
}

/** The generated files whose committed copy differs from what the router generates now. */
export function staleDocs(root: string): string[] {
  return Object.entries(generatedDocs())
    .filter(([file, text]) => {
      try {
        return readFileSync(join(root, file), "utf8") !== text;
      } catch {
        return true;
      }
    })
    .map(([file]) => file);
}

if (import.meta.main) {
  // --root=<dir> checks or writes another copy of the repository (the tests use it).
  const rootArg = process.argv.find((a) => a.startsWith("--root="));
  const root = rootArg ? rootArg.slice("--root=".length) : join(import.meta.dir, "..");
  if (process.argv.includes("--check")) {
    const stale = staleDocs(root);
    if (stale.length > 0) {
      console.error(`${stale.join(" and ")} ${stale.length > 1 ? "are" : "is"} stale: the router changed. Run \`bun run docs:api\` and commit the result.`);
      process.exit(1);
    }
    console.log(`${API_MD} and ${OPENAPI_JSON} are current`);
  } else {
    for (const [file, text] of Object.entries(generatedDocs())) writeFileSync(join(root, file), text);
    console.log(`wrote ${API_MD} and ${OPENAPI_JSON} (${collectProcedures().length} procedures)`);
  }
}
