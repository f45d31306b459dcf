import { z } from "zod";
import { AppError } from "../../lib/errors";
import { idSchema, paginationShape } from "../../lib/pagination";
import { usernameSchema } from "../auth/auth.schema";
import { sectionTypeSchema, webUrl } from "../user/user.schema";
import { sectionConfigSchemas } from "./section-config.schema";

export { sectionConfigSchemas };

export const MAX_SECTIONS_PER_USER = 50;
export const MAX_ITEMS_PER_SECTION = 100;

export type SectionType = z.infer<typeof sectionTypeSchema>;

const title = z.string().trim().min(1, "Title is required").max(100);
const description = z.string().trim().max(2000).nullable();
const displayOrder = z.number().int().min(0).max(10_000);

export const listSectionsInput = z.object({ username: usernameSchema }).strict();

export const createSectionInput = z
  .object({
    type: sectionTypeSchema,
    title,
    description: description.optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    displayOrder: displayOrder.optional(),
    isVisible: z.boolean().optional(),
  })
  .strict();

export const updateSectionInput = z
  .object({
    sectionId: idSchema,
    title: title.optional(),
    description: description.optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    displayOrder: displayOrder.optional(),
    isVisible: z.boolean().optional(),
  })
  .strict();

export const sectionIdInput = z.object({ sectionId: idSchema }).strict();
/** section.feed: a page of a `feed` section's posts. */
export const sectionFeedInput = z.object({ sectionId: idSchema, ...paginationShape }).strict();
export const reorderSectionsInput = z
  .object({ sectionIds: z.array(idSchema).min(1).max(MAX_SECTIONS_PER_USER) })
  .strict()
  .refine((v) => new Set(v.sectionIds).size === v.sectionIds.length, { message: "Duplicate section ids", path: ["sectionIds"] });

const contentFields = {
  title: z.string().trim().max(200).nullable().optional(),
  content: z.string().max(10_000).nullable().optional(),
  url: webUrl(500).nullable().optional(),
  displayOrder: displayOrder.optional(),
};
export const addContentInput = z
  .object({ sectionId: idSchema, contentType: z.enum(["text", "link", "image", "embed"]), ...contentFields })
  .strict()
  .superRefine((v, ctx) => {
    if (v.contentType === "text" && !v.content?.trim()) ctx.addIssue({ code: "custom", path: ["content"], message: "A text item needs content" });
    if (v.contentType !== "text" && !v.url) ctx.addIssue({ code: "custom", path: ["url"], message: `A ${v.contentType} item needs a url` });
  });
export const updateContentInput = z.object({ contentId: idSchema, ...contentFields }).strict();
export const contentIdInput = z.object({ contentId: idSchema }).strict();

/** Validates a config against its section type; the error names the config field at fault. */
export function parseSectionConfig(type: SectionType, config: unknown): Record<string, unknown> {
  const result = sectionConfigSchemas[type].safeParse(config ?? {});
  if (result.success) return result.data as Record<string, unknown>;
  const issue = result.error.issues[0]!;
  // Unknown keys name the key itself (config.foo), like unknown input keys do (see trpc/init.ts).
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys.join(",")] : issue.path;
  const field = ["config", ...path.map(String)].join(".");
  throw new AppError("BAD_REQUEST", `${field}: ${issue.message}`, { field, appCode: "INVALID_SECTION_CONFIG" });
}
