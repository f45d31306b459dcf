// Typed helpers over Drizzle's SQL-first `sql` template: every interpolated value is a bound
// parameter; identifiers never come from user input.
import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "./client";

export async function many<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  return (await db.execute(query)) as unknown as T[];
}

export async function one<T>(db: DbOrTx, query: SQL): Promise<T | undefined> {
  const rows = await many<T>(db, query);
  return rows[0];
}

/** PostgreSQL's text timestamps (Drizzle leaves them as strings) → ISO-8601 for the wire. */
export function iso(value: string | Date | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return new Date(value).toISOString();
}

/**
 * `ANY($1::bigint[])` with ONE array parameter, for id lists read from the database: the statement
 * text stays the same whatever the list's length, so it is prepared and planned once rather than
 * once per length as `IN ($1, $2, …)` would be.
 */
export function anyBigint(ids: readonly string[]): SQL {
  for (const id of ids) if (!/^\d{1,19}$/.test(id)) throw new Error(`not a bigint id: ${JSON.stringify(id)}`);
  return sql`ANY(${`{${ids.join(",")}}`}::bigint[])`;
}
