// Server-side sanitizer for the custom CSS a user may attach to their profile page.
//
// The CSS is parsed with css-tree (never regex-filtered), every node is checked against
// allow-lists (custom-css.allowlists.ts), and the surviving tree is generated back to text.
// Everything is scoped under `.${scopeClass}` so it can only style the profile element and what is
// inside it.
//
// Security invariants of the output (each one is asserted by tests/modules/custom-css.test.ts):
//  * only style rules, @media (recursively sanitized) and @keyframes (renamed into the scope);
//  * the first compound of every selector contains `.${scopeClass}` and is never followed by a
//    sibling combinator (`+`, `~`), so no rule can reach outside the profile element;
//  * no selector styles a top-layer box (::backdrop, :modal, :popover-open, …), which would be
//    painted above the page whatever its ancestors contain;
//  * only allow-listed properties; no vendor-prefixed properties; no `position`/offsets;
//  * `animation`/`animation-name` name only keyframes this same CSS defines (renamed), `none` or a
//    CSS-wide keyword: the site's own @keyframes (e.g. `vrss-site-pulse`) can never be run;
//  * the only network fetches possible are url()/image-set() pointing into opts.mediaOrigins;
//  * no `<` at all, no `-->`, so the text is safe to inline in a <style> element;
//  * the output re-parses without errors and sanitizing it again returns it unchanged.
//
// What the sanitizer cannot stop alone is a profile painting over the page around it (transform,
// negative margins, shadows, outlines, border-image): the scope element is the user's to style.
// The containment contract (docs/decisions.md, "Custom CSS containment") is that the page puts the
// scope element inside a wrapper no selector of this output can match, with `contain: paint;
// isolation: isolate; overflow: clip` — tests/browser/profile-page.test.ts checks it in Chromium.
// `!important` is kept: it can only win over the site's rules inside the profile, never reach the
// wrapper or the chrome.
import * as csstree from "css-tree";
import type { CssNode, Declaration, Rule, Atrule, Selector, FunctionNode } from "css-tree";
import { AppError } from "../../lib/errors";
import {
  ALLOWED_FUNCTIONS, ALLOWED_PROPERTIES, ANIMATION_KEYWORDS, COMBINATORS, CSS_WIDE_KEYWORDS, FORBIDDEN_PSEUDO_CLASSES,
  FORBIDDEN_PSEUDO_ELEMENTS, IMAGE_SET_FUNCTIONS, MAX_MEDIA_DEPTH, MAX_NESTING, MAX_VALUE_DEPTH, MEDIA_FUNCTIONS,
  MEDIA_PRELUDE_TYPES, RESERVED_KEYFRAME_NAMES, ROOT_PSEUDO_CLASSES, ROOT_TYPE_SELECTORS, TOP_LAYER_PSEUDO_CLASSES,
  VALUE_LEAF_TYPES,
} from "./custom-css.allowlists";
import {
  childrenOf, cutOverNestedStatements, decodeEscapes, findForbiddenWord, hasForbiddenOutput, isAllowedUrl, listOf,
  normalizeOrigins, shorten,
} from "./custom-css.text";

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

export { ALLOWED_PROPERTIES };

const encoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// The sanitizer
// ---------------------------------------------------------------------------------------------

