/**
 * Restriction windows ("business hours") turned into instants. Each window occurs on each of its days at its
 * local clock times; both edges resolve like handoffs (compatible rule), so a window starting at 02:30 on
 * the night clocks skip 02:00–03:00 starts at 03:30, and one ending in a repeated hour ends at the first
 * occurrence of that time.
 */

import { DAY_MS, MINUTE_MS, startOfWallDay, wallDayOfWeek } from './local-time.js';
import { intersectWith, unionIntervals } from './intervals.js';
import type { Interval, Shift } from './types.js';
import type { CompiledWindow } from './validate.js';
import { OFFSET_BOUND_MS, instantToWall, wallToInstant, type Instant } from './zone.js';

/**
 * Local days either side of [from, to) whose windows could still reach into it. A window ends within 48 h
 * of its day's midnight, and a wall time is within OFFSET_BOUND_MS (16 h) of its instant, so days more
 * than 48 + 2·16 = 80 h away cannot matter; 4 days is a round bound above that.
 */
const MARGIN_DAYS = Math.ceil((2 * DAY_MS + 2 * OFFSET_BOUND_MS) / DAY_MS);

/** The instants within [from, to) that the windows allow, sorted and merged. */
export function allowedIntervals(windows: readonly CompiledWindow[], zone: string, from: Instant, to: Instant): Interval[] {
  if (from >= to) return [];
  const firstDay = startOfWallDay(instantToWall(from, zone)) - MARGIN_DAYS * DAY_MS;
  const lastDay = startOfWallDay(instantToWall(to, zone)) + MARGIN_DAYS * DAY_MS;
  const allowed: Interval[] = [];
  for (let day = firstDay; day <= lastDay; day += DAY_MS) {
    const dayOfWeek = wallDayOfWeek(day);
    for (const window of windows) {
      if (!window.days[dayOfWeek]) continue;
      const startWall = day + window.startMinute * MINUTE_MS;
      const start = Math.max(from, wallToInstant(startWall, zone));
      const end = Math.min(to, wallToInstant(startWall + window.lengthMinutes * MINUTE_MS, zone));
      if (end > start) allowed.push({ start, end });
    }
  }
  return unionIntervals(allowed);
}

/** The parts of sorted shifts that fall inside the windows; null windows mean unrestricted. */
export function restrictShifts(
  shifts: readonly Shift[],
  windows: readonly CompiledWindow[] | null,
  zone: string,
  from: Instant,
  to: Instant,
): Shift[] {
  if (windows === null) return [...shifts];
  return intersectWith(shifts, allowedIntervals(windows, zone, from, to));
}
