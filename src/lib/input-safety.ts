// The input boundary: characters PostgreSQL cannot store, prototype keys and absurd nesting are
// refused here, once, for the raw input of every procedure (src/trpc/init.ts walks it before any
// input parser runs), so no text field or free-form JSON can reach SQL with them.
//
// - NUL (U+0000): `text` cannot hold it (SQLSTATE 22021) and `jsonb` refuses "\u0000" (22P05).
// - Lone UTF-16 surrogates (U+D800–U+DFFF unpaired): not Unicode scalar values, they have no UTF-8
//   form; the driver would silently replace them with U+FFFD.
// - `__proto__`, `constructor`, `prototype` as object keys: prototype pollution vectors in any code
//   that merges or spreads the input.
// - More than MAX_INPUT_DEPTH levels of arrays/objects: no input is that deep, walking it costs.
import { z } from "zod";
import { AppError } from "./errors";

export const MAX_INPUT_DEPTH = 32;
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

export type UnsafeReason = "nul" | "lone_surrogate" | "forbidden_key" | "too_deep";

export interface UnsafeInput {
  /** Dotted path of the offending value, as Zod issue paths are joined ("config.filters.0.value"); "" = the input itself. */
  path: string;
  reason: UnsafeReason;
}

/** A string PostgreSQL can store as text and jsonb: no NUL, no lone surrogate. */
export function isStorableText(value: string): boolean {
  return !value.includes("\u0000") && value.isWellFormed();
}

function textReason(value: string): UnsafeReason | null {
  if (value.includes("\u0000")) return "nul";
  if (!value.isWellFormed()) return "lone_surrogate";
  return null;
}

/** The first unsafe value in `value` (depth first, keys before their values), or null. */
export function findUnsafeInput(value: unknown): UnsafeInput | null {
  const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));
  const walk = (v: unknown, path: string, depth: number): UnsafeInput | null => {
    if (typeof v === "string") {
      const reason = textReason(v);
      return reason ? { path, reason } : null;
    }
    if (typeof v !== "object" || v === null) return null;
    if (depth >= MAX_INPUT_DEPTH) return { path, reason: "too_deep" };
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const found = walk(v[i], join(path, i), depth + 1);
        if (found) return found;
      }
      return null;
    }
    for (const key of Object.keys(v)) {
      const keyPath = join(path, key);
      if (FORBIDDEN_KEYS.has(key)) return { path: keyPath, reason: "forbidden_key" };
      const reason = textReason(key);
      if (reason) return { path: path || "input", reason };
      const found = walk((v as Record<string, unknown>)[key], keyPath, depth + 1);
      if (found) return found;
    }
    return null;
  };
  return walk(value, "", 0);
}

/** The BAD_REQUEST a client gets for an unsafe input (field = the path, "input" for the input itself). */
export function unsafeInputError(found: UnsafeInput): AppError {
  const field = found.path || "input";
  switch (found.reason) {
    case "forbidden_key":
      return new AppError("BAD_REQUEST", `${field}: this key is not allowed`, { field, appCode: "UNSAFE_KEY" });
    case "too_deep":
      return new AppError("BAD_REQUEST", `${field}: input is nested more than ${MAX_INPUT_DEPTH} levels deep`, { field, appCode: "INPUT_TOO_DEEP" });
    default:
      return new AppError("BAD_REQUEST", `${field}: contains characters that cannot be stored`, { field, appCode: "UNSAFE_TEXT" });
  }
}

/** Throws unsafeInputError for the first unsafe value of `value`. */
export function assertSafeInput(value: unknown): void {
  const found = findUnsafeInput(value);
  if (found) throw unsafeInputError(found);
}

/**
 * A string schema that refuses what PostgreSQL cannot store. The tRPC middleware already guarantees
 * this for procedure inputs; use it where text reaches SQL by another road (env, jobs, scripts).
 */
export function storableText(schema: z.ZodString = z.string()): z.ZodString {
  return schema.refine(isStorableText, "contains characters that cannot be stored");
}

/**
 * An ISO date or date-time (already shape-checked by z.iso.*) that PostgreSQL's timestamptz can
 * hold: year 0001 or later, a UTC offset within ±15:59.
 */
export function fitsTimestamptz(value: string): boolean {
  const year = Number(value.slice(0, 4));
  if (!(year >= 1)) return false;
  const offset = /([+-])(\d{2}):?(\d{2})$/.exec(value.length > 10 ? value.slice(10) : "");
  return !offset || Number(offset[2]) <= 15;
}
