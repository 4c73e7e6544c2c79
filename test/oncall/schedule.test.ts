// On-call schedule computation (src/domains/oncall/schedule): pure functions, no database.
//
// Property tests run over America/New_York, Europe/London, Australia/Lord_Howe (30-minute DST shift) and
// Asia/Kolkata (no DST), with handoffs at random dates 2019–2030 and, on purpose, at and around every DST
// transition. Expected instants come from an independent oracle (schedule-oracle.ts).
//
// Reproduce a failure with the printed seed: BALLAST_FUZZ_SEED=<seed> node scripts/test.mjs oncall/schedule
// Scale the number of runs with BALLAST_FUZZ_SCALE (default 1).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { AppError } from '../../src/core/errors.js';
import {
  addCalendarDays,
  finalSchedule,
  gaps,
  instantToZonedParts,
  isValidTimeZone,
  parseLocalDateTime,
  renderTimeline,
  scheduleFeedEvents,
  scheduleProblems,
  shiftsForLayer,
  toICalendar,
  userFeedEvents,
  whoIsOnCall,
  zonedWallTimeToInstant,
  type FinalEntry,
  type Interval,
  type Layer,
  type Override,
  type Rotation,
  type Schedule,
  type WeeklyWindow,
} from '../../src/domains/oncall/schedule/index.js';
import { DAY, HOUR, MINUTE, localText, resolveCompatible, transitions, wallFromText, wallOf, type WallKind } from './schedule-oracle.js';

const SCALE = Number(process.env.BALLAST_FUZZ_SCALE ?? 1);
const fcParams = (numRuns: number): { numRuns: number; seed?: number } => ({
  numRuns: Math.max(1, Math.round(numRuns * SCALE)),
  ...(process.env.BALLAST_FUZZ_SEED ? { seed: Number(process.env.BALLAST_FUZZ_SEED) } : {}),
});

const ZONES = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata'] as const;
const NY = 'America/New_York';
const RANDOM_FROM = Date.UTC(2019, 0, 1);
const RANDOM_TO = Date.UTC(2031, 0, 1);
const USERS = ['ana', 'ben', 'chloe', 'dev', 'eli'];

const utc = (text: string) => Date.parse(text);
const isoOf = (instant: number) => new Date(instant).toISOString();
const pad = (n: number) => String(n).padStart(2, '0');
const clockText = (minutes: number) => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;

function rotationParts(rotation: Rotation): { unit: 'hours' | 'days'; count: number } {
  if (rotation === 'hourly') return { unit: 'hours', count: 1 };
  if (rotation === 'daily') return { unit: 'days', count: 1 };
  if (rotation === 'weekly') return { unit: 'days', count: 7 };
  return rotation;
}

/** The ideal wall time of a turn's start, by Date field arithmetic (not the implementation's). */
function idealWall(layer: Layer, turn: number): number {
  const d = new Date(wallFromText(layer.handoff));
  const { unit, count } = rotationParts(layer.rotation);
  const days = unit === 'days' ? turn * count : 0;
  const hours = unit === 'hours' ? turn * count : 0;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + days, d.getUTCHours() + hours, d.getUTCMinutes());
}

// ---------------------------------------------------------------------------------------------------------
// Arbitraries

const rotationArb: fc.Arbitrary<Rotation> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Rotation>('hourly') },
  { weight: 2, arbitrary: fc.constant<Rotation>('daily') },
  { weight: 1, arbitrary: fc.constant<Rotation>('weekly') },
  { weight: 2, arbitrary: fc.record({ unit: fc.constant<'hours'>('hours'), count: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ unit: fc.constant<'days'>('days'), count: fc.integer({ min: 1, max: 15 }) }) },
);

const participantsArb = fc.array(fc.constantFrom(...USERS), { minLength: 1, maxLength: 5 });

const minuteOfDayArb = fc.oneof(
  fc.integer({ min: 0, max: 23 }).map((h) => h * 60),
  fc.integer({ min: 0, max: 95 }).map((q) => q * 15),
  fc.integer({ min: 0, max: 1439 }),
);

const transitionsIn = (zone: string) => transitions(zone).filter((t) => t.at > RANDOM_FROM && t.at < RANDOM_TO);

/**
 * A local date-time near `focusWall`: days before it (often 0–2 or whole weeks, so day-based turns land on
 * the focus day) and up to 3 h either side of its clock time, in 15-minute steps.
 */
const nearArb = (focusWall: number) =>
  fc
    .record({
      days: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 4 }).map((weeks) => 7 * weeks), fc.integer({ min: -3, max: 25 })),
      quarters: fc.oneof(fc.integer({ min: -4, max: 0 }), fc.integer({ min: -4, max: 4 }), fc.integer({ min: -12, max: 12 })),
    })
    .map(({ days, quarters }) => localText(focusWall - days * DAY + quarters * 15 * MINUTE));

const randomInstantArb = fc.integer({ min: RANDOM_FROM + 30 * DAY, max: RANDOM_TO - 30 * DAY });

/** An instant to aim at: usually a DST transition of the zone, sometimes anywhere. */
function focusArb(zone: string): fc.Arbitrary<number> {
  const nearby = transitionsIn(zone);
  if (nearby.length === 0) return randomInstantArb;
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...nearby).map((t) => t.at) }, { weight: 1, arbitrary: randomInstantArb });
}

/** Handoffs at random dates, or on purpose near a DST transition. */
function handoffArb(zone: string): fc.Arbitrary<string> {
  const random = fc
    .record({ day: fc.integer({ min: 0, max: Math.floor((RANDOM_TO - RANDOM_FROM) / DAY) - 1 }), minute: minuteOfDayArb })
    .map(({ day, minute }) => localText(RANDOM_FROM + day * DAY + minute * MINUTE));
  const nearby = transitionsIn(zone);
  if (nearby.length === 0) return random;
  return fc.oneof(random, fc.constantFrom(...nearby).chain((t) => nearArb(t.at + t.before)));
}

/** A window [from, to) that contains `focus` (or, sometimes, lies years later). */
const windowAround = (focus: number, maxLength: number) =>
  fc
    .record({
      length: fc.oneof(fc.integer({ min: 1, max: 6 * HOUR }), fc.integer({ min: 1, max: maxLength })),
      before: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
      yearsLater: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 4 * 365 * DAY }) }),
    })
    .map(({ length, before, yearsLater }) => {
      const from = focus + yearsLater - Math.floor(before * length);
      return { from, to: from + length };
    });

const layerArb = (zone: string, handoff: fc.Arbitrary<string>, withRestrictions: boolean): fc.Arbitrary<Layer> =>
  fc.record({
    rotation: rotationArb,
    handoff,
    participants: participantsArb,
    restrictions: withRestrictions ? fc.option(fc.array(windowArb, { maxLength: 3 }), { nil: undefined }) : fc.constant(undefined),
  }).map(({ restrictions, ...rest }) => (restrictions === undefined ? rest : { ...rest, restrictions }));

