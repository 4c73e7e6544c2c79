/** The shapes of on-call schedules and of what is computed from them. All instants are epoch milliseconds. */

import type { Instant } from './zone.js';

export type { Instant } from './zone.js';

/** How long each turn lasts. 'hourly' = 1 hour, 'daily' = 1 day, 'weekly' = 7 days of the wall clock. */
export type Rotation = 'hourly' | 'daily' | 'weekly' | { unit: 'hours' | 'days'; count: number };

/**
 * A weekly window in the schedule's zone, such as business hours { day_of_week: [1,2,3,4,5], start: '09:00',
 * end: '17:00' }. day_of_week is 0 = Sunday … 6 = Saturday and names the day the window STARTS. An end at or
 * before the start crosses midnight into the next day ('22:00'–'06:00'); start == end is a full 24 hours;
 * end may be '24:00'.
 */
export interface WeeklyWindow {
  day_of_week: number | number[];
  start: string;
  end: string;
}

export interface Layer {
  name?: string;
  rotation: Rotation;
  /** When the first turn starts, as a wall-clock 'YYYY-MM-DDTHH:MM[:SS]' in the schedule's zone. Nobody is on before it. */
  handoff: string;
  /** User ids in turn order; the same user may appear more than once. */
  participants: string[];
  /** When present and non-empty, the layer only covers time inside these windows. */
  restrictions?: WeeklyWindow[];
}

/** Someone covering [start, end) regardless of the layers. When overrides overlap, the later one in the list wins. */
export interface Override {
  user: string;
  start: Instant;
  end: Instant;
}

export interface Schedule {
  /** IANA zone name, e.g. 'Europe/London'. Handoffs and restriction windows are read in it. */
  time_zone: string;
  /** Later layers win where they cover. */
  layers: Layer[];
  overrides?: Override[];
}

export interface Interval {
  start: Instant;
  end: Instant;
}

/** One turn of a layer's rotation, [start, end). */
export interface Shift extends Interval {
  user_id: string;
  /** Turn number: 0 is the turn that starts at the handoff. */
  turn: number;
  /** Index into the layer's participants (turn mod participant count), to tell apart a user listed twice. */
  position: number;
}

/** Where a final-schedule entry comes from: a layer's index in schedule.layers, or an override. */
export type EntrySource = number | 'override';

export interface FinalEntry extends Interval {
  user_id: string;
  source: EntrySource;
}

export interface OverrideEntry extends Interval {
  user_id: string;
  /** Index in schedule.overrides. */
  index: number;
}

/** What a timeline UI draws: each layer after restrictions, the overrides, and the result. All clipped to [from, to). */
export interface Timeline {
  from: Instant;
  to: Instant;
  layers: { index: number; name: string | null; entries: Shift[] }[];
  overrides: OverrideEntry[];
  final: FinalEntry[];
  gaps: Interval[];
}
