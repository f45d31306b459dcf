// Config schemas per section type, dependency-light (no user.schema import) so that both profile
// sections (section.schema.ts) and user.updateLayout (user.schema.ts) validate configs with them.
import { z } from "zod";
import { idSchema } from "../../lib/pagination";
import { algorithmConfigSchema } from "../feed/feed.schema";
import { SECTION_TYPES, type SectionType } from "../user/user.constants";

const limit = z.number().int().min(1).max(50).default(10);

/** Config per section type; a `feed` section uses exactly the custom-feed filter schema. */
export const sectionConfigSchemas = {
  feed: algorithmConfigSchema.safeExtend({ layout: z.enum(["grid", "list"]).default("list") }),
  gallery: z.object({ columns: z.number().int().min(1).max(6).default(3), showCaptions: z.boolean().default(false) }).strict(),
  links: z.object({ style: z.enum(["buttons", "list"]).default("list") }).strict(),
  static_text: z.object({ align: z.enum(["left", "center", "right"]).default("left") }).strict(),
  static_image: z.object({ fit: z.enum(["cover", "contain"]).default("cover") }).strict(),
  video: z.object({ autoplay: z.boolean().default(false) }).strict(),
  reposts: z.object({ limit }).strict(),
  friends: z.object({ limit }).strict(),
  followers: z.object({ limit }).strict(),
  following: z.object({ limit }).strict(),
  list: z.object({ listId: idSchema, limit }).strict(),
} satisfies Record<SectionType, z.ZodType>;

/**
 * A layout entry's config (user.updateLayout): the keys of its type's section config, each valid,
 * all optional (a layout names what it overrides; nothing else is accepted).
 */
export const layoutConfigSchemas = Object.fromEntries(
  SECTION_TYPES.map((type) => [type, sectionConfigSchemas[type].partial()]),
) as unknown as Record<SectionType, z.ZodType>;

/** The issues of `config` against its type's layout schema, as [field path, message] (path from the config). */
export function layoutConfigIssues(type: SectionType, config: unknown): { path: (string | number)[]; message: string }[] {
  const result = layoutConfigSchemas[type].safeParse(config);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    // Unknown keys name the key itself (config.foo), like unknown input keys do (see trpc/init.ts).
    path: issue.code === "unrecognized_keys" ? [...issue.path.map(String), issue.keys.join(",")] : issue.path.map(String),
    message: issue.message,
  }));
}
