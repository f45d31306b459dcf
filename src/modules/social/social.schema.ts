import { z } from "zod";
import { idSchema, paginationShape } from "../../lib/pagination";
import { usernameSchema } from "../auth/auth.schema";

export const userIdInput = z.object({ userId: idSchema }).strict();
export const userListInput = z.object({ username: usernameSchema, ...paginationShape }).strict();
export const ownListInput = z.object(paginationShape).strict().prefault({});
/** social.followRequests: `q` filters by username or display name prefix. */
export const followRequestsInput = z.object({ q: z.string().trim().min(1).max(50).optional(), ...paginationShape }).strict().prefault({});
