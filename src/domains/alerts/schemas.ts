import { Type, type Static } from '@sinclair/typebox';
import { Id, Nullable, Slug, Timestamp } from '../../core/schemas.js';
import { ALERT_STATUSES, SEVERITIES, URGENCIES } from './model.js';

const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
export const StatusSchema = lit(ALERT_STATUSES);
export const SeveritySchema = lit(SEVERITIES);
export const UrgencySchema = lit(URGENCIES);
const ServiceRef = Type.Object({ id: Id, slug: Slug, name: Type.String() });

export const AlertEvent = Type.Object({
  id: Id,
  at: Timestamp,
  kind: Type.String({ description: 'trigger, acknowledge, resolve, auto_resolve, ack_timeout, silenced, unsilenced' }),
  actor: Type.Object({ type: Type.String(), id: Nullable(Type.String()), label: Type.String() }),
  origin: Type.String(),
  message: Type.String(),
  payload: Type.Unknown({ description: 'The sender’s event, as received' }),
});

export const Alert = Type.Object({
  id: Id,
  service: ServiceRef,
  integration_id: Nullable(Id),
  group_id: Id,
  dedup_key: Type.String(),
  status: StatusSchema,
  severity: SeveritySchema,
  urgency: UrgencySchema,
  summary: Type.String(),
  source: Type.String(),
  component: Nullable(Type.String()),
  group: Nullable(Type.String()),
  class: Nullable(Type.String()),
  labels: Type.Record(Type.String(), Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
  links: Type.Array(Type.Object({ href: Type.String(), text: Type.Optional(Type.String()) })),
  images: Type.Array(Type.Object({ src: Type.String(), href: Type.Optional(Type.String()), alt: Type.Optional(Type.String()) })),
  client: Nullable(Type.String()),
  client_url: Nullable(Type.String()),
  origin: Type.String(),
  silenced: Type.Boolean(),
  silenced_by: Nullable(Id),
  trigger_count: Type.Integer(),
  first_seen_at: Timestamp,
  last_seen_at: Timestamp,
  acknowledged_at: Nullable(Timestamp),
  acknowledged_by: Nullable(Type.String()),
  resolved_at: Nullable(Timestamp),
  resolved_by: Nullable(Type.String()),
});
export type AlertDto = Static<typeof Alert>;
export const AlertDetail = Type.Composite([Alert, Type.Object({ events: Type.Array(AlertEvent) })]);

export const AlertGroup = Type.Object({
  id: Id,
  service: ServiceRef,
  group_key: Type.String(),
  status: StatusSchema,
  title: Type.String(),
  severity: SeveritySchema,
  urgency: UrgencySchema,
  silenced: Type.Boolean(),
  alert_count: Type.Integer(),
  open_count: Type.Integer(),
  first_alert_at: Timestamp,
  last_alert_at: Timestamp,
  acknowledged_at: Nullable(Timestamp),
  acknowledged_by: Nullable(Type.String()),
  resolved_at: Nullable(Timestamp),
  resolved_by: Nullable(Type.String()),
});
export type AlertGroupDto = Static<typeof AlertGroup>;
export const AlertGroupDetail = Type.Composite([AlertGroup, Type.Object({ alerts: Type.Array(Alert) })]);

export const ChangeEvent = Type.Object({
  id: Id,
  service: ServiceRef,
  integration_id: Nullable(Id),
  summary: Type.String(),
  source: Nullable(Type.String()),
  occurred_at: Timestamp,
  details: Type.Record(Type.String(), Type.Unknown()),
  links: Type.Array(Type.Object({ href: Type.String(), text: Type.Optional(Type.String()) })),
  created_at: Timestamp,
});
