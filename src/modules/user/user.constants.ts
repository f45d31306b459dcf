// Profile enums. Dependency-free: the schemas import them, and src/client.ts re-exports them.

/** Who sees a profile and its posts. */
export const PROFILE_VISIBILITIES = ["public", "followers", "private"] as const;
export type ProfileVisibility = (typeof PROFILE_VISIBILITIES)[number];

/** The kinds of profile section (PostgreSQL enum section_type, same order). */
export const SECTION_TYPES = [
  "feed", "gallery", "links", "static_text", "static_image", "video", "reposts", "friends", "followers", "following", "list",
] as const;
export type SectionType = (typeof SECTION_TYPES)[number];
