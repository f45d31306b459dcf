// Row → wire shapes for users and profiles. The owner's view ("me") is the only one that carries
// email, status and storage; everyone else gets publicProfile / limitedProfile.
import type { z } from "zod";
import { iso } from "../../db/query";
import type { updateBackgroundInput, updateMusicInput, updateStyleInput } from "./user.schema";

export interface ProfileRow {
  display_name: string | null;
  bio: string | null;
  age: number | null;
  location: string | null;
  website: string | null;
  visibility: "public" | "followers" | "private";
  /** NULL: by visibility (0051_create_follow_requests.sql). */
  follow_approval?: boolean | null;
  background_config: unknown;
  music_config: unknown;
  style_config: unknown;
  layout_config?: unknown;
}

type Background = z.infer<typeof updateBackgroundInput>;
type Music = z.infer<typeof updateMusicInput>;
type Style = z.infer<typeof updateStyleInput>;

const isEmpty = (v: unknown) => v === null || v === undefined || (typeof v === "object" && Object.keys(v as object).length === 0);

/** Whether follows of this profile wait for approval: the owner's choice, else on unless public. */
export function requiresFollowApproval(p: { visibility: ProfileRow["visibility"]; follow_approval?: boolean | null }): boolean {
  return p.follow_approval ?? p.visibility !== "public";
}

export function profileView(p: ProfileRow) {
  return {
    displayName: p.display_name,
    bio: p.bio,
    age: p.age,
    location: p.location,
    website: p.website,
    visibility: p.visibility,
    requiresFollowApproval: requiresFollowApproval(p),
    // Nothing set is stored as {}: on the wire that is null.
    background: (isEmpty(p.background_config) ? null : p.background_config) as Background | null,
    music: (p.music_config ?? null) as Music,
    style: (p.style_config ?? {}) as Style,
    // No `layout`: a profile's sections are section.list's (layout_config is answered by user.updateLayout only).
  };
}

export interface MeRow extends ProfileRow {
  id: string;
  username: string;
  email: string;
  email_verified: boolean;
  status: string;
  created_at: string;
  last_login_at: string | null;
  used_bytes: string;
  quota_bytes: string;
}

export function meView(r: MeRow) {
  const used = Number(r.used_bytes);
  const quota = Number(r.quota_bytes);
  return {
    id: r.id,
    username: r.username,
    email: r.email,
    emailVerified: r.email_verified,
    status: r.status as "active" | "suspended" | "deleted",
    createdAt: iso(r.created_at)!,
    lastLoginAt: iso(r.last_login_at),
    profile: profileView(r),
    storage: { usedBytes: used, quotaBytes: quota, availableBytes: Math.max(quota - used, 0) },
  };
}
export type MeView = ReturnType<typeof meView>;
