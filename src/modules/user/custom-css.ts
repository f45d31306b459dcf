// Server-side sanitizer for the custom CSS a user may attach to their profile page.
//
// The CSS is parsed with css-tree (never regex-filtered), every node is checked against
// allow-lists, and the surviving tree is generated back to text. Everything is scoped under
// `.${scopeClass}` so it can only style the profile container and what is inside it.
//
// Security invariants of the output (each one is asserted by tests/modules/custom-css.test.ts):
//  * only style rules, @media (recursively sanitized) and @keyframes (renamed into the scope);
//  * the first compound of every selector contains `.${scopeClass}` and is never followed by a
//    sibling combinator (`+`, `~`), so no rule can reach outside the profile element;
//  * only allow-listed properties; no vendor-prefixed properties; no `position`/offsets;
//  * the only network fetches possible are url()/image-set() pointing into opts.mediaOrigins;
//  * no `<` at all, no `-->`, so the text is safe to inline in a <style> element;
//  * the output re-parses without errors and sanitizing it again returns it unchanged.
import * as csstree from "css-tree";
import type { CssNode, Declaration, List, Rule, Atrule, Selector, FunctionNode } from "css-tree";
import { AppError } from "../../lib/errors";

export const CUSTOM_CSS_MAX_BYTES = 20_000;

export interface SanitizeOptions {
  /** Class of the element that wraps the profile, e.g. "vrss-profile-42". */
  scopeClass: string;
  /** Absolute origins + path prefixes whose url() are allowed, e.g. ["https://cdn.vrss.app/"]. */
  mediaOrigins: string[];
}

export interface SanitizeResult {
  css: string;
  /** Human-readable notes of what was dropped, e.g. "property position", "@import". Deduplicated. */
  removed: string[];
}

// ---------------------------------------------------------------------------------------------
// Allow-lists
// ---------------------------------------------------------------------------------------------

const sides = ["top", "right", "bottom", "left"] as const;
const logical = ["block", "block-start", "block-end", "inline", "inline-start", "inline-end"] as const;

/** Every property a profile may set (lower-case). Custom properties (`--x`) are handled apart. */
export const ALLOWED_PROPERTIES: ReadonlySet<string> = new Set<string>([
  // colours and backgrounds
  "color", "background", "background-color", "background-image", "background-position",
  "background-position-x", "background-position-y", "background-size", "background-repeat",
  "background-attachment", "background-clip", "background-origin", "background-blend-mode",
  // borders and outlines
  "border", "border-width", "border-style", "border-color",
  ...sides.flatMap((s) => [`border-${s}`, `border-${s}-width`, `border-${s}-style`, `border-${s}-color`]),
  ...logical.flatMap((s) => [`border-${s}`, `border-${s}-width`, `border-${s}-style`, `border-${s}-color`]),
  "border-radius", "border-top-left-radius", "border-top-right-radius", "border-bottom-right-radius",
  "border-bottom-left-radius", "border-start-start-radius", "border-start-end-radius",
  "border-end-start-radius", "border-end-end-radius",
  "border-image", "border-image-source", "border-image-slice", "border-image-width", "border-image-outset",
  "border-image-repeat", "border-collapse", "border-spacing",
  "outline", "outline-width", "outline-style", "outline-color", "outline-offset",
  // box model
  "margin", ...sides.map((s) => `margin-${s}`), ...logical.map((s) => `margin-${s}`),
  "padding", ...sides.map((s) => `padding-${s}`), ...logical.map((s) => `padding-${s}`),
  "width", "height", "min-width", "min-height", "max-width", "max-height", "box-sizing", "box-shadow",
  // typography
  "font", "font-family", "font-size", "font-weight", "font-style", "font-variant", "line-height",
  "letter-spacing", "word-spacing", "text-align", "text-decoration", "text-decoration-line",
  "text-decoration-color", "text-decoration-style", "text-decoration-thickness", "text-transform",
  "text-shadow", "text-indent", "text-overflow", "white-space", "word-break", "overflow-wrap", "word-wrap",
  "vertical-align", "list-style", "list-style-type", "list-style-position", "list-style-image",
  // layout inside the profile
  "display", "flex", "flex-direction", "flex-wrap", "flex-flow", "flex-grow", "flex-shrink", "flex-basis",
  "grid", "grid-template", "grid-template-columns", "grid-template-rows", "grid-template-areas",
  "grid-auto-columns", "grid-auto-rows", "grid-auto-flow", "grid-area", "grid-row", "grid-row-start",
  "grid-row-end", "grid-column", "grid-column-start", "grid-column-end", "grid-gap", "grid-row-gap",
  "grid-column-gap", "gap", "row-gap", "column-gap",
  "align-content", "align-items", "align-self", "justify-content", "justify-items", "justify-self",
  "order", "float", "clear", "overflow", "overflow-x", "overflow-y", "table-layout",
  "columns", "column-count", "column-width", "column-fill", "column-span", "column-rule",
  "column-rule-width", "column-rule-style", "column-rule-color",
  // effects
  "opacity", "filter", "transform", "transform-origin",
  "transition", "transition-property", "transition-duration", "transition-timing-function", "transition-delay",
  "animation", "animation-name", "animation-duration", "animation-timing-function", "animation-delay",
  "animation-iteration-count", "animation-direction", "animation-fill-mode", "animation-play-state",
  "cursor", "visibility",
  // replaced content and stacking
  "object-fit", "object-position", "aspect-ratio", "z-index",
]);

