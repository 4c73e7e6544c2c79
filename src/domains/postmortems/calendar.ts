/**
 * Deadlines are computed in UTC: Ballast has no installation-wide business time zone, and UTC makes
 * a due date the same instant for every viewer and on both databases. Business days are Monday to
 * Friday; public holidays are not modelled.
 */
const DAY_MS = 86_400_000;

export function isBusinessDay(d: Date): boolean {
  const wd = d.getUTCDay();
  return wd !== 0 && wd !== 6;
}

/**
 * The instant `days` business days after `from`, at the same UTC time of day: each counted day is a
 * weekday after `from`'s own date (so Friday 15:00 + 1 = Monday 15:00; Saturday + 1 = Monday).
 * Zero days is `from` itself.
 */
export function addBusinessDays(from: Date, days: number): Date {
  let t = from.getTime();
  let left = Math.max(0, Math.floor(days));
  while (left > 0) {
    t += DAY_MS;
    if (isBusinessDay(new Date(t))) left--;
  }
  return new Date(t);
}

export const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** A calendar date that really exists (no 2026-02-30). */
export function isValidDate(s: string): boolean {
  if (!DATE_RE.test(s)) return false;
  const d = new Date(`${s}T00:00:00.000Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** An action item due on `date` becomes overdue at 00:00 UTC the next day. */
export function overdueAt(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) + DAY_MS);
}

export function utcDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}
