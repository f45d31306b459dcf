// Keyset pagination: every list takes { cursor?, limit? } and returns { items, nextCursor }.
// A cursor is the sort key of the last item, opaque to clients (base64url JSON).
import { z } from "zod";
import { AppError } from "./errors";

export const paginationShape = {
  cursor: z.string().max(500).optional(),
  limit: z.number().int().min(1).max(100).default(20),
};
export const paginationInput = z.object(paginationShape).strict();

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/** Decodes a cursor made of `arity` strings/numbers; a forged or foreign cursor is BAD_REQUEST. */
export function decodeCursor(cursor: string | undefined, arity: number): (string | number)[] | null {
  if (cursor === undefined) return null;
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === arity && value.every((v) => typeof v === "string" || typeof v === "number")) {
      return value;
    }
  } catch {}
  throw new AppError("BAD_REQUEST", "Invalid cursor", { field: "cursor", appCode: "INVALID_CURSOR" });
}

/** Rows fetched with LIMIT limit+1 → a page, with the cursor taken from the last item kept. */
export function toPage<R, T>(rows: R[], limit: number, map: (row: R) => T, keyOf: (row: R) => readonly (string | number)[]): Page<T> {
  const hasMore = rows.length > limit;
  const kept = hasMore ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(map), nextCursor: hasMore && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

/** A decimal id string (BIGSERIAL), validated before it reaches SQL. */
export const idSchema = z.string().regex(/^[1-9][0-9]{0,18}$/, "Invalid id");
