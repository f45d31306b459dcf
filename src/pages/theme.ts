// The profile's look as CSS for the nonce'd <style>: colours, font and background as rules on the
// profile's scope class (inline style attributes would need 'unsafe-inline'), then the owner's
// custom CSS exactly as user.updateStyle stored it (already sanitized and scoped).
import type { profileView } from "../modules/user/user.views";
import { profileScopeClass, renderableCustomCss } from "../modules/user/profile-scope";
import { readableOn } from "./contrast";
import { mediaSrc } from "./safe-url";

export { profileScopeClass };

/** The cards (sections, posts) are near-white whatever the background (site-css.ts). */
const CARD = "#ffffff";
const HEX = /^#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/;
/** A font name as updateStyleInput accepts it (letters, digits, spaces, commas, dashes, quotes). */
const FONT = /^[\p{L}\p{N} ,'"_-]{1,100}$/u;

/** `font-family` from the stored list, each family re-quoted (quotes inside are dropped). */
function fontFamily(font: string): string | null {
  if (!FONT.test(font)) return null;
  const families = font.split(",").map((f) => f.replace(/["']/g, "").trim()).filter(Boolean);
  return families.length ? `${families.map((f) => `"${f}"`).join(", ")}, system-ui, sans-serif` : null;
}

type Look = ReturnType<typeof profileView>;

export interface Theme {
  css: string;
  /** A background video of our own store, rendered as a muted looping <video>. */
  backgroundVideo: string | null;
}

export function profileTheme(userId: string, look: Look, mediaBase: URL): Theme {
  const scope = `.${profileScopeClass(userId)}`;
  const rules: string[] = [];
  const style = look.style ?? {};
  const hex = (value: unknown) => (typeof value === "string" && HEX.test(value) ? value : null);
  const [primary, secondary, accent] = [hex(style.primaryColor), hex(style.secondaryColor), hex(style.accentColor)];
  // The owner's colours stay available to their CSS as variables, whatever is readable.
  const decl: string[] = [];
  for (const [name, value] of [["primary", primary], ["secondary", secondary], ["accent", accent]] as const) {
    if (value) decl.push(`--vrss-${name}:${value}`);
  }
  const family = typeof style.font === "string" ? fontFamily(style.font) : null;
  if (family) decl.push(`font-family:${family}`);
  let backgroundVideo: string | null = null;
  // The colour text sits on outside the cards: the background colour, or white — the frame's own,
  // and the header's card on an image or video, whose colours are unknown here.
  let canvas = CARD;
  let pictureBackground = false;
  const bg = look.background;
  if (bg?.type === "color" && HEX.test(bg.value)) {
    decl.push(`background-color:${bg.value}`);
    canvas = bg.value;
  }
  if (bg?.type === "image") {
    const src = mediaSrc(bg.value, mediaBase);
    // The URL is a parsed, serialized URL of our store (no quotes, backslashes or newlines survive
    // serialization unescaped); refuse anything odd anyway rather than escape it.
    if (src && !/["'\\\s<>()]/.test(src)) {
      decl.push(`background-image:url("${src}")`);
      decl.push(`background-position:${bg.position === "top" ? "top" : bg.position === "bottom" ? "bottom" : "center"}`);
      decl.push(`background-size:${bg.position === "cover" || !bg.position ? "cover" : "auto"}`);
      pictureBackground = true;
    }
  }
  if (bg?.type === "video") {
    backgroundVideo = mediaSrc(bg.value, mediaBase);
    pictureBackground = backgroundVideo !== null;
  }
  // Readable by default (WCAG 4.5:1 for text, 3:1 for headings): an owner's colour is used where
  // it contrasts enough with what it is painted on, else near-black or white.
  decl.push(`color:${readableOn(canvas, primary)}`);
  rules.push(`${scope}{${decl.join(";")}}`);
  if (pictureBackground) rules.push(`${scope} .vrss-profile-header,${scope} .vrss-posts>h2{background:rgba(255,255,255,.88);border-radius:6px;padding:.75rem 1rem}`);
  rules.push(`${scope} .vrss-profile-header a{color:${readableOn(canvas, accent)}}`);
  rules.push(`${scope} .vrss-section a:not(.vrss-links-buttons *),${scope} .vrss-post a{color:${readableOn(CARD, accent)}}`);
  rules.push(`${scope} .vrss-section h2{color:${readableOn(CARD, secondary, 3)}}`);
  rules.push(`${scope} .vrss-posts>h2{color:${readableOn(canvas, secondary, 3)}}`);
  // The stored CSS, through today's sanitizer (renderableCustomCss), whose output never contains
  // `<`; checked again because it is inlined raw into <style>: a `<` drops it whole rather than
  // risk `</style>`.
  const stored = typeof style.customCSS === "string" ? style.customCSS : "";
  const custom = stored ? renderableCustomCss(stored, userId, mediaBase.href) : "";
  if (custom && !custom.includes("<")) rules.push(custom);
  return { css: rules.join("\n"), backgroundVideo };
}
