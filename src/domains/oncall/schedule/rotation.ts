/**
 * A layer's rotation: contiguous turns that start at the handoff, each handing over to the next participant.
 *
 * Turn k starts at the wall time handoff + k·length, resolved in the schedule's zone with the compatible rule
 * (zone.ts). Lengths are wall-clock arithmetic, never elapsed time:
 * - day-based rotations (daily, weekly, custom days) keep the handoff's clock time, so a daily turn across a
 *   DST change lasts 23 or 25 hours;
 * - hour-based rotations (hourly, custom hours) stay on the wall clock too: the boundaries are the handoff's
 *   clock time + k·count hours as the clock reads. Around a transition that means:
 *   - clocks go back (01:00–02:00 happens twice in New York): a boundary at 01:00 takes the first 01:00 (EDT)
 *     and the next one, 02:00, exists once (EST), so that turn lasts 2 real hours and covers both 01:xx;
 *   - clocks go forward (02:00–03:00 is skipped): a boundary at 02:00 is pushed to 03:00 EDT, the same
 *     instant as the 03:00 boundary, so the 02:00 turn has no time at all and is dropped — that
 *     participant's hour never happened — and rotation order continues with the 03:00 turn.
 *   In general a turn starts at the latest boundary so far, so a boundary that resolves to the same or an
 *   earlier instant than the one before it is merged into it and its turn (now empty) is dropped: turns stay
 *   contiguous and never overlap. Earlier instants happen only when a gap is longer than a turn: Samoa
 *   skipped 2011-12-30, so with hourly turns that day's boundaries are pushed 24 h onto the real hours of
 *   12-31, and 12-31's own boundaries are merged until the clock catches up at its 23:00.
 *
 * Turn numbers stay tied to wall-clock boundaries, so a dropped turn does not shift who is on next.
 */

import { OFFSET_BOUND_MS, instantToWall, wallToInstant, type Instant } from './zone.js';
import type { CompiledLayer } from './validate.js';
import { checkInstants, compileStandaloneLayer } from './validate.js';
import type { Layer, Shift } from './types.js';

/**
 * Wall times this far apart always resolve in order (see OFFSET_BOUND_MS), so a boundary this far back of
 * turn k can never be later than turn k's own boundary: looking back this far makes merging exact.
 */
const ORDERED_DISTANCE_MS = 2 * OFFSET_BOUND_MS;

function turnStart(layer: CompiledLayer, zone: string, turn: number): Instant {
  return wallToInstant(layer.handoff + turn * layer.stepMs, zone);
}

function participantShift(layer: CompiledLayer, turn: number, start: Instant, end: Instant): Shift {
  const position = turn % layer.participants.length;
  return { start, end, user_id: layer.participants[position] as string, turn, position };
}

/** The layer's turns that overlap [from, to), whole (not clipped), ignoring restrictions. */
export function rotationShifts(layer: CompiledLayer, zone: string, from: Instant, to: Instant): Shift[] {
  const firstStart = turnStart(layer, zone, 0);
  if (from >= to || to <= firstStart) return [];

  // Jump by wall-clock arithmetic to about the turn containing `from` (no walking from the handoff). Turns
  // before (estimate − lookback) end by `from`: their boundaries are ORDERED_DISTANCE_MS or more of wall
  // clock before from's own wall time, so they resolve no later than `from`. Starting the running maximum
  // another lookback earlier makes it exact for every turn after that, i.e. for every turn reported.
  const fromWall = instantToWall(Math.max(from, firstStart), zone);
  const estimate = Math.floor((fromWall - layer.handoff) / layer.stepMs);
  const lookback = Math.ceil(ORDERED_DISTANCE_MS / layer.stepMs);
  let turn = Math.max(0, estimate - 2 * lookback);

  const shifts: Shift[] = [];
  // The start of a turn is the latest boundary so far: a boundary that resolves to the same or an earlier
  // instant does not move it, which is what merges it.
  let start = turnStart(layer, zone, turn);
  while (start < to) {
    const end = Math.max(start, turnStart(layer, zone, turn + 1));
    if (end > start && end > from) shifts.push(participantShift(layer, turn, start, end));
    start = end;
    turn += 1;
  }
  return shifts;
}

/**
 * The layer's turns overlapping [from, to): contiguous (each end is the next start), whole rather than
 * clipped, and ignoring restrictions (renderTimeline shows what the layer actually covers). Nothing
 * before the handoff. Throws a 400 validation_failed AppError for an invalid layer, zone or window.
 */
export function shiftsForLayer(layer: Layer, zone: string, from: Instant, to: Instant): Shift[] {
  checkInstants({ from, to });
  return rotationShifts(compileStandaloneLayer(layer, zone), zone, from, to);
}
