// Column builders shared by the schema files (not a table: not exported from ./index).
import { timestamp } from "drizzle-orm/pg-core";

/** TIMESTAMPTZ, read as the ISO-like string PostgreSQL sends. */
export const tstz = <N extends string>(name: N) => timestamp(name, { withTimezone: true, mode: "string" });
