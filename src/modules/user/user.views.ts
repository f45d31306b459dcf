// Row → wire shapes for users and profiles. The owner's view ("me") is the only one that carries
// email, status and storage; everyone else gets publicProfile / limitedProfile.
import { iso } from "../../db/query";

export interface ProfileRow {
  display_name: string | null;
  bio: string | null;
  age: number | null;
  location: string | null;
  website: string | null;
  visibility: "public" | "followers" | "private";
  background_config: unknown;
  music_config: unknown;
  style_config: unknown;
  layout_config: unknown;
}

export function profileView(p: ProfileRow) {
  return {
    displayName: p.display_name,
    bio: p.bio,
    age: p.age,
    location: p.location,
    website: p.website,
    visibility: p.visibility,
    background: p.background_config as Record<string, unknown>,
    music: (p.music_config ?? null) as Record<string, unknown> | null,
    style: p.style_config as Record<string, unknown>,
    layout: p.layout_config as { sections: unknown[] },
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
    status: r.status,
    createdAt: iso(r.created_at)!,
    lastLoginAt: iso(r.last_login_at),
    profile: profileView(r),
    storage: { usedBytes: used, quotaBytes: quota, availableBytes: Math.max(quota - used, 0) },
  };
}
export type MeView = ReturnType<typeof meView>;
