// Allow-lists and limits of the custom-CSS sanitizer (src/modules/user/custom-css.ts). Everything a
// profile's CSS may contain is named here; anything not named is dropped.

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
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set<string>([
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

export const IMAGE_SET_FUNCTIONS = new Set(["image-set", "-webkit-image-set"]);

/** Node types that may appear in a value (Function and Url get extra checks). */
export const VALUE_LEAF_TYPES = new Set(["Identifier", "Number", "Dimension", "Percentage", "Hash", "Operator"]);

/** Node types that may appear in an @media prelude. */
export const MEDIA_PRELUDE_TYPES = new Set([
  "MediaQueryList", "MediaQuery", "Condition", "Feature", "FeatureRange", "Identifier", "Number", "Dimension",
  "Ratio", "Function", "Operator",
]);
export const MEDIA_FUNCTIONS = new Set(["calc", "min", "max", "clamp"]);

/** Selector combinators we understand (css-tree also knows `||` and `/deep/`). */
export const COMBINATORS = new Set([" ", ">", "+", "~"]);
export const ROOT_TYPE_SELECTORS = new Set(["html", "body"]);
/** Pseudo-classes that denote the document root when at the start of a selector. */
export const ROOT_PSEUDO_CLASSES = new Set(["root", "scope"]);
/** Pseudo-classes that are never allowed (shadow-DOM escapes, :has() looks outside the scope). */
export const FORBIDDEN_PSEUDO_CLASSES = new Set(["has", "host", "host-context"]);

/** Keyframe names that would be invalid or ambiguous. */
export const RESERVED_KEYFRAME_NAMES = new Set(["none", "initial", "inherit", "unset", "revert", "revert-layer", "default"]);

/** Found in the decoded, comment- and whitespace-free, lower-cased text of a declaration → drop it. */
export const FORBIDDEN_WORDS = [
  "expression(", "javascript:", "vbscript:", "livescript:", "mocha:", "data:", "-moz-binding", "behavior:",
  "@import",
];

/** Must never appear in the output (case-insensitive): they end or confuse a <style> element. */
export const FORBIDDEN_OUTPUT = ["</style", "<!--", "-->", "<"];

/** Deepest bracket nesting ((, [, {, functions) a top-level statement may have. Deeper statements are
 *  cut out before parsing, so that no recursive step (parser, walker, generator, this sanitizer) can
 *  hit the stack limit: that would make the result depend on the caller's stack depth. */
export const MAX_NESTING = 32;
export const MAX_MEDIA_DEPTH = 4;
export const MAX_VALUE_DEPTH = 32;
export const NOTE_MAX = 60;
/** Top-layer pseudo-elements and pseudo-classes: a top-layer box is painted above the whole page,
 *  outside every ancestor's containment and clipping, so a profile may never style one. */
export const FORBIDDEN_PSEUDO_ELEMENTS: ReadonlySet<string> = new Set([
  "backdrop", "picker", "view-transition", "view-transition-group", "view-transition-image-pair",
  "view-transition-old", "view-transition-new",
]);
export const TOP_LAYER_PSEUDO_CLASSES: ReadonlySet<string> = new Set(["modal", "popover-open", "fullscreen", "picture-in-picture"]);

/** CSS-wide keywords: valid alone as the value of any property. */
export const CSS_WIDE_KEYWORDS: ReadonlySet<string> = new Set(["initial", "inherit", "unset", "revert", "revert-layer"]);

/** Identifiers of the `animation` shorthand that are keywords of its other longhands (never a
 *  keyframes name: a browser reads them as the keyword first). */
export const ANIMATION_KEYWORDS: ReadonlySet<string> = new Set([
  "none", "auto",
  "ease", "ease-in", "ease-out", "ease-in-out", "linear", "step-start", "step-end",
  "infinite", "normal", "reverse", "alternate", "alternate-reverse",
  "forwards", "backwards", "both", "running", "paused",
]);
