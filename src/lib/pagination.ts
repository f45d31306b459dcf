// Keyset pagination: every list takes { cursor?, limit? } and returns { items, nextCursor }.
// A cursor is the sort key of the last item (base64url JSON, what services encode and decode),
// sealed for the client by src/trpc/init.ts: the wire cursor is that inner cursor plus an
// HMAC-SHA256 over (procedure path, viewer, inner cursor), so a client can only hand back a cursor
// this server issued, to the procedure and the viewer it was issued for.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { AppError } from "./errors";
import { isStorableText } from "./input-safety";

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

export function invalidCursor(): AppError {
  return new AppError("BAD_REQUEST", "Invalid cursor", { field: "cursor", appCode: "INVALID_CURSOR" });
}

/** A cursor element: a finite number, or a short storable string (timestamps, ids, kinds). */
function isCursorElement(v: unknown): v is string | number {
  if (typeof v === "number") return Number.isFinite(v);
  return typeof v === "string" && v.length <= 100 && isStorableText(v);
}

/**
 * Decodes a cursor made of `arity` strings/numbers; anything else is BAD_REQUEST INVALID_CURSOR.
 * The cursor reaching a service was unsealed by src/trpc/init.ts, so it is one this procedure
 * issued (its element types are the ones it encoded); the checks here are defence in depth.
 */
export function decodeCursor(cursor: string | undefined, arity: number): (string | number)[] | null {
  if (cursor === undefined) return null;
  try {
    if (/^[A-Za-z0-9_-]+$/.test(cursor)) {
      const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
      if (Array.isArray(value) && value.length === arity && value.every(isCursorElement)) return value;
    }
  } catch {}
  throw invalidCursor();
}

/** Longest wire cursor accepted (an inner cursor is at most paginationShape's 500). */
const MAX_SEALED_CURSOR = 600;
const MAC_CHARS = 43; // HMAC-SHA256, base64url without padding

/** Process-wide fallback key for development and test (src/env.ts requires CURSOR_SECRET in production). */
const processCursorKey = randomBytes(32);

export function cursorKey(secret: string | undefined): Buffer {
  return secret ? Buffer.from(secret, "utf8") : processCursorKey;
}

function cursorMac(key: Buffer, scope: { path: string; viewer: string }, inner: string): string {
  return createHmac("sha256", key).update(`vrss-cursor-v1\n${scope.path}\n${scope.viewer}\n${inner}`).digest("base64url");
}

/** The wire form of an inner cursor, bound to a procedure path and a viewer ("anon" or a user id). */
export function sealCursor(key: Buffer, scope: { path: string; viewer: string }, inner: string): string {
  return `${inner}.${cursorMac(key, scope, inner)}`;
}

/** The inner cursor of a wire cursor issued for this scope; anything else is INVALID_CURSOR. */
export function unsealCursor(key: Buffer, scope: { path: string; viewer: string }, sealed: unknown): string {
  if (typeof sealed !== "string" || sealed.length > MAX_SEALED_CURSOR) throw invalidCursor();
  const dot = sealed.lastIndexOf(".");
  const inner = sealed.slice(0, dot);
  const mac = sealed.slice(dot + 1);
  if (dot < 1 || mac.length !== MAC_CHARS || !/^[A-Za-z0-9_-]+$/.test(inner)) throw invalidCursor();
  const expected = Buffer.from(cursorMac(key, scope, inner));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidCursor();
  return inner;
}

/** Rows fetched with LIMIT limit+1 → a page, with the cursor taken from the last item kept. */
export function toPage<R, T>(rows: R[], limit: number, map: (row: R) => T, keyOf: (row: R) => readonly (string | number)[]): Page<T> {
  const hasMore = rows.length > limit;
  const kept = hasMore ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(map), nextCursor: hasMore && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

/** PostgreSQL's bigint and integer ranges: a value outside them is refused before it reaches SQL. */
export const BIGINT_MAX = 9223372036854775807n;
export const INT4_MAX = 2_147_483_647;

/** A decimal id in 1..9223372036854775807 (BIGSERIAL's range). */
export function isIdString(value: string): boolean {
  return /^[1-9][0-9]{0,18}$/.test(value) && (value.length < 19 || BigInt(value) <= BIGINT_MAX);
}

/** A decimal id string (BIGSERIAL), validated before it reaches SQL: digits, and within bigint. */
export const idSchema = z.string().regex(/^[1-9][0-9]{0,18}$/, "Invalid id").refine(isIdString, "Invalid id");
