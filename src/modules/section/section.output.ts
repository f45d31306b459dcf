// What section procedures answer: a section's `config` is typed by its type's own config schema
// (section.schema.ts), so a section is a union discriminated by `type`.
import { z } from "zod";
import { outDate, outId } from "../common/common.output";
import { sectionConfigSchemas, type SectionType } from "./section.schema";

export const sectionContentSchema = z.object({
  id: outId,
  contentType: z.enum(["text", "link", "image", "embed"]),
  title: z.string().nullable(),
  content: z.string().nullable(),
  url: z.string().nullable(),
  displayOrder: z.number().int(),
});

function sectionOf<T extends SectionType>(type: T) {
  return z.object({
    id: outId,
    type: z.literal(type),
    title: z.string(),
    description: z.string().nullable(),
    config: sectionConfigSchemas[type],
    displayOrder: z.number().int(),
    isVisible: z.boolean(),
    createdAt: outDate,
    updatedAt: outDate,
    items: z.array(sectionContentSchema),
  });
}

export const sectionSchema = z.discriminatedUnion("type", [
  sectionOf("feed"), sectionOf("gallery"), sectionOf("links"), sectionOf("static_text"), sectionOf("static_image"),
  sectionOf("video"), sectionOf("reposts"), sectionOf("friends"), sectionOf("followers"), sectionOf("following"), sectionOf("list"),
]);
export const sectionListSchema = z.array(sectionSchema);
export const reorderedSectionsSchema = z.object({ sectionIds: z.array(outId) });
/** What section.service builds: the wire shape before parsing (config as stored). */
export type SectionWire = z.input<typeof sectionSchema>;
