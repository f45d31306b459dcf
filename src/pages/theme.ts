// The profile's look as CSS for the nonce'd <style>: colours, font and background as rules on the
// profile's scope class (inline style attributes would need 'unsafe-inline'), then the owner's
// custom CSS exactly as user.updateStyle stored it (already sanitized and scoped).
import type { profileView } from "../modules/user/user.views";
import { mediaSrc } from "./safe-url";

/** The class the sanitizer scopes a user's CSS to (user.updateStyle passes the same one). */
export function profileScopeClass(userId: string): string {
  return `vrss-profile-${userId}`;
}

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
  const vars: string[] = [];
  for (const [name, value] of [["primary", style.primaryColor], ["secondary", style.secondaryColor], ["accent", style.accentColor]] as const) {
    if (typeof value === "string" && HEX.test(value)) vars.push(`--vrss-${name}:${value}`);
  }
  const decl: string[] = [...vars];
  if (typeof style.primaryColor === "string" && HEX.test(style.primaryColor)) decl.push("color:var(--vrss-primary)");
  const family = typeof style.font === "string" ? fontFamily(style.font) : null;
  if (family) decl.push(`font-family:${family}`);
  let backgroundVideo: string | null = null;
  const bg = look.background;
  if (bg?.type === "color" && HEX.test(bg.value)) decl.push(`background-color:${bg.value}`);
  if (bg?.type === "image") {
    const src = mediaSrc(bg.value, mediaBase);
    // The URL is a parsed, serialized URL of our store (no quotes, backslashes or newlines survive
    // serialization unescaped); refuse anything odd anyway rather than escape it.
    if (src && !/["'\\\s<>()]/.test(src)) {
      decl.push(`background-image:url("${src}")`);
      decl.push(`background-position:${bg.position === "top" ? "top" : bg.position === "bottom" ? "bottom" : "center"}`);
      decl.push(`background-size:${bg.position === "cover" || !bg.position ? "cover" : "auto"}`);
    }
  }
  if (bg?.type === "video") backgroundVideo = mediaSrc(bg.value, mediaBase);
  if (decl.length) rules.push(`${scope}{${decl.join(";")}}`);
  if (typeof style.accentColor === "string" && HEX.test(style.accentColor)) rules.push(`${scope} a{color:var(--vrss-accent)}`);
  if (typeof style.secondaryColor === "string" && HEX.test(style.secondaryColor)) {
    rules.push(`${scope} .vrss-section h2,${scope} .vrss-posts>h2{color:var(--vrss-secondary)}`);
  }
  // The stored CSS is the sanitizer's output, which never contains `<`; checked again because it is
  // inlined raw into <style>: a `<` would be dropped whole rather than risk `</style>`.
  const custom = typeof style.customCSS === "string" ? style.customCSS : "";
  if (custom && !custom.includes("<")) rules.push(custom);
  return { css: rules.join("\n"), backgroundVideo };
}
