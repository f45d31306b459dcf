// The one definition of a profile's CSS scope: the class the sanitizer scopes a user's CSS to and
// the page puts on the profile element, and the url() prefixes it allows (our media store).
import { sanitizeCustomCss, type SanitizeOptions } from "./custom-css";

export function profileScopeClass(userId: string): string {
  return `vrss-profile-${userId}`;
}

export function customCssOptions(userId: string, mediaPublicBaseUrl: string): SanitizeOptions {
  return { scopeClass: profileScopeClass(userId), mediaOrigins: [`${mediaPublicBaseUrl.replace(/\/+$/, "")}/`] };
}

const rendered = new Map<string, string>();
const RENDERED_MAX = 500;

/**
 * Stored CSS as a page inlines it: sanitized again with today's rules, so CSS stored by an older
 * sanitizer (before keyframes references were checked, say) never reaches a page unchecked. The
 * sanitizer is a fixed point on its own output, so current CSS comes back unchanged; results are
 * memoized per scope and text (a small LRU: a page view must not parse 20 KB of CSS each time).
 */
export function renderableCustomCss(stored: string, userId: string, mediaPublicBaseUrl: string): string {
  const key = `${userId}\u0000${mediaPublicBaseUrl}\u0000${stored}`;
  const hit = rendered.get(key);
  if (hit !== undefined) {
    rendered.delete(key);
    rendered.set(key, hit);
    return hit;
  }
  const css = sanitizeCustomCss(stored, customCssOptions(userId, mediaPublicBaseUrl)).css;
  rendered.set(key, css);
  if (rendered.size > RENDERED_MAX) rendered.delete(rendered.keys().next().value!);
  return css;
}
