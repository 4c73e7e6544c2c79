import { Type } from '@sinclair/typebox';
import { Page, PageQuery } from '../../../core/schemas.js';
import { route } from '../../../http/route.js';
import { FeedUrl, Gaps, OnCall, OnCallNow, OverrideCreate, OverrideOut, Schedule, ScheduleCreate, ScheduleUpdate, Timeline } from './schemas.js';
import {
  createOverride,
  createSchedule,
  deleteOverride,
  deleteSchedule,
  getGaps,
  getMyFeed,
  getOnCall,
  getSchedule,
  getScheduleFeed,
  getTimeline,
  listSchedules,
  onCallNow,
  rotateMyFeed,
  rotateScheduleFeed,
  scheduleCalendar,
  updateSchedule,
  userCalendar,
} from './services.js';

const ScheduleQuery = Type.Composite([PageQuery, Type.Object({ team: Type.Optional(Type.String()) })]);
const AtQuery = Type.Object({ at: Type.Optional(Type.String({ description: 'ISO-8601 instant; default now' })) });
const WindowQuery = Type.Object({
  from: Type.Optional(Type.String({ description: 'ISO-8601; default now' })),
  to: Type.Optional(Type.String({ description: 'ISO-8601; default from + 14 days; at most 93 days after from' })),
});
const DaysQuery = Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, default: 14 })) });

const calendar = (text: string, reply: { type(t: string): unknown; header(k: string, v: string): unknown }) => {
  reply.type('text/calendar; charset=utf-8');
  reply.header('cache-control', 'private, max-age=300');
  return text;
};

export const scheduleRoutes = [
  route({ method: 'GET', path: '/api/v1/schedules', tag: 'schedules', auth: 'user', summary: 'List on-call schedules',
    query: ScheduleQuery, response: Page(Schedule), handler: ({ ctx, query }) => listSchedules(ctx, query) }),
  route({ method: 'POST', path: '/api/v1/schedules', tag: 'schedules', auth: 'user', summary: 'Create a schedule (manager of the owning team)',
    body: ScheduleCreate, response: Schedule, status: 201, handler: ({ ctx, body }) => createSchedule(ctx, body) }),
  route({ method: 'GET', path: '/api/v1/schedules/:id', tag: 'schedules', auth: 'user', summary: 'Get a schedule by id or slug',
    response: Schedule, handler: ({ ctx, params }) => getSchedule(ctx, params.id!) }),
  route({ method: 'PATCH', path: '/api/v1/schedules/:id', tag: 'schedules', auth: 'user', summary: 'Update a schedule (manager of the owning team)',
    body: ScheduleUpdate, response: Schedule, handler: ({ ctx, params, body }) => updateSchedule(ctx, params.id!, body) }),
  route({ method: 'DELETE', path: '/api/v1/schedules/:id', tag: 'schedules', auth: 'user', summary: 'Delete a schedule and its overrides',
    status: 204, handler: ({ ctx, params }) => deleteSchedule(ctx, params.id!) }),
  route({ method: 'POST', path: '/api/v1/schedules/:id/overrides', tag: 'schedules', auth: 'user',
    summary: 'Add an override (responder of the owning team, or the covering user themselves)',
    body: OverrideCreate, response: OverrideOut, status: 201, handler: ({ ctx, params, body }) => createOverride(ctx, params.id!, body) }),
  route({ method: 'DELETE', path: '/api/v1/schedules/:id/overrides/:oid', tag: 'schedules', auth: 'user', summary: 'Remove an override',
    status: 204, handler: ({ ctx, params }) => deleteOverride(ctx, params.id!, params.oid!) }),
  route({ method: 'GET', path: '/api/v1/schedules/:id/oncall', tag: 'schedules', auth: 'user', summary: 'Who is on call at an instant (default now)',
    query: AtQuery, response: OnCall, handler: ({ ctx, params, query }) => getOnCall(ctx, params.id!, query) }),
  route({ method: 'GET', path: '/api/v1/schedules/:id/timeline', tag: 'schedules', auth: 'user', summary: 'Layers, overrides, final schedule and gaps over a window',
    query: WindowQuery, response: Timeline, handler: ({ ctx, params, query }) => getTimeline(ctx, params.id!, query) }),
  route({ method: 'GET', path: '/api/v1/schedules/:id/gaps', tag: 'schedules', auth: 'user', summary: 'Uncovered time in the next N days',
    query: DaysQuery, response: Gaps, handler: ({ ctx, params, query }) => getGaps(ctx, params.id!, query) }),
  route({ method: 'GET', path: '/api/v1/schedules/:id/feed', tag: 'schedules', auth: 'user', summary: "The schedule's iCal feed URL",
    response: FeedUrl, handler: ({ ctx, params }) => getScheduleFeed(ctx, params.id!) }),
  route({ method: 'POST', path: '/api/v1/schedules/:id/feed/rotate', tag: 'schedules', auth: 'user', summary: "Replace the schedule's feed secret (manager)",
    response: FeedUrl, handler: ({ ctx, params }) => rotateScheduleFeed(ctx, params.id!) }),
  route({ method: 'GET', path: '/api/v1/oncall/now', tag: 'schedules', auth: 'user', summary: 'Who is on call now on every schedule',
    query: AtQuery, response: OnCallNow, handler: ({ ctx, query }) => onCallNow(ctx, query) }),
  route({ method: 'GET', path: '/api/v1/users/me/feed', tag: 'schedules', auth: 'user', summary: 'Your personal on-call iCal feed URL',
    response: FeedUrl, handler: ({ ctx }) => getMyFeed(ctx) }),
  route({ method: 'POST', path: '/api/v1/users/me/feed', tag: 'schedules', auth: 'user', summary: 'Replace your personal feed secret',
    response: FeedUrl, handler: ({ ctx }) => rotateMyFeed(ctx) }),
  route({ method: 'GET', path: '/ical/schedules/:file', tag: 'schedules', auth: 'public', summary: "A schedule's iCal feed (the token in the URL is the credential)",
    handler: async ({ ctx, params, reply }) => calendar(await scheduleCalendar(ctx, params.file!), reply) }),
  route({ method: 'GET', path: '/ical/users/:file', tag: 'schedules', auth: 'public', summary: "A user's iCal feed (the token in the URL is the credential)",
    handler: async ({ ctx, params, reply }) => calendar(await userCalendar(ctx, params.file!), reply) }),
];