const windowArb: fc.Arbitrary<WeeklyWindow> = fc.record({
  day_of_week: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 })),
  start: minuteOfDayArb.map(clockText),
  end: fc.oneof({ weight: 5, arbitrary: minuteOfDayArb.map(clockText) }, { weight: 1, arbitrary: fc.constant('24:00') }),
});

// ---------------------------------------------------------------------------------------------------------
// Layer properties

interface Seen {
  kinds: Record<WallKind, number>;
  /** Turns that got no time because their boundary collapsed into the next one (New York's skipped 02:00). */
  skipped: number;
  /** Turns that start later than their own boundary (only gaps longer than a turn do this). */
  merged: number;
}

/** Properties (1)–(3) for one layer and window; counts the DST situations it met into `seen`. */
function checkLayer(layer: Layer, zone: string, from: number, to: number, seen: Seen): void {
  const shifts = shiftsForLayer(layer, zone, from, to);
  const firstStart = resolveCompatible(idealWall(layer, 0), zone).instant;
  if (to <= firstStart) {
    assert.deepEqual(shifts, [], 'nothing before the handoff');
    return;
  }

  // (1) contiguous, non-overlapping, covering [max(from, handoff), to), each overlapping the window.
  assert.ok(shifts.length > 0, 'some turn covers the window');
  const first = shifts[0]!;
  const last = shifts[shifts.length - 1]!;
  assert.ok(first.start <= Math.max(from, firstStart), 'first turn starts by the window');
  if (from <= firstStart) {
    assert.equal(first.start, firstStart, 'the first turn starts at the handoff');
    for (let turn = 1; turn <= first.turn; turn++) {
      // Only a handoff in a gap can lose turn 0: 02:45 pushed to 03:45, where hourly turn 1 also starts.
      assert.ok(resolveCompatible(idealWall(layer, turn), zone).instant <= firstStart, `turn ${turn - 1} was empty`);
    }
  }
  assert.ok(last.end >= to, 'last turn reaches the end of the window');
  shifts.forEach((s, i) => {
    assert.ok(s.start < s.end, `turn ${s.turn} is not empty`);
    assert.ok(s.end > from && s.start < to, `turn ${s.turn} overlaps the window`);
    if (i > 0) assert.equal(s.start, shifts[i - 1]!.end, `turn ${s.turn} starts where the previous ended`);
  });

  const n = layer.participants.length;
  const { unit, count } = rotationParts(layer.rotation);
  const handoffClock = wallFromText(layer.handoff) % DAY;
  shifts.forEach((s, i) => {
    const ideal = idealWall(layer, s.turn);
    const own = resolveCompatible(ideal, zone);
    const next = resolveCompatible(idealWall(layer, s.turn + 1), zone);

    // (3) participants in order; turns only skip boundaries that collapsed into the previous end.
    assert.equal(s.position, s.turn % n);
    assert.equal(s.user_id, layer.participants[s.turn % n]);
    if (i > 0) {
      const previous = shifts[i - 1]!;
      assert.ok(s.turn > previous.turn, 'turn numbers increase');
      for (let skipped = previous.turn + 1; skipped <= s.turn; skipped++) {
        assert.ok(resolveCompatible(idealWall(layer, skipped), zone).instant <= s.start, `turn ${skipped} was skipped only if empty`);
      }
      seen.skipped += s.turn - previous.turn - 1;
    }

    // (2) a turn ends exactly at its successor's boundary (compatible rule) and starts at its own, unless that
    // boundary resolved to the same or an earlier instant than the previous end (merged).
    assert.equal(s.end, next.instant, `turn ${s.turn} ends at ${localText(idealWall(layer, s.turn + 1))} resolved`);
    if (s.start !== own.instant) {
      assert.ok(own.instant < s.start, `turn ${s.turn} starts at its own boundary or was merged`);
      seen.merged++;
      return;
    }
    seen.kinds[own.kind]++;
    if (own.kind === 'gap') assert.equal(wallOf(s.start, zone), ideal + own.gapMs, 'a skipped local time is pushed by the gap');
    else assert.equal(wallOf(s.start, zone), ideal, 'an existing local time keeps its wall time (earlier instant if repeated)');

    if (own.kind === 'gap' || next.kind === 'gap') return;
    const startWall = wallOf(s.start, zone);
    const endWall = wallOf(s.end, zone);
    if (unit === 'days') {
      assert.equal(startWall % DAY, handoffClock, 'day rotations start at the handoff clock time');
      assert.equal(endWall % DAY, handoffClock, 'day rotations end at the handoff clock time');
      assert.equal((endWall - startWall) / DAY, count, 'calendar-day difference is the rotation length');
    } else {
      assert.equal(endWall - startWall, count * HOUR, 'hour rotations last count hours of wall clock');
    }
  });

  // The same turns whatever window asked for them (the arithmetic jump to `from` agrees with iterating).
  const wider = shiftsForLayer(layer, zone, from - 3 * DAY - 12_345, to);
  assert.deepEqual(
    wider.filter((s) => s.end > from),
    shifts,
    'a wider window yields the same turns',
  );
}

const layerCaseArb = fc
  .constantFrom(...ZONES)
  .chain((zone) => fc.tuple(fc.constant(zone), focusArb(zone)))
  .chain(([zone, focus]) =>
    fc.record({
      zone: fc.constant(zone),
      layer: layerArb(zone, fc.oneof({ weight: 3, arbitrary: nearArb(wallOf(focus, zone)) }, { weight: 1, arbitrary: handoffArb(zone) }), false),
      window: windowAround(focus, 20 * DAY),
    }),
  );

describe('layer rotation properties', () => {
  test('contiguous turns, wall-clock lengths with the compatible rule, participants in order', () => {
    const seen: Seen = { kinds: { unique: 0, ambiguous: 0, gap: 0 }, skipped: 0, merged: 0 };
    fc.assert(
      fc.property(layerCaseArb, ({ zone, layer, window }) => checkLayer(layer, zone, window.from, window.to, seen)),
      fcParams(400),
    );
    // The generators must actually reach the DST cases the properties are about.
    if (SCALE >= 1) {
      assert.ok(seen.kinds.gap > 0, `turns starting in a gap: ${JSON.stringify(seen)}`);
      assert.ok(seen.kinds.ambiguous > 0, `turns starting in a repeated hour: ${JSON.stringify(seen)}`);
      assert.ok(seen.skipped > 0, `turns skipped by a gap: ${JSON.stringify(seen)}`);
    }
  });
});

