/**
 * Which part of the day an instant falls in, on the wall clock of a time zone:
 *   business  08:00–18:00 Monday–Friday
 *   off       18:00–22:00 Monday–Friday, and 08:00–22:00 Saturday and Sunday
 *   sleep     22:00–08:00 every day
 */
export type DayPart = 'business' | 'off' | 'sleep';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: 'numeric', hourCycle: 'h23' });
    formatters.set(zone, f);
  }
  return f;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Local weekday (0 = Sunday) and hour (0–23) of the instant in the zone; an unknown zone reads as UTC. */
export function localDayHour(at: number, zone: string): { weekday: number; hour: number } {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = formatter(zone).formatToParts(at);
  } catch {
    parts = formatter('UTC').formatToParts(at);
  }
  const weekday = WEEKDAYS.indexOf(parts.find((p) => p.type === 'weekday')?.value ?? 'Sun');
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0) % 24;
  return { weekday, hour };
}

export function dayPart(at: number, zone: string): DayPart {
  const { weekday, hour } = localDayHour(at, zone);
  if (hour >= 22 || hour < 8) return 'sleep';
  if (weekday >= 1 && weekday <= 5 && hour < 18) return 'business';
  return 'off';
}
