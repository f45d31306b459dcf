import { z } from "zod";
import { idSchema, paginationShape } from "../../lib/pagination";

export const MAX_LISTS_PER_USER = 100;
export const MAX_MEMBERS_PER_LIST = 1_000;

const name = z.string().trim().min(1, "A list needs a name").max(100);
const description = z.string().trim().max(2000).nullable();

export const createListInput = z.object({ name, description: description.optional(), isPublic: z.boolean().default(true) }).strict();
export const updateListInput = z
  .object({ listId: idSchema, name: name.optional(), description: description.optional(), isPublic: z.boolean().optional() })
  .strict();
export const listIdInput = z.object({ listId: idSchema }).strict();
export const listMemberInput = z.object({ listId: idSchema, userId: idSchema }).strict();
export const listPostsInput = z.object({ listId: idSchema, ...paginationShape }).strict();
export const myListsInput = z.object(paginationShape).strict().prefault({});
