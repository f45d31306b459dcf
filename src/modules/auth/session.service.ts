// Sessions: opaque tokens, only their hash stored; sliding expiry; revocation is a row update
// that the very next request sees, because every request reads the session row (one unique-index
// lookup) instead of a cache that could outlive a revocation.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { many, one } from "../../db/query";
import { hashToken, newOpaqueToken } from "../../lib/tokens";

/** Renew the expiry at most this often, so reads do not turn into a write per request. */
const RENEW_AFTER_SECONDS = 300;

export interface ResolvedSession {
  sessionId: string;
  userId: string;
  username: string;
}

export async function createSession(
  db: DbOrTx,
  params: { userId: string; ttlDays: number; userAgent?: string | null; ip?: string | null },
): Promise<{ token: string; sessionId: string; expiresAt: string }> {
  const token = newOpaqueToken();
  const row = await one<{ id: string; expires_at: string }>(db, sql`
    INSERT INTO sessions (user_id, token_hash, expires_at, user_agent, ip_address)
    VALUES (${params.userId}, ${hashToken(token)}, NOW() + make_interval(days => ${params.ttlDays}),
            ${params.userAgent?.slice(0, 500) ?? null}, ${params.ip?.slice(0, 64) ?? null})
    RETURNING id, expires_at`);
  return { token, sessionId: row!.id, expiresAt: new Date(row!.expires_at).toISOString() };
}

/** The live session of an active user for this token, renewing its expiry; null otherwise. */
export async function resolveSession(db: DbOrTx, token: string, ttlDays: number): Promise<ResolvedSession | null> {
  if (token.length < 16 || token.length > 200) return null;
  const row = await one<{ id: string; user_id: string; username: string; stale: boolean }>(db, sql`
    SELECT s.id, s.user_id, u.username,
           s.last_seen_at < NOW() - make_interval(secs => ${RENEW_AFTER_SECONDS}) AS stale
    FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.token_hash = ${hashToken(token)} AND s.revoked_at IS NULL AND s.expires_at > NOW()
      AND u.status = 'active'`);
  if (!row) return null;
  if (row.stale) {
    await db.execute(sql`UPDATE sessions SET last_seen_at = NOW(),
                         expires_at = NOW() + make_interval(days => ${ttlDays})
                         WHERE id = ${row.id} AND revoked_at IS NULL`);
  }
  return { sessionId: row.id, userId: row.user_id, username: row.username };
}

export async function revokeSession(db: DbOrTx, sessionId: string): Promise<void> {
  await db.execute(sql`UPDATE sessions SET revoked_at = NOW() WHERE id = ${sessionId} AND revoked_at IS NULL`);
}

/** Revokes every live session of the user, except `keepSessionId` when given; returns how many. */
export async function revokeUserSessions(db: DbOrTx, userId: string, keepSessionId?: string): Promise<number> {
  const rows = await many<{ id: string }>(db, sql`
    UPDATE sessions SET revoked_at = NOW()
    WHERE user_id = ${userId} AND revoked_at IS NULL
      AND (${keepSessionId ?? null}::bigint IS NULL OR id <> ${keepSessionId ?? null}::bigint)
    RETURNING id`);
  return rows.length;
}

/** Housekeeping: drop sessions that expired or were revoked more than 30 days ago. */
export async function purgeOldSessions(db: DbOrTx): Promise<number> {
  const rows = await many<{ id: string }>(db, sql`
    DELETE FROM sessions WHERE expires_at < NOW() - INTERVAL '30 days' OR revoked_at < NOW() - INTERVAL '30 days'
    RETURNING id`);
  return rows.length;
}
