// Profiles: the public view under the visibility policy, search, and the owner's updates.
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { transaction } from "../../db/transaction";
import { emit } from "../events/events";
import { approvePendingIfOpen } from "../social/follow-requests";
import { iso, many, one } from "../../db/query";
import type { Cache } from "../../lib/cache";
import { AppError } from "../../lib/errors";
import { decodeCursor, toPage, type Page } from "../../lib/pagination";
import { accountVisibleSql, canSeeProfileContent, liveRelation, type Relation, type Visibility } from "../visibility/visibility";
import { profileView, requiresFollowApproval, type ProfileRow } from "./user.views";

const PROFILE_TTL_SECONDS = 300;
/** The cached profile row of a username (deleted by cache-invalidation.ts on profile and account events). */
export const profileCacheKey = (username: string) => `profile:${username.toLowerCase()}`;

interface ProfileBaseRow extends ProfileRow {
  id: string;
  username: string;
  created_at: string;
}

/** The account behind a username, if active; cached 5 minutes, dropped by profile and account events. */
async function loadProfileBase(db: DbOrTx, cache: Cache, username: string): Promise<ProfileBaseRow | null> {
  const cached = await cache.get<ProfileBaseRow>(profileCacheKey(username));
  if (cached) return cached;
  const row = await one<ProfileBaseRow>(db, sql`
    SELECT u.id, u.username, u.created_at, p.display_name, p.bio, p.age, p.location, p.website, p.visibility,
           p.follow_approval, p.background_config, p.music_config, p.style_config, p.layout_config
    FROM users u JOIN user_profiles p ON p.user_id = u.id
    WHERE LOWER(u.username) = LOWER(${username}) AND u.status = 'active'`);
  if (!row) return null;
  await cache.set(profileCacheKey(username), row, PROFILE_TTL_SECONDS);
  return row;
}

export interface ResolvedProfile {
  id: string;
  username: string;
  visibility: Visibility;
  relation: Relation;
  /** Whether the viewer may see the account's content (posts, sections, social lists). */
  contentVisible: boolean;
}

/**
 * The account behind `username` as seen by `viewerId`. NOT_FOUND when it does not exist, is not
 * active, or has blocked the viewer — exactly the same answer in all three cases.
 */
export async function resolveProfile(db: DbOrTx, cache: Cache, viewerId: string | null, username: string): Promise<ResolvedProfile & { row: ProfileBaseRow }> {
  const row = await loadProfileBase(db, cache, username);
  if (!row) throw new AppError("NOT_FOUND", "User not found");
  const { active, relation } = await liveRelation(db, viewerId, row.id);
  if (!active || relation.blocksYou) throw new AppError("NOT_FOUND", "User not found");
  return { id: row.id, username: row.username, visibility: row.visibility, relation, contentVisible: canSeeProfileContent(row.visibility, relation), row };
}

/** As resolveProfile, but the caller needs the content: NOT_FOUND unless it is visible. */
export async function requireVisibleProfile(db: DbOrTx, cache: Cache, viewerId: string | null, username: string): Promise<ResolvedProfile> {
  const profile = await resolveProfile(db, cache, viewerId, username);
  if (!profile.contentVisible) throw new AppError("NOT_FOUND", "User not found");
  return profile;
}

function relationFlags(r: Relation) {
  return { isSelf: r.isSelf, isFollowing: r.isFollowing, followsYou: r.followsYou, isFriend: r.isFriend, followRequested: r.followRequested, isBlocked: r.isBlocked, isMuted: r.isMuted };
}

