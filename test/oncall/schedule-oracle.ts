// An independent reference for time-zone behaviour, used to check src/domains/oncall/schedule.
//
// It shares no code with the implementation: wall clocks come from a different Intl path (sv-SE format(),
// read with a different parser), offset transitions are found by scanning and bisection, and a wall time is
// resolved by brute force over every offset the zone used — then 'compatible' is applied to what that finds.

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();

function svFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('sv-SE', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** What the zone's clock shows at the instant, as the clock fields read as UTC epoch ms ("wall ms"). */
export function wallOf(instant: number, zone: string): number {
  const second = Math.floor(instant / 1000) * 1000;
  const text = svFormatter(zone).format(second); // "2026-10-04 02:45:00"
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) throw new Error(`unexpected sv-SE output ${JSON.stringify(text)}`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) + (instant - second);
}

export function offsetOf(instant: number, zone: string): number {
  return wallOf(instant, zone) - instant;
}

export interface Transition {
  /** First instant with the new offset. */
  at: number;
  before: number;
  after: number;
}

const transitionCache = new Map<string, Transition[]>();
export const SCAN_FROM = Date.UTC(2017, 0, 1);
export const SCAN_TO = Date.UTC(2036, 0, 1);

/** Every offset change between SCAN_FROM and SCAN_TO, to the second. */
export function transitions(zone: string): Transition[] {
  const cached = transitionCache.get(zone);
  if (cached) return cached;
  const found: Transition[] = [];
  const step = 6 * HOUR;
  let previous = offsetOf(SCAN_FROM, zone);
  for (let t = SCAN_FROM + step; t <= SCAN_TO; t += step) {
    const offset = offsetOf(t, zone);
    if (offset === previous) continue;
    let lo = t - step; // offset === previous
    let hi = t; // offset === new
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2000) * 1000;
      if (offsetOf(mid, zone) === previous) lo = mid;
      else hi = mid;
    }
    found.push({ at: hi, before: previous, after: offset });
    previous = offset;
  }
  transitionCache.set(zone, found);
  return found;
}

function offsetsUsed(zone: string): number[] {
  const set = new Set<number>([offsetOf(SCAN_FROM, zone)]);
  for (const t of transitions(zone)) set.add(t.before).add(t.after);
  return [...set];
}

export type WallKind = 'unique' | 'ambiguous' | 'gap';

export interface Resolved {
  kind: WallKind;
  /** The compatible answer. */
  instant: number;
  /** For a gap: how far the wall time is pushed forward. */
  gapMs: number;
}

/** RFC 5545 / Temporal 'compatible' resolution of a wall time, by brute force (valid within the scan range). */
export function resolveCompatible(wall: number, zone: string): Resolved {
  const candidates = offsetsUsed(zone)
    .map((offset) => wall - offset)
    .filter((instant) => wallOf(instant, zone) === wall)
    .sort((a, b) => a - b);
  if (candidates.length > 1) return { kind: 'ambiguous', instant: candidates[0] as number, gapMs: 0 };
  if (candidates.length === 1) return { kind: 'unique', instant: candidates[0] as number, gapMs: 0 };
  const gap = transitions(zone).find((t) => t.after > t.before && t.at + t.before <= wall && wall < t.at + t.after);
  if (!gap) throw new Error(`oracle: ${new Date(wall).toISOString()} neither exists nor is in a gap in ${zone}`);
  return { kind: 'gap', instant: wall - gap.before, gapMs: gap.after - gap.before };
}

/** 'YYYY-MM-DDTHH:MM' of a wall ms. */
export function localText(wall: number): string {
  return new Date(wall).toISOString().slice(0, 16);
}

/** Wall ms of 'YYYY-MM-DDTHH:MM[:SS]'. */
export function wallFromText(local: string): number {
  return Date.parse(`${local.length === 16 ? `${local}:00` : local}Z`);
}