describe('layer rotation at every transition (exhaustive)', () => {
  // The random property meets each DST case only now and then; this sweep puts boundaries on every quarter
  // hour around every transition of 2025–2026, for hour- and day-based rotations alike.
  const rotations: Rotation[] = ['hourly', { unit: 'hours', count: 3 }, 'daily', { unit: 'days', count: 2 }, 'weekly'];
  for (const zone of ZONES.filter((z) => transitionsIn(z).length > 0)) {
    test(zone, () => {
      const seen: Seen = { kinds: { unique: 0, ambiguous: 0, gap: 0 }, skipped: 0, merged: 0 };
      const sweep = transitions(zone).filter((t) => t.at >= Date.UTC(2025, 0, 1) && t.at < Date.UTC(2027, 0, 1));
      for (const t of sweep) {
        for (const rotation of rotations) {
          const { unit, count } = rotationParts(rotation);
          // Two turns before the transition day for day rotations, so turn 2 lands on it; a day before for hours.
          const daysBack = unit === 'days' ? 2 * count : 1;
          for (let quarter = -6; quarter <= 6; quarter++) {
            const handoff = localText(t.at + t.before - daysBack * DAY + quarter * 15 * MINUTE);
            const layer: Layer = { rotation, handoff, participants: ['ana', 'ben', 'chloe'] };
            checkLayer(layer, zone, t.at - DAY, t.at + DAY, seen);
          }
        }
      }
      assert.ok(seen.kinds.gap > 0 && seen.kinds.ambiguous > 0, JSON.stringify(seen));
      if (zone !== 'Australia/Lord_Howe') assert.ok(seen.skipped > 0, JSON.stringify(seen));
    });
  }
});

// ---------------------------------------------------------------------------------------------------------
// Schedule properties

/** The instants when a layer's restriction windows begin and end, resolved by the oracle. */
function windowIntervals(windows: WeeklyWindow[], zone: string, from: number, to: number): Interval[] {
  const out: Interval[] = [];
  const firstDay = Math.floor(wallOf(from, zone) / DAY) * DAY - 3 * DAY;
  const lastDay = Math.floor(wallOf(to, zone) / DAY) * DAY + 3 * DAY;
  for (let day = firstDay; day <= lastDay; day += DAY) {
    const dow = new Date(day).getUTCDay();
    for (const w of windows) {
      const days = Array.isArray(w.day_of_week) ? w.day_of_week : [w.day_of_week];
      if (!days.includes(dow)) continue;
      const start = wallFromText(`${localText(day).slice(0, 10)}T${w.start}`);
      const endMinutes = w.end === '24:00' ? 1440 : Number(w.end.slice(0, 2)) * 60 + Number(w.end.slice(3));
      const startMinutes = Number(w.start.slice(0, 2)) * 60 + Number(w.start.slice(3));
      const length = (endMinutes > startMinutes ? endMinutes - startMinutes : endMinutes + 1440 - startMinutes) * MINUTE;
      out.push({ start: resolveCompatible(start, zone).instant, end: resolveCompatible(start + length, zone).instant });
    }
  }
  return out;
}

interface Expected {
  user_id: string;
  source: number | 'override';
}

/** Who should be on at each instant, from layer turns (checked above), oracle windows and overrides. */
function referenceFor(schedule: Schedule, from: number, to: number) {
  const zone = schedule.time_zone;
  const layers = schedule.layers.map((layer) => ({
    shifts: shiftsForLayer(layer, zone, from, to),
    windows: layer.restrictions?.length ? windowIntervals(layer.restrictions, zone, from, to) : null,
  }));
  const overrides = schedule.overrides ?? [];
  const at = (t: number): Expected | null => {
    for (let i = overrides.length - 1; i >= 0; i--) {
      const o = overrides[i]!;
      if (o.start <= t && t < o.end) return { user_id: o.user, source: 'override' };
    }
    for (let i = layers.length - 1; i >= 0; i--) {
      const { shifts, windows } = layers[i]!;
      const shift = shifts.find((s) => s.start <= t && t < s.end);
      if (!shift) continue;
      if (windows && !windows.some((w) => w.start <= t && t < w.end)) continue;
      return { user_id: shift.user_id, source: i };
    }
    return null;
  };
  const points = new Set<number>([from, to]);
  const add = (t: number) => {
    if (t > from && t < to) points.add(t);
  };
  for (const { shifts, windows } of layers) {
    for (const s of shifts) add(s.start), add(s.end);
    for (const w of windows ?? []) add(w.start), add(w.end);
  }
  for (const o of overrides) add(o.start), add(o.end);
  return { at, changePoints: [...points].sort((a, b) => a - b) };
}

function entryAt<T extends Interval>(entries: readonly T[], t: number): T | undefined {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = entries[mid]!;
    if (t < e.start) hi = mid - 1;
    else if (t >= e.end) lo = mid + 1;
    else return e;
  }
  return undefined;
}

const scheduleCaseArb = fc
  .constantFrom(...ZONES)
  .chain((zone) => fc.tuple(fc.constant(zone), focusArb(zone)))
  .chain(([zone, focus]) => {
    const handoff = fc.oneof(nearArb(wallOf(focus, zone)), nearArb(wallOf(focus, zone) - 30 * DAY), handoffArb(zone));
    return fc
      .record({
        layers: fc.array(layerArb(zone, handoff, true), { minLength: 1, maxLength: 3 }),
        window: windowAround(focus, 12 * DAY),
        overrides: fc.array(
          fc.record({
            user: fc.constantFrom(...USERS, 'olga'),
            start: fc.double({ min: -0.2, max: 1, noNaN: true }),
            length: fc.integer({ min: MINUTE, max: 3 * DAY }),
            onTheHour: fc.boolean(),
          }),
          { maxLength: 4 },
        ),
        probes: fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: 5, maxLength: 10 }),
      })
      .map(({ layers, window: { from, to }, overrides, probes }) => {
        const overrideList: Override[] = overrides.map((o) => {
          const raw = from + Math.floor(o.start * (to - from));
          const start = o.onTheHour ? Math.floor(raw / HOUR) * HOUR : raw;
          return { user: o.user, start, end: start + o.length };
        });
        const schedule: Schedule = { time_zone: zone, layers, overrides: overrideList };
        return { schedule, from, to, probes };
      });
  });

