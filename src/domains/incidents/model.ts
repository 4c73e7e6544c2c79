import { Type, type Static } from '@sinclair/typebox';
import { Id, Nullable, Timestamp } from '../../core/schemas.js';

/** Incident lifecycle, in order. */
export const STATUSES = ['investigating', 'identified', 'mitigated', 'resolved'] as const;
export type IncidentStatus = (typeof STATUSES)[number];
export const ROLES = ['commander', 'communications', 'scribe'] as const;
export type IncidentRole = (typeof ROLES)[number];

export const ROLE_LABEL: Record<IncidentRole, string> = { commander: 'Incident commander', communications: 'Communications lead', scribe: 'Scribe' };
export const STATUS_LABEL: Record<IncidentStatus, string> = { investigating: 'Investigating', identified: 'Identified', mitigated: 'Mitigated', resolved: 'Resolved' };

/** `INC-12`. */
export const incidentRef = (n: number) => `INC-${n}`;

/**
 * Why a transition is refused, or null when allowed. Forward skips are fine (a quick fix goes straight
 * from investigating to resolved); stepping back while open is a regression and allowed; a resolved
 * incident only moves again through an explicit reopen, so its closing record is never overwritten by accident.
 */
export function transitionProblem(from: IncidentStatus, to: IncidentStatus): string | null {
  if (from === to) return `Incident is already ${from}`;
  if (from === 'resolved') return `Incident is resolved; reopen it before moving it to ${to}`;
  return null;
}

const RefIn = Type.String({ minLength: 1, maxLength: 254 });
const Severity = Type.String({ pattern: '^[A-Za-z0-9_-]{1,20}$', description: 'Severity key, e.g. SEV2' });
const PageInput = Type.Object(
  {
    users: Type.Optional(Type.Array(RefIn, { maxItems: 50, description: 'Users (email or id) to page directly' })),
    schedules: Type.Optional(Type.Array(RefIn, { maxItems: 20, description: 'Schedules (slug or id) whose on-call users are paged' })),
    services: Type.Optional(Type.Boolean({ description: "Page through the affected services' escalation policies (default true)" })),
  },
  { additionalProperties: false },
);

export const IncidentDeclare = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 300 }),
    severity: Severity,
    summary: Type.Optional(Type.String({ maxLength: 20_000 })),
    services: Type.Optional(Type.Array(RefIn, { maxItems: 50, description: 'Affected services (slug or id)' })),
    alert_group_ids: Type.Optional(Type.Array(Id, { maxItems: 50, description: 'Alert groups to promote/link; their services become affected' })),
    page: Type.Optional(PageInput),
    commander: Type.Optional(RefIn),
  },
  { additionalProperties: false },
);
export type IncidentDeclareT = Static<typeof IncidentDeclare>;

export const IncidentUpdate = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    summary: Type.Optional(Type.String({ maxLength: 20_000 })),
    severity: Type.Optional(Severity),
    services: Type.Optional(Type.Array(RefIn, { maxItems: 50 })),
  },
  { additionalProperties: false },
);

export const StatusChange = Type.Object(
  {
    status: Type.Union(STATUSES.map((s) => Type.Literal(s))),
    note: Type.Optional(Type.String({ maxLength: 20_000 })),
    impact: Type.Optional(Type.String({ maxLength: 20_000, description: 'Customer impact: what was affected and who (required to resolve)' })),
    users_affected: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 10_000_000_000 }))),
  },
  { additionalProperties: false },
);

export const RoleAssign = Type.Object(
  { role: Type.Union(ROLES.map((r) => Type.Literal(r))), user: Nullable(RefIn) },
  { additionalProperties: false },
);
export const AttachGroups = Type.Object({ alert_group_ids: Type.Array(Id, { minItems: 1, maxItems: 50 }) }, { additionalProperties: false });
export const NoteCreate = Type.Object(
  { body: Type.String({ minLength: 1, maxLength: 20_000 }), key_event: Type.Optional(Type.Boolean()), at: Type.Optional(Timestamp) },
  { additionalProperties: false },
);
export const TimelinePatch = Type.Object({ key_event: Type.Boolean() }, { additionalProperties: false });
export const PageRequestBody = PageInput;
export const AckBody = Type.Object({}, { additionalProperties: false });
export const ReopenBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });

const UserRef = Type.Object({ id: Id, email: Type.String(), name: Type.String() });
export type UserRefT = Static<typeof UserRef>;
const ServiceRef = Type.Object({ id: Id, slug: Type.String(), name: Type.String(), team_id: Nullable(Type.String()) });

export const Incident = Type.Object({
  id: Id,
  ref: Type.String({ description: 'INC-<n>' }),
  number: Type.Integer(),
  title: Type.String(),
  summary: Type.String(),
  severity: Type.String(),
  severity_name: Type.String(),
  status: Type.Union(STATUSES.map((s) => Type.Literal(s))),
  declared_by: Nullable(UserRef),
  declared_at: Timestamp,
  acknowledged_at: Nullable(Timestamp),
  identified_at: Nullable(Timestamp),
  mitigated_at: Nullable(Timestamp),
  resolved_at: Nullable(Timestamp),
  ack_due_at: Timestamp,
  mitigate_due_at: Nullable(Timestamp),
  ack_breached_at: Nullable(Timestamp),
  mitigate_breached_at: Nullable(Timestamp),
  impact: Type.String(),
  users_affected: Nullable(Type.Integer()),
  services: Type.Array(ServiceRef),
  roles: Type.Object({ commander: Nullable(UserRef), communications: Nullable(UserRef), scribe: Nullable(UserRef) }),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type IncidentDto = Static<typeof Incident>;

const LinkedGroup = Type.Object({
  id: Id,
  title: Type.String(),
  status: Type.String(),
  severity: Type.String(),
  alert_count: Type.Integer(),
  service: Type.Object({ id: Id, slug: Type.String(), name: Type.String() }),
  linked_at: Timestamp,
  raised_by_incident: Type.Boolean(),
});
const RoleHistory = Type.Object({ role: Type.String(), user: UserRef, assigned_at: Timestamp, assigned_by: Nullable(Type.String()), ended_at: Nullable(Timestamp) });

export const IncidentDetail = Type.Composite([
  Incident,
  Type.Object({
    alert_groups: Type.Array(LinkedGroup),
    role_history: Type.Array(RoleHistory),
    can_edit: Type.Boolean({ description: 'Whether the caller may change this incident' }),
  }),
]);
export type IncidentDetailDto = Static<typeof IncidentDetail>;

export const TimelineEntry = Type.Object({
  id: Id,
  at: Timestamp,
  kind: Type.String(),
  summary: Type.String(),
  body: Type.String({ description: 'Markdown (render sanitized)' }),
  data: Type.Object({}, { additionalProperties: true }),
  actor: Type.Object({ user_id: Nullable(Type.String()), label: Type.String() }),
  key_event: Type.Boolean(),
  subject: Nullable(Type.Object({ type: Type.String(), id: Type.String() })),
  created_at: Timestamp,
});
export type TimelineEntryDto = Static<typeof TimelineEntry>;
