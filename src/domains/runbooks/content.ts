import { Type, type Static } from '@sinclair/typebox';

/**
 * The typed structure of a runbook (seed 004 "Runbook Structure", 002 "Procedure Documentation
 * Structure"). Each version stores one RunbookContent as JSON; runs copy nothing but the version id,
 * so a run always shows the exact steps it was started with. Markdown fields are stored raw and
 * rendered sanitized.
 */
const Md = (maxLength: number) => Type.String({ maxLength });

/** Optional HTTP action a step can trigger after confirmation (never shell). Called through the SSRF guard. */
export const StepHttpAction = Type.Object(
  {
    method: Type.Union([Type.Literal('GET'), Type.Literal('POST'), Type.Literal('PUT'), Type.Literal('PATCH'), Type.Literal('DELETE')]),
    url: Type.String({ minLength: 1, maxLength: 2000 }),
    headers: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 2000 }), { maxProperties: 20 })),
    body: Type.Optional(Type.String({ maxLength: 20_000 })),
    /** Expected 2xx unless listed. */
    expect_status: Type.Optional(Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { maxItems: 20 })),
  },
  { additionalProperties: false },
);

export const RunbookStep = Type.Object(
  {
    /** Stable within the runbook across versions (for "steps that fail most often"); slug-like, e.g. `drain-traffic`. */
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    /** What to do (Markdown). */
    instruction: Md(20_000),
    /** A command to copy and run by hand; shown as code, never executed by Ballast. */
    command: Type.Optional(Type.String({ maxLength: 5_000 })),
    /** Expected outcome (Markdown). */
    expected: Md(5_000),
    /** What to do if it fails (Markdown). */
    on_failure: Md(5_000),
    http_action: Type.Optional(StepHttpAction),
  },
  { additionalProperties: false },
);

export const RunbookContact = Type.Object(
  {
    role: Type.String({ minLength: 1, maxLength: 100 }),
    /** A person, team or channel, free text (e.g. "@db-oncall", "Platform team", "+1 555 …"). */
    who: Type.String({ minLength: 1, maxLength: 200 }),
    /** Optional team slug, linked in the UI. */
    team: Type.Optional(Type.String({ maxLength: 63 })),
  },
  { additionalProperties: false },
);

export const RunbookContent = Type.Object(
  {
    /** Purpose: when to use it (Markdown). */
    purpose: Md(20_000),
    /** Prerequisites: access, tools (Markdown). */
    prerequisites: Md(20_000),
    steps: Type.Array(RunbookStep, { minItems: 1, maxItems: 200 }),
    /** How to verify success (Markdown). */
    verification: Md(20_000),
    /** Rollback procedure (Markdown); offered when a step fails. */
    rollback: Md(20_000),
    contacts: Type.Array(RunbookContact, { maxItems: 50 }),
    /** Slugs of related runbooks. */
    related: Type.Array(Type.String({ maxLength: 63 }), { maxItems: 50 }),
  },
  { additionalProperties: false },
);

export type StepHttpActionT = Static<typeof StepHttpAction>;
export type RunbookStepT = Static<typeof RunbookStep>;
export type RunbookContentT = Static<typeof RunbookContent>;
