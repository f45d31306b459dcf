// Sessions: opaque tokens, only their hash stored; sliding expiry; revocation is a row update.
// A request resolves its session from the in-process SessionCache (session-cache.ts) when it may
// serve, else by reading the row (one unique-index lookup, renewing it). Code that revokes calls
// `SessionRevoker.revoked()` after its commit: its own entries go at once, and the message to every
// other process is out (handed to Redis) before the revoking request is answered, so the
// revocation holds on the very next request everywhere.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { many, one } from "../../db/query";
import { hashToken, newOpaqueToken } from "../../lib/tokens";
import type { CachedSession, SessionCache } from "./session-cache";

/**
 * Renew the expiry at most this often, so reads do not turn into a write per request. A cached
 * entry whose row was renewed longer ago is a miss: the read renews it and re-checks revocation
 * and the account's status.
 */
export const RENEW_AFTER_SECONDS = 300;

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

/**
 * The live session of an active user for this token, renewing its expiry; null otherwise. With a
 * cache: from it while it may serve (see session-cache.ts), else the row, whose live result it keeps.
 */
export async function resolveSession(
  db: DbOrTx, token: string, ttlDays: number, cache?: SessionCache | null,
): Promise<ResolvedSession | null> {
  if (token.length < 16 || token.length > 200) return null;
  const tokenHash = hashToken(token);
  const found = cache ? await cache.resolve(tokenHash, () => readSession(db, tokenHash, ttlDays)) : await readSession(db, tokenHash, ttlDays);
  return found && { sessionId: found.sessionId, userId: found.userId, username: found.username };
}

async function readSession(db: DbOrTx, tokenHash: string, ttlDays: number): Promise<CachedSession | null> {
  const row = await one<{ id: string; user_id: string; username: string; since_renewal: number }>(db, sql`
    SELECT s.id, s.user_id, u.username, EXTRACT(EPOCH FROM NOW() - s.last_seen_at)::float8 AS since_renewal
    FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.token_hash = ${tokenHash} AND s.revoked_at IS NULL AND s.expires_at > NOW()
      AND u.status = 'active'`);
  if (!row) return null;
  let sinceRenewalMs = Math.max(0, Number(row.since_renewal) * 1000);
  if (sinceRenewalMs >= RENEW_AFTER_SECONDS * 1000) {
    // Re-checked in the write: a revocation or suspension that committed since the SELECT wins.
    const renewed = await one<{ id: string }>(db, sql`
      UPDATE sessions s SET last_seen_at = NOW(), expires_at = NOW() + make_interval(days => ${ttlDays})
      FROM users u
      WHERE s.id = ${row.id} AND s.revoked_at IS NULL AND u.id = s.user_id AND u.status = 'active'
      RETURNING s.id`);
    if (!renewed) return null;
    sinceRenewalMs = 0;
  }
  return { sessionId: row.id, userId: row.user_id, username: row.username, lastRenewedAt: Date.now() - sinceRenewalMs };
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
