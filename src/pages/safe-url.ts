// Which URLs a public page may turn into media or embeds. Decided on the parsed URL (WHATWG URL,
// which normalizes hosts: decimal / hex / octal IPv4, IPv6 brackets and compression), never by
// matching the text. Our own media origin comes first: the dev store lives on localhost, and its
// files are ours, so they are rendered; any other loopback / private / link-local host is not.

/** The parsed URL when it is absolute http(s) without credentials; otherwise null. */
export function parseWebUrl(value: string | null | undefined): URL | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.username || url.password) return null;
  return url;
}

function ipv4Private(a: number, b: number): boolean {
  return a === 127 || a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
}

/** Dotted IPv4 (as URL normalizes it) → its octets, or null. */
function ipv4Octets(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
  const octets = parts.map(Number);
  return octets.every((n) => n <= 255) ? octets : null;
}

/** An IPv6 literal (without brackets) → its eight 16-bit groups, or null. */
function ipv6Groups(host: string): number[] | null {
  if (!host.includes(":")) return null;
  let text = host;
  // An embedded dotted IPv4 tail (URL usually rewrites it to hex, but be safe).
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const o = ipv4Octets(tail[1]!);
    if (!o) return null;
    text = text.slice(0, -tail[1]!.length) + `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, rest] = text.split("::");
  if (text.split("::").length > 2) return null;
  const parse = (s: string | undefined) => (s ? s.split(":").map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN)) : []);
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const fill = rest === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<number>(Math.max(fill, 0)).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isFinite(g)) ? groups : null;
}

/**
 * True for hosts that point into the server's or the visitor's own network: localhost and
 * *.localhost, 0.0.0.0/8, 127/8, 10/8, 172.16/12, 192.168/16, 169.254/16, ::, ::1, fc00::/7,
 * fe80::/10, and IPv4-mapped / -compatible IPv6 forms of the IPv4 ranges.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost") || host === "") return true;
  const v4 = ipv4Octets(host);
  if (v4) return ipv4Private(v4[0]!, v4[1]!);
  const v6 = ipv6Groups(host);
  if (!v6) return false;
  if (v6.slice(0, 7).every((g) => g === 0) && (v6[7] === 0 || v6[7] === 1)) return true; // :: and ::1
  if ((v6[0]! & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((v6[0]! & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (deprecated compatible): judge the IPv4 inside.
  if (v6.slice(0, 5).every((g) => g === 0) && (v6[5] === 0xffff || v6[5] === 0)) {
    return ipv4Private(v6[6]! >> 8, v6[6]! & 0xff);
  }
  return false;
}

/**
 * Is `url` a file of our media store? Same origin as `mediaBase` and under its path (the store's
 * publicBaseUrl, e.g. http://localhost:3000/media or https://cdn.example.com/bucket).
 */
export function isOwnMedia(url: URL, mediaBase: URL): boolean {
  if (url.origin !== mediaBase.origin) return false;
  const prefix = mediaBase.pathname.endsWith("/") ? mediaBase.pathname : `${mediaBase.pathname}/`;
  return url.pathname.startsWith(prefix);
}

/** The URL as a media `src` (img, audio, video, CSS background): only files of our own store. */
export function mediaSrc(value: string | null | undefined, mediaBase: URL): string | null {
  const url = parseWebUrl(value);
  return url && isOwnMedia(url, mediaBase) ? url.href : null;
}

/** The URL as an outbound link: http(s), no credentials, not into a private network. */
export function linkHref(value: string | null | undefined, mediaBase: URL): string | null {
  const url = parseWebUrl(value);
  if (!url) return null;
  if (isOwnMedia(url, mediaBase)) return url.href;
  return isPrivateHost(url.hostname) ? null : url.href;
}