/** Functions allowed in values (lower-case). Everything else (attr, env, expression, element, src,
 *  cross-fade, image, paint, url-with-escapes, …) drops the declaration. */
const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set<string>([
  // colours
  "rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color", "color-mix", "light-dark",
  // maths
  "calc", "min", "max", "clamp", "round", "mod", "rem", "abs", "sign", "sin", "cos", "tan", "asin", "acos",
  "atan", "atan2", "pow", "sqrt", "hypot", "log", "exp",
  // custom properties
  "var",
  // gradients
  "linear-gradient", "radial-gradient", "conic-gradient", "repeating-linear-gradient",
  "repeating-radial-gradient", "repeating-conic-gradient",
  // transforms
  "matrix", "matrix3d", "translate", "translatex", "translatey", "translatez", "translate3d", "scale", "scalex",
  "scaley", "scalez", "scale3d", "rotate", "rotatex", "rotatey", "rotatez", "rotate3d", "skew", "skewx", "skewy",
  "perspective",
  // filters
  "blur", "brightness", "contrast", "drop-shadow", "grayscale", "hue-rotate", "invert", "opacity", "saturate", "sepia",
  // timing and grid
  "cubic-bezier", "steps", "linear", "repeat", "minmax", "fit-content",
  // image-set: its url()/strings must point into mediaOrigins, and var() is not allowed inside it
  "image-set", "-webkit-image-set",
]);

const IMAGE_SET_FUNCTIONS = new Set(["image-set", "-webkit-image-set"]);

/** Node types that may appear in a value (Function and Url get extra checks). */
const VALUE_LEAF_TYPES = new Set(["Identifier", "Number", "Dimension", "Percentage", "Hash", "Operator"]);

/** Node types that may appear in an @media prelude. */
const MEDIA_PRELUDE_TYPES = new Set([
  "MediaQueryList", "MediaQuery", "Condition", "Feature", "FeatureRange", "Identifier", "Number", "Dimension",
  "Ratio", "Function", "Operator",
]);
const MEDIA_FUNCTIONS = new Set(["calc", "min", "max", "clamp"]);

/** Selector combinators we understand (css-tree also knows `||` and `/deep/`). */
const COMBINATORS = new Set([" ", ">", "+", "~"]);
const ROOT_TYPE_SELECTORS = new Set(["html", "body"]);
/** Pseudo-classes that denote the document root when at the start of a selector. */
const ROOT_PSEUDO_CLASSES = new Set(["root", "scope"]);
/** Pseudo-classes that are never allowed (shadow-DOM escapes, :has() looks outside the scope). */
const FORBIDDEN_PSEUDO_CLASSES = new Set(["has", "host", "host-context"]);

