import { Type, type Static } from '@sinclair/typebox';
import { Description, Email, Id, Name, Nullable, Slug, TimeZone, Timestamp } from '../../../core/schemas.js';

/** Request/response schemas of the schedules API (validation and OpenAPI). Meaning is checked by compileSchedule. */

export const RotationSchema = Type.Union(
  [
    Type.Literal('hourly'),
    Type.Literal('daily'),
    Type.Literal('weekly'),
    Type.Object({ unit: Type.Union([Type.Literal('hours'), Type.Literal('days')]), count: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
  ],
  { description: "'hourly', 'daily', 'weekly' or { unit: 'hours' | 'days', count }" },
);

export const WeeklyWindowSchema = Type.Object(
  {
    day_of_week: Type.Union([Type.Integer({ minimum: 0, maximum: 6 }), Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { minItems: 1, maxItems: 7 })], {
      description: '0 = Sunday … 6 = Saturday; the day the window starts',
    }),
    start: Type.String({ maxLength: 5, description: 'HH:MM' }),
    end: Type.String({ maxLength: 5, description: 'HH:MM (24:00 allowed); at or before start crosses midnight' }),
  },
  { additionalProperties: false },
);

const Handoff = Type.String({ maxLength: 19, description: "First turn's start, wall clock in the schedule's zone: 'YYYY-MM-DDTHH:MM[:SS]'" });

export const LayerInput = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200 })),
    rotation: RotationSchema,
    handoff: Handoff,
    participants: Type.Array(Type.String({ minLength: 1, maxLength: 254 }), { minItems: 1, maxItems: 200, description: 'Users in turn order, by id or email' }),
    restrictions: Type.Optional(Type.Array(WeeklyWindowSchema, { maxItems: 50 })),
  },
  { additionalProperties: false },
);

export const UserRef = Type.Object({ id: Id, email: Type.String(), name: Type.String() });
export type UserRefT = Static<typeof UserRef>;

const TeamRef = Type.Object({ id: Id, slug: Slug, name: Type.String() });

export const LayerOut = Type.Object({
  name: Nullable(Type.String()),
  rotation: RotationSchema,
  handoff: Type.String(),
  participants: Type.Array(UserRef),
  restrictions: Type.Array(WeeklyWindowSchema),
});

export const OverrideOut = Type.Object({
  id: Id,
  schedule_id: Id,
  user: UserRef,
  start: Timestamp,
  end: Timestamp,
  note: Type.String(),
  created_by: Nullable(Type.String()),
  created_at: Timestamp,
});
export type OverrideDto = Static<typeof OverrideOut>;

export const Schedule = Type.Object({
  id: Id,
  slug: Slug,
  name: Type.String(),
  description: Type.String(),
  team: Nullable(TeamRef),
  time_zone: Type.String(),
  layers: Type.Array(LayerOut),
  overrides: Type.Array(OverrideOut, { description: 'Overrides that have not ended yet' }),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type ScheduleDto = Static<typeof Schedule>;

export const ScheduleCreate = Type.Object(
  {
    slug: Slug,
    name: Name,
    description: Type.Optional(Description),
    team: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Owning team, by slug or id; without one only administrators manage it' })),
    time_zone: TimeZone,
    layers: Type.Array(LayerInput, { maxItems: 50 }),
  },
  { additionalProperties: false },
);
export type ScheduleCreateT = Static<typeof ScheduleCreate>;

export const ScheduleUpdate = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    team: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    time_zone: Type.Optional(TimeZone),
    layers: Type.Optional(Type.Array(LayerInput, { maxItems: 50 })),
  },
  { additionalProperties: false },
);
export type ScheduleUpdateT = Static<typeof ScheduleUpdate>;

export const OverrideCreate = Type.Object(
  {
    user: Type.String({ minLength: 1, maxLength: 254, description: 'Who covers, by id or email' }),
    start: Timestamp,
    end: Timestamp,
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

const Span = { start: Timestamp, end: Timestamp };

export const OnCall = Type.Object({
  at: Timestamp,
  on_call: Type.Array(UserRef),
  until: Nullable(Timestamp),
  next: Nullable(Type.Object({ user: UserRef, start: Timestamp, end: Timestamp })),
});

export const OnCallNow = Type.Object({
  at: Timestamp,
  schedules: Type.Array(
    Type.Object({
      schedule: Type.Object({ id: Id, slug: Slug, name: Type.String(), team: Nullable(TeamRef) }),
      on_call: Type.Array(UserRef),
      until: Nullable(Timestamp),
      next: Nullable(Type.Object({ user: UserRef, start: Timestamp, end: Timestamp })),
    }),
  ),
});

export const Timeline = Type.Object({
  schedule: Type.Object({ id: Id, slug: Slug, name: Type.String(), time_zone: Type.String() }),
  from: Timestamp,
  to: Timestamp,
  layers: Type.Array(
    Type.Object({
      index: Type.Integer(),
      name: Nullable(Type.String()),
      entries: Type.Array(Type.Object({ ...Span, user: UserRef, turn: Type.Integer(), position: Type.Integer() })),
    }),
  ),
  overrides: Type.Array(Type.Object({ ...Span, user: UserRef, override_id: Type.String() })),
  final: Type.Array(Type.Object({ ...Span, user: UserRef, source: Type.Union([Type.Integer(), Type.Literal('override')]) })),
  gaps: Type.Array(Type.Object(Span)),
});

export const Gaps = Type.Object({ from: Timestamp, to: Timestamp, gaps: Type.Array(Type.Object(Span)) });

export const FeedUrl = Type.Object({ path: Type.String({ description: 'Path of the iCal feed; the token in it is the only credential' }), url: Type.String() });

export { Email };
