/**
 * Checks a schedule's meaning (real zone, real handoff date, sane windows) and turns it into the parsed form
 * the computations use. The HTTP layer still checks the JSON shape with its own schema; this is what every
 * caller — HTTP, CLI, ops-as-code — gets identically, as a 400 with one entry per offending field.
 */

import { errors, type FieldProblem } from '../../../core/errors.js';
import { DAY_MS, HOUR_MS, parseLocalDateTime, type WallTime } from './local-time.js';
import type { Layer, Override, Rotation, Schedule, WeeklyWindow } from './types.js';
import { isSupportedInstant, isValidTimeZone } from './zone.js';

/** A weekly window as minutes: it starts `startMinute` after local midnight of each day in `days`. */
export interface CompiledWindow {
  /** Indexed by day of week, 0 = Sunday. */
  days: readonly boolean[];
  startMinute: number;
  /** 1 … 1440; windows that cross midnight simply run past 1440 − startMinute. */
  lengthMinutes: number;
}

export interface CompiledLayer {
  index: number;
  name: string | null;
  handoff: WallTime;
  /** Wall-clock length of one turn: whole days (calendar arithmetic) or whole hours. */
  stepMs: number;
  participants: readonly string[];
  /** null = unrestricted. */
  windows: readonly CompiledWindow[] | null;
}

export interface CompiledSchedule {
  zone: string;
  layers: CompiledLayer[];
  overrides: readonly Override[];
}

// Limits only keep arithmetic far from float trouble; real rotations are far shorter.
const MAX_HOURS = 366 * 24;
const MAX_DAYS = 366;
const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const INSTANT_MESSAGE = 'must be whole epoch milliseconds within years 1–9999';

function rotationStepMs(rotation: Rotation): number | string {
  if (rotation === 'hourly') return HOUR_MS;
  if (rotation === 'daily') return DAY_MS;
  if (rotation === 'weekly') return 7 * DAY_MS;
  if (typeof rotation !== 'object' || rotation === null) return "must be 'hourly', 'daily', 'weekly' or { unit, count }";
  const { unit, count } = rotation;
  if (unit !== 'hours' && unit !== 'days') return "unit must be 'hours' or 'days'";
  const max = unit === 'hours' ? MAX_HOURS : MAX_DAYS;
  if (!Number.isInteger(count) || count < 1 || count > max) return `count must be a whole number from 1 to ${max}`;
  return count * (unit === 'hours' ? HOUR_MS : DAY_MS);
}