describe('final schedule properties', () => {
  test('finalSchedule is exactly the layered coverage, gaps() its complement, whoIsOnCall agrees', () => {
    fc.assert(
      fc.property(scheduleCaseArb, ({ schedule, from, to, probes }) => {
        const final = finalSchedule(schedule, from, to);
        const holes = gaps(schedule, from, to);

        // Sorted, disjoint, inside the window; same user from the same source never split.
        final.forEach((e, i) => {
          assert.ok(e.start < e.end && e.start >= from && e.end <= to, 'entries are non-empty and inside the window');
          const previous = final[i - 1];
          if (!previous) return;
          assert.ok(previous.end <= e.start, 'entries are sorted and disjoint');
          if (previous.end === e.start) {
            assert.ok(previous.user_id !== e.user_id || previous.source !== e.source, 'continuing entries are merged');
          }
        });

        // (4) final ∪ gaps tiles [from, to) exactly.
        const tiles = [...final, ...holes].sort((a, b) => a.start - b.start);
        assert.equal(tiles[0]?.start, from);
        assert.equal(tiles[tiles.length - 1]?.end, to);
        tiles.forEach((tile, i) => {
          if (i > 0) assert.equal(tile.start, tiles[i - 1]!.end, 'final and gaps tile the window');
        });
        holes.forEach((h, i) => {
          assert.ok(h.start < h.end);
          if (i > 0) assert.ok(holes[i - 1]!.end < h.start, 'gaps are maximal');
        });

        // (4) between consecutive change points the reference is constant; final must match it on each piece
        // and change only at change points — so it equals the reference everywhere.
        const reference = referenceFor(schedule, from, to);
        const points = reference.changePoints;
        const pointSet = new Set(points);
        for (const e of final) assert.ok(pointSet.has(e.start) && pointSet.has(e.end), 'final changes only at change points');
        for (let i = 0; i + 1 < points.length; i++) {
          const t = points[i]!;
          const expected = reference.at(t);
          const actual = entryAt(final, t);
          assert.deepEqual(
            actual ? { user_id: actual.user_id, source: actual.source } : null,
            expected,
            `at ${isoOf(t)} (${localText(wallOf(t, schedule.time_zone))} local)`,
          );
        }

        // (5) whoIsOnCall agrees with finalSchedule at random instants and at change points.
        const samples = probes.map((p) => from + Math.floor(p * (to - from)));
        const step = Math.max(1, Math.floor(points.length / 8));
        for (let i = 0; i + 1 < points.length; i += step) samples.push(points[i]!);
        for (const t of samples) {
          const entry = entryAt(final, t);
          assert.deepEqual(whoIsOnCall(schedule, t), entry ? [entry.user_id] : [], `whoIsOnCall at ${isoOf(t)}`);
        }
      }),
      fcParams(150),
    );
  });

  test('renderTimeline agrees with finalSchedule and gaps', () => {
    fc.assert(
      fc.property(scheduleCaseArb, ({ schedule, from, to }) => {
        const timeline = renderTimeline(schedule, from, to);
        assert.deepEqual(timeline.final, finalSchedule(schedule, from, to));
        assert.deepEqual(timeline.gaps, gaps(schedule, from, to));
        assert.equal(timeline.layers.length, schedule.layers.length);
        timeline.layers.forEach((row, i) => {
          const turns = shiftsForLayer(schedule.layers[i]!, schedule.time_zone, from, to);
          for (const e of row.entries) {
            assert.ok(e.start >= from && e.end <= to && e.start < e.end);
            const turn = turns.find((s) => s.turn === e.turn);
            assert.ok(turn && turn.start <= e.start && e.end <= turn.end, 'layer entries are pieces of its turns');
            assert.equal(e.user_id, turn.user_id);
          }
        });
      }),
      fcParams(40),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Time-zone helpers

describe('zone helpers', () => {
  const known: [string, string, string, string][] = [
    // zone, local, expected instant, why
    [NY, '2026-03-08T02:30', '2026-03-08T07:30:00.000Z', 'spring-forward gap: pushed 1 h to 03:30 EDT'],
    [NY, '2026-11-01T01:30', '2026-11-01T05:30:00.000Z', 'repeated hour: the earlier instant (EDT)'],
    [NY, '2026-03-08T03:00', '2026-03-08T07:00:00.000Z', 'first time after the gap'],
    [NY, '2026-03-08T01:59', '2026-03-08T06:59:00.000Z', 'last time before the gap'],
    ['Australia/Lord_Howe', '2026-10-04T02:15', '2026-10-03T15:45:00.000Z', '30-minute gap: pushed to 02:45 (+11:00)'],
    ['Australia/Lord_Howe', '2026-04-05T01:45', '2026-04-04T14:45:00.000Z', '30-minute repeat: the earlier instant (+11:00)'],
    ['Europe/London', '2026-03-29T01:30', '2026-03-29T01:30:00.000Z', 'gap: pushed to 02:30 BST, which is 01:30Z'],
    ['Europe/London', '2026-10-25T01:30', '2026-10-25T00:30:00.000Z', 'repeated hour: the earlier instant (BST)'],
    ['Asia/Kolkata', '2026-03-08T02:30', '2026-03-07T21:00:00.000Z', 'no DST'],
    ['Pacific/Apia', '2011-12-30T09:00', '2011-12-30T19:00:00.000Z', 'the skipped day: pushed 24 h'],
  ];
  for (const [zone, local, expected, why] of known) {
    test(`${zone} ${local} → ${expected} (${why})`, () => {
      const instant = zonedWallTimeToInstant(local, zone);
      assert.equal(isoOf(instant), expected);
      // Cross-check with Intl through the oracle's independent path.
      const wall = wallFromText(local);
      const oracle = wall > Date.UTC(2017, 0, 1) ? resolveCompatible(wall, zone) : null;
      if (oracle) assert.equal(instant, oracle.instant);
    });
  }

  test('compatible rule matches the oracle around every transition 2019–2030', () => {
    for (const zone of ZONES) {
      for (const t of transitionsIn(zone)) {
        for (let delta = -4 * HOUR; delta <= 4 * HOUR; delta += 5 * MINUTE) {
          const wall = t.at + t.before + delta;
          assert.equal(zonedWallTimeToInstant(localText(wall), zone), resolveCompatible(wall, zone).instant, `${zone} ${localText(wall)}`);
        }
      }
    }
  });

  test('instantToZonedParts', () => {
    assert.deepEqual(instantToZonedParts(utc('2026-10-03T15:45:00.000Z'), 'Australia/Lord_Howe'), {
      year: 2026, month: 10, day: 4, hour: 2, minute: 45, second: 0, millisecond: 0, dayOfWeek: 0,
      offsetMs: 11 * HOUR, local: '2026-10-04T02:45',
    });
    const parts = instantToZonedParts(utc('2026-11-01T06:30:05.250Z'), NY);
    assert.equal(parts.local, '2026-11-01T01:30:05');
    assert.equal(parts.offsetMs, -5 * HOUR, 'the second 01:30 is EST');
    assert.equal(parts.millisecond, 250);
    assert.equal(instantToZonedParts(0, 'Asia/Kolkata').offsetMs, 5.5 * HOUR);
  });

  test('zones and local date-times are validated', () => {
    assert.equal(isValidTimeZone('Europe/London'), true);
    assert.equal(isValidTimeZone('UTC'), true);
    assert.equal(isValidTimeZone('Mars/Olympus_Mons'), false);
    assert.equal(isValidTimeZone(''), false);
    assert.throws(() => zonedWallTimeToInstant('2026-01-01T00:00', 'Nowhere/City'), RangeError);
    assert.throws(() => instantToZonedParts(0, 'Nowhere/City'), RangeError);
    for (const bad of ['2026-02-29T09:00', '2026-13-01T09:00', '2026-01-01T24:00', '2026-01-01 09:00', '2026-01-01T9:00', '0000-01-01T00:00']) {
      assert.equal(parseLocalDateTime(bad), null, bad);
      assert.throws(() => zonedWallTimeToInstant(bad, NY), RangeError, bad);
    }
    assert.equal(parseLocalDateTime('2028-02-29T23:59:59'), Date.UTC(2028, 1, 29, 23, 59, 59));
  });

  test('addCalendarDays is calendar arithmetic on the wall clock', () => {
    assert.equal(addCalendarDays('2026-02-28T09:00', 1), '2026-03-01T09:00');
    assert.equal(addCalendarDays('2028-02-28T09:00', 1), '2028-02-29T09:00');
    assert.equal(addCalendarDays('2026-12-31T23:30', 1), '2027-01-01T23:30');
    assert.equal(addCalendarDays('2026-03-07T02:30', 1), '2026-03-08T02:30', 'a wall time, even one New York skips');
    assert.equal(addCalendarDays('2026-03-01T00:00:15', -1), '2026-02-28T00:00:15');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Rotations around transitions

const turnsOf = (layer: Layer, zone: string, from: string, to: string) =>
  shiftsForLayer(layer, zone, utc(from), utc(to)).map((s) => `${isoOf(s.start).slice(0, 16)}–${isoOf(s.end).slice(11, 16)} ${s.user_id}#${s.turn}`);

describe('rotations', () => {
  test('hourly, clocks go forward: the skipped 02:00 turn is dropped, order stays tied to the clock', () => {
    const layer: Layer = { rotation: 'hourly', handoff: '2026-03-07T23:00', participants: ['a', 'b', 'c'] };
    assert.deepEqual(turnsOf(layer, NY, '2026-03-08T04:00Z', '2026-03-08T09:00Z'), [
      '2026-03-08T04:00–05:00 a#0', // 23:00 EST
      '2026-03-08T05:00–06:00 b#1', // 00:00
      '2026-03-08T06:00–07:00 c#2', // 01:00 EST until 03:00 EDT
      // #3 (a) would start at 02:00, which resolves to 03:00 EDT = the next boundary: no time at all
      '2026-03-08T07:00–08:00 b#4', // 03:00 EDT
      '2026-03-08T08:00–09:00 c#5',
    ]);
  });

  test('hourly, clocks go back: the 01:00 turn covers both 01:xx hours (2 real hours)', () => {
    const layer: Layer = { rotation: 'hourly', handoff: '2026-10-31T23:00', participants: ['a', 'b', 'c'] };
    assert.deepEqual(turnsOf(layer, NY, '2026-11-01T03:00Z', '2026-11-01T08:00Z'), [
      '2026-11-01T03:00–04:00 a#0',
      '2026-11-01T04:00–05:00 b#1',
      '2026-11-01T05:00–07:00 c#2', // 01:00 EDT until 02:00 EST
      '2026-11-01T07:00–08:00 a#3',
    ]);
  });

  test('daily across DST: 23- and 25-hour turns at the same clock time', () => {
    const layer: Layer = { rotation: 'daily', handoff: '2026-03-06T09:00', participants: ['a', 'b'] };
    const lengths = shiftsForLayer(layer, NY, utc('2026-03-06T14:00Z'), utc('2026-03-10T00:00Z')).map((s) => (s.end - s.start) / HOUR);
    assert.deepEqual(lengths, [24, 23, 24, 24]);
    const autumn: Layer = { rotation: 'daily', handoff: '2026-10-31T09:00', participants: ['a', 'b'] };
    const autumnLengths = shiftsForLayer(autumn, NY, utc('2026-10-31T13:00Z'), utc('2026-11-02T00:00Z')).map((s) => (s.end - s.start) / HOUR);
    assert.deepEqual(autumnLengths, [25, 24]);
  });

  test('daily handoff at 02:30 in New York: that day’s turn starts at 03:30 EDT', () => {
    const layer: Layer = { rotation: 'daily', handoff: '2026-03-06T02:30', participants: ['a', 'b'] };
    assert.deepEqual(turnsOf(layer, NY, '2026-03-07T12:00Z', '2026-03-09T12:00Z'), [
      '2026-03-07T07:30–07:30 b#1', // 02:30 EST → 03:30 EDT next day: 24 h
      '2026-03-08T07:30–06:30 a#2', // 03:30 EDT → 02:30 EDT: 23 h
      '2026-03-09T06:30–06:30 b#3',
    ]);
  });

  test('Lord Howe hourly: a 30-minute turn in spring, a 90-minute one in autumn', () => {
    const spring: Layer = { rotation: 'hourly', handoff: '2026-10-04T00:00', participants: ['a', 'b'] };
    const springLengths = shiftsForLayer(spring, 'Australia/Lord_Howe', zonedWallTimeToInstant('2026-10-04T00:00', 'Australia/Lord_Howe'), zonedWallTimeToInstant('2026-10-04T05:00', 'Australia/Lord_Howe'))
      .map((s) => (s.end - s.start) / MINUTE);
    assert.deepEqual(springLengths, [60, 60, 30, 60, 60]);
    const autumn: Layer = { rotation: 'hourly', handoff: '2026-04-05T00:00', participants: ['a', 'b'] };
    const autumnLengths = shiftsForLayer(autumn, 'Australia/Lord_Howe', zonedWallTimeToInstant('2026-04-05T00:00', 'Australia/Lord_Howe'), zonedWallTimeToInstant('2026-04-05T04:00', 'Australia/Lord_Howe'))
      .map((s) => (s.end - s.start) / MINUTE);
    assert.deepEqual(autumnLengths, [60, 90, 60, 60]);
  });

  test('a gap longer than a turn (Samoa skipped 2011-12-30) merges boundaries and stays contiguous', () => {
    const daily: Layer = { rotation: 'daily', handoff: '2011-12-28T09:00', participants: ['a', 'b', 'c'] };
    assert.deepEqual(turnsOf(daily, 'Pacific/Apia', '2011-12-28T00:00Z', '2012-01-01T00:00Z'), [
      '2011-12-28T19:00–19:00 a#0',
      '2011-12-29T19:00–19:00 b#1', // 09:00 on 12-29 (−10) until 09:00 on 12-31 (+14): 12-30 never happened
      '2011-12-30T19:00–19:00 a#3',
      '2011-12-31T19:00–19:00 b#4',
    ]);
    // Hourly: the skipped day's wall times are pushed 24 h, so its turns take the real hours of 12-31, and
    // 12-31's own boundaries (now earlier than the running end) merge until the clock catches up at 23:00.
    const hourly: Layer = { rotation: 'hourly', handoff: '2011-12-29T20:00', participants: ['a', 'b', 'c'] };
    const shifts = shiftsForLayer(hourly, 'Pacific/Apia', utc('2011-12-30T06:00Z'), utc('2011-12-31T12:00Z'));
    shifts.forEach((s, i) => {
      assert.equal(s.end - s.start, HOUR);
      if (i > 0) assert.equal(s.start, shifts[i - 1]!.end);
    });
    const jumps = shifts.flatMap((s, i) => (i > 0 && s.turn - shifts[i - 1]!.turn > 1 ? [[instantToZonedParts(s.start, 'Pacific/Apia').local, s.turn - shifts[i - 1]!.turn]] : []));
    assert.deepEqual(jumps, [['2011-12-31T23:00', 25]]);
  });

  test('nothing before the handoff; a window years later is computed arithmetically', () => {
    const layer: Layer = { rotation: { unit: 'hours', count: 12 }, handoff: '2026-01-05T08:00', participants: ['a', 'b', 'c'] };
    assert.deepEqual(shiftsForLayer(layer, NY, utc('2025-12-01T00:00Z'), utc('2026-01-05T13:00Z')), []);
    const later = shiftsForLayer(layer, NY, utc('2036-07-01T00:00Z'), utc('2036-07-02T00:00Z'));
    assert.deepEqual(later.map((s) => instantToZonedParts(s.start, NY).local), ['2036-06-30T20:00', '2036-07-01T08:00'], 'the 20:00 turn starts exactly at `to`');
    const turn = later[0]!.turn;
    assert.equal(turn, 2 * (Date.UTC(2036, 5, 30, 20) - Date.UTC(2026, 0, 5, 8)) / DAY);
    assert.equal(later[0]!.user_id, ['a', 'b', 'c'][turn % 3]);
  });

  test('a user listed twice has two positions and one merged final entry', () => {
    const schedule: Schedule = { time_zone: 'UTC', layers: [{ rotation: 'daily', handoff: '2026-01-01T00:00', participants: ['a', 'a', 'b'] }] };
    const shifts = shiftsForLayer(schedule.layers[0]!, 'UTC', utc('2026-01-01T00:00Z'), utc('2026-01-04T00:00Z'));
    assert.deepEqual(shifts.map((s) => [s.user_id, s.position]), [['a', 0], ['a', 1], ['b', 2]]);
    assert.deepEqual(finalSchedule(schedule, utc('2026-01-01T00:00Z'), utc('2026-01-04T00:00Z')), [
      { start: utc('2026-01-01T00:00Z'), end: utc('2026-01-03T00:00Z'), user_id: 'a', source: 0 },
      { start: utc('2026-01-03T00:00Z'), end: utc('2026-01-04T00:00Z'), user_id: 'b', source: 0 },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Restrictions and overrides

const local = (text: string, zone = NY) => zonedWallTimeToInstant(text, zone);
const entries = (list: readonly FinalEntry[], zone = NY) =>
  list.map((e) => `${instantToZonedParts(e.start, zone).local}–${instantToZonedParts(e.end, zone).local} ${e.user_id}@${e.source}`);

describe('restrictions', () => {
  const businessHours: WeeklyWindow = { day_of_week: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };
  const schedule: Schedule = {
    time_zone: NY,
    layers: [
      { name: 'Nights and weekends', rotation: 'weekly', handoff: '2026-01-05T09:00', participants: ['nora'] },
      { name: 'Business hours', rotation: 'daily', handoff: '2026-01-05T09:00', participants: ['ana', 'ben'], restrictions: [businessHours] },
    ],
  };

  test('business hours win over the base layer Mon–Fri 09:00–17:00 only', () => {
    assert.deepEqual(whoIsOnCall(schedule, local('2026-01-05T10:00')), ['ana']);
    assert.deepEqual(whoIsOnCall(schedule, local('2026-01-06T16:59')), ['ben']);
    assert.deepEqual(whoIsOnCall(schedule, local('2026-01-06T17:00')), ['nora']);
    assert.deepEqual(whoIsOnCall(schedule, local('2026-01-07T08:59')), ['nora']);
    assert.deepEqual(whoIsOnCall(schedule, local('2026-01-10T12:00')), ['nora'], 'Saturday');
    assert.deepEqual(entries(finalSchedule(schedule, local('2026-01-09T00:00'), local('2026-01-12T12:00'))), [
      '2026-01-09T00:00–2026-01-09T09:00 nora@0',
      '2026-01-09T09:00–2026-01-09T17:00 ana@1',
      '2026-01-09T17:00–2026-01-12T09:00 nora@0',
      '2026-01-12T09:00–2026-01-12T12:00 ben@1', // turn 7 of [ana, ben]
    ]);
  });

  test('a restricted layer alone leaves gaps outside its windows', () => {
    const alone: Schedule = { time_zone: NY, layers: [schedule.layers[1]!] };
    assert.deepEqual(whoIsOnCall(alone, local('2026-01-10T12:00')), []);
    assert.deepEqual(
      gaps(alone, local('2026-01-09T00:00'), local('2026-01-13T00:00')).map((g) => `${instantToZonedParts(g.start, NY).local}–${instantToZonedParts(g.end, NY).local}`),
      ['2026-01-09T00:00–2026-01-09T09:00', '2026-01-09T17:00–2026-01-12T09:00', '2026-01-12T17:00–2026-01-13T00:00'],
    );
    const timeline = renderTimeline(alone, local('2026-01-12T00:00'), local('2026-01-13T00:00'));
    assert.deepEqual(timeline.layers[0]?.entries.map((e) => [instantToZonedParts(e.start, NY).local, instantToZonedParts(e.end, NY).local, e.user_id, e.turn]), [
      ['2026-01-12T09:00', '2026-01-12T17:00', 'ben', 7],
    ]);
    assert.equal(timeline.layers[0]?.name, 'Business hours');
  });

  const restricted = (restrictions: WeeklyWindow[]): Schedule => ({
    time_zone: NY,
    layers: [{ rotation: 'weekly', handoff: '2026-01-01T00:00', participants: ['ana'], restrictions }],
  });

  test('a window crossing midnight: Friday 22:00 to Saturday 06:00', () => {
    const s = restricted([{ day_of_week: 5, start: '22:00', end: '06:00' }]);
    assert.deepEqual(whoIsOnCall(s, local('2026-01-09T21:59')), []);
    assert.deepEqual(whoIsOnCall(s, local('2026-01-09T22:00')), ['ana']);
    assert.deepEqual(whoIsOnCall(s, local('2026-01-10T05:59')), ['ana']);
    assert.deepEqual(whoIsOnCall(s, local('2026-01-10T06:00')), []);
    assert.deepEqual(whoIsOnCall(s, local('2026-01-08T23:00')), [], 'Thursday night is not in it');
  });

  test('start == end is a full day; 24:00 is the end of the day', () => {
    const fullDay = restricted([{ day_of_week: 3, start: '09:00', end: '09:00' }]);
    assert.deepEqual(entries(finalSchedule(fullDay, local('2026-01-07T00:00'), local('2026-01-09T00:00'))), [
      '2026-01-07T09:00–2026-01-08T09:00 ana@0',
    ]);
    const saturday = restricted([{ day_of_week: 6, start: '00:00', end: '24:00' }]);
    assert.deepEqual(entries(finalSchedule(saturday, local('2026-01-09T00:00'), local('2026-01-12T00:00'))), [
      '2026-01-10T00:00–2026-01-11T00:00 ana@0',
    ]);
  });

  test('window edges in a DST gap follow the compatible rule', () => {
    const s = restricted([{ day_of_week: 0, start: '02:30', end: '04:00' }]);
    const final = finalSchedule(s, utc('2026-03-08T00:00Z'), utc('2026-03-09T00:00Z'));
    assert.deepEqual(final.map((e) => [isoOf(e.start), isoOf(e.end)]), [['2026-03-08T07:30:00.000Z', '2026-03-08T08:00:00.000Z']]);
  });

  test('an empty restriction list means unrestricted', () => {
    assert.deepEqual(whoIsOnCall(restricted([]), local('2026-01-10T03:00')), ['ana']);
  });
});

describe('overrides', () => {
  const base: Schedule = {
    time_zone: 'UTC',
    layers: [{ rotation: 'daily', handoff: '2026-01-01T00:00', participants: ['ana', 'ben'] }],
  };
  const at = (text: string) => utc(`${text}Z`);

  test('an override wins over every layer, half-open at both ends', () => {
    const s: Schedule = { ...base, overrides: [{ user: 'olga', start: at('2026-01-01T10:00'), end: at('2026-01-01T12:00') }] };
    assert.deepEqual(whoIsOnCall(s, at('2026-01-01T09:59')), ['ana']);
    assert.deepEqual(whoIsOnCall(s, at('2026-01-01T10:00')), ['olga']);
    assert.deepEqual(whoIsOnCall(s, at('2026-01-01T12:00')), ['ana']);
    assert.deepEqual(entries(finalSchedule(s, at('2026-01-01T00:00'), at('2026-01-02T00:00')), 'UTC'), [
      '2026-01-01T00:00–2026-01-01T10:00 ana@0',
      '2026-01-01T10:00–2026-01-01T12:00 olga@override',
      '2026-01-01T12:00–2026-01-02T00:00 ana@0',
    ]);
  });

  test('overlapping overrides: the later one in the list wins', () => {
    const s: Schedule = {
      ...base,
      overrides: [
        { user: 'dora', start: at('2026-01-01T10:00'), end: at('2026-01-01T14:00') },
        { user: 'eve', start: at('2026-01-01T12:00'), end: at('2026-01-01T16:00') },
      ],
    };
    assert.deepEqual(entries(finalSchedule(s, at('2026-01-01T09:00'), at('2026-01-01T17:00')), 'UTC'), [
      '2026-01-01T09:00–2026-01-01T10:00 ana@0',
      '2026-01-01T10:00–2026-01-01T12:00 dora@override',
      '2026-01-01T12:00–2026-01-01T16:00 eve@override',
      '2026-01-01T16:00–2026-01-01T17:00 ana@0',
    ]);
  });

  test('an override fills a gap; the same user from another source is a separate entry', () => {
    const s: Schedule = {
      ...base,
      overrides: [
        { user: 'olga', start: at('2025-12-31T20:00'), end: at('2026-01-01T00:00') },
        { user: 'ana', start: at('2026-01-01T12:00'), end: at('2026-01-01T13:00') },
      ],
    };
    assert.deepEqual(entries(finalSchedule(s, at('2025-12-31T18:00'), at('2026-01-01T14:00')), 'UTC'), [
      '2025-12-31T20:00–2026-01-01T00:00 olga@override',
      '2026-01-01T00:00–2026-01-01T12:00 ana@0',
      '2026-01-01T12:00–2026-01-01T13:00 ana@override',
      '2026-01-01T13:00–2026-01-01T14:00 ana@0',
    ]);
    assert.deepEqual(
      gaps(s, at('2025-12-31T18:00'), at('2026-01-01T14:00')).map((g) => [isoOf(g.start), isoOf(g.end)]),
      [['2025-12-31T18:00:00.000Z', '2025-12-31T20:00:00.000Z']],
    );
  });

  test('the timeline lists overrides as entered, clipped', () => {
    const s: Schedule = { ...base, overrides: [{ user: 'olga', start: at('2025-12-31T20:00'), end: at('2026-01-01T04:00') }] };
    const timeline = renderTimeline(s, at('2026-01-01T00:00'), at('2026-01-02T00:00'));
    assert.deepEqual(timeline.overrides, [{ start: at('2026-01-01T00:00'), end: at('2026-01-01T04:00'), user_id: 'olga', index: 0 }]);
  });
});

describe('validation', () => {
  const problemPaths = (schedule: Schedule) => scheduleProblems(schedule).map((p) => p.path);

  test('every problem is reported with a JSON-pointer path', () => {
    const bad = {
      time_zone: 'Nowhere/City',
      layers: [
        { rotation: { unit: 'weeks', count: 1 }, handoff: '2026-02-30T09:00', participants: [] },
        {
          rotation: { unit: 'hours', count: 0 },
          handoff: '2026-01-01T09:00',
          participants: ['a', ''],
          restrictions: [{ day_of_week: 7, start: '9:00', end: '25:00' }],
        },
      ],
      overrides: [{ user: 'o', start: 10, end: 5 }, { user: 'p', start: -1e18, end: 5 }],
    } as unknown as Schedule;
    assert.deepEqual(problemPaths(bad), [
      '/time_zone',
      '/layers/0/rotation',
      '/layers/0/handoff',
      '/layers/0/participants',
      '/layers/1/rotation',
      '/layers/1/participants/1',
      '/layers/1/restrictions/0/day_of_week',
      '/layers/1/restrictions/0/start',
      '/layers/1/restrictions/0/end',
      '/overrides/0/end',
      '/overrides/1/start',
    ]);
    assert.throws(
      () => finalSchedule(bad, 0, 1),
      (err: unknown) => err instanceof AppError && err.status === 400 && err.code === 'validation_failed',
    );
  });

  test('malformed shapes are problems, not exceptions', () => {
    const garbage = {
      time_zone: 'UTC',
      layers: [null, { rotation: 'daily', handoff: '2026-01-01T00:00', participants: ['a'], restrictions: [null] }],
      overrides: [null],
    } as unknown as Schedule;
    assert.deepEqual(problemPaths(garbage), ['/layers/0', '/layers/1/restrictions/0', '/overrides/0']);
    assert.deepEqual(problemPaths(null as unknown as Schedule), ['/']);
  });

  test('a valid schedule has no problems; a bad window is a 400', () => {
    const ok: Schedule = { time_zone: 'Asia/Kolkata', layers: [{ rotation: 'weekly', handoff: '2026-01-01T09:00', participants: ['a'] }] };
    assert.deepEqual(scheduleProblems(ok), []);
    assert.throws(() => finalSchedule(ok, Number.NaN, 1), (err: unknown) => err instanceof AppError && err.status === 400);
    assert.throws(() => whoIsOnCall(ok, 1.5), (err: unknown) => err instanceof AppError && err.status === 400, 'whole milliseconds only');
    assert.deepEqual(finalSchedule(ok, 10, 10), [], 'an empty window');
  });
});

// ---------------------------------------------------------------------------------------------------------
// iCalendar

/** Undoes folding and splits into content lines. */
const unfold = (ics: string) => ics.replace(/\r\n /g, '').split('\r\n').slice(0, -1);
const unescape = (value: string) => value.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));

describe('iCalendar', () => {
  const stamp = utc('2026-01-02T03:04:05.678Z');

  test('a valid VCALENDAR: CRLF, PRODID, VERSION, UTC times, DTSTAMP, escaped text', () => {
    const ics = toICalendar({
      name: 'Platform; primary, EU',
      stamp,
      events: [{ uid: 'u1@ballast', start: utc('2026-03-08T07:30:00Z'), end: utc('2026-03-09T06:30:00.001Z'), summary: 'On call: a\\b\nnext line', description: 'Layer 1' }],
    });
    assert.ok(ics.endsWith('\r\n'));
    assert.ok(!/[^\r]\n/.test(ics) && !/\r[^\n]/.test(ics), 'only CRLF line endings');
    assert.deepEqual(unfold(ics), [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Ballast//On-call schedules//EN',
      'CALSCALE:GREGORIAN',
      'METHOD:PUBLISH',
      'NAME:Platform\\; primary\\, EU',
      'X-WR-CALNAME:Platform\\; primary\\, EU',
      'BEGIN:VEVENT',
      'UID:u1@ballast',
      'DTSTAMP:20260102T030405Z',
      'DTSTART:20260308T073000Z',
      'DTEND:20260309T063001Z', // rounded up: never shorter than the entry
      'SUMMARY:On call: a\\\\b\\nnext line',
      'DESCRIPTION:Layer 1',
      'END:VEVENT',
      'END:VCALENDAR',
    ]);
  });

  test('long lines fold at 75 octets without splitting UTF-8 characters', () => {
    const summary = `${'x'.repeat(70)}é€😀${'ü'.repeat(100)}`;
    const ics = toICalendar({ name: 'n', stamp, events: [{ uid: 'u', start: 0, end: 1000, summary }] });
    const physical = ics.split('\r\n').slice(0, -1);
    for (const line of physical) assert.ok(Buffer.byteLength(line, 'utf8') <= 75, `${Buffer.byteLength(line)} octets: ${line}`);
    assert.ok(physical.some((line) => line.startsWith(' ')), 'something was folded');
    assert.ok(!ics.includes('\uFFFD'));
    const line = unfold(ics).find((l) => l.startsWith('SUMMARY:'));
    assert.equal(line, `SUMMARY:${summary}`);
  });

  test('any text survives escaping and folding (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 200 }), (a, b) => {
        const summary = a + b;
        const ics = toICalendar({ name: summary, stamp, events: [{ uid: 'u', start: 0, end: 1000, summary }] });
        for (const physical of ics.split('\r\n').slice(0, -1)) {
          assert.ok(Buffer.byteLength(physical, 'utf8') <= 75);
          assert.ok(!/[\u0000-\u0008\u000A-\u001F\u007F]/.test(physical), 'no control characters');
        }
        assert.equal(Buffer.from(ics, 'utf8').toString('utf8'), ics, 'well-formed UTF-8');
        const value = unfold(ics).find((l) => l.startsWith('SUMMARY:'))!.slice('SUMMARY:'.length);
        assert.ok(!/(^|[^\\])(\\\\)*[;,]/.test(value), 'commas and semicolons are escaped');
        const expected = summary
          .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
          .replace(/\r\n|\r/g, '\n')
          .replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, '');
        assert.equal(unescape(value), expected);
      }),
      fcParams(300),
    );
  });

  test('per-schedule and per-user feeds', () => {
    const schedule: Schedule = {
      time_zone: 'UTC',
      layers: [{ name: 'Primary', rotation: 'daily', handoff: '2026-01-01T00:00', participants: ['ana', 'ben'] }],
      overrides: [{ user: 'ben', start: utc('2026-01-01T06:00Z'), end: utc('2026-01-01T07:00Z') }],
    };
    const entriesNow = finalSchedule(schedule, utc('2026-01-01T00:00Z'), utc('2026-01-03T00:00Z'));
    const feed = { id: 'sch1', name: 'Platform', entries: entriesNow, layerNames: ['Primary'] };
    const scheduleEvents = scheduleFeedEvents(feed, (id) => id.toUpperCase());
    assert.deepEqual(scheduleEvents.map((e) => [e.summary, e.description]), [
      ['On call: ANA (Platform)', 'Primary'],
      ['On call: BEN (Platform)', 'Override'],
      ['On call: ANA (Platform)', 'Primary'],
      ['On call: BEN (Platform)', 'Primary'],
    ]);
    assert.equal(new Set(scheduleEvents.map((e) => e.uid)).size, scheduleEvents.length, 'unique UIDs');
    const other = { id: 'sch2', name: 'Database', entries: [{ start: utc('2026-01-01T03:00Z'), end: utc('2026-01-01T04:00Z'), user_id: 'ben', source: 0 }] };
    const benEvents = userFeedEvents('ben', [feed, other]);
    assert.deepEqual(benEvents.map((e) => [isoOf(e.start), e.summary]), [
      ['2026-01-01T03:00:00.000Z', 'On call: Database'],
      ['2026-01-01T06:00:00.000Z', 'On call: Platform'],
      ['2026-01-02T00:00:00.000Z', 'On call: Platform'],
    ]);
    const ics = toICalendar({ name: 'ben on call', stamp, events: benEvents });
    assert.equal(ics.match(/BEGIN:VEVENT/g)?.length, 3);
    assert.deepEqual(scheduleFeedEvents(feed), scheduleFeedEvents(feed), 'deterministic, so UIDs are stable across refreshes');
  });

  test('events must have start before end', () => {
    assert.throws(() => toICalendar({ name: 'n', events: [{ uid: 'u', start: 5, end: 5, summary: 's' }] }), RangeError);
    assert.throws(() => toICalendar({ name: 'n', events: [{ uid: '', start: 0, end: 5, summary: 's' }] }), RangeError);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Cost

test('a 90-day horizon with three hourly layers, restrictions and overrides stays fast', () => {
  const zone = 'Australia/Lord_Howe';
  const from = utc('2026-02-01T00:00Z');
  const to = from + 90 * DAY;
  const schedule: Schedule = {
    time_zone: zone,
    layers: [
      { rotation: 'hourly', handoff: '2025-01-05T09:30', participants: USERS },
      { rotation: { unit: 'hours', count: 3 }, handoff: '2025-06-01T00:00', participants: ['x', 'y'], restrictions: [{ day_of_week: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }, { day_of_week: 6, start: '22:00', end: '06:00' }] },
      { rotation: 'hourly', handoff: '2026-01-05T09:00', participants: ['p', 'q', 'r'], restrictions: [{ day_of_week: [0, 6], start: '08:00', end: '20:00' }] },
    ],
    overrides: Array.from({ length: 30 }, (_, i) => ({ user: 'olga', start: from + i * 3 * DAY, end: from + i * 3 * DAY + 5 * HOUR })),
  };
  const started = performance.now();
  const timeline = renderTimeline(schedule, from, to);
  const elapsed = performance.now() - started;
  assert.equal(timeline.gaps.length, 0);
  assert.ok(timeline.final.length > 1500, `${timeline.final.length} entries`);
  // Roughly 100 ms cold on a laptop; the bound only catches accidental per-minute loops or quadratic work.
  assert.ok(elapsed < 3000, `took ${elapsed.toFixed(0)} ms`);
});
