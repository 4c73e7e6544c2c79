/**
 * Time zones via Intl.DateTimeFormat (Node 20 has no Temporal): UTC offsets, instant → local fields, and
 * local wall time → instant with RFC 5545 / Temporal 'compatible' disambiguation.
 *
 * Instants are epoch milliseconds. Supported instants are years 1–9999: Intl prints years before 1 without
 * an era, which would read back as the wrong year.
 */

import { DAY_MS, HOUR_MS, formatLocalDateTime, mustParseLocalDateTime, utcFields, type WallTime } from './local-time.js';

/** Epoch milliseconds. */
export type Instant = number;

export const MIN_INSTANT: Instant = utcFields(1, 1, 2);
export const MAX_INSTANT: Instant = utcFields(9999, 12, 30);

/**
 * Every UTC offset in the time-zone database is within ±16 h (the extremes are 19th-century local mean
 * times: Manila's −15:56 and Juneau's +15:02). So an instant's wall time is within this of the instant,
 * and two wall times at least twice this apart always resolve to instants in the same order — which bounds
 * how far back a computation has to look.
 */
export const OFFSET_BOUND_MS = 16 * HOUR_MS;

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** 0 = Sunday … 6 = Saturday. */
  dayOfWeek: number;
  /** Local time minus UTC: +19 800 000 for UTC+05:30. */
  offsetMs: number;
  /** 'YYYY-MM-DDTHH:MM[:SS]' */
  local: string;
}

// Creating a DateTimeFormat costs far more than using one, so keep one per zone, together with offsets already
// looked up: a schedule asks for the same instants again and again (each hourly boundary is probed from the
// turns a day either side, and every whoIsOnCall re-derives the same turns), and an offset lookup through
// Intl costs microseconds. Only zones Intl accepted are stored; both maps are dropped when they grow large
// (zone names are caller-supplied strings).
interface ZoneCache {
  formatter: Intl.DateTimeFormat;
  offsets: Map<number, number>;
}
const zones = new Map<string, ZoneCache>();
const MAX_CACHED_ZONES = 1000;
const MAX_CACHED_OFFSETS = 20_000;

function zoneCache(zone: string): ZoneCache {
  let cache = zones.get(zone);
  if (!cache) {
    const formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (zones.size >= MAX_CACHED_ZONES) zones.clear();
    cache = { formatter, offsets: new Map() };
    zones.set(zone, cache);
  }
  return cache;
}

/** True for any zone name Intl knows ('America/New_York', 'UTC', aliases such as 'Asia/Calcutta'). */
export function isValidTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone === '') return false;
  try {
    zoneCache(zone);
    return true;
  } catch {
    return false;
  }
}

function mustBeTimeZone(zone: string): void {
  if (!isValidTimeZone(zone)) throw new RangeError(`Unknown time zone: ${JSON.stringify(zone)}`);
}

// format() plus this pattern is about four times faster than formatToParts(), and schedules resolve
// thousands of boundaries; formatToParts() stays as the fallback should an ICU release change the layout.
const EN_US_DATE_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{1,4}), (\d{2}):(\d{2}):(\d{2})$/;

/** The wall time of an instant that is a whole second, straight from Intl. */
function wallOfWholeSecond(instant: Instant, formatter: Intl.DateTimeFormat): WallTime {
  const m = EN_US_DATE_TIME.exec(formatter.format(instant));
  if (m) return utcFields(Number(m[3]), Number(m[1]), Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]));
  const field = (type: Intl.DateTimeFormatPartTypes) =>
    Number(formatter.formatToParts(instant).find((part) => part.type === type)?.value);
  return utcFields(field('year'), field('month'), field('day'), field('hour'), field('minute'), field('second'));
}

/** The zone's UTC offset at an instant, in milliseconds (local = instant + offset). */
export function offsetAt(instant: Instant, zone: string): number {
  const { formatter, offsets } = zoneCache(zone);
  // Offsets are whole seconds, so the instant's second determines it.
  const wholeSecond = Math.floor(instant / 1000) * 1000;
  let offset = offsets.get(wholeSecond);
  if (offset === undefined) {
    offset = wallOfWholeSecond(wholeSecond, formatter) - wholeSecond;
    if (offsets.size >= MAX_CACHED_OFFSETS) offsets.clear();
    offsets.set(wholeSecond, offset);
  }
  return offset;
}

/** What a wall clock in the zone shows at the instant. */
export function instantToWall(instant: Instant, zone: string): WallTime {
  return instant + offsetAt(instant, zone);
}

/**
 * The instant a wall time denotes in the zone, disambiguated like RFC 5545 and Temporal's 'compatible':
 * - a wall time that occurs twice (the repeated hour when clocks go back) takes the EARLIER instant;
 * - a wall time that does not occur (the skipped hour when clocks go forward) is read with the offset from
 *   before the transition, which pushes it forward by the length of the gap: 02:30 in New York's
 *   02:00–03:00 gap is 03:30 EDT, 02:15 in Lord Howe's 30-minute gap is 02:45.
 */
export function wallToInstant(wall: WallTime, zone: string): Instant {
  // The offsets a day either side are the only two the wall time can have: zones do not change offset twice
  // within two days. (The Temporal polyfill resolves local times the same way.)
  const before = offsetAt(wall - DAY_MS, zone);
  const after = offsetAt(wall + DAY_MS, zone);
  const withBefore = wall - before;
  if (before === after) return withBefore;
  const withAfter = wall - after;
  const beforeFits = offsetAt(withBefore, zone) === before;
  const afterFits = offsetAt(withAfter, zone) === after;
  if (beforeFits && afterFits) return Math.min(withBefore, withAfter);
  if (afterFits) return withAfter;
  // Only the old offset fits, or neither does (the gap): the old offset gives the compatible answer.
  return withBefore;
}

/** 'YYYY-MM-DDTHH:MM[:SS]' in the zone → instant, with compatible disambiguation (see wallToInstant). */
export function zonedWallTimeToInstant(local: string, zone: string): Instant {
  mustBeTimeZone(zone);
  return wallToInstant(mustParseLocalDateTime(local), zone);
}

export function instantToZonedParts(instant: Instant, zone: string): ZonedParts {
  mustBeTimeZone(zone);
  mustBeInstant(instant);
  const offsetMs = offsetAt(instant, zone);
  const wall = instant + offsetMs;
  const d = new Date(wall);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
    dayOfWeek: d.getUTCDay(),
    offsetMs,
    local: formatLocalDateTime(wall),
  };
}

/** Whole epoch milliseconds within years 1–9999: every computed boundary is whole, so inputs are too. */
export function isSupportedInstant(instant: unknown): instant is Instant {
  return Number.isInteger(instant) && (instant as number) >= MIN_INSTANT && (instant as number) <= MAX_INSTANT;
}

export function mustBeInstant(instant: Instant, name = 'instant'): void {
  if (!isSupportedInstant(instant)) {
    throw new RangeError(`${name} must be whole epoch milliseconds within years 1–9999, got ${String(instant)}`);
  }
}
