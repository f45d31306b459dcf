// Section `embed` items: an allow-list of players, each rebuilt from the parsed URL (never the
// user's string passed through). Anything else is rendered as a plain nofollow link.
import { isPrivateHost, parseWebUrl } from "./safe-url";

export interface Embed {
  provider: "youtube" | "soundcloud" | "bandcamp";
  src: string;
  title: string;
}

/** The origins frame-src allows: exactly the players embedFor can produce. */
export const EMBED_ORIGINS = ["https://www.youtube-nocookie.com", "https://w.soundcloud.com", "https://bandcamp.com"];

const YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;
const YOUTUBE_HOSTS = new Set(["youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtube-nocookie.com", "www.youtube-nocookie.com"]);
const SOUNDCLOUD_HOSTS = new Set(["soundcloud.com", "www.soundcloud.com", "m.soundcloud.com"]);
/** Bandcamp player path options (bandcamp.com/EmbeddedPlayer/key=value/…): keys and value shapes. */
const BANDCAMP_OPTIONS: Record<string, RegExp> = {
  album: /^\d{1,12}$/, track: /^\d{1,12}$/, size: /^(?:small|large)$/, bgcol: /^[0-9a-f]{6}$/i, linkcol: /^[0-9a-f]{6}$/i,
  tracklist: /^(?:true|false)$/, artwork: /^(?:small|large|none)$/, transparent: /^true$/, minimal: /^true$/,
};

function youtubeId(url: URL): string | null {
  const host = url.hostname.toLowerCase();
  let id: string | null | undefined = null;
  if (host === "youtu.be") id = url.pathname.split("/")[1];
  else if (YOUTUBE_HOSTS.has(host)) {
    const [, first, second] = url.pathname.split("/");
    if (first === "watch") id = url.searchParams.get("v");
    else if (first === "embed" || first === "shorts" || first === "live" || first === "v") id = second;
  }
  return id && YOUTUBE_ID.test(id) ? id : null;
}

function soundcloudPlayer(url: URL): string | null {
  if (!SOUNDCLOUD_HOSTS.has(url.hostname.toLowerCase())) return null;
  // A track or playlist page: /artist/track or /artist/sets/name; plain slugs only.
  const segments = url.pathname.split("/").filter(Boolean);
  if (segments.length < 2 || segments.length > 3 || !segments.every((s) => /^[A-Za-z0-9_-]{1,100}$/.test(s))) return null;
  const canonical = `https://soundcloud.com/${segments.join("/")}`;
  return `https://w.soundcloud.com/player/?url=${encodeURIComponent(canonical)}&visual=true`;
}

function bandcampPlayer(url: URL): string | null {
  // Only the player URL itself names the numeric album / track id Bandcamp needs.
  if (url.hostname.toLowerCase() !== "bandcamp.com") return null;
  const [, head, ...options] = url.pathname.split("/").filter((s, i) => i === 0 || s !== "");
  if (head !== "EmbeddedPlayer") return null;
  const kept: string[] = [];
  for (const option of options) {
    const [key, value, extra] = option.split("=");
    if (extra !== undefined || !key || value === undefined) return null;
    const shape = BANDCAMP_OPTIONS[key];
    if (!shape || !shape.test(value)) return null;
    kept.push(`${key}=${value}`);
  }
  if (!kept.some((o) => o.startsWith("album=") || o.startsWith("track="))) return null;
  return `https://bandcamp.com/EmbeddedPlayer/${kept.join("/")}/`;
}

/** The player for an embed URL, or null when it is not one of the allowed providers. */
export function embedFor(value: string | null | undefined): Embed | null {
  const url = parseWebUrl(value);
  if (!url || isPrivateHost(url.hostname)) return null;
  if (url.port !== "") return null;
  const id = youtubeId(url);
  if (id) return { provider: "youtube", src: `https://www.youtube-nocookie.com/embed/${id}`, title: "YouTube video" };
  const sc = soundcloudPlayer(url);
  if (sc) return { provider: "soundcloud", src: sc, title: "SoundCloud player" };
  const bc = bandcampPlayer(url);
  if (bc) return { provider: "bandcamp", src: bc, title: "Bandcamp player" };
  return null;
}
