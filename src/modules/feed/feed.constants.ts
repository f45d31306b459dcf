// Custom-feed filter enums (PostgreSQL enums filter_type and filter_operator, same order).
// Dependency-free: feed.schema.ts imports them, and src/client.ts re-exports them to frontends.

export const FILTER_TYPES = ["post_type", "author", "tag", "date_range", "engagement"] as const;
export type FilterType = (typeof FILTER_TYPES)[number];

export const FILTER_OPERATORS = ["equals", "not_equals", "contains", "greater_than", "less_than", "in_range"] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];
