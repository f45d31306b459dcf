// Item times: PostgreSQL timestamptz text (as the driver returns it, and as cursors carry it) to the
// microseconds of the timeline store's scores.

/** A timestamp as PostgreSQL or ISO text → microseconds since the epoch (the store's scores). */
export function tsMicros(ts: string | number): number | null {
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d(?::?\d\d)?)?$/.exec(String(ts));
  if (!m) return null;
  let zone = m[4] ?? "Z";
  if (/^[+-]\d\d$/.test(zone)) zone += ":00";
  else if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}T${m[2]}${zone}`);
  return Number.isFinite(ms) ? ms * 1000 + Number((m[3] ?? "").padEnd(6, "0")) : null;
}
