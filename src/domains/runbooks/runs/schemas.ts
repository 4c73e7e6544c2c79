import { Type, type Static } from '@sinclair/typebox';

const Ref = Type.String({ minLength: 1, maxLength: 200 });

export const RunStart = Type.Object(
  {
    /** Runbook id or slug. */
    runbook: Ref,
    /** Incident id or `INC-<n>`. */
    incident: Type.Optional(Ref),
    alert_group: Type.Optional(Ref),
    /** A later module's record the run belongs to (change, maintenance). */
    subject_type: Type.Optional(Type.String({ pattern: '^[a-z][a-z_]{0,39}$' })),
    subject_id: Type.Optional(Ref),
  },
  { additionalProperties: false },
);

export const StepMark = Type.Object(
  {
    outcome: Type.Union([Type.Literal('done'), Type.Literal('skipped'), Type.Literal('failed')]),
    /** Required for skipped (the reason) and failed (what happened). */
    note: Type.Optional(Type.String({ maxLength: 5_000 })),
  },
  { additionalProperties: false },
);

export const RunFinish = Type.Object(
  {
    outcome: Type.Union([Type.Literal('success'), Type.Literal('failed'), Type.Literal('aborted')]),
    note: Type.Optional(Type.String({ maxLength: 5_000 })),
  },
  { additionalProperties: false },
);

export const HttpActionConfirm = Type.Object({ confirm: Type.Boolean() }, { additionalProperties: false });

export const RunListQuery = Type.Object({
  runbook: Type.Optional(Type.String()),
  incident: Type.Optional(Type.String()),
  status: Type.Optional(Type.String()),
  started_by: Type.Optional(Type.String()),
  limit: Type.Optional(Type.String()),
  cursor: Type.Optional(Type.String()),
});

export type RunStartT = Static<typeof RunStart>;
export type StepMarkT = Static<typeof StepMark>;
export type RunFinishT = Static<typeof RunFinish>;

const Who = Type.Object({ user_id: Type.Union([Type.String(), Type.Null()]), label: Type.String(), name: Type.Union([Type.String(), Type.Null()]) });
const Mark = Type.Object({
  id: Type.String(),
  step_id: Type.String(),
  outcome: Type.String(),
  note: Type.String(),
  by: Who,
  at: Type.String(),
  action_id: Type.Union([Type.String(), Type.Null()]),
});
const Action = Type.Object({
  id: Type.String(),
  step_id: Type.String(),
  method: Type.String(),
  url: Type.String(),
  result: Type.String(),
  status_code: Type.Union([Type.Integer(), Type.Null()]),
  duration_ms: Type.Integer(),
  response_body: Type.String(),
  response_truncated: Type.Boolean(),
  error: Type.Union([Type.String(), Type.Null()]),
  by: Who,
  at: Type.String(),
});
const Progress = Type.Object({ total: Type.Integer(), done: Type.Integer(), skipped: Type.Integer(), failed: Type.Integer(), pending: Type.Integer() });
const IncidentRef = Type.Object({ id: Type.String(), ref: Type.String(), title: Type.String(), status: Type.String() });

export const RunSummary = Type.Object({
  id: Type.String(),
  status: Type.String(),
  runbook: Type.Object({ id: Type.String(), slug: Type.String(), title: Type.String() }),
  version: Type.Object({ id: Type.String(), number: Type.Integer() }),
  incident: Type.Union([IncidentRef, Type.Null()]),
  alert_group_id: Type.Union([Type.String(), Type.Null()]),
  subject_type: Type.Union([Type.String(), Type.Null()]),
  subject_id: Type.Union([Type.String(), Type.Null()]),
  started_by: Who,
  started_at: Type.String(),
  finished_at: Type.Union([Type.String(), Type.Null()]),
  finished_by: Type.Union([Who, Type.Null()]),
  duration_ms: Type.Union([Type.Integer(), Type.Null()]),
  finish_note: Type.String(),
  progress: Progress,
  revision: Type.Integer(),
});

export const RunStep = Type.Object({
  id: Type.String(),
  position: Type.Integer(),
  title: Type.String(),
  instruction: Type.String(),
  command: Type.Union([Type.String(), Type.Null()]),
  expected: Type.String(),
  on_failure: Type.String(),
  http_action: Type.Union([
    Type.Object({ method: Type.String(), url: Type.String(), header_names: Type.Array(Type.String()), has_body: Type.Boolean(), expect_status: Type.Array(Type.Integer()) }),
    Type.Null(),
  ]),
  state: Type.Union([Mark, Type.Null()]),
  history: Type.Array(Mark),
  actions: Type.Array(Action),
});

export const RunDetail = Type.Intersect([
  RunSummary,
  Type.Object({
    current_step_id: Type.Union([Type.String(), Type.Null()]),
    steps: Type.Array(RunStep),
    purpose: Type.String(),
    prerequisites: Type.String(),
    verification: Type.String(),
    rollback: Type.String(),
  }),
]);

export const Guidance = Type.Object({ step_id: Type.String(), on_failure: Type.String(), rollback: Type.String() });

export const MarkResult = Type.Object({ run: RunDetail, mark: Mark, guidance: Type.Union([Guidance, Type.Null()]) });
export const ActionResult = Type.Object({ run: RunDetail, action: Action, mark: Type.Union([Mark, Type.Null()]), guidance: Type.Union([Guidance, Type.Null()]) });

export const RunStats = Type.Object({
  runbook: Type.Object({ id: Type.String(), slug: Type.String(), title: Type.String() }),
  runs: Type.Integer(),
  finished: Type.Integer(),
  running: Type.Integer(),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
  aborted: Type.Integer(),
  /** succeeded / finished (0..1); null before any run finished. */
  success_rate: Type.Union([Type.Number(), Type.Null()]),
  mean_duration_ms: Type.Union([Type.Number(), Type.Null()]),
  last_verified_at: Type.Union([Type.String(), Type.Null()]),
  failing_steps: Type.Array(Type.Object({ step_id: Type.String(), title: Type.String(), failures: Type.Integer(), runs: Type.Integer() })),
});