class Sanitizer {
  private readonly notes: string[] = [];
  private readonly prefixes: string[];
  /** Name (as written, escapes decoded) of every @keyframes of this CSS that survives → scoped name.
   *  `animation`/`animation-name` may name nothing else. */
  private readonly keyframes = new Map<string, string>();
  /** The sanitized form of each surviving @keyframes (null: dropped), made by the first pass. */
  private readonly preparedKeyframes = new Map<Atrule, CssNode | null>();

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
    this.prepareKeyframes(childrenOf(ast), 0);
    const children = this.sanitizeRuleList(childrenOf(ast), 0);
    return { type: "StyleSheet", children: listOf(children) } as CssNode;
  }

  /**
   * First pass: sanitizes every @keyframes the second pass will reach (top level, and inside each
   * @media that sanitizeMedia accepts) and records the names of those that survive, so that the
   * second pass keeps exactly the animation references that name an emitted @keyframes — which
   * keeps the output a fixed point (a reference to a dropped @keyframes is dropped the first time).
   */
  private prepareKeyframes(nodes: CssNode[], depth: number): void {
    for (const node of nodes) {
      if (node.type !== "Atrule") continue;
      const name = node.name.toLowerCase();
      if (name === "keyframes") {
        const kf = this.keyframeName(node); // before sanitizing: that renames the prelude
        const sanitized = this.sanitizeKeyframes(node);
        this.preparedKeyframes.set(node, sanitized);
        if (sanitized && kf !== null) this.keyframes.set(kf, this.scopedKeyframeName(kf));
      } else if (name === "media" && this.acceptsMedia(node, depth)) {
        this.prepareKeyframes(childrenOf(node.block!), depth + 1);
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
    if (name === "keyframes") {
      // Always prepared by the first pass, which walks the same @media blocks as this one.
      const prepared = this.preparedKeyframes.get(node);
      if (prepared === undefined) { this.note("@keyframes"); return null; }
      return prepared;
    }
    this.note(`@${shorten(node.name)}`);
    return null;
  }

  /** Whether an @media at `depth` is kept (its block then sanitized); no notes. */
  private acceptsMedia(node: Atrule, depth: number): boolean {
    const prelude = node.prelude;
    return depth < MAX_MEDIA_DEPTH && Boolean(node.block) && prelude?.type === "AtrulePrelude" && this.isSafeMediaPrelude(prelude);
  }

  private sanitizeMedia(node: Atrule, depth: number): CssNode | null {
    if (depth >= MAX_MEDIA_DEPTH) { this.note("@media nested too deeply"); return null; }
    if (!node.block) { this.note("@media without a block"); return null; }
    if (!this.acceptsMedia(node, depth)) {
      this.note("@media with an unsupported query");
      return null;
    }
    const children = this.sanitizeRuleList(childrenOf(node.block!), depth + 1);
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
      const decls = this.sanitizeDeclarationBlock(child, true);
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

  /** "top layer …" when `n` is a pseudo-element or pseudo-class of a top-layer box, else null. */
  private topLayerPseudo(n: CssNode): string | null {
    if (n.type !== "PseudoElementSelector" && n.type !== "PseudoClassSelector") return null;
    const name = decodeEscapes(n.name).toLowerCase();
    if (n.type === "PseudoElementSelector" && FORBIDDEN_PSEUDO_ELEMENTS.has(name)) return `top layer ::${name}`;
    if (n.type === "PseudoClassSelector" && TOP_LAYER_PSEUDO_CLASSES.has(name)) return `top layer :${name}`;
    return null;
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
        const topLayer = this.topLayerPseudo(item);
        if (topLayer) return topLayer;
        if (!item.children) return null;
        // Arguments (e.g. :not(...), :nth-child(2n of ...), ::part(x)): no root, no raw text.
        let why: string | null = null;
        csstree.walk(item, (n: CssNode) => {
          if (n === item || why) return;
          if (n.type === "Raw") why = "unparseable pseudo-class argument";
          else if (n.type === "NestingSelector") why = "&";
          else if (this.isRootMarker(n)) why = "document root inside a selector";
          else if (n.type === "PseudoClassSelector" && FORBIDDEN_PSEUDO_CLASSES.has(decodeEscapes(n.name).toLowerCase())) why = `:${n.name}()`;
          else if (this.topLayerPseudo(n)) why = this.topLayerPseudo(n);
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
  private sanitizeDeclarationBlock(rule: Rule, inKeyframes = false): CssNode[] {
    const out: CssNode[] = [];
    for (const child of childrenOf(rule.block)) {
      if (child.type === "Declaration") {
        // Browsers ignore animation-* in a keyframe; dropping them keeps the first pass (which
        // sanitizes @keyframes before any name is known) independent of the names.
        if (inKeyframes && child.property.toLowerCase().startsWith("animation")) { this.note(`${child.property.toLowerCase()} inside @keyframes`); continue; }
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
    // `!important` is kept (docs/decisions.md, "Custom CSS containment"); css-tree gives `true` for
    // it and the text for any other `!word` (`!IMPORTANT` included, which browsers accept).
    if (typeof decl.important === "string") {
      if (decl.important.toLowerCase() !== "important") { this.note(`!${shorten(decl.important)}`); return false; }
      decl.important = true;
    }
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
      const why = this.scopeAnimationNames(property, parts);
      if (why) { this.note(why); return false; }
    }

    const text = csstree.generate(decl);
    if (hasForbiddenOutput(text)) { this.note(`forbidden characters in ${property}`); return false; }
    const word = findForbiddenWord(text);
    if (word) { this.note(`${word} in ${property}`); return false; }
    return true;
  }

  /**
   * Rewrites the keyframes names of an `animation`/`animation-name` value to this CSS's own renamed
   * @keyframes, or returns why the declaration must go: a name this CSS does not define (the site's
   * `vrss-site-pulse`, another profile's, an escaped spelling of either), var() (it could carry any
   * name), anything but names and commas in animation-name. Keywords of the shorthand's other
   * longhands, `none` and a lone CSS-wide keyword stay.
   */
  private scopeAnimationNames(property: "animation" | "animation-name", parts: CssNode[]): string | null {
    const shorthand = property === "animation";
    for (const part of parts) {
      if (part.type === "Operator" && part.value === ",") continue;
      if (part.type === "Function") {
        if (part.name.toLowerCase() === "var") return `var() in ${property}`;
        if (shorthand) continue; // cubic-bezier(), steps(), linear(), calc(): checked by checkValue
        return `${property} other than keyframes names`;
      }
      if (part.type === "Number" || part.type === "Dimension") {
        if (shorthand) continue; // durations, delays, iteration counts
        return `${property} other than keyframes names`;
      }
      let name: string;
      if (part.type === "Identifier") name = decodeEscapes(part.name);
      else if (part.type === "String") name = part.value;
      else return `${property} other than keyframes names`;
      const lower = name.toLowerCase();
      if (part.type === "Identifier") {
        if (CSS_WIDE_KEYWORDS.has(lower)) {
          if (parts.length !== 1) return `${property} with a misplaced ${lower}`;
          part.name = lower;
          continue;
        }
        if (lower === "none" || (shorthand && ANIMATION_KEYWORDS.has(lower))) {
          part.name = lower;
          continue;
        }
      }
      const scoped = this.keyframes.get(name);
      if (scoped === undefined) return `${property} naming ${shorten(JSON.stringify(name))}, not a @keyframes of this CSS`;
      // Strings become the identifier: the scoped name is always a plain identifier.
      const node = part as unknown as Record<string, unknown>;
      delete node.value;
      node.type = "Identifier";
      node.name = scoped;
    }
    return null;
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
