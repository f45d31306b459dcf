// Compiles a validated algorithm config into ONE parameterized SQL condition over `posts p`.
// Every value is a bound parameter; every identifier (column, metric) comes from the allow-lists
// below; nothing from the config is ever spliced into SQL text.
//
// Semantics: filters are grouped by groupId (ascending). Inside a group they are folded left to
// right: the first filter starts the group (NOT on it negates it), each next filter joins with its
// own logicalOperator (AND, OR, or NOT meaning "AND NOT"). Groups then combine with config.logic.
import { sql, type SQL } from "drizzle-orm";
import type { AlgorithmConfig, FilterBlock } from "./feed.schema";

/** Engagement metrics → fixed SQL expressions (the allow-list). */
const METRIC: Record<"likes" | "comments" | "reposts" | "total", SQL> = {
  likes: sql`p.likes_count`,
  comments: sql`p.comments_count`,
  reposts: sql`p.reposts_count`,
  total: sql`(p.likes_count + p.comments_count + p.reposts_count)`,
};

function list(values: readonly (string | number)[]): SQL {
  return sql.join(values.map((v) => sql`${v}`), sql`, `);
}

/**
 * Author sets compile to `p.user_id IN (subquery)`, never to a correlated EXISTS with an OR: the
 * planner can then drive from the (small) author set through posts' per-author index.
 */
function authorCondition(ownerId: string, value: string): SQL {
  if (value === "friends") {
    return sql`p.user_id IN (SELECT fr.user_id_2 FROM friendships fr WHERE fr.user_id_1 = ${ownerId}
                             UNION ALL SELECT fr.user_id_1 FROM friendships fr WHERE fr.user_id_2 = ${ownerId})`;
  }
  if (value === "following") {
    return sql`p.user_id IN (SELECT fo.following_id FROM user_follows fo WHERE fo.follower_id = ${ownerId})`;
  }
  return sql`p.user_id = ${value}`;
}

/** A date bound: ISO date/time, or { lastDays } relative to now. */
function dateBound(bound: string | { lastDays: number }): SQL {
  return typeof bound === "string" ? sql`${bound}::timestamptz` : sql`NOW() - make_interval(days => ${bound.lastDays})`;
}

export function compileFilter(f: FilterBlock, ownerId: string): SQL {
  switch (f.type) {
    case "post_type":
      if (f.operator === "contains") return sql`p.type IN (${list(f.value)})`;
      return f.operator === "equals" ? sql`p.type = ${f.value}` : sql`p.type <> ${f.value}`;
    case "author": {
      if (f.operator === "contains") return sql`(${sql.join(f.value.map((v) => authorCondition(ownerId, v)), sql` OR `)})`;
      const one = authorCondition(ownerId, f.value);
      return f.operator === "equals" ? one : sql`NOT (${one})`;
    }
    case "tag": {
      if (f.operator === "contains") {
        return sql`EXISTS (SELECT 1 FROM post_tags t WHERE t.post_id = p.id AND t.tag IN (${list(f.value)}))`;
      }
      const has = sql`EXISTS (SELECT 1 FROM post_tags t WHERE t.post_id = p.id AND t.tag = ${f.value})`;
      return f.operator === "equals" ? has : sql`NOT ${has}`;
    }
    case "date_range": {
      if (f.operator === "in_range") {
        const parts: SQL[] = [];
        if (f.value.start !== undefined) parts.push(sql`p.published_at >= ${dateBound(f.value.start)}`);
        if (f.value.end !== undefined) parts.push(sql`p.published_at <= ${dateBound(f.value.end)}`);
        return sql`(${sql.join(parts, sql` AND `)})`;
      }
      return f.operator === "greater_than" ? sql`p.published_at > ${dateBound(f.value)}` : sql`p.published_at < ${dateBound(f.value)}`;
    }
    case "engagement": {
      const metric = METRIC[f.value.metric];
      if (f.operator === "in_range") return sql`${metric} BETWEEN ${f.value.min} AND ${f.value.max}`;
      if (f.operator === "greater_than") return sql`${metric} > ${f.value.value}`;
      if (f.operator === "less_than") return sql`${metric} < ${f.value.value}`;
      return sql`${metric} = ${f.value.value}`;
    }
  }
}

export function compileFilters(config: AlgorithmConfig, ownerId: string): SQL {
  const groups = new Map<number, FilterBlock[]>();
  for (const f of config.filters) groups.set(f.groupId, [...(groups.get(f.groupId) ?? []), f]);
  const compiled = [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, filters]) => {
      let expr: SQL | null = null;
      for (const f of filters) {
        const cond = compileFilter(f, ownerId);
        if (expr === null) expr = f.logicalOperator === "NOT" ? sql`NOT (${cond})` : sql`(${cond})`;
        else if (f.logicalOperator === "OR") expr = sql`(${expr} OR (${cond}))`;
        else if (f.logicalOperator === "NOT") expr = sql`(${expr} AND NOT (${cond}))`;
        else expr = sql`(${expr} AND (${cond}))`;
      }
      return expr!;
    });
  return sql`(${sql.join(compiled, config.logic === "OR" ? sql` OR ` : sql` AND `)})`;
}

/** Only these expressions can order a custom feed; each pages by its own keyset. */
export interface SortPlan {
  /** The expression paged on (with p.id as the tie-break). */
  key: SQL;
  /** How the key travels in a cursor. */
  cast: "timestamptz" | "float8" | "int4";
}

/** Engagement sorts rank posts of this many recent days (a decayed score needs a bounded set). */
export const ENGAGEMENT_WINDOW_DAYS = 7;

/**
 * Sort plans. `recent` walks posts_published_created_idx and `popular` posts_published_likes_idx.
 * `engagement` = (likes + 2·comments + 3·reposts + 1) / (hours since publication + 2)^1.5, a
 * Hacker-News-style decay over the last ENGAGEMENT_WINDOW_DAYS, computed against a reference time
 * fixed by the first page and carried in the cursor, so scores (and pages) do not shift while
 * someone scrolls.
 */
export function sortPlan(sort: AlgorithmConfig["sort"], referenceTime: string): SortPlan {
  switch (sort) {
    case "recent":
      return { key: sql`p.created_at`, cast: "timestamptz" };
    case "popular":
      return { key: sql`p.likes_count`, cast: "int4" };
    case "engagement":
      return {
        key: sql`((p.likes_count + 2 * p.comments_count + 3 * p.reposts_count + 1)::float8
          / power(GREATEST(EXTRACT(EPOCH FROM (${referenceTime}::timestamptz - p.published_at)) / 3600.0, 0) + 2, 1.5))`,
        cast: "float8",
      };
  }
}
