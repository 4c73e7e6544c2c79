/** On-call schedule computation: pure functions of a schedule and a time window, no database or HTTP. */

export type {
  EntrySource,
  FinalEntry,
  Instant,
  Interval,
  Layer,
  Override,
  OverrideEntry,
  Rotation,
  Schedule,
  Shift,
  Timeline,
  WeeklyWindow,
} from './types.js';
export { finalSchedule, gaps, whoIsOnCall } from './final.js';
export { shiftsForLayer } from './rotation.js';
export { renderTimeline } from './timeline.js';
export { compileSchedule, scheduleProblems } from './validate.js';
export { escapeText, foldLine, toICalendar, type CalendarEvent, type CalendarInput } from './ical.js';
export { scheduleFeedEvents, userFeedEvents, type FeedSchedule } from './feeds.js';
export { addCalendarDays, formatLocalDateTime, parseLocalDateTime } from './local-time.js';
export {
  instantToZonedParts,
  isValidTimeZone,
  offsetAt,
  zonedWallTimeToInstant,
  type ZonedParts,
} from './zone.js';
