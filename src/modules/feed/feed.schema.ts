// The custom-feed algorithm config: validated per filter type (which operators fit which type,
// value shapes, bounds) before it is stored or compiled. Shared by custom feeds and `feed` profile
// sections, so both accept exactly the same filters.
import { z } from "zod";
import { fitsTimestamptz } from "../../lib/input-safety";
import { idSchema, paginationShape } from "../../lib/pagination";

import { POST_TYPES } from "../post/post.constants";
import { FILTER_TYPES } from "./feed.constants";

export { POST_TYPES };
export const postTypeSchema = z.enum(POST_TYPES);

export const MAX_FILTERS = 20;
const MAX_LIST_VALUES = 100;

export const tagValueSchema = z
  .string()
  .trim()
  .transform((t) => t.replace(/^#/, "").toLowerCase())
  .pipe(z.string().regex(/^[\p{L}\p{N}_]{1,64}$/u, "A tag is 1–64 letters, digits or underscores"));

/** An author: a user id, or the viewer-relative sets `friends` / `following`. */
const authorValueSchema = z.union([idSchema, z.enum(["friends", "following"])]);

/** Stored in the config and cast to timestamptz at every execution: must fit it (year ≥ 1, offset ≤ ±15:59). */
const isoDate = z.iso.datetime({ offset: true }).or(z.iso.date()).refine(fitsTimestamptz, "Date out of range");
const relativeDays = z.object({ lastDays: z.number().int().min(1).max(3650) }).strict();
const dateBound = z.union([isoDate, relativeDays]);

const metricSchema = z.enum(["likes", "comments", "reposts", "total"]);
const count = z.number().int().min(0).max(1_000_000_000);

const common = {
  groupId: z.number().int().min(0).max(MAX_FILTERS - 1).default(0),
  logicalOperator: z.enum(["AND", "OR", "NOT"]).default("AND"),
};

const postTypeFilter = z.discriminatedUnion("operator", [
  z.object({ type: z.literal("post_type"), operator: z.enum(["equals", "not_equals"]), value: postTypeSchema, ...common }).strict(),
  z.object({ type: z.literal("post_type"), operator: z.literal("contains"), value: z.array(postTypeSchema).min(1).max(POST_TYPES.length), ...common }).strict(),
]);

const authorFilter = z.discriminatedUnion("operator", [
  z.object({ type: z.literal("author"), operator: z.enum(["equals", "not_equals"]), value: authorValueSchema, ...common }).strict(),
  z.object({ type: z.literal("author"), operator: z.literal("contains"), value: z.array(authorValueSchema).min(1).max(MAX_LIST_VALUES), ...common }).strict(),
]);

const tagFilter = z.discriminatedUnion("operator", [
  z.object({ type: z.literal("tag"), operator: z.enum(["equals", "not_equals"]), value: tagValueSchema, ...common }).strict(),
  z.object({ type: z.literal("tag"), operator: z.literal("contains"), value: z.array(tagValueSchema).min(1).max(MAX_LIST_VALUES), ...common }).strict(),
]);

const dateRangeFilter = z.discriminatedUnion("operator", [
  z.object({
    type: z.literal("date_range"),
    operator: z.literal("in_range"),
    value: z
      .object({ start: dateBound.optional(), end: dateBound.optional() })
      .strict()
      .refine((v) => v.start !== undefined || v.end !== undefined, "A range needs a start or an end"),
    ...common,
  }).strict(),
  z.object({ type: z.literal("date_range"), operator: z.enum(["greater_than", "less_than"]), value: dateBound, ...common }).strict(),
]);

const engagementFilter = z.discriminatedUnion("operator", [
  z.object({
    type: z.literal("engagement"),
    operator: z.enum(["greater_than", "less_than", "equals"]),
    value: z.object({ metric: metricSchema.default("likes"), value: count }).strict(),
    ...common,
  }).strict(),
  z.object({
    type: z.literal("engagement"),
    operator: z.literal("in_range"),
    value: z
      .object({ metric: metricSchema.default("likes"), min: count, max: count })
      .strict()
      .refine((v) => v.min <= v.max, "min must not exceed max"),
    ...common,
  }).strict(),
]);

const OPERATORS_BY_TYPE: Record<(typeof FILTER_TYPES)[number], string[]> = {
  post_type: ["equals", "not_equals", "contains"],
  author: ["equals", "not_equals", "contains"],
  tag: ["equals", "not_equals", "contains"],
  date_range: ["in_range", "greater_than", "less_than"],
  engagement: ["greater_than", "less_than", "equals", "in_range"],
};

/** Checks type and operator first, so the error names the real problem ("operator X does not fit type Y"). */
export const filterBlockSchema = z
  .object({ type: z.enum(FILTER_TYPES), operator: z.string() })
  .passthrough()
  .superRefine((f, ctx) => {
    if (!OPERATORS_BY_TYPE[f.type].includes(f.operator)) {
      ctx.addIssue({
        code: "custom",
        path: ["operator"],
        message: `Operator "${f.operator}" does not fit filter type "${f.type}" (allowed: ${OPERATORS_BY_TYPE[f.type].join(", ")})`,
      });
    }
  })
  // Discriminated by type (each option by operator), so an issue names its field (value,
  // logicalOperator…) instead of a plain union's "filters.N: Invalid input".
  .pipe(z.discriminatedUnion("type", [postTypeFilter, authorFilter, tagFilter, dateRangeFilter, engagementFilter]));

export type FilterBlock = z.infer<typeof filterBlockSchema>;

export const algorithmConfigSchema = z
  .object({
    filters: z.array(filterBlockSchema).min(1, "A feed needs at least one filter").max(MAX_FILTERS, `At most ${MAX_FILTERS} filters`),
    logic: z.enum(["AND", "OR"]).default("AND"),
    sort: z.enum(["recent", "popular", "engagement"]).default("recent"),
    limit: z.number().int().min(1).max(100).optional(),
  })
  .strict();

export type AlgorithmConfig = z.infer<typeof algorithmConfigSchema>;

const feedName = z.string().trim().min(1, "A feed needs a name").max(100);
const feedDescription = z.string().trim().max(2000).nullable();

export const createFeedInput = z
  .object({ name: feedName, description: feedDescription.optional(), algorithmConfig: algorithmConfigSchema, isDefault: z.boolean().optional() })
  .strict();
export const updateFeedInput = z
  .object({
    feedId: idSchema,
    name: feedName.optional(),
    description: feedDescription.optional(),
    algorithmConfig: algorithmConfigSchema.optional(),
    isDefault: z.boolean().optional(),
  })
  .strict();
export const feedIdInput = z.object({ feedId: idSchema }).strict();
export const reorderFeedsInput = z
  .object({ feedIds: z.array(idSchema).min(1).max(50) })
  .strict()
  .refine((v) => new Set(v.feedIds).size === v.feedIds.length, { message: "Duplicate feed ids", path: ["feedIds"] });
export const executeFeedInput = z.object({ feedId: idSchema, ...paginationShape }).strict();
/** Inputs whose fields are all optional may be omitted altogether (`.prefault({})`: no input parses as {}). */
export const homeFeedInput = z.object(paginationShape).strict().prefault({});
export const discoverFeedInput = z.object({ ...paginationShape, window: z.enum(["24h", "7d", "30d"]).default("7d") }).strict().prefault({});
