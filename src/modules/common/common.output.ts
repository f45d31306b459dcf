// Building blocks of the output schemas (every procedure's `.output(…)`): ids are decimal strings,
// dates ISO 8601 strings in UTC, pages `{ items, nextCursor }`. Objects are plain z.object: exact
// (unknown keys are stripped), so the wire carries only what the schema names.
import { z } from "zod";

/** A row id as it travels: a decimal string (BIGSERIAL). */
export const outId = z.string();
/** A timestamp as it travels: ISO 8601 in UTC (`Date#toISOString`). */
export const outDate = z.iso.datetime();

/** Who someone is, wherever an account is named (authors, actors, members…). */
export const userRefSchema = z.object({ id: outId, username: z.string(), displayName: z.string().nullable() });
export type UserRefOutput = z.infer<typeof userRefSchema>;

/** One page of a keyset-paginated list. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const deletedSchema = z.object({ deleted: z.literal(true) });
export const okSchema = z.object({ ok: z.literal(true) });
export const countSchema = z.object({ count: z.number().int(), capped: z.boolean() });
