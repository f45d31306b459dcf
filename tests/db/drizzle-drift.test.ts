// The SQL migrations are the source of truth and src/db/schema is a hand-written mirror of them.
// This test reads the migrated database's catalog and the Drizzle tables into one common shape and
// fails, naming the table and column, when the two disagree on: the set of tables, the set of
// columns, column types, nullability and defaults, enum values, primary/unique/foreign-key/check
// constraints (checks by name only) and indexes (name, uniqueness, method, partial or not).
// schema_migrations belongs to the migrator and is not mirrored.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { is, SQL, sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  getTableConfig,
  index,
  isPgEnum,
  PgDialect,
  PgTable,
  pgTable,
  timestamp,
  varchar,
  type PgColumn,
} from "drizzle-orm/pg-core";
import * as schema from "../../src/db/schema";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

setDefaultTimeout(30_000); // see tests/setup.ts

const IGNORED_TABLES = new Set(["schema_migrations"]);

// ---------------------------------------------------------------------------------------------
// The common shape both sides are reduced to.

interface ColumnShape {
  /** Canonical type: "bigint", "bigserial", "varchar(30)", "enum post_type", "bigint[]", ... */
  type: string;
  notNull: boolean;
  /** Canonical default ("now()", "0", "active", '{"sections":[]}', "<serial>") or null. */
  default: string | null;
}

interface TableShape {
  columns: Record<string, ColumnShape>;
  /** "PRIMARY KEY (a,b)", "UNIQUE name (a,b)", "FOREIGN KEY (a) REFERENCES t (id) ON DELETE cascade", "CHECK name" */
  constraints: string[];
  /** "name [unique] method [partial]" */
  indexes: string[];
}

interface SchemaShape {
  tables: Record<string, TableShape>;
  enums: Record<string, string[]>;
}

const SERIAL_DEFAULT = "<serial>";

