/**
 * Layers, restrictions and overrides combined into who is on call. Painted bottom-up: layer 0 first, each
 * later layer over it where that layer covers, then the overrides over everything.
 */

import { clipTo, complement, mergeTouching, overlay } from './intervals.js';
import { restrictShifts } from './restrictions.js';
import { rotationShifts } from './rotation.js';
import type { FinalEntry, Interval, Override, OverrideEntry, Schedule, Shift } from './types.js';
import { checkInstants, compileSchedule, type CompiledLayer, type CompiledSchedule } from './validate.js';
import type { Instant } from './zone.js';

/** What one layer covers within [from, to): its turns, clipped, cut to its restriction windows. */
export function coveredByLayer(layer: CompiledLayer, zone: string, from: Instant, to: Instant): Shift[] {
  const shifts = clipTo(rotationShifts(layer, zone, from, to), from, to);
  return restrictShifts(shifts, layer.windows, zone, from, to);
}

/** The overrides within [from, to), clipped, in list order (they may overlap). */
export function overridesWithin(overrides: readonly Override[], from: Instant, to: Instant): OverrideEntry[] {
  const entries = overrides.map((o, index) => ({ start: o.start, end: o.end, user_id: o.user, index }));
  return clipTo(entries, from, to);
}

/** Overrides flattened so that where they overlap, the later one in the list wins. */
function flattenOverrides(overrides: readonly OverrideEntry[]): FinalEntry[] {
  let flat: FinalEntry[] = [];
  for (const o of overrides) flat = overlay(flat, [{ start: o.start, end: o.end, user_id: o.user_id, source: 'override' }]);
  return flat;
}

/** Combines already computed layer coverage (index = layer index) and overrides. */
export function combine(layerCoverage: readonly (readonly Shift[])[], overrides: readonly OverrideEntry[]): FinalEntry[] {
  let painted: FinalEntry[] = [];
  layerCoverage.forEach((entries, layerIndex) => {
    painted = overlay(
      painted,
      entries.map((s) => ({ start: s.start, end: s.end, user_id: s.user_id, source: layerIndex })),
    );
  });
  painted = overlay(painted, flattenOverrides(overrides));
  // Same user and same source: one entry, however many turns (a sole participant, or one listed twice in a row).
  return mergeTouching(painted, (a, b) => a.user_id === b.user_id && a.source === b.source);
}

export function computeFinal(compiled: CompiledSchedule, from: Instant, to: Instant): FinalEntry[] {
  if (from >= to) return [];
  const coverage: Shift[][] = [];
  for (const layer of compiled.layers) coverage[layer.index] = coveredByLayer(layer, compiled.zone, from, to);
  return combine(coverage, overridesWithin(compiled.overrides, from, to));
}

/**
 * Who is on call across [from, to): sorted, non-overlapping entries clipped to the window, with the same
 * user continuing from the same source merged into one entry. Uncovered time has no entry (see gaps).
 */
export function finalSchedule(schedule: Schedule, from: Instant, to: Instant): FinalEntry[] {
  checkInstants({ from, to });
  return computeFinal(compileSchedule(schedule), from, to);
}

/**
 * The user ids on call at the instant: empty in a gap. With one winner at every instant this has at most one
 * element; it is a list so callers need not change if simultaneous responders are ever added.
 */
export function whoIsOnCall(schedule: Schedule, at: Instant): string[] {
  checkInstants({ at });
  // Every boundary is a whole millisecond, so the millisecond [at, at + 1) has exactly one answer.
  return computeFinal(compileSchedule(schedule), at, at + 1).map((entry) => entry.user_id);
}

/** The parts of [from, to) when nobody is on call: exactly the complement of finalSchedule. */
export function gaps(schedule: Schedule, from: Instant, to: Instant): Interval[] {
  checkInstants({ from, to });
  if (from >= to) return [];
  return complement(computeFinal(compileSchedule(schedule), from, to), from, to);
}