export async function getProfile(db: DbOrTx, cache: Cache, viewerId: string | null, username: string) {
  const p = await resolveProfile(db, cache, viewerId, username);
  if (!p.contentVisible) {
    // Not visible to this viewer: only who it is, so they can find and follow it.
    return {
      id: p.id, username: p.row.username, displayName: p.row.display_name, visibility: p.visibility,
      requiresFollowApproval: requiresFollowApproval(p.row), isVisible: false as const, relation: relationFlags(p.relation),
    };
  }
  // Counts shown count only accounts the viewer could see in the lists themselves: active, and not
  // in a block with the viewer (profile_counts, drizzle/0060–0061: stored counters less the blocks).
  const counts = await one<{ followers: number; following: number; posts: number }>(db, sql`
    SELECT followers, following, posts FROM profile_counts(${p.id}::bigint, ${viewerId}::bigint)`);
  const profile = profileView(p.row);
  return {
    id: p.id,
    username: p.row.username,
    ...profile,
    isVisible: true as const,
    createdAt: iso(p.row.created_at)!,
    counts: counts!,
    relation: relationFlags(p.relation),
  };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export interface UserSummary {
  id: string;
  username: string;
  displayName: string | null;
}

/** Words of a query for a prefix tsquery: letters and digits only, so the tsquery text holds no operator. */
function prefixWords(query: string): string[] {
  return (query.normalize("NFKC").match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 5);
}

/**
 * Prefix search on username and display name (two index range scans), keyset by (lower(username), id).
 * With `displayNameWords` (search.users) also every word of the query as the prefix of a word of
 * the display name, accents and case ignored ("chen" finds "Maya Chen", "jose" finds "José"):
 * one GIN probe (user_profiles_display_name_words_idx, drizzle/0063). user.search keeps the plain
 * prefix match.
 */
export async function searchUsers(
  db: DbOrTx,
  viewerId: string | null,
  input: { query: string; cursor?: string; limit: number },
  opts: { displayNameWords?: boolean } = {},
): Promise<Page<UserSummary>> {
  const prefix = `${escapeLike(input.query.toLowerCase())}%`;
  const after = decodeCursor(input.cursor, 2);
  const words = opts.displayNameWords ? prefixWords(input.query) : [];
  // "maya ch" → 'maya':* & 'ch':*, folded by simple_unaccent as the index folded the names. The
  // words are letters and digits only (prefixWords), so the tsquery text holds no syntax of theirs.
  const wordHits = words.length
    ? sql`UNION
      SELECT user_id FROM user_profiles
      WHERE to_tsvector('public.simple_unaccent'::regconfig, coalesce(display_name, ''))
            @@ to_tsquery('public.simple_unaccent'::regconfig, ${words.map((w) => `'${w}':*`).join(" & ")})`
    : sql``;
  const rows = await many<{ id: string; username: string; display_name: string | null; key: string }>(db, sql`
    WITH hits AS (
      SELECT id AS user_id FROM users WHERE LOWER(username) LIKE ${prefix}
      UNION
      SELECT user_id FROM user_profiles WHERE LOWER(display_name) LIKE ${prefix}
      ${wordHits}
    )
    SELECT u.id, u.username, p.display_name, LOWER(u.username) AS key
    FROM hits h JOIN users u ON u.id = h.user_id JOIN user_profiles p ON p.user_id = u.id
    WHERE ${accountVisibleSql(sql`u.id`, sql`u.status`, viewerId)}
      ${after ? sql`AND (LOWER(u.username), u.id) > (${String(after[0])}, ${String(after[1])}::bigint)` : sql``}
    ORDER BY LOWER(u.username), u.id
    LIMIT ${input.limit + 1}`);
  return toPage(rows, input.limit, (r) => ({ id: r.id, username: r.username, displayName: r.display_name }), (r) => [r.key, r.id]);
}

type ProfileColumn = "background_config" | "music_config" | "style_config" | "layout_config";

/** Writes one JSON config column of the caller's profile (profile.updated drops the cached profile). */
export async function setProfileJson(db: DbOrTx, cache: Cache, user: { userId: string; username: string }, column: ProfileColumn, value: unknown) {
  const json = value === null ? null : JSON.stringify(value);
  // The column name comes from the ProfileColumn union, never from input.
  const target = { background_config: sql`background_config`, music_config: sql`music_config`, style_config: sql`style_config`, layout_config: sql`layout_config` }[column];
  await db.execute(sql`UPDATE user_profiles SET ${target} = ${json}::jsonb WHERE user_id = ${user.userId}`);
  await emit({ db, cache }, { type: "profile.updated", userId: user.userId, username: user.username });
}

/**
 * Updates profile fields. Changing visibility or follow approval is a visibility event; when it
 * leaves the profile open (no approval needed), the pending follow requests are approved in the
 * same transaction (Mastodon's unlock), so nobody stays "requested" on an open profile.
 */
export async function updateProfileFields(
  db: Db,
  cache: Cache,
  user: { userId: string; username: string },
  input: {
    displayName?: string | null; bio?: string | null; age?: number | null; location?: string | null; website?: string | null;
    visibility?: Visibility; requiresFollowApproval?: boolean | null;
  },
) {
  const has = (k: keyof typeof input) => Object.prototype.hasOwnProperty.call(input, k);
  const access = has("visibility") || has("requiresFollowApproval");
  const approved = await transaction(db, async (tx) => {
    await tx.execute(sql`
    UPDATE user_profiles SET
      display_name = CASE WHEN ${has("displayName")} THEN ${input.displayName ?? null} ELSE display_name END,
      bio          = CASE WHEN ${has("bio")} THEN ${input.bio ?? null} ELSE bio END,
      age          = CASE WHEN ${has("age")} THEN ${input.age ?? null}::int ELSE age END,
      location     = CASE WHEN ${has("location")} THEN ${input.location ?? null} ELSE location END,
      website      = CASE WHEN ${has("website")} THEN ${input.website ?? null} ELSE website END,
      visibility   = CASE WHEN ${has("visibility")} THEN ${input.visibility ?? "public"} ELSE visibility END,
      follow_approval = CASE WHEN ${has("requiresFollowApproval")} THEN ${input.requiresFollowApproval ?? null}::boolean ELSE follow_approval END
    WHERE user_id = ${user.userId}`);
    return access ? approvePendingIfOpen(tx, user.userId) : [];
  });
  await emit(
    { db, cache },
    { type: access ? "profile.visibilityChanged" : "profile.updated", userId: user.userId, username: user.username },
    ...approved.map((followerId) => ({ type: "follow.started" as const, followerId, followingId: user.userId })),
  );
}