/** Strips casts and quotes from a default expression as PostgreSQL prints it (or Drizzle renders it). */
function normalizeDefault(expr: string, type: string): string {
  let s = expr.trim();
  if (/^nextval\(/i.test(s)) return SERIAL_DEFAULT;
  // 'x'::character varying, '{}'::jsonb, 'published'::post_status, '{}'::bigint[], 10737418240::bigint
  for (let prev = ""; prev !== s; ) {
    prev = s;
    s = s.replace(/::[a-z_][a-z0-9_ ]*(\(\d+\))?(\[\])*$/i, "").trim();
    if (/^\(.*\)$/.test(s) && !/^\(.*\)\s*\(/.test(s)) s = s.slice(1, -1).trim();
  }
  if (/^'.*'$/s.test(s)) s = s.slice(1, -1).replace(/''/g, "'");
  if (/^(true|false)$/i.test(s)) s = s.toLowerCase();
  if (/^now\(\)$|^current_timestamp$/i.test(s)) s = "now()";
  if (type === "jsonb" || type === "json") s = canonicalJson(s);
  return s;
}

function canonicalJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

const CONSTRAINT_ORDER = (a: string, b: string) => a.localeCompare(b);

/** The differences between the database and Drizzle, one readable line each. Empty when in step. */
function diffSchemas(database: SchemaShape, drizzle: SchemaShape): string[] {
  const out: string[] = [];
  const dbTables = Object.keys(database.tables).sort();
  const ormTables = Object.keys(drizzle.tables).sort();
  for (const name of dbTables) if (!drizzle.tables[name]) out.push(`table ${name}: in the database, missing from Drizzle`);
  for (const name of ormTables) if (!database.tables[name]) out.push(`table ${name}: in Drizzle, missing from the database`);

  for (const name of dbTables) {
    const db = database.tables[name];
    const orm = drizzle.tables[name];
    if (!db || !orm) continue;
    for (const column of Object.keys(db.columns).sort()) {
      const d = db.columns[column];
      const o = orm.columns[column];
      if (!d) continue;
      if (!o) {
        out.push(`column ${name}.${column}: in the database, missing from Drizzle`);
        continue;
      }
      if (d.type !== o.type) out.push(`column ${name}.${column}: type differs (database ${d.type}, Drizzle ${o.type})`);
      if (d.notNull !== o.notNull) {
        const label = (notNull: boolean) => (notNull ? "NOT NULL" : "nullable");
        out.push(`column ${name}.${column}: nullability differs (database ${label(d.notNull)}, Drizzle ${label(o.notNull)})`);
      }
      if (d.default !== o.default) {
        out.push(`column ${name}.${column}: default differs (database ${String(d.default)}, Drizzle ${String(o.default)})`);
      }
    }
    for (const column of Object.keys(orm.columns).sort()) {
      if (!db.columns[column]) out.push(`column ${name}.${column}: in Drizzle, missing from the database`);
    }
    const setDiff = (kind: string, dbItems: string[], ormItems: string[]) => {
      const dbSet = new Set(dbItems);
      const ormSet = new Set(ormItems);
      for (const item of [...dbSet].sort(CONSTRAINT_ORDER)) {
        if (!ormSet.has(item)) out.push(`${kind} on ${name}: "${item}" in the database, missing from Drizzle`);
      }
      for (const item of [...ormSet].sort(CONSTRAINT_ORDER)) {
        if (!dbSet.has(item)) out.push(`${kind} on ${name}: "${item}" in Drizzle, missing from the database`);
      }
    };
    setDiff("constraint", db.constraints, orm.constraints);
    setDiff("index", db.indexes, orm.indexes);
  }

  for (const name of Object.keys(database.enums).sort()) {
    const d = database.enums[name];
    const o = drizzle.enums[name];
    if (!o) out.push(`enum ${name}: in the database, missing from Drizzle`);
    else if (JSON.stringify(d) !== JSON.stringify(o)) {
      out.push(`enum ${name}: values differ (database ${JSON.stringify(d)}, Drizzle ${JSON.stringify(o)})`);
    }
  }
  for (const name of Object.keys(drizzle.enums).sort()) {
    if (!database.enums[name]) out.push(`enum ${name}: in Drizzle, missing from the database`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Database side: information_schema.columns plus pg_catalog for constraints, indexes and enums.

const UDT_TYPES: Record<string, string> = {
  int2: "smallint",
  int4: "integer",
  int8: "bigint",
  float4: "real",
  float8: "double precision",
  bool: "boolean",
  varchar: "varchar",
  bpchar: "char",
  text: "text",
  jsonb: "jsonb",
  json: "json",
  uuid: "uuid",
  numeric: "numeric",
  date: "date",
  timestamptz: "timestamp with time zone",
  timestamp: "timestamp",
};

const DELETE_ACTIONS: Record<string, string> = {
  a: "no action",
  r: "restrict",
  c: "cascade",
  n: "set null",
  d: "set default",
};

interface DbColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  character_maximum_length: number | null;
  datetime_precision: number | null;
  is_nullable: "YES" | "NO";
  column_default: string | null;
}

function dbColumnType(r: DbColumnRow, enums: Set<string>): string {
  const serial = r.column_default !== null && /^nextval\(/i.test(r.column_default);
  const precision = (p: number | null) => (p === null || p === 6 ? "" : ` (${p})`);
  switch (r.data_type) {
    case "character varying":
      return r.character_maximum_length === null ? "varchar" : `varchar(${r.character_maximum_length})`;
    case "USER-DEFINED":
      return enums.has(r.udt_name) ? `enum ${r.udt_name}` : r.udt_name;
    case "ARRAY": {
      const element = r.udt_name.replace(/^_/, "");
      return `${enums.has(element) ? `enum ${element}` : (UDT_TYPES[element] ?? element)}[]`;
    }
    case "bigint":
      return serial ? "bigserial" : "bigint";
    case "integer":
      return serial ? "serial" : "integer";
    case "timestamp with time zone":
      return `timestamp${precision(r.datetime_precision)} with time zone`;
    case "timestamp without time zone":
      return `timestamp${precision(r.datetime_precision)}`;
    default:
      return r.data_type;
  }
}

async function readDatabase(db: TestDatabase): Promise<SchemaShape> {
  const enumRows = await db.sql<{ name: string; label: string }[]>`
    SELECT t.typname AS name, e.enumlabel AS label
    FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    JOIN pg_enum e ON e.enumtypid = t.oid
    WHERE n.nspname = 'public'
    ORDER BY t.typname, e.enumsortorder`;
  const enums: Record<string, string[]> = {};
  for (const r of enumRows) (enums[r.name] ??= []).push(r.label);
  const enumNames = new Set(Object.keys(enums));

  const columnRows = await db.sql<DbColumnRow[]>`
    SELECT c.table_name, c.column_name, c.data_type, c.udt_name, c.character_maximum_length,
           c.datetime_precision, c.is_nullable, c.column_default
    FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
    WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
    ORDER BY c.table_name, c.ordinal_position`;

  const constraintRows = await db.sql<
    { table_name: string; name: string; type: string; columns: string | null; foreign_table: string | null; foreign_columns: string | null; on_delete: string }[]
  >`
    SELECT rel.relname AS table_name, con.conname AS name, con.contype::text AS type,
           (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
              FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
           frel.relname AS foreign_table,
           (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
              FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS foreign_columns,
           con.confdeltype::text AS on_delete
    FROM pg_constraint con
    JOIN pg_class rel ON rel.oid = con.conrelid
    JOIN pg_namespace n ON n.oid = rel.relnamespace
    LEFT JOIN pg_class frel ON frel.oid = con.confrelid
    WHERE n.nspname = 'public' AND con.contype IN ('p', 'u', 'f', 'c')`;

  // Indexes that do not merely back a PRIMARY KEY / UNIQUE / EXCLUDE constraint.
  const indexRows = await db.sql<{ table_name: string; name: string; is_unique: boolean; method: string; partial: boolean }[]>`
    SELECT t.relname AS table_name, i.relname AS name, ix.indisunique AS is_unique, am.amname AS method,
           ix.indpred IS NOT NULL AS partial
    FROM pg_index ix
    JOIN pg_class i ON i.oid = ix.indexrelid
    JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    JOIN pg_am am ON am.oid = i.relam
    WHERE n.nspname = 'public'
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid AND c.contype IN ('p', 'u', 'x'))`;

  const tables: Record<string, TableShape> = {};
  const table = (name: string) => (tables[name] ??= { columns: {}, constraints: [], indexes: [] });
  for (const r of columnRows) {
    if (IGNORED_TABLES.has(r.table_name)) continue;
    const type = dbColumnType(r, enumNames);
    table(r.table_name).columns[r.column_name] = {
      type,
      notNull: r.is_nullable === "NO",
      default: r.column_default === null ? null : normalizeDefault(r.column_default, type),
    };
  }
  for (const r of constraintRows) {
    if (IGNORED_TABLES.has(r.table_name)) continue;
    const describe = describeConstraint(r.type, r.name, r.columns ?? "", r.foreign_table, r.foreign_columns, DELETE_ACTIONS[r.on_delete]);
    table(r.table_name).constraints.push(describe);
  }
  for (const r of indexRows) {
    if (IGNORED_TABLES.has(r.table_name)) continue;
    table(r.table_name).indexes.push(describeIndex(r.name, r.is_unique, r.method, r.partial));
  }
  return { tables, enums };
}

function describeConstraint(
  type: string,
  name: string,
  columns: string,
  foreignTable: string | null,
  foreignColumns: string | null,
  onDelete: string | undefined,
): string {
  switch (type) {
    case "p":
      return `PRIMARY KEY (${columns})`; // names differ legitimately (Drizzle's column-level PK has none)
    case "u":
      return `UNIQUE ${name} (${columns})`;
    case "f":
      return `FOREIGN KEY (${columns}) REFERENCES ${foreignTable} (${foreignColumns}) ON DELETE ${onDelete ?? "?"}`;
    case "c":
      return `CHECK ${name}`;
    default:
      return `${type} ${name}`;
  }
}

function describeIndex(name: string, unique: boolean, method: string, partial: boolean): string {
  return [name, unique ? "unique" : null, method, partial ? "partial" : null].filter(Boolean).join(" ");
}

// ---------------------------------------------------------------------------------------------
// Drizzle side: getTableConfig over every exported table, every exported pgEnum.

const dialect = new PgDialect();

function ormColumnType(column: PgColumn, enums: Set<string>): string {
  let base = column.getSQLType().trim().replace(/\s+/g, " ");
  let dims = "";
  while (/\[\d*\]$/.test(base)) {
    base = base.replace(/\[\d*\]$/, "");
    dims += "[]";
  }
  base = base.replace(/^timestamp \(6\)/, "timestamp");
  if (enums.has(base)) base = `enum ${base}`;
  return base + dims;
}

function ormDefault(column: PgColumn, type: string): string | null {
  if (type === "bigserial" || type === "serial" || type === "smallserial") return SERIAL_DEFAULT;
  const value: unknown = column.default;
  if (value === undefined) return column.defaultFn || column.onUpdateFn ? "<evaluated in JavaScript>" : null;
  if (value === null) return "null";
  if (is(value, SQL)) return normalizeDefault(dialect.sqlToQuery(value).sql, type);
  if (type === "jsonb" || type === "json") return JSON.stringify(value);
  if (Array.isArray(value)) return `{${value.map(String).join(",")}}`;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function columnNames(columns: readonly PgColumn[]): string {
  return columns.map((c) => c.name).join(",");
}

function readDrizzle(tables: readonly PgTable[], enumList: readonly { enumName: string; enumValues: string[] }[]): SchemaShape {
  const enums: Record<string, string[]> = {};
  for (const e of enumList) enums[e.enumName] = [...e.enumValues];
  const enumNames = new Set(Object.keys(enums));

  const out: Record<string, TableShape> = {};
  for (const table of tables) {
    const config = getTableConfig(table);
    if (config.schema && config.schema !== "public") continue;
    const shape: TableShape = { columns: {}, constraints: [], indexes: [] };
    for (const column of config.columns) {
      const type = ormColumnType(column, enumNames);
      shape.columns[column.name] = { type, notNull: column.notNull, default: ormDefault(column, type) };
      if (column.primary) shape.constraints.push(`PRIMARY KEY (${column.name})`);
      if (column.isUnique) shape.constraints.push(`UNIQUE ${column.uniqueName ?? "?"} (${column.name})`);
    }
    for (const pk of config.primaryKeys) shape.constraints.push(`PRIMARY KEY (${columnNames(pk.columns)})`);
    for (const uc of config.uniqueConstraints) shape.constraints.push(`UNIQUE ${uc.getName() ?? "?"} (${columnNames(uc.columns)})`);
    for (const fk of config.foreignKeys) {
      const ref = fk.reference();
      const foreignTable = getTableConfig(ref.foreignTable).name;
      shape.constraints.push(
        `FOREIGN KEY (${columnNames(ref.columns)}) REFERENCES ${foreignTable} (${columnNames(ref.foreignColumns)}) ON DELETE ${fk.onDelete ?? "no action"}`,
      );
    }
    for (const check of config.checks) shape.constraints.push(`CHECK ${check.name}`);
    for (const index of config.indexes) {
      const c = index.config;
      shape.indexes.push(describeIndex(c.name ?? "<unnamed>", c.unique, c.method ?? "btree", c.where !== undefined));
    }
    if (out[config.name]) throw new Error(`two Drizzle tables are named ${config.name}`);
    out[config.name] = shape;
  }
  return { tables: out, enums };
}

const exported = Object.values(schema) as unknown[];
const drizzleTables = exported.filter((v): v is PgTable => is(v, PgTable));
const drizzleEnums = exported.filter(isPgEnum);

// ---------------------------------------------------------------------------------------------

let t: TestDatabase;
let database: SchemaShape;
beforeAll(async () => {
  t = await createTestDatabase();
  database = await readDatabase(t);
});
afterAll(async () => {
  await t.close();
});

describe("Drizzle schema vs the migrated database", () => {
  test("the Drizzle schema mirrors every table, column, type, nullability, default, constraint, index and enum", () => {
    // Guard against a vacuous pass: both sides must actually have been read.
    expect(Object.keys(database.tables).length).toBeGreaterThanOrEqual(29);
    expect(database.tables.schema_migrations).toBeUndefined();
    const drizzle = readDrizzle(drizzleTables, drizzleEnums);
    expect(Object.keys(drizzle.tables).length).toBe(drizzleTables.length);
    expect(Object.keys(drizzle.enums).length).toBeGreaterThanOrEqual(9);

    const differences = diffSchemas(database, drizzle);
    if (differences.length > 0) console.error(`Drizzle schema drift:\n  ${differences.join("\n  ")}`);
    expect(differences).toEqual([]);
  });

  test("the comparison reports an altered database snapshot, naming table and column", () => {
    const drizzle = readDrizzle(drizzleTables, drizzleEnums);
    const altered = structuredClone(database);
    const users = altered.tables.users!;
    users.columns.nickname = { type: "varchar(40)", notNull: false, default: null };
    users.columns.email!.notNull = false;
    altered.tables.sessions!.columns.token_hash!.type = "varchar(65)";
    altered.tables.posts!.columns.likes_count!.default = "1";
    delete altered.tables.reposts!.columns.comment;
    altered.tables.post_tags!.constraints = altered.tables.post_tags!.constraints.filter((c) => !c.startsWith("PRIMARY KEY"));
    altered.tables.comments!.indexes.push("comments_extra_idx btree");
    altered.tables.audit_log = { columns: { id: { type: "bigserial", notNull: true, default: SERIAL_DEFAULT } }, constraints: [], indexes: [] };
    delete altered.tables.user_mutes;
    altered.enums.post_status = [...altered.enums.post_status!, "archived"];

    const differences = diffSchemas(altered, drizzle);
    expect(differences).toEqual(
      expect.arrayContaining([
        "table audit_log: in the database, missing from Drizzle",
        "table user_mutes: in Drizzle, missing from the database",
        "column users.nickname: in the database, missing from Drizzle",
        "column users.email: nullability differs (database nullable, Drizzle NOT NULL)",
        "column sessions.token_hash: type differs (database varchar(65), Drizzle varchar(64))",
        "column posts.likes_count: default differs (database 1, Drizzle 0)",
        "column reposts.comment: in Drizzle, missing from the database",
        'constraint on post_tags: "PRIMARY KEY (post_id,tag)" in Drizzle, missing from the database',
        'index on comments: "comments_extra_idx btree" in the database, missing from Drizzle',
        'enum post_status: values differ (database ["draft","published","scheduled","deleted","archived"], Drizzle ["draft","published","scheduled","deleted"])',
      ]),
    );
    expect(differences.length).toBe(10);
  });

  test("the comparison reports an altered Drizzle table (the extraction side can fail too)", () => {
    // A drifted copy of `sessions`: a wrong length, a lost NOT NULL, a column the SQL lacks, a
    // missing column (ip_address), no foreign key, no check and a missing index.
    const drifted = pgTable(
      "sessions",
      {
        id: bigserial("id", { mode: "number" }).primaryKey(),
        userId: bigint("user_id", { mode: "number" }).notNull(),
        tokenHash: varchar("token_hash", { length: 128 }).notNull().unique("sessions_token_hash_key"),
        createdAt: timestamp("created_at", { withTimezone: true, mode: "string" }).notNull().defaultNow(),
        expiresAt: timestamp("expires_at", { withTimezone: true, mode: "string" }),
        lastSeenAt: timestamp("last_seen_at", { withTimezone: true, mode: "string" }).notNull().defaultNow(),
        revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "string" }),
        userAgent: varchar("user_agent", { length: 500 }),
        device: varchar("device", { length: 100 }),
      },
      (s) => [index("sessions_user_active_idx").on(s.userId).where(sql`${s.revokedAt} IS NULL`)],
    );
    const tables = drizzleTables.map((table) => (getTableConfig(table).name === "sessions" ? drifted : table));
    const differences = diffSchemas(database, readDrizzle(tables, drizzleEnums));
    expect(differences).toEqual([
      "column sessions.expires_at: nullability differs (database NOT NULL, Drizzle nullable)",
      "column sessions.ip_address: in the database, missing from Drizzle",
      "column sessions.token_hash: type differs (database varchar(64), Drizzle varchar(128))",
      "column sessions.device: in Drizzle, missing from the database",
      'constraint on sessions: "CHECK sessions_token_hash_format" in the database, missing from Drizzle',
      'constraint on sessions: "FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE cascade" in the database, missing from Drizzle',
      'index on sessions: "sessions_expires_idx btree" in the database, missing from Drizzle',
    ]);
  });
});
