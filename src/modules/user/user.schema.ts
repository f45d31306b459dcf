import { z } from "zod";
import { paginationShape } from "../../lib/pagination";
import { usernameSchema } from "../auth/auth.schema";

import { layoutConfigIssues } from "../section/section-config.schema";
import { SECTION_TYPES } from "./user.constants";
export const sectionTypeSchema = z.enum(SECTION_TYPES);

export const hexColor = z.string().regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/, "Expected a hex colour like #1a2b3c");

/** An absolute http(s) URL (no javascript:, data:, relative paths), at most `max` characters. */
export function webUrl(max = 500, protocols: string[] = ["http:", "https:"]) {
  return z
    .string()
    .trim()
    .max(max)
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `Expected an ${protocols.map((p) => p.replace(":", "")).join(" or ")} URL`);
}

const nullableText = (max: number) => z.string().trim().max(max).nullable().transform((v) => (v === "" ? null : v));

export const getUserInput = z.object({ username: usernameSchema }).strict();
export const searchUsersInput = z.object({ query: z.string().trim().min(1).max(50), ...paginationShape }).strict();

export const updateProfileInput = z
  .object({
    displayName: nullableText(100),
    bio: nullableText(2000),
    age: z.number().int().min(13, "Age must be 13–120").max(120, "Age must be 13–120").nullable(),
    location: nullableText(100),
    website: webUrl(500).nullable(),
    visibility: z.enum(["public", "followers", "private"]),
    /** true/false: the owner's choice; null: by visibility (on for followers and private). */
    requiresFollowApproval: z.boolean().nullable(),
  })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, "Nothing to update")
  .prefault({});

export const updateBackgroundInput = z.discriminatedUnion("type", [
  z.object({ type: z.literal("color"), value: hexColor, position: z.enum(["center", "top", "bottom", "cover"]).optional() }).strict(),
  // The URL of one of the caller's own uploads (checked by the router); http allowed for the local store.
  z.object({ type: z.enum(["image", "video"]), value: webUrl(500), position: z.enum(["center", "top", "bottom", "cover"]).optional() }).strict(),
]);

export const updateMusicInput = z
  .object({ url: webUrl(500), autoplay: z.boolean().default(false), volume: z.number().int().min(0).max(100).default(50) })
  .strict()
  .nullable();

export const updateStyleInput = z
  .object({
    font: z.string().trim().max(100).regex(/^[\p{L}\p{N} ,'"_-]*$/u, "Font names are letters, digits, spaces, commas, quotes and dashes").optional(),
    primaryColor: hexColor.optional(),
    secondaryColor: hexColor.optional(),
    accentColor: hexColor.optional(),
    customCSS: z.string().optional(),
  })
  .strict();

export const updateLayoutInput = z
  .object({
    sections: z
      .array(
        z
          .object({
            id: z.string().min(1).max(64),
            type: sectionTypeSchema,
            order: z.number().int().min(0).max(1000),
            config: z.record(z.string(), z.unknown()).default({}),
          })
          .strict()
          // Per type, like section configs (section-config.schema.ts): known keys, valid values.
          .superRefine((entry, ctx) => {
            for (const issue of layoutConfigIssues(entry.type, entry.config)) {
              ctx.addIssue({ code: "custom", path: ["config", ...issue.path], message: issue.message });
            }
          }),
      )
      .max(50, "At most 50 sections")
      .refine((s) => new Set(s.map((x) => x.id)).size === s.length, "Section ids must be unique"),
  })
  .strict()
  .refine((v) => JSON.stringify(v).length <= 20_000, "Layout is too large");

export const deleteUserInput = z.object({ password: z.string().min(1).max(256) }).strict();
