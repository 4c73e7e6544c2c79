import { Type, type Static } from '@sinclair/typebox';
import { Id, Nullable, Slug, Timestamp } from '../../core/schemas.js';
import { RunbookContent } from './content.js';

export const RUNBOOK_KINDS = ['incident_response', 'sop', 'troubleshooting'] as const;
export const SOP_SUBKINDS = ['deployment', 'rollback', 'maintenance', 'scaling', 'patching'] as const;
/** Used by the UI's routes (/runbooks/new, /runbooks/runs, /runbooks/trees). */
export const RESERVED_SLUGS = ['new', 'runs', 'trees'];
export const DEFAULT_REVIEW_CADENCE_DAYS = 90;

export const RunbookKind = Type.Union(RUNBOOK_KINDS.map((k) => Type.Literal(k)));
export const SopSubkind = Type.Union(SOP_SUBKINDS.map((k) => Type.Literal(k)));
export const Tag = Type.String({ pattern: '^[a-z0-9][a-z0-9._:-]{0,62}$', description: 'Lowercase tag' });
const RefString = Type.String({ minLength: 1, maxLength: 254 });

const Meta = {
  title: Type.String({ minLength: 1, maxLength: 200 }),
  kind: RunbookKind,
  subkind: Type.Optional(Nullable(SopSubkind)),
  team: Type.String({ minLength: 1, maxLength: 100, description: 'Owning team (slug or id); its responders and managers edit' }),
  owner: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 254, description: 'Named owner (email or id) reminded instead of the team managers' }))),
  services: Type.Optional(Type.Array(RefString, { maxItems: 100 })),
  tags: Type.Optional(Type.Array(Tag, { maxItems: 50 })),
  review_cadence_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
};

export const RunbookCreate = Type.Object(
  {
    slug: Slug,
    ...Meta,
    content: Type.Optional(RunbookContent),
    template: Type.Optional(Type.String({ minLength: 1, maxLength: 63, description: 'Start from a starter template (GET /api/v1/runbook-templates)' })),
    change_note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type RunbookCreateT = Static<typeof RunbookCreate>;

export const RunbookUpdate = Type.Object(
  {
    base_version: Type.Integer({ minimum: 1, description: 'The version the edit started from; 409 if another edit came first' }),
    title: Type.Optional(Meta.title),
    kind: Type.Optional(RunbookKind),
    subkind: Meta.subkind,
    team: Type.Optional(Meta.team),
    owner: Meta.owner,
    services: Meta.services,
    tags: Meta.tags,
    review_cadence_days: Meta.review_cadence_days,
    content: Type.Optional(RunbookContent),
    change_note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type RunbookUpdateT = Static<typeof RunbookUpdate>;

export const RestoreBody = Type.Object({ change_note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
export const ReviewBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });

const Ref = Type.Object({ id: Id, slug: Slug, name: Type.String() });

export const RunbookSummary = Type.Object({
  id: Id,
  slug: Slug,
  title: Type.String(),
  kind: RunbookKind,
  subkind: Nullable(SopSubkind),
  team: Ref,
  owner: Nullable(Type.Object({ id: Id, email: Type.String(), name: Type.String() })),
  services: Type.Array(Ref),
  tags: Type.Array(Type.String()),
  review_cadence_days: Type.Integer(),
  last_reviewed_at: Nullable(Timestamp),
  review_due_at: Timestamp,
  stale: Type.Boolean({ description: 'Not reviewed within its cadence' }),
  last_verified_at: Nullable(Timestamp),
  current_version: Type.Integer(),
  step_count: Type.Integer(),
  url: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type RunbookSummaryT = Static<typeof RunbookSummary>;

export const Runbook = Type.Composite([
  RunbookSummary,
  Type.Object({
    last_reviewed_by: Nullable(Type.String()),
    content: RunbookContent,
    /** Sanitized HTML of the Markdown parts (server renderer). */
    html: Type.Object({
      purpose: Type.String(),
      prerequisites: Type.String(),
      verification: Type.String(),
      rollback: Type.String(),
      steps: Type.Array(Type.Object({ id: Type.String(), instruction: Type.String(), expected: Type.String(), on_failure: Type.String() })),
    }),
    related: Type.Array(Type.Object({ slug: Type.String(), title: Nullable(Type.String()), exists: Type.Boolean() })),
  }),
]);
export type RunbookT = Static<typeof Runbook>;

export const RunbookVersionMeta = Type.Object({
  kind: Type.String(),
  subkind: Nullable(Type.String()),
  team: Type.String(),
  owner: Nullable(Type.String()),
  services: Type.Array(Type.String()),
  tags: Type.Array(Type.String()),
  review_cadence_days: Type.Integer(),
});
export type RunbookVersionMetaT = Static<typeof RunbookVersionMeta>;

export const RunbookVersionSummary = Type.Object({
  number: Type.Integer(),
  title: Type.String(),
  change_note: Type.String(),
  author: Type.Object({ id: Nullable(Id), label: Type.String() }),
  created_at: Timestamp,
  current: Type.Boolean(),
});
export const RunbookVersion = Type.Composite([RunbookVersionSummary, Type.Object({ content: RunbookContent, meta: RunbookVersionMeta })]);

export const RunbookListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Full text over title, steps (titles, instructions, commands), tags and sections' })),
  service: Type.Optional(Type.String({ maxLength: 100 })),
  team: Type.Optional(Type.String({ maxLength: 100 })),
  kind: Type.Optional(Type.String({ maxLength: 40, description: 'incident_response, sop, troubleshooting, or an SOP subkind' })),
  tag: Type.Optional(Type.String({ maxLength: 63 })),
  stale: Type.Optional(Type.String({ description: 'true: only stale; false: only fresh' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 200 })),
});

export const DiffLine = Type.Object({ op: Type.Union([Type.Literal('add'), Type.Literal('del'), Type.Literal('eq')]), text: Type.String() });
export const RunbookDiff = Type.Object({
  from: Type.Integer(),
  to: Type.Integer(),
  sections: Type.Array(Type.Object({ section: Type.String(), changed: Type.Boolean(), lines: Type.Array(DiffLine) })),
  steps: Type.Object({
    added: Type.Array(Type.Object({ id: Type.String(), title: Type.String() })),
    removed: Type.Array(Type.Object({ id: Type.String(), title: Type.String() })),
    changed: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), fields: Type.Array(Type.String()) })),
    moved: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), from: Type.Integer(), to: Type.Integer() })),
  }),
});
export type RunbookDiffT = Static<typeof RunbookDiff>;
