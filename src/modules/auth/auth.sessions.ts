// The caller's own sessions: auth.sessions lists the live ones (newest first, the calling one
// flagged), auth.revokeSession signs one of them out — at once, in every process (the same
// announcement as logout: deps.sessions.revoked after the commit).
//
// lastSeenAt is the row's last sliding renewal (sessions.last_seen_at), which requests move at
// most every RENEW_AFTER_SECONDS (session.service.ts): it is accurate to that (5 minutes), not to
// the request.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { iso, many, one } from "../../db/query";
import { AppError } from "../../lib/errors";
import type { AppDeps } from "../../trpc/context";

/** At most this many are listed (the newest); logoutAll still signs out every one. */
export const MAX_LISTED_SESSIONS = 100;

export interface SessionView {
  id: string;
  userAgent: string | null;
  device: string | null;
  ipAddress: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  current: boolean;
}

export async function listSessions(db: DbOrTx, session: { userId: string; sessionId: string }): Promise<{ items: SessionView[] }> {
  const rows = await many<{ id: string; user_agent: string | null; ip_address: string | null; created_at: string; last_seen_at: string; expires_at: string }>(db, sql`
    SELECT id, user_agent, ip_address, created_at, last_seen_at, expires_at
    FROM sessions
    WHERE user_id = ${session.userId} AND revoked_at IS NULL AND expires_at > NOW()
    ORDER BY created_at DESC, id DESC
    LIMIT ${MAX_LISTED_SESSIONS}`);
  return {
    items: rows.map((r) => ({
      id: String(r.id),
      userAgent: r.user_agent,
      device: deviceLabel(r.user_agent),
      ipAddress: r.ip_address,
      createdAt: iso(r.created_at)!,
      lastSeenAt: iso(r.last_seen_at)!,
      expiresAt: iso(r.expires_at)!,
      current: String(r.id) === session.sessionId,
    })),
  };
}

/**
 * Revokes one live session of the caller's; someone else's, an unknown, expired or already revoked
 * id is NOT_FOUND (the same answer, so ids of other accounts' sessions cannot be probed).
 */
export async function revokeOwnSession(deps: AppDeps, db: DbOrTx, session: { userId: string; sessionId: string }, sessionId: string): Promise<{ current: boolean }> {
  const row = await one<{ id: string }>(db, sql`
    UPDATE sessions SET revoked_at = NOW()
    WHERE id = ${sessionId} AND user_id = ${session.userId} AND revoked_at IS NULL AND expires_at > NOW()
    RETURNING id`);
  if (!row) throw new AppError("NOT_FOUND", "Session not found", { field: "sessionId" });
  // Announced to every process before we answer: the very next request with that token is refused.
  await deps.sessions.revoked({ sessionId });
  return { current: sessionId === session.sessionId };
}

// ---------------------------------------------------------------------------------------------
// "Firefox on Windows" from a User-Agent: a few ordered patterns, no dependency. Good enough for a
// list a person reads to recognise their devices; it is a label, never a security decision.

const BROWSERS: [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\//, "Edge"],
  [/\b(?:OPR|Opera)\//, "Opera"],
  [/\bSamsungBrowser\//, "Samsung Internet"],
  [/\bVivaldi\//, "Vivaldi"],
  [/\b(?:Firefox|FxiOS)\//, "Firefox"],
  [/\b(?:Chrome|CriOS|Chromium)\//, "Chrome"],
  [/\bVersion\/[\d.]+.*\bSafari\//, "Safari"],
  [/\bcurl\//i, "curl"],
  [/\bBun\//, "Bun"],
  [/\bnode(?:-fetch)?\b|\bundici\b/i, "Node.js"],
  [/\bpython-requests\/|\bpython-urllib|\baiohttp\//i, "Python"],
  [/\bokhttp\//i, "OkHttp"],
  [/\bPostmanRuntime\//, "Postman"],
];

const SYSTEMS: [RegExp, string][] = [
  [/\b(?:iPhone|iPod)\b/, "iOS"],
  [/\biPad\b/, "iPadOS"],
  [/\bAndroid\b/, "Android"],
  [/\bCrOS\b/, "ChromeOS"],
  [/\bWindows\b/, "Windows"],
  [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
  [/\bLinux\b|\bX11\b/, "Linux"],
];

export function deviceLabel(userAgent: string | null): string | null {
  if (!userAgent || !userAgent.trim()) return null;
  const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? "Unknown device";
}
