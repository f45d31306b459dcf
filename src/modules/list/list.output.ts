// What list procedures answer (list.posts: a timeline page, post.output.ts).
import { z } from "zod";
import { outDate, outId, pageOf, userRefSchema } from "../common/common.output";

export const listSchema = z.object({
  id: outId,
  name: z.string(),
  description: z.string().nullable(),
  isPublic: z.boolean(),
  memberCount: z.number().int(),
  owner: z.object({ id: outId, username: z.string() }),
  createdAt: outDate,
  updatedAt: outDate,
});
/** list.get: the list and (up to 200 of) its members the viewer may see. */
export const listWithMembersSchema = listSchema.extend({ members: z.array(userRefSchema) });
export const listPageSchema = pageOf(listSchema);
