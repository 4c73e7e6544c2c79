/**
 * Calendar events for the two feeds: one per schedule (everyone's turns) and one per user (their turns on
 * every schedule). Build the entries with finalSchedule over the feed's window, then pass these events to
 * toICalendar.
 *
 * UIDs are derived from schedule, user and start, so a refresh that computes the same entry yields the same
 * UID. An entry cut by the start of the window gets a different start each time the window moves, hence a
 * new UID; clients replace a subscribed feed wholesale, so that only matters if the window start moves
 * within an entry. Start feed windows at a stable point (e.g. a UTC midnight) to keep that rare.
 */

import type { CalendarEvent } from './ical.js';
import type { FinalEntry } from './types.js';

export interface FeedSchedule {
  id: string;
  name: string;
  /** finalSchedule(schedule, from, to) for the feed's window. */
  entries: readonly FinalEntry[];
  /** Layer names by index, for event descriptions; missing names read "Layer N". */
  layerNames?: readonly (string | null)[];
}

const uidPart = (value: string) => encodeURIComponent(value);

function describeSource(schedule: FeedSchedule, entry: FinalEntry): string {
  if (entry.source === 'override') return 'Override';
  return schedule.layerNames?.[entry.source] ?? `Layer ${entry.source + 1}`;
}

/** The schedule's feed: every entry, titled with who is on call. */
export function scheduleFeedEvents(schedule: FeedSchedule, userName: (userId: string) => string = (id) => id): CalendarEvent[] {
  return schedule.entries.map((entry) => ({
    uid: `schedule-${uidPart(schedule.id)}-${uidPart(entry.user_id)}-${entry.start}@ballast`,
    start: entry.start,
    end: entry.end,
    summary: `On call: ${userName(entry.user_id)} (${schedule.name})`,
    description: describeSource(schedule, entry),
  }));
}

/** One user's feed: their entries on every schedule, in time order. */
export function userFeedEvents(userId: string, schedules: readonly FeedSchedule[]): CalendarEvent[] {
  const events: CalendarEvent[] = [];
  for (const schedule of schedules) {
    for (const entry of schedule.entries) {
      if (entry.user_id !== userId) continue;
      events.push({
        uid: `user-${uidPart(userId)}-${uidPart(schedule.id)}-${entry.start}@ballast`,
        start: entry.start,
        end: entry.end,
        summary: `On call: ${schedule.name}`,
        description: describeSource(schedule, entry),
      });
    }
  }
  return events.sort((a, b) => a.start - b.start);
}
