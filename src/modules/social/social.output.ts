// What social procedures answer.
import { z } from "zod";
import { outDate, pageOf, userRefSchema } from "../common/common.output";

/** `requested`: the profile is locked and the follow waits for its owner (social.followRequests). */
export const followResultSchema = z.object({ following: z.boolean(), requested: z.boolean(), isFriend: z.boolean() });
export const approveResultSchema = z.object({ approved: z.literal(true), isFriend: z.boolean() });
export const rejectResultSchema = z.object({ rejected: z.literal(true) });
/** Whether a follow (or request) was removed; false when there was none. */
export const removeFollowerResultSchema = z.object({ removed: z.boolean() });
export const blockResultSchema = z.object({ blocked: z.boolean() });
export const muteResultSchema = z.object({ muted: z.boolean() });
/** An account and since when the relation holds (followers, following, friends, blocked, muted). */
export const relatedAccountPageSchema = pageOf(userRefSchema.extend({ since: outDate }));
/** Pending requests to follow the caller, newest first. */
export const followRequestPageSchema = pageOf(userRefSchema.extend({ since: outDate }));
export const suggestionPageSchema = pageOf(userRefSchema.extend({ mutualFriends: z.number().int() }));
