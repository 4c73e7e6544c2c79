import { Type, type Static } from '@sinclair/typebox';
import { Description, Email, Name, Slug, TimeZone } from '../../core/schemas.js';
import { TeamRoleSchema } from '../accounts/schemas.js';
import { ServiceLinks, Tier } from '../catalog/schemas.js';
import { OpsAlertSettings, OpsIntegration } from '../alerts/ops.js';
import { OpsSchedule } from '../oncall/schedules/ops.js';
import { OpsPolicy } from '../oncall/escalation/ops.js';
import { OpsContactMethod } from '../notify/ops.js';
import { OPS_SECTIONS } from './sections.js';

/**
 * The `ballast apply` document. Sections are optional; items are matched by their natural key
 * (slug or email). Later features add sections (integrations, schedules, escalation policies, runbooks).
 */
export const OpsTeam = Type.Object({ slug: Slug, name: Name, description: Type.Optional(Description) }, { additionalProperties: false });
export const OpsUser = Type.Object(
  {
    email: Email,
    name: Name,
    timezone: Type.Optional(TimeZone),
    is_admin: Type.Optional(Type.Boolean()),
    teams: Type.Optional(Type.Record(Slug, TeamRoleSchema)),
    contact_methods: Type.Optional(Type.Array(OpsContactMethod, { maxItems: 20 })),
  },
  { additionalProperties: false },
);
export const OpsService = Type.Object(
  {
    slug: Slug,
    name: Name,
    team: Slug,
    description: Type.Optional(Description),
    tier: Type.Optional(Tier),
    links: Type.Optional(ServiceLinks),
    depends_on: Type.Optional(Type.Array(Slug, { maxItems: 200 })),
    integrations: Type.Optional(Type.Array(OpsIntegration, { maxItems: 20 })),
    escalation_policy: Type.Optional(Type.Union([Slug, Type.Null()])),
    alerts: Type.Optional(OpsAlertSettings),
  },
  { additionalProperties: false },
);

export const OpsDocument = Type.Object(
  {
    version: Type.Optional(Type.Literal(1)),
    teams: Type.Optional(Type.Array(OpsTeam, { maxItems: 10_000 })),
    users: Type.Optional(Type.Array(OpsUser, { maxItems: 10_000 })),
    services: Type.Optional(Type.Array(OpsService, { maxItems: 10_000 })),
    schedules: Type.Optional(Type.Array(OpsSchedule, { maxItems: 10_000 })),
    escalation_policies: Type.Optional(Type.Array(OpsPolicy, { maxItems: 10_000 })),
    ...Object.fromEntries(OPS_SECTIONS.map((s) => [s.key, Type.Optional(Type.Array(s.item, { maxItems: 10_000 }))])),
  },
  { additionalProperties: false },
);
export type OpsDocumentT = Static<typeof OpsDocument>;

export const ApplyRequest = Type.Object(
  { document: OpsDocument, dry_run: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const ChangeEntry = Type.Object({
  /** team, user, service, schedule, escalation_policy, or the kind a module's section reports (severity, runbook, …). */
  kind: Type.String(),
  key: Type.String(),
  action: Type.Union([Type.Literal('created'), Type.Literal('changed'), Type.Literal('unchanged')]),
  changes: Type.Record(Type.String(), Type.Object({ from: Type.Unknown(), to: Type.Unknown() })),
});
export type ChangeEntryT = Static<typeof ChangeEntry>;

export const ApplyResult = Type.Object({
  dry_run: Type.Boolean(),
  summary: Type.Object({ created: Type.Integer(), changed: Type.Integer(), unchanged: Type.Integer() }),
  changes: Type.Array(ChangeEntry),
});
