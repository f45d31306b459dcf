// What social procedures answer.
import { z } from "zod";
import { outDate, pageOf, userRefSchema } from "../common/common.output";

export const followResultSchema = z.object({ following: z.boolean(), isFriend: z.boolean() });
export const blockResultSchema = z.object({ blocked: z.boolean() });
export const muteResultSchema = z.object({ muted: z.boolean() });
/** An account and since when the relation holds (followers, following, friends, blocked, muted). */
export const relatedAccountPageSchema = pageOf(userRefSchema.extend({ since: outDate }));
export const suggestionPageSchema = pageOf(userRefSchema.extend({ mutualFriends: z.number().int() }));
