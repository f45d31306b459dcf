// What feed procedures answer. Timelines are pages of post.output.ts's timeline item; a feed's
// filters are typed by the same discriminated union that validates them.
import { z } from "zod";
import { outDate, outId } from "../common/common.output";
import { algorithmConfigSchema } from "./feed.schema";

export const feedSchema = z.object({
  id: outId,
  name: z.string(),
  description: z.string().nullable(),
  algorithmConfig: algorithmConfigSchema,
  isDefault: z.boolean(),
  displayOrder: z.number().int(),
  createdAt: outDate,
  updatedAt: outDate,
});
export const feedListSchema = z.array(feedSchema);