function clockMinutes(text: unknown, allowEndOfDay: boolean): number | null {
  if (allowEndOfDay && text === '24:00') return 24 * 60;
  const m = typeof text === 'string' ? CLOCK_TIME.exec(text) : null;
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

// The shape checks below (objects, arrays) only keep malformed input a 400 rather than a TypeError.
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function compileWindow(window: WeeklyWindow, path: string, problems: FieldProblem[]): CompiledWindow | null {
  if (!isObject(window)) {
    problems.push({ path, message: 'must be a weekly window { day_of_week, start, end }' });
    return null;
  }
  const list = Array.isArray(window.day_of_week) ? window.day_of_week : [window.day_of_week];
  const days = [false, false, false, false, false, false, false];
  let daysOk = list.length > 0;
  for (const day of list) {
    if (Number.isInteger(day) && day >= 0 && day <= 6) days[day] = true;
    else daysOk = false;
  }
  if (!daysOk) problems.push({ path: `${path}/day_of_week`, message: 'must be a day 0–6 (0 = Sunday) or a non-empty list of them' });
  const start = clockMinutes(window.start, false);
  if (start === null) problems.push({ path: `${path}/start`, message: "must be 'HH:MM' from 00:00 to 23:59" });
  const end = clockMinutes(window.end, true);
  if (end === null) problems.push({ path: `${path}/end`, message: "must be 'HH:MM' from 00:00 to 24:00" });
  if (!daysOk || start === null || end === null) return null;
  // An end at or before the start continues into the next day; equal means a full day.
  const lengthMinutes = end > start ? end - start : end + 24 * 60 - start;
  return { days, startMinute: start, lengthMinutes };
}

function compileLayer(layer: Layer, index: number, problems: FieldProblem[]): CompiledLayer | null {
  const path = `/layers/${index}`;
  if (!isObject(layer)) {
    problems.push({ path, message: 'must be a layer { rotation, handoff, participants, restrictions? }' });
    return null;
  }
  const before = problems.length;
  const stepMs = rotationStepMs(layer.rotation);
  if (typeof stepMs === 'string') problems.push({ path: `${path}/rotation`, message: stepMs });
  const handoff = typeof layer.handoff === 'string' ? parseLocalDateTime(layer.handoff) : null;
  if (handoff === null) {
    problems.push({ path: `${path}/handoff`, message: "must be a local date-time 'YYYY-MM-DDTHH:MM[:SS]' that exists on the calendar" });
  }
  if (!Array.isArray(layer.participants) || layer.participants.length === 0) {
    problems.push({ path: `${path}/participants`, message: 'must list at least one user' });
  } else {
    layer.participants.forEach((user, i) => {
      if (typeof user !== 'string' || user === '') problems.push({ path: `${path}/participants/${i}`, message: 'must be a user id' });
    });
  }
  if (layer.name !== undefined && typeof layer.name !== 'string') problems.push({ path: `${path}/name`, message: 'must be a string' });
  let windows: CompiledWindow[] | null = null;
  if (layer.restrictions !== undefined) {
    if (!Array.isArray(layer.restrictions)) {
      problems.push({ path: `${path}/restrictions`, message: 'must be a list of weekly windows' });
    } else if (layer.restrictions.length > 0) {
      // An empty list means "no restrictions", not "never covers": forms send [] when nothing is set.
      windows = [];
      layer.restrictions.forEach((window, i) => {
        const compiled = compileWindow(window, `${path}/restrictions/${i}`, problems);
        if (compiled) windows?.push(compiled);
      });
    }
  }
  if (problems.length > before || typeof stepMs === 'string' || handoff === null) return null;
  return { index, name: layer.name ?? null, handoff, stepMs, participants: [...layer.participants], windows };
}

function checkOverride(override: Override, index: number, problems: FieldProblem[]): void {
  const path = `/overrides/${index}`;
  if (!isObject(override)) {
    problems.push({ path, message: 'must be an override { user, start, end }' });
    return;
  }
  if (typeof override.user !== 'string' || override.user === '') problems.push({ path: `${path}/user`, message: 'must be a user id' });
  const startOk = isSupportedInstant(override.start);
  const endOk = isSupportedInstant(override.end);
  if (!startOk) problems.push({ path: `${path}/start`, message: INSTANT_MESSAGE });
  if (!endOk) problems.push({ path: `${path}/end`, message: INSTANT_MESSAGE });
  if (startOk && endOk && override.end <= override.start) problems.push({ path: `${path}/end`, message: 'must be after start' });
}

function compileInto(schedule: Schedule, problems: FieldProblem[]): CompiledSchedule {
  if (!isObject(schedule)) {
    problems.push({ path: '/', message: 'must be a schedule { time_zone, layers, overrides? }' });
    return { zone: 'UTC', layers: [], overrides: [] };
  }
  if (!isValidTimeZone(schedule.time_zone)) {
    problems.push({ path: '/time_zone', message: `unknown time zone ${JSON.stringify(schedule.time_zone)}; use an IANA name such as 'Europe/London'` });
  }
  const layers: CompiledLayer[] = [];
  if (!Array.isArray(schedule.layers)) problems.push({ path: '/layers', message: 'must be a list' });
  else schedule.layers.forEach((layer, i) => {
    const compiled = compileLayer(layer, i, problems);
    if (compiled) layers.push(compiled);
  });
  const overrides = schedule.overrides ?? [];
  if (!Array.isArray(overrides)) problems.push({ path: '/overrides', message: 'must be a list' });
  else overrides.forEach((override, i) => checkOverride(override, i, problems));
  return { zone: schedule.time_zone, layers, overrides: Array.isArray(overrides) ? overrides : [] };
}

/** Everything wrong with the schedule, as field problems with JSON-pointer paths; empty when it is valid. */
export function scheduleProblems(schedule: Schedule): FieldProblem[] {
  const problems: FieldProblem[] = [];
  compileInto(schedule, problems);
  return problems;
}

function throwIfAny(problems: FieldProblem[]): void {
  const first = problems[0];
  if (first) throw errors.validation(problems, `Invalid field ${first.path}: ${first.message}`);
}

/** Parses the schedule; throws a 400 validation_failed AppError listing every problem. */
export function compileSchedule(schedule: Schedule): CompiledSchedule {
  const problems: FieldProblem[] = [];
  const compiled = compileInto(schedule, problems);
  throwIfAny(problems);
  return compiled;
}

/** One layer on its own, as shiftsForLayer needs it (problem paths still say /layers/0). */
export function compileStandaloneLayer(layer: Layer, zone: string): CompiledLayer {
  return compileSchedule({ time_zone: zone, layers: [layer] }).layers[0] as CompiledLayer;
}

/** Instants asked of the computations, by name ({ from, to } or { at }); 400 unless each is supported. */
export function checkInstants(instants: Record<string, number>): void {
  const problems: FieldProblem[] = [];
  for (const [name, value] of Object.entries(instants)) {
    if (!isSupportedInstant(value)) problems.push({ path: `/${name}`, message: INSTANT_MESSAGE });
  }
  throwIfAny(problems);
}
