// Response headers of the public pages: a per-response nonce and the Content-Security-Policy that
// admits only our own nonce'd <style>/<script>, media from self and the media origin, and the
// allow-listed embed players.
import { randomBytes } from "node:crypto";
import { EMBED_ORIGINS } from "./embeds";

/** 128 random bits, base64: a fresh one for every response. */
export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

/** The CSP of a page; `mediaOrigin` is the media store's origin (S3_PUBLIC_URL / publicBaseUrl). */
export function pageCsp(nonce: string, mediaOrigin: string): string {
  const media = mediaOrigin && mediaOrigin !== "null" ? ` ${mediaOrigin}` : "";
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    `img-src 'self'${media}`,
    `media-src 'self'${media}`,
    `frame-src ${EMBED_ORIGINS.join(" ")}`,
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join("; ");
}

/** Every header a page response carries (the app's secureHeaders adds the rest without overriding these). */
export function pageHeaders(nonce: string, mediaOrigin: string): Record<string, string> {
  return {
    "content-security-policy": pageCsp(nonce, mediaOrigin),
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    // Pages depend on the session cookie: never shared between viewers by a cache.
    "cache-control": "private, no-store",
    vary: "Cookie",
  };
}
