// Text-level helpers of the custom-CSS sanitizer (src/modules/user/custom-css.ts): CSS escapes as a
// browser decodes them, the forbidden-word and inline-safety scans, the url() allow-list check and
// the tokenizer pass that cuts out pathologically nested statements before parsing.
import * as csstree from "css-tree";
import type { CssNode, List } from "css-tree";
import { FORBIDDEN_OUTPUT, FORBIDDEN_WORDS, MAX_NESTING, NOTE_MAX } from "./custom-css.allowlists";

/** Decode CSS escapes (`\65 `, `\e`, escaped newlines) the way a browser's tokenizer would. */
export function decodeEscapes(s: string): string {
  return s.replace(/\\(?:([0-9a-fA-F]{1,6})(?:\r\n|[ \t\n\r\f])?|(\r\n|[\s\S])|$)/g, (_m, hex?: string, ch?: string) => {
    if (hex !== undefined) {
      const cp = parseInt(hex, 16);
      return cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? "\ufffd" : String.fromCodePoint(cp);
    }
    if (ch === undefined || ch === "\n" || ch === "\r" || ch === "\r\n" || ch === "\f") return "";
    return ch;
  });
}

/** Text as a browser's URL/keyword matching would see it: no comments, escapes decoded, no whitespace
 *  or control characters (URL parsers strip tabs/newlines), lower-case. */
export function normalizeForScan(s: string): string {
  const noComments = (t: string) => t.replace(/\/\*[\s\S]*?(?:\*\/|$)/g, "");
  return noComments(decodeEscapes(noComments(s))).replace(/[\u0000-\u0020\u007f-\u009f\u00a0\u200b-\u200f\u2028\u2029\ufeff]/g, "").toLowerCase();
}

export function findForbiddenWord(text: string): string | null {
  const raw = text.toLowerCase();
  const norm = normalizeForScan(text);
  for (const word of FORBIDDEN_WORDS) {
    if (raw.includes(word) || norm.includes(word)) return word;
  }
  return null;
}

/** True when the text, as written or with escapes decoded (`\3c /style\3e`), contains `<` or `-->`. */
export function hasForbiddenOutput(text: string): boolean {
  const lower = text.toLowerCase();
  const decoded = normalizeForScan(text);
  return FORBIDDEN_OUTPUT.some((s) => lower.includes(s) || decoded.includes(s));
}

export function shorten(s: string): string {
  const oneLine = s.replace(/\s+/g, " ").trim();
  return oneLine.length > NOTE_MAX ? `${oneLine.slice(0, NOTE_MAX - 1)}…` : oneLine;
}

export function listOf<T>(items: T[]): List<T> {
  return new csstree.List<T>().fromArray(items);
}

export function childrenOf(node: CssNode): CssNode[] {
  const children = (node as { children?: List<CssNode> | null }).children;
  return children ? children.toArray() : [];
}

const SAFE_URL_CHARS = /^[A-Za-z0-9\-._~:/?#@!$&*+,;=%]+$/;

/** Normalised allowed prefixes: absolute http(s) URLs whose path ends with "/". */
export function normalizeOrigins(origins: string[]): string[] {
  const out: string[] = [];
  for (const origin of origins) {
    let parsed: URL;
    try { parsed = new URL(origin); } catch { continue; }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") continue;
    if (parsed.username || parsed.password) continue;
    parsed.search = "";
    parsed.hash = "";
    const href = parsed.href.endsWith("/") ? parsed.href : `${parsed.href}/`;
    out.push(href);
  }
  return out;
}

/** An absolute, already-normalised http(s) URL under one of the allowed prefixes. Relative URLs,
 *  protocol-relative URLs, fragments (`#x`), data:, javascript:, traversal, odd characters: refused. */
export function isAllowedUrl(value: string, prefixes: string[]): boolean {
  if (value.length === 0 || value.length > 2048 || !SAFE_URL_CHARS.test(value)) return false;
  let parsed: URL;
  try { parsed = new URL(value); } catch { return false; }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return false;
  if (parsed.username || parsed.password) return false;
  // Only URLs that are already in canonical form: this rules out `..`, `%2e%2e`, backslashes,
  // upper-case hosts and every other parser-differential trick.
  if (parsed.href !== value) return false;
  return prefixes.some((prefix) => value.startsWith(prefix));
}

const T = csstree.tokenTypes;
const BLOCK_CLOSER = new Map<number, number>([
  [T.Function, T.RightParenthesis],
  [T.LeftParenthesis, T.RightParenthesis],
  [T.LeftSquareBracket, T.RightSquareBracket],
  [T.LeftCurlyBracket, T.RightCurlyBracket],
]);

/** Uses the CSS tokenizer to find top-level statements (rules, at-rules) nested deeper than
 *  MAX_NESTING and replaces each with a space; the rest of the stylesheet is kept. */
export function cutOverNestedStatements(css: string): { css: string; cut: boolean } {
  const ranges: Array<[number, number]> = [];
  const expected: number[] = [];
  let statementStart = 0;
  let tooDeep = false;
  csstree.tokenize(css, (type, _start, end) => {
    const closer = BLOCK_CLOSER.get(type);
    if (closer !== undefined) {
      expected.push(closer);
      if (expected.length > MAX_NESTING) tooDeep = true;
    } else if (expected.length > 0 && type === expected[expected.length - 1]) {
      expected.pop();
    }
    if (expected.length === 0 && (type === T.RightCurlyBracket || type === T.Semicolon)) {
      if (tooDeep) ranges.push([statementStart, end]);
      tooDeep = false;
      statementStart = end;
    }
  });
  if (tooDeep) ranges.push([statementStart, css.length]);
  if (ranges.length === 0) return { css, cut: false };
  let out = "";
  let from = 0;
  for (const [start, end] of ranges) {
    out += `${css.slice(from, start)} `;
    from = end;
  }
  return { css: out + css.slice(from), cut: true };
}