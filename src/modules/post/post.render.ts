// Plain text → safe HTML, on the server only: everything is escaped; URLs (found by linkify-it),
// #tags and @mentions of existing accounts become links; newlines become <br>.
import { LinkifyIt } from "linkify-it";

const linkify = new LinkifyIt().set({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });

const TAG_RE = /(^|[^\p{L}\p{N}_&/#])#([\p{L}\p{N}_]{1,64})/gu;
const MENTION_RE = /(^|[^\p{L}\p{N}_@/])@([a-zA-Z0-9_]{3,30})(?![a-zA-Z0-9_@])/gu;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Lowercased, de-duplicated hashtags in order of appearance. */
export function extractTags(text: string | null | undefined): string[] {
  if (!text) return [];
  const tags = new Set<string>();
  for (const m of text.matchAll(TAG_RE)) tags.add(m[2]!.toLowerCase());
  return [...tags];
}

/** Mentioned usernames (as written), de-duplicated case-insensitively. */
export function extractMentions(text: string | null | undefined): string[] {
  if (!text) return [];
  const seen = new Map<string, string>();
  for (const m of text.matchAll(MENTION_RE)) if (!seen.has(m[2]!.toLowerCase())) seen.set(m[2]!.toLowerCase(), m[2]!);
  return [...seen.values()];
}

function renderSegment(text: string, mentionable: Set<string>): string {
  let html = escapeHtml(text);
  html = html.replace(TAG_RE, (_all, pre: string, tag: string) =>
    `${pre}<a href="/tags/${encodeURIComponent(tag.toLowerCase())}" class="hashtag" rel="tag">#${tag}</a>`);
  html = html.replace(MENTION_RE, (all, pre: string, name: string) =>
    mentionable.has(name.toLowerCase()) ? `${pre}<a href="/@${name}" class="mention">@${name}</a>` : all);
  return html;
}

/** `mentionable`: lowercased usernames that exist and may be linked. */
export function renderContentHtml(text: string | null | undefined, mentionable: Set<string> = new Set()): string | null {
  if (text === null || text === undefined) return null;
  let out = "";
  let last = 0;
  for (const match of linkify.match(text) ?? []) {
    if (!/^https?:/i.test(match.url)) continue;
    out += renderSegment(text.slice(last, match.index), mentionable);
    const href = escapeHtml(match.url);
    out += `<a href="${href}" rel="nofollow noopener noreferrer ugc" target="_blank">${escapeHtml(match.text)}</a>`;
    last = match.lastIndex;
  }
  out += renderSegment(text.slice(last), mentionable);
  return out.replace(/\r?\n/g, "<br>");
}
