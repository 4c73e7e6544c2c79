/**
 * Local ("wall-clock") date-times with no zone attached, written 'YYYY-MM-DDTHH:MM[:SS]'.
 *
 * Arithmetic happens on a WallTime: the local date-time's fields read as if they were UTC, as epoch
 * milliseconds. UTC has no DST, so on a WallTime "one calendar day later, same clock time" is exactly
 * +DAY_MS and "the clock shows one hour more" is exactly +HOUR_MS. Only zone.ts turns a WallTime into a
 * real instant.
 */

/** A local date-time's fields read as UTC, in epoch milliseconds. Not an instant. */
export type WallTime = number;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Epoch ms of the given UTC fields. Unlike Date.UTC, years 1–99 stay years 1–99 (not 1901–1999). */
export function utcFields(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second); // the hot path: no Date object
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** Parses 'YYYY-MM-DDTHH:MM[:SS]'; null when malformed or not a real calendar date (2026-02-30, 24:00, year 0). */
export function parseLocalDateTime(local: string): WallTime | null {
  const m = LOCAL_DATE_TIME.exec(local);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((part) => (part === undefined ? 0 : Number(part))) as [
    number, number, number, number, number, number,
  ];
  if (year < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const wall = utcFields(year, month, day, hour, minute, second);
  const back = new Date(wall);
  // Date rolls 2026-02-30 over into March; a changed month or day means the date does not exist.
  if (back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return null;
  return wall;
}

/** Throws on malformed input; for callers that have already validated. */
export function mustParseLocalDateTime(local: string): WallTime {
  const wall = parseLocalDateTime(local);
  if (wall === null) throw new RangeError(`Not a local date-time 'YYYY-MM-DDTHH:MM[:SS]': ${JSON.stringify(local)}`);
  return wall;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** 'YYYY-MM-DDTHH:MM', with ':SS' only when the seconds are not zero (milliseconds are dropped). */
export function formatLocalDateTime(wall: WallTime): string {
  const d = new Date(wall);
  const base =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return d.getUTCSeconds() === 0 ? base : `${base}:${pad(d.getUTCSeconds())}`;
}

/** The same clock time `days` calendar days later (earlier when negative): 2026-02-28T09:00 + 1 → 2026-03-01T09:00. */
export function addCalendarDays(local: string, days: number): string {
  if (!Number.isInteger(days)) throw new RangeError(`Calendar days must be a whole number, got ${days}`);
  return formatLocalDateTime(mustParseLocalDateTime(local) + days * DAY_MS);
}

/** Midnight at the start of the wall time's calendar day. */
export function startOfWallDay(wall: WallTime): WallTime {
  return Math.floor(wall / DAY_MS) * DAY_MS;
}

/** 0 = Sunday … 6 = Saturday, like Date#getDay. */
export function wallDayOfWeek(wall: WallTime): number {
  return new Date(wall).getUTCDay();
}