/** Keyframe names that would be invalid or ambiguous. */
const RESERVED_KEYFRAME_NAMES = new Set(["none", "initial", "inherit", "unset", "revert", "revert-layer", "default"]);

/** Found in the decoded, comment- and whitespace-free, lower-cased text of a declaration → drop it. */
const FORBIDDEN_WORDS = [
  "expression(", "javascript:", "vbscript:", "livescript:", "mocha:", "data:", "-moz-binding", "behavior:",
  "@import",
];

/** Must never appear in the output (case-insensitive): they end or confuse a <style> element. */
const FORBIDDEN_OUTPUT = ["</style", "<!--", "-->", "<"];

/** Deepest bracket nesting ((, [, {, functions) a top-level statement may have. Deeper statements are
 *  cut out before parsing, so that no recursive step (parser, walker, generator, this sanitizer) can
 *  hit the stack limit: that would make the result depend on the caller's stack depth. */
const MAX_NESTING = 32;
const MAX_MEDIA_DEPTH = 4;
const MAX_VALUE_DEPTH = 32;
const NOTE_MAX = 60;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const encoder = new TextEncoder();

/** Decode CSS escapes (`\65 `, `\e`, escaped newlines) the way a browser's tokenizer would. */
function decodeEscapes(s: string): string {
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
function normalizeForScan(s: string): string {
  const noComments = (t: string) => t.replace(/\/\*[\s\S]*?(?:\*\/|$)/g, "");
  return noComments(decodeEscapes(noComments(s))).replace(/[\u0000-\u0020\u007f-\u009f\u00a0\u200b-\u200f\u2028\u2029\ufeff]/g, "").toLowerCase();
}

function findForbiddenWord(text: string): string | null {
  const raw = text.toLowerCase();
  const norm = normalizeForScan(text);
  for (const word of FORBIDDEN_WORDS) {
    if (raw.includes(word) || norm.includes(word)) return word;
  }
  return null;
}

/** True when the text, as written or with escapes decoded (`\3c /style\3e`), contains `<` or `-->`. */
function hasForbiddenOutput(text: string): boolean {
  const lower = text.toLowerCase();
  const decoded = normalizeForScan(text);
  return FORBIDDEN_OUTPUT.some((s) => lower.includes(s) || decoded.includes(s));
}

function shorten(s: string): string {
  const oneLine = s.replace(/\s+/g, " ").trim();
  return oneLine.length > NOTE_MAX ? `${oneLine.slice(0, NOTE_MAX - 1)}…` : oneLine;
}

function listOf<T>(items: T[]): List<T> {
  return new csstree.List<T>().fromArray(items);
}

function childrenOf(node: CssNode): CssNode[] {
  const children = (node as { children?: List<CssNode> | null }).children;
  return children ? children.toArray() : [];
}

const SAFE_URL_CHARS = /^[A-Za-z0-9\-._~:/?#@!$&*+,;=%]+$/;

/** Normalised allowed prefixes: absolute http(s) URLs whose path ends with "/". */
function normalizeOrigins(origins: string[]): string[] {
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
function isAllowedUrl(value: string, prefixes: string[]): boolean {
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
function cutOverNestedStatements(css: string): { css: string; cut: boolean } {
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

// ---------------------------------------------------------------------------------------------
// The sanitizer
// ---------------------------------------------------------------------------------------------

class Sanitizer {
  private readonly notes: string[] = [];
  private readonly prefixes: string[];
  /** Keyframe name as written → scoped name. */
  private readonly keyframes = new Map<string, string>();

  constructor(private readonly scope: string, mediaOrigins: string[]) {
    this.prefixes = normalizeOrigins(mediaOrigins);
  }

  note(message: string): void {
    if (!this.notes.includes(message)) this.notes.push(message);
  }

  get removed(): string[] {
    return [...this.notes];
  }

  // ---- stylesheet level -------------------------------------------------------------------

  run(ast: CssNode): CssNode {
    this.collectKeyframeNames(ast, 0);
    const children = this.sanitizeRuleList(childrenOf(ast), 0);
    return { type: "StyleSheet", children: listOf(children) } as CssNode;
  }

  /** First pass: user-defined @keyframes names, so animation references can be renamed with them. */
  private collectKeyframeNames(node: CssNode, depth: number): void {
    if (depth > MAX_MEDIA_DEPTH) return;
    for (const child of childrenOf(node)) {
      if (child.type !== "Atrule") continue;
      const name = child.name.toLowerCase();
      if (name === "keyframes") {
        const kf = this.keyframeName(child);
        if (kf !== null) this.keyframes.set(kf, this.scopedKeyframeName(kf));
      } else if (name === "media" && child.block) {
        this.collectKeyframeNames(child.block, depth + 1);
      }
    }
  }

  private scopedKeyframeName(name: string): string {
    return name.startsWith(`${this.scope}-`) ? name : `${this.scope}-${name}`;
  }

  /** Rules and at-rules of a stylesheet or @media block. */
  private sanitizeRuleList(nodes: CssNode[], depth: number): CssNode[] {
    const out: CssNode[] = [];
    for (const node of nodes) {
      switch (node.type) {
        case "Rule": {
          const rule = this.sanitizeStyleRule(node);
          if (rule) out.push(rule);
          break;
        }
        case "Atrule": {
          const rule = this.sanitizeAtrule(node, depth);
          if (rule) out.push(rule);
          break;
        }
        case "CDO": this.note("<!--"); break;
        case "CDC": this.note("-->"); break;
        case "Comment": break; // comments never survive
        case "Raw": this.note("unparseable CSS"); break;
        default: this.note(`unexpected ${node.type}`); break;
      }
    }
    return out;
  }

  private sanitizeAtrule(node: Atrule, depth: number): CssNode | null {
    const name = node.name.toLowerCase();
    if (name === "media") return this.sanitizeMedia(node, depth);
    if (name === "keyframes") return this.sanitizeKeyframes(node);
    this.note(`@${shorten(node.name)}`);
    return null;
  }

  private sanitizeMedia(node: Atrule, depth: number): CssNode | null {
    if (depth >= MAX_MEDIA_DEPTH) { this.note("@media nested too deeply"); return null; }
    if (!node.block) { this.note("@media without a block"); return null; }
    const prelude = node.prelude;
    if (!prelude || prelude.type !== "AtrulePrelude" || !this.isSafeMediaPrelude(prelude)) {
      this.note("@media with an unsupported query");
      return null;
    }
    const children = this.sanitizeRuleList(childrenOf(node.block), depth + 1);
    if (children.length === 0) return null;
    node.block.children = listOf(children);
    return node;
  }

  private isSafeMediaPrelude(prelude: CssNode): boolean {
    let ok = true;
    csstree.walk(prelude, (n: CssNode) => {
      if (n === prelude || !ok) return;
      if (!MEDIA_PRELUDE_TYPES.has(n.type)) ok = false;
      else if (n.type === "Function" && !MEDIA_FUNCTIONS.has(n.name.toLowerCase())) ok = false;
      else if (n.type === "MediaQuery" && ((n.mediaType && !/^[a-z-]+$/i.test(n.mediaType)) || (n.modifier && !/^(not|only)$/i.test(n.modifier)))) ok = false;
    });
    if (!ok) return false;
    const text = csstree.generate(prelude);
    return text.length > 0 && !hasForbiddenOutput(text) && findForbiddenWord(text) === null;
  }

  private keyframeName(node: Atrule): string | null {
    const prelude = node.prelude;
    if (!prelude || prelude.type !== "AtrulePrelude") return null;
    const parts = childrenOf(prelude);
    const only = parts.length === 1 ? parts[0] : undefined;
    let name: string | null = null;
    if (only?.type === "Identifier") name = only.name;
    else if (only?.type === "String") name = only.value;
    if (name === null || !/^-?[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(name) || name.startsWith("--")) return null;
    if (RESERVED_KEYFRAME_NAMES.has(name.toLowerCase())) return null;
    return name;
  }

  private sanitizeKeyframes(node: Atrule): CssNode | null {
    const name = this.keyframeName(node);
    if (name === null || !node.block) { this.note("@keyframes with an invalid name"); return null; }
    const scoped = this.scopedKeyframeName(name);
    const frames: CssNode[] = [];
    for (const child of childrenOf(node.block)) {
      if (child.type !== "Rule") { this.note(child.type === "Atrule" ? `@${shorten(child.name)}` : "unparseable keyframe"); continue; }
      if (!this.isKeyframeSelector(child)) { this.note("invalid keyframe selector"); continue; }
      const decls = this.sanitizeDeclarationBlock(child);
      if (decls.length === 0) continue;
      child.block.children = listOf(decls);
      frames.push(child);
    }
    if (frames.length === 0) return null;
    node.prelude = { type: "AtrulePrelude", children: listOf<CssNode>([{ type: "Identifier", name: scoped } as CssNode]) } as typeof node.prelude;
    node.block.children = listOf(frames);
    return node;
  }

  private isKeyframeSelector(rule: Rule): boolean {
    if (rule.prelude.type !== "SelectorList") return false;
    const selectors = childrenOf(rule.prelude);
    if (selectors.length === 0) return false;
    return selectors.every((selector) => {
      const parts = childrenOf(selector);
      const only = parts.length === 1 ? parts[0] : undefined;
      if (only?.type === "TypeSelector") return /^(from|to)$/i.test(only.name);
      if (only?.type === "Percentage") return /^\d{1,3}(\.\d+)?$/.test(only.value) && Number(only.value) <= 100;
      return false;
    });
  }

  // ---- style rules and selectors ----------------------------------------------------------

  private sanitizeStyleRule(rule: Rule): CssNode | null {
    if (rule.prelude.type !== "SelectorList") { this.note("unparseable selector"); return null; }
    const selectors: CssNode[] = [];
    for (const selector of childrenOf(rule.prelude)) {
      if (selector.type !== "Selector") { this.note("unparseable selector"); continue; }
      const scoped = this.scopeSelector(selector);
      if (scoped) selectors.push(scoped);
    }
    if (selectors.length === 0) return null;
    const decls = this.sanitizeDeclarationBlock(rule);
    if (decls.length === 0) return null;
    rule.prelude.children = listOf(selectors);
    rule.block.children = listOf(decls);
    return rule;
  }

  private dropSelector(selector: Selector, why: string): null {
    let text = "";
    try { text = csstree.generate(selector); } catch { /* ignore */ }
    const shown = text && !hasForbiddenOutput(text) ? ` ${shorten(text)}` : "";
    this.note(`selector${shown} (${why})`);
    return null;
  }

  /** Validates a selector and rewrites it so that it can only match inside `.${scope}`. */
  private scopeSelector(selector: Selector): Selector | null {
    const items = childrenOf(selector);
    if (items.length === 0) return this.dropSelector(selector, "empty");

    // 1. Structure: split into compounds, refuse odd combinators.
    const compounds: CssNode[][] = [[]];
    const combinators: string[] = [];
    for (const item of items) {
      if (item.type === "Combinator") {
        if (!COMBINATORS.has(item.name)) return this.dropSelector(selector, `combinator ${item.name}`);
        const current = compounds[compounds.length - 1];
        if (!current || current.length === 0) return this.dropSelector(selector, "misplaced combinator");
        combinators.push(item.name);
        compounds.push([]);
      } else {
        compounds[compounds.length - 1]?.push(item);
      }
    }
    if (compounds[compounds.length - 1]?.length === 0) return this.dropSelector(selector, "trailing combinator");

    // 2. Every simple selector must be understood; nested arguments must not mention the root.
    for (const item of items) {
      if (item.type === "Combinator") continue;
      const why = this.checkSimpleSelector(item);
      if (why) return this.dropSelector(selector, why);
    }

    // 3. Rewrite a leading html/body/:root/:scope run to the scope element itself.
    const isRoot = (compound: CssNode[]) => compound.some((n) => this.isRootMarker(n));
    let rootRun = 0;
    while (rootRun < compounds.length && isRoot(compounds[rootRun] ?? []) &&
      (rootRun === 0 || combinators[rootRun - 1] === " " || combinators[rootRun - 1] === ">")) {
      rootRun++;
    }
    for (let i = rootRun; i < compounds.length; i++) {
      if (isRoot(compounds[i] ?? [])) return this.dropSelector(selector, "document root inside a selector");
    }

    const scopeClass = (): CssNode => ({ type: "ClassSelector", name: this.scope } as CssNode);
    const isScopeClass = (n: CssNode) => n.type === "ClassSelector" && n.name === this.scope;
    let result: CssNode[];
    if (rootRun > 0) {
      const next = combinators[rootRun - 1];
      if (next === "+" || next === "~") return this.dropSelector(selector, "sibling of the document root");
      const qualifiers: CssNode[] = [];
      for (let i = 0; i < rootRun; i++) {
        for (const n of compounds[i] ?? []) {
          if (n.type === "TypeSelector" || this.isRootMarker(n) || isScopeClass(n)) continue;
          qualifiers.push(n);
        }
      }
      result = [scopeClass(), ...qualifiers];
      for (let i = rootRun; i < compounds.length; i++) {
        result.push({ type: "Combinator", name: combinators[i - 1] ?? " " } as CssNode, ...(compounds[i] ?? []));
      }
    } else {
      const first = compounds[0] ?? [];
      const next = combinators[0];
      if (first.some(isScopeClass) && next !== "+" && next !== "~") {
        result = items; // already scoped (e.g. our own output): keep, for idempotence
      } else {
        result = [scopeClass(), { type: "Combinator", name: " " } as CssNode, ...items];
      }
    }

    selector.children = listOf(result);
    const text = csstree.generate(selector);
    if (hasForbiddenOutput(text)) return this.dropSelector(selector, "forbidden characters");
    return selector;
  }

  private isRootMarker(n: CssNode): boolean {
    if (n.type === "TypeSelector") {
      const name = decodeEscapes(n.name).toLowerCase();
      return ROOT_TYPE_SELECTORS.has(name.slice(name.lastIndexOf("|") + 1));
    }
    if (n.type === "PseudoClassSelector") return ROOT_PSEUDO_CLASSES.has(decodeEscapes(n.name).toLowerCase());
    return false;
  }

  /** Returns why a top-level simple selector is unacceptable, or null. */
  private checkSimpleSelector(item: CssNode): string | null {
    switch (item.type) {
      case "TypeSelector": case "ClassSelector": case "IdSelector":
        return null;
      case "AttributeSelector": {
        const value = item.value;
        if (value?.type === "String" && /[<>\u0000-\u001f\u007f]/.test(value.value)) return "forbidden characters";
        return null;
      }
      case "PseudoClassSelector": case "PseudoElementSelector": {
        const name = decodeEscapes(item.name).toLowerCase();
        if (item.type === "PseudoClassSelector" && FORBIDDEN_PSEUDO_CLASSES.has(name)) return `:${name}()`;
        if (!item.children) return null;
        // Arguments (e.g. :not(...), :nth-child(2n of ...), ::part(x)): no root, no raw text.
        let why: string | null = null;
        csstree.walk(item, (n: CssNode) => {
          if (n === item || why) return;
          if (n.type === "Raw") why = "unparseable pseudo-class argument";
          else if (n.type === "NestingSelector") why = "&";
          else if (this.isRootMarker(n)) why = "document root inside a selector";
          else if (n.type === "PseudoClassSelector" && FORBIDDEN_PSEUDO_CLASSES.has(decodeEscapes(n.name).toLowerCase())) why = `:${n.name}()`;
          else if (n.type === "Combinator" && !COMBINATORS.has(n.name)) why = `combinator ${n.name}`;
          else if ((n.type === "String" || n.type === "Identifier") && /[<>]/.test(n.type === "String" ? n.value : n.name)) why = "forbidden characters";
        });
        return why;
      }
      case "NestingSelector":
        return "& outside a nested rule";
      default:
        return `unsupported ${item.type}`;
    }
  }

  // ---- declarations -----------------------------------------------------------------------

  /** The surviving declarations of a rule's block; nested rules and at-rules are dropped. */
  private sanitizeDeclarationBlock(rule: Rule): CssNode[] {
    const out: CssNode[] = [];
    for (const child of childrenOf(rule.block)) {
      if (child.type === "Declaration") {
        if (this.sanitizeDeclaration(child)) out.push(child);
      } else if (child.type === "Rule") {
        this.note("nested rule");
      } else if (child.type === "Atrule") {
        this.note(`@${shorten(child.name)}`);
      } else if (child.type === "Raw") {
        if (child.value.replace(/[;\s]/g, "") !== "") this.note("unparseable declaration");
      }
    }
    return out;
  }

  /** Checks (and where needed rewrites) one declaration; false = drop it. */
  private sanitizeDeclaration(decl: Declaration): boolean {
    const property = decl.property.toLowerCase();
    const isCustom = property.startsWith("--");
    if (isCustom) {
      if (!/^--[A-Za-z0-9_-]{1,64}$/.test(decl.property)) { this.note("custom property name"); return false; }
    } else if (!ALLOWED_PROPERTIES.has(property)) {
      this.note(`property ${shorten(decl.property)}`);
      return false;
    }
    if (typeof decl.important === "string") { this.note(`!${shorten(decl.important)}`); return false; }
    const value = decl.value;
    if (value.type !== "Value") { this.note(`unparseable value of ${property}`); return false; }
    const parts = childrenOf(value).filter((n) => n.type !== "WhiteSpace");
    if (parts.length === 0) { this.note(`empty value of ${property}`); return false; }

    const why = this.checkValue(value, false, 0);
    if (why) { this.note(why); return false; }

    if (property === "z-index") {
      const only = parts.length === 1 ? parts[0] : undefined;
      if (only?.type === "Identifier" && only.name.toLowerCase() === "auto") return true;
      if (only?.type !== "Number" || !/^[+-]?\d{1,12}$/.test(only.value)) { this.note("z-index that is not a small integer"); return false; }
      const clamped = Math.min(100, Math.max(0, Number(only.value)));
      if (String(clamped) !== only.value) {
        this.note("z-index clamped to 0..100");
        only.value = String(clamped);
      }
    } else if (property === "cursor") {
      if (!parts.every((n) => n.type === "Identifier" || (n.type === "Operator" && n.value === ","))) {
        this.note("cursor other than a keyword");
        return false;
      }
    } else if (property === "animation" || property === "animation-name") {
      for (const part of parts) {
        if (part.type === "Identifier") {
          const renamed = this.keyframes.get(part.name);
          if (renamed !== undefined) part.name = renamed;
        }
      }
    }

    const text = csstree.generate(decl);
    if (hasForbiddenOutput(text)) { this.note(`forbidden characters in ${property}`); return false; }
    const word = findForbiddenWord(text);
    if (word) { this.note(`${word} in ${property}`); return false; }
    return true;
  }

  /** Returns why a value (sub)tree is unacceptable, or null. */
  private checkValue(node: CssNode, inImageSet: boolean, depth: number): string | null {
    if (depth > MAX_VALUE_DEPTH) return "value nested too deeply";
    switch (node.type) {
      case "Value": case "Parentheses": case "Brackets": {
        for (const child of childrenOf(node)) {
          const why = this.checkValue(child, inImageSet, depth + 1);
          if (why) return why;
        }
        return null;
      }
      case "WhiteSpace":
        return null;
      case "String": {
        if (inImageSet) return isAllowedUrl(node.value, this.prefixes) ? null : "url() outside media origin";
        if (/[<>\\\u0000-\u001f\u007f]/.test(node.value)) return "string with forbidden characters";
        return null;
      }
      case "Url":
        return isAllowedUrl(node.value, this.prefixes) ? null : "url() outside media origin";
      case "Function":
        return this.checkFunction(node, inImageSet, depth);
      default:
        if (VALUE_LEAF_TYPES.has(node.type)) return null;
        return node.type === "Raw" ? "unparseable value" : `unsupported ${node.type} in value`;
    }
  }

  private checkFunction(node: FunctionNode, inImageSet: boolean, depth: number): string | null {
    const name = node.name.toLowerCase();
    if (!ALLOWED_FUNCTIONS.has(name)) return `function ${shorten(node.name)}()`;
    if (name === "var") {
      if (inImageSet) return "var() inside image-set()";
      const first = childrenOf(node)[0];
      if (first?.type !== "Identifier" || !/^--[A-Za-z0-9_-]{1,64}$/.test(first.name)) return "invalid var()";
    }
    const nested = inImageSet || IMAGE_SET_FUNCTIONS.has(name);
    for (const child of childrenOf(node)) {
      const why = this.checkValue(child, nested, depth + 1);
      if (why) return why;
    }
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

const PARSE_OPTIONS = {
  parseValue: true,
  parseRulePrelude: true,
  parseAtrulePrelude: true,
  parseCustomProperty: true,
  positions: false,
} as const;

/**
 * Sanitizes a user's profile CSS. Hostile or broken CSS never throws: what is unsafe or unparseable
 * is dropped (and described in `removed`), the rest is kept, scoped under `.${opts.scopeClass}`.
 * Throws AppError BAD_REQUEST / CSS_TOO_LARGE only for input over CUSTOM_CSS_MAX_BYTES UTF-8 bytes.
 */
export function sanitizeCustomCss(input: string, opts: SanitizeOptions): SanitizeResult {
  if (encoder.encode(input).length > CUSTOM_CSS_MAX_BYTES) {
    throw new AppError("BAD_REQUEST", "customCSS is larger than 20 KB", { field: "customCSS", appCode: "CSS_TOO_LARGE" });
  }
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(opts.scopeClass)) {
    throw new Error(`sanitizeCustomCss: invalid scopeClass ${JSON.stringify(opts.scopeClass)}`);
  }

  const sanitizer = new Sanitizer(opts.scopeClass, opts.mediaOrigins);
  let css: string;
  try {
    const bounded = cutOverNestedStatements(input);
    if (bounded.cut) sanitizer.note(`CSS nested more than ${MAX_NESTING} levels deep`);
    let parseErrors = 0;
    const ast = csstree.parse(bounded.css, { ...PARSE_OPTIONS, onParseError: () => { parseErrors++; } });
    if (parseErrors > 0) sanitizer.note("unparseable CSS");
    css = csstree.generate(sanitizer.run(ast));
  } catch {
    // Should be unreachable (nesting is bounded above); if anything throws, keep nothing.
    return { css: "", removed: [...sanitizer.removed, "CSS could not be processed"] };
  }

  // Belt and braces: the assembled text must be inline-safe and must re-parse cleanly.
  let reparseErrors = 0;
  try {
    csstree.parse(css, { ...PARSE_OPTIONS, onParseError: () => { reparseErrors++; } });
  } catch {
    reparseErrors++;
  }
  if (hasForbiddenOutput(css) || reparseErrors > 0) {
    return { css: "", removed: [...sanitizer.removed, "CSS could not be processed"] };
  }
  return { css, removed: sanitizer.removed };
}
