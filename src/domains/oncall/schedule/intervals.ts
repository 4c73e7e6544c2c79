/**
 * Half-open [start, end) interval algebra. Lists called "sorted" are sorted by start with no overlaps, which
 * is what every function here returns; that keeps each operation a single linear pass.
 */

import type { Interval } from './types.js';
import type { Instant } from './zone.js';

/** Sorts and merges overlapping or touching intervals. */
export function unionIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const { start, end } of sorted) {
    const last = out[out.length - 1];
    if (last && start <= last.end) last.end = Math.max(last.end, end);
    else out.push({ start, end });
  }
  return out;
}

/** Each item cut to [from, to); items left empty are dropped. */
export function clipTo<T extends Interval>(items: readonly T[], from: Instant, to: Instant): T[] {
  const out: T[] = [];
  for (const item of items) {
    const start = Math.max(item.start, from);
    const end = Math.min(item.end, to);
    if (end > start) out.push({ ...item, start, end });
  }
  return out;
}

/** The parts of sorted `items` inside sorted `allowed`; an item may split into several pieces. */
export function intersectWith<T extends Interval>(items: readonly T[], allowed: readonly Interval[]): T[] {
  const out: T[] = [];
  let first = 0;
  for (const item of items) {
    while (first < allowed.length && (allowed[first] as Interval).end <= item.start) first++;
    for (let j = first; j < allowed.length && (allowed[j] as Interval).start < item.end; j++) {
      const window = allowed[j] as Interval;
      const start = Math.max(item.start, window.start);
      const end = Math.min(item.end, window.end);
      if (end > start) out.push({ ...item, start, end });
    }
  }
  return out;
}

/** The parts of sorted `items` outside sorted `holes`. */
export function subtract<T extends Interval>(items: readonly T[], holes: readonly Interval[]): T[] {
  const out: T[] = [];
  let first = 0;
  for (const item of items) {
    while (first < holes.length && (holes[first] as Interval).end <= item.start) first++;
    let cursor = item.start;
    for (let j = first; j < holes.length && (holes[j] as Interval).start < item.end; j++) {
      const hole = holes[j] as Interval;
      if (hole.start > cursor) out.push({ ...item, start: cursor, end: hole.start });
      cursor = Math.max(cursor, hole.end);
    }
    if (cursor < item.end) out.push({ ...item, start: cursor, end: item.end });
  }
  return out;
}

/** Sorted `top` laid over sorted `base`: wherever `top` has an item, it replaces whatever `base` had there. */
export function overlay<T extends Interval>(base: readonly T[], top: readonly T[]): T[] {
  const below = subtract(base, top);
  // Two sorted lists with nothing in common: a merge by start keeps the result sorted.
  const out: T[] = [];
  let b = 0;
  let t = 0;
  while (b < below.length || t < top.length) {
    const next = t >= top.length || (b < below.length && (below[b] as T).start < (top[t] as T).start) ? below[b++] : top[t++];
    out.push(next as T);
  }
  return out;
}

/** Joins neighbours that touch (a.end === b.start) and are `same`, e.g. one user continuing on call. */
export function mergeTouching<T extends Interval>(items: readonly T[], same: (a: T, b: T) => boolean): T[] {
  const out: T[] = [];
  for (const item of items) {
    const last = out[out.length - 1];
    if (last && last.end === item.start && same(last, item)) last.end = item.end;
    else out.push({ ...item });
  }
  return out;
}

/** The parts of [from, to) that sorted `covered` leaves uncovered. */
export function complement(covered: readonly Interval[], from: Instant, to: Instant): Interval[] {
  return subtract([{ start: from, end: to }], covered);
}
