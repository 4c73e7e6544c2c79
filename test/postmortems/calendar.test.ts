import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { addBusinessDays, isValidDate, overdueAt } from '../../src/domains/postmortems/calendar.js';

const DAY = 86_400_000;
const instant = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true });

/** Weekdays strictly after `from`'s UTC date, up to and including `to`'s UTC date, counted one by one. */
function weekdaysBetween(from: Date, to: Date): number {
  let n = 0;
  const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  for (let d = start + DAY; d <= to.getTime(); d += DAY) {
    const wd = new Date(d).getUTCDay();
    if (wd !== 0 && wd !== 6) n++;
  }
  return n;
}

test('addBusinessDays: lands on a weekday, same UTC time of day, exactly n weekdays later (property)', () => {
  fc.assert(
    fc.property(instant, fc.integer({ min: 1, max: 40 }), (from, n) => {
      const due = addBusinessDays(from, n);
      const wd = due.getUTCDay();
      assert.ok(wd >= 1 && wd <= 5, `weekday, got ${wd}`);
      assert.equal((due.getTime() - from.getTime()) % DAY, 0, 'same time of day');
      assert.equal(weekdaysBetween(from, due), n, 'n weekdays counted');
      // The day before the due date still had only n-1 weekdays: it is the first such date.
      assert.equal(weekdaysBetween(from, new Date(due.getTime() - DAY)), n - 1);
    }),
    { numRuns: 500 },
  );
});

test('addBusinessDays: monotone in n and never shorter than n calendar days (property)', () => {
  fc.assert(
    fc.property(instant, fc.integer({ min: 0, max: 30 }), (from, n) => {
      const a = addBusinessDays(from, n).getTime();
      const b = addBusinessDays(from, n + 1).getTime();
      assert.ok(b > a);
      assert.ok(a - from.getTime() >= n * DAY);
      // At most two weekend days per five business days, plus a starting weekend.
      assert.ok(a - from.getTime() <= (n + 2 * Math.ceil(n / 5) + 2) * DAY);
    }),
  );
});

test('addBusinessDays: worked examples (weekends skipped)', () => {
  assert.equal(addBusinessDays(new Date('2026-11-20T15:00:00Z'), 5).toISOString(), '2026-11-27T15:00:00.000Z'); // Fri → Fri
  assert.equal(addBusinessDays(new Date('2026-11-20T15:00:00Z'), 1).toISOString(), '2026-11-23T15:00:00.000Z'); // Fri → Mon
  assert.equal(addBusinessDays(new Date('2026-11-21T10:00:00Z'), 1).toISOString(), '2026-11-23T10:00:00.000Z'); // Sat → Mon
  assert.equal(addBusinessDays(new Date('2026-11-22T10:00:00Z'), 5).toISOString(), '2026-11-27T10:00:00.000Z'); // Sun → Fri
  assert.equal(addBusinessDays(new Date('2026-11-23T10:00:00Z'), 0).toISOString(), '2026-11-23T10:00:00.000Z');
});

test('dates: real calendar dates only; overdue from the next UTC midnight', () => {
  assert.ok(isValidDate('2024-02-29'));
  assert.ok(!isValidDate('2026-02-29'));
  assert.ok(!isValidDate('2026-13-01'));
  assert.ok(!isValidDate('2026-1-01'));
  assert.equal(overdueAt('2026-12-31').toISOString(), '2027-01-01T00:00:00.000Z');
});
