// WCAG 2.x contrast between two sRGB colours, so a profile's own colours are used only where they
// stay readable (a primary colour close to the background made seeded profiles unreadable).

/** #rgb, #rgba, #rrggbb or #rrggbbaa → [r, g, b] in 0–255 (alpha ignored), or null. */
export function parseHex(value: string): [number, number, number] | null {
  const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(value)?.[1];
  if (!hex) return null;
  const full = hex.length <= 4 ? [...hex.slice(0, 3)].map((c) => c + c).join("") : hex.slice(0, 6);
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as [number, number, number];
}

function luminance([r, g, b]: [number, number, number]): number {
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** The contrast ratio (1–21) of two hex colours; 1 when either cannot be parsed. */
export function contrastRatio(a: string, b: string): number {
  const x = parseHex(a);
  const y = parseHex(b);
  if (!x || !y) return 1;
  const [hi, lo] = [luminance(x), luminance(y)].sort((p, q) => q - p) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

export const DARK_TEXT = "#1b1f29";
export const LIGHT_TEXT = "#ffffff";

/** `preferred` when it reaches `minimum` against `background`, else dark or light text, whichever contrasts more. */
export function readableOn(background: string, preferred: string | null, minimum = 4.5): string {
  if (preferred && contrastRatio(preferred, background) >= minimum) return preferred;
  return contrastRatio(DARK_TEXT, background) >= contrastRatio(LIGHT_TEXT, background) ? DARK_TEXT : LIGHT_TEXT;
}
