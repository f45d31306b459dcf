// The session cookie, and the Origin / Fetch-Metadata check that every cookie-authenticated
// mutation must pass (a Bearer token is never sent by a browser on its own, so it needs none).
import { parse, serialize } from "hono/utils/cookie";
import type { Env } from "../../env";

export const SESSION_COOKIE = "vrss_session";

export function readCredential(req: Request): { token: string; source: "bearer" | "cookie" } | null {
  const authorization = req.headers.get("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    return match ? { token: match[1]!, source: "bearer" } : { token: "", source: "bearer" };
  }
  const cookieHeader = req.headers.get("cookie");
  if (!cookieHeader) return null;
  const token = parse(cookieHeader)[SESSION_COOKIE];
  return token ? { token, source: "cookie" } : null;
}

export function sessionCookie(env: Env, token: string, maxAgeSeconds: number): string {
  return serialize(SESSION_COOKIE, token, {
    httpOnly: true,
    secure: env.NODE_ENV === "production",
    sameSite: "Lax",
    path: "/",
    maxAge: maxAgeSeconds,
  });
}

export function clearedSessionCookie(env: Env): string {
  return serialize(SESSION_COOKIE, "", { httpOnly: true, secure: env.NODE_ENV === "production", sameSite: "Lax", path: "/", maxAge: 0 });
}

/**
 * A browser sends Origin on every cross-origin POST and Sec-Fetch-Site on every request; a request
 * with neither comes from a non-browser client, which has no ambient cookie to abuse.
 */
export function isSameOriginRequest(req: Request, env: Env): boolean {
  const origin = req.headers.get("origin");
  if (origin) {
    if (origin === new URL(req.url).origin) return true;
    return env.ALLOWED_ORIGINS.includes(origin);
  }
  const site = req.headers.get("sec-fetch-site");
  if (site) return site === "same-origin" || site === "none";
  return true;
}
