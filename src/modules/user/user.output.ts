// What user (and auth.me) procedures answer. The profile's background, music and style are typed by
// the very schemas their update procedures validate with (what is stored went through them).
// Sections are not part of the profile: section.list is their one shape.
import { z } from "zod";
import { outDate, outId, pageOf, userRefSchema } from "../common/common.output";
import { updateBackgroundInput, updateLayoutInput, updateMusicInput, updateStyleInput } from "./user.schema";

export const PROFILE_VISIBILITIES = ["public", "followers", "private"] as const;
export const profileVisibilitySchema = z.enum(PROFILE_VISIBILITIES);
export const USER_STATUSES = ["active", "suspended", "deleted"] as const;

/** A background as set by user.updateBackground; null until one is set. */
export const backgroundSchema = updateBackgroundInput.nullable();
/** Music as set by user.updateMusic; null when none. */
export const musicSchema = updateMusicInput;
/** Style as set by user.updateStyle (customCSS already sanitized); `{}` until set. */
export const styleSchema = updateStyleInput;
/** The layout user.updateLayout stored (answered by that procedure only). */
export const layoutSchema = updateLayoutInput;

export const profileFieldsSchema = z.object({
  displayName: z.string().nullable(),
  bio: z.string().nullable(),
  age: z.number().int().nullable(),
  location: z.string().nullable(),
  website: z.string().nullable(),
  visibility: profileVisibilitySchema,
  /** Follows wait for the owner's approval (social.followRequests); see user.updateProfile. */
  requiresFollowApproval: z.boolean(),
  background: backgroundSchema,
  music: musicSchema,
  style: styleSchema,
});

export const relationFlagsSchema = z.object({
  isSelf: z.boolean(),
  isFollowing: z.boolean(),
  followsYou: z.boolean(),
  isFriend: z.boolean(),
  /** The viewer asked to follow and the owner has not answered yet. */
  followRequested: z.boolean(),
  isBlocked: z.boolean(),
  isMuted: z.boolean(),
});

/** user.get: the full profile when the viewer may see it, else who it is (to find and follow it). */
export const publicProfileSchema = z.discriminatedUnion("isVisible", [
  z.object({
    id: outId,
    username: z.string(),
    ...profileFieldsSchema.shape,
    isVisible: z.literal(true),
    createdAt: outDate,
    counts: z.object({ followers: z.number().int(), following: z.number().int(), posts: z.number().int() }),
    relation: relationFlagsSchema,
  }),
  z.object({
    id: outId,
    username: z.string(),
    displayName: z.string().nullable(),
    visibility: profileVisibilitySchema,
    requiresFollowApproval: z.boolean(),
    isVisible: z.literal(false),
    relation: relationFlagsSchema,
  }),
]);

/** The owner's own view (auth.me, register/login, user.updateProfile). */
export const meSchema = z.object({
  id: outId,
  username: z.string(),
  email: z.string(),
  emailVerified: z.boolean(),
  status: z.enum(USER_STATUSES),
  createdAt: outDate,
  lastLoginAt: outDate.nullable(),
  profile: profileFieldsSchema,
  storage: z.object({ usedBytes: z.number().int(), quotaBytes: z.number().int(), availableBytes: z.number().int() }),
});

export const userSearchPageSchema = pageOf(userRefSchema);
export const updateStyleOutput = z.object({ style: styleSchema, removed: z.array(z.string()) });
