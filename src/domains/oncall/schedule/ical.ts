/**
 * RFC 5545 iCalendar text for subscription feeds: CRLF line endings, lines folded at 75 octets without
 * splitting a UTF-8 character, TEXT values escaped, times as UTC date-times ending in Z.
 */

import type { Instant } from './zone.js';
import { isSupportedInstant } from './zone.js';

export interface CalendarEvent {
  /** Globally unique and stable across refreshes, so calendar clients update events instead of duplicating them. */
  uid: string;
  start: Instant;
  end: Instant;
  summary: string;
  description?: string;
}

export interface CalendarInput {
  name: string;
  events: readonly CalendarEvent[];
  /** DTSTAMP: when the feed was generated. Defaults to now; pass it for reproducible output. */
  stamp?: Instant;
}

const PRODID = '-//Ballast//On-call schedules//EN';
const MAX_LINE_OCTETS = 75;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const TEXT_SPECIAL = /\r\n|[\r\n\\;,]/g;
// RFC 5545 TEXT allows no control characters except HTAB; newlines were escaped as \n before this runs.
const CONTROL = /[\u0000-\u0008\u000A-\u001F\u007F]/g;

/** A TEXT property value: backslash, semicolon, comma and newlines escaped, control characters dropped. */
export function escapeText(value: string): string {
  return value
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(TEXT_SPECIAL, (c) => (c === '\r\n' || c === '\r' || c === '\n' ? '\\n' : `\\${c}`))
    .replace(CONTROL, '');
}

function utf8Octets(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

/**
 * Splits a content line into lines of at most 75 octets (excluding CRLF), each continuation starting with
 * one space (which counts toward its 75). Splits only between code points, never inside a UTF-8 sequence.
 */
export function foldLine(line: string): string {
  const lines: string[] = [];
  let current = '';
  let octets = 0;
  let limit = MAX_LINE_OCTETS;
  for (const char of line) {
    const size = utf8Octets(char.codePointAt(0) as number);
    if (octets + size > limit) {
      lines.push(current);
      current = '';
      octets = 0;
      limit = MAX_LINE_OCTETS - 1;
    }
    current += char;
    octets += size;
  }
  lines.push(current);
  return lines.join('\r\n ');
}

/** 20260308T073000Z. iCalendar has no milliseconds: starts round down and ends round up, never shrinking an event. */
function utcDateTime(instant: Instant, round: 'down' | 'up'): string {
  const seconds = round === 'down' ? Math.floor(instant / 1000) : Math.ceil(instant / 1000);
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

function checkEvent(event: CalendarEvent, index: number): void {
  if (typeof event.uid !== 'string' || event.uid === '') throw new RangeError(`events[${index}].uid must not be empty`);
  if (!isSupportedInstant(event.start) || !isSupportedInstant(event.end) || event.end <= event.start) {
    throw new RangeError(`events[${index}] must have start before end, both epoch milliseconds within years 1–9999`);
  }
}

/** A VCALENDAR with one VEVENT per event. */
export function toICalendar({ name, events, stamp = Date.now() }: CalendarInput): string {
  events.forEach(checkEvent);
  const dtstamp = utcDateTime(stamp, 'down');
  const calendarName = escapeText(name);
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:${PRODID}`,
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `NAME:${calendarName}`, // RFC 7986
    `X-WR-CALNAME:${calendarName}`, // what Apple and Google Calendar read
  ];
  for (const event of events) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${escapeText(event.uid)}`,
      `DTSTAMP:${dtstamp}`,
      `DTSTART:${utcDateTime(event.start, 'down')}`,
      `DTEND:${utcDateTime(event.end, 'up')}`,
      `SUMMARY:${escapeText(event.summary)}`,
    );
    if (event.description) lines.push(`DESCRIPTION:${escapeText(event.description)}`);
    lines.push('END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join('\r\n') + '\r\n';
}
