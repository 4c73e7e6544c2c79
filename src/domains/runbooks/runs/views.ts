import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { RunbookContentT } from '../content.js';
import { incidentLabel, incidentsByIds, type IncidentRef } from './links.js';
import { runbookRefsByIds, versionsByIds, type RunbookRef, type VersionRef } from './source.js';
import type { RunbookRunTables } from './tables.js';

type RunRow = Selectable<RunbookRunTables['runbook_runs']>;
type MarkRow = Selectable<RunbookRunTables['runbook_run_marks']>;
type ActionRow = Selectable<RunbookRunTables['runbook_run_actions']>;

export interface Who {
  user_id: string | null;
  label: string;
  name: string | null;
}

export interface MarkDto {
  id: string;
  step_id: string;
  outcome: string;
  note: string;
  by: Who;
  at: string;
  action_id: string | null;
}

/** The newest mark of each step (ids are time-ordered, so the greatest id is the latest mark). */
export function latestMarks(marks: Pick<MarkRow, 'id' | 'step_id' | 'outcome'>[]): Map<string, Pick<MarkRow, 'id' | 'step_id' | 'outcome'>> {
  const latest = new Map<string, Pick<MarkRow, 'id' | 'step_id' | 'outcome'>>();
  for (const m of marks) {
    const prev = latest.get(m.step_id);
    if (!prev || prev.id < m.id) latest.set(m.step_id, m);
  }
  return latest;
}

export function progressOf(content: RunbookContentT, marks: Pick<MarkRow, 'id' | 'step_id' | 'outcome'>[]) {
  const latest = latestMarks(marks);
  const p = { total: content.steps.length, done: 0, skipped: 0, failed: 0, pending: 0 };
  for (const s of content.steps) {
    const o = latest.get(s.id)?.outcome;
    if (o === 'done') p.done++;
    else if (o === 'skipped') p.skipped++;
    else if (o === 'failed') p.failed++;
    else p.pending++;
  }
  return p;
}

async function userNames(db: Kysely<Database>, ids: (string | null)[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids.filter((x): x is string => !!x))];
  if (unique.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'name']).where('id', 'in', unique).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

const who = (names: Map<string, string>, userId: string | null, label: string): Who => ({ user_id: userId, label, name: userId ? (names.get(userId) ?? null) : null });

const incidentDto = (i: IncidentRef | undefined) => (i ? { id: i.id, ref: incidentLabel(i), title: i.title, status: i.status } : null);

const runbookDto = (r: RunbookRef | undefined, id: string) => (r ? { id: r.id, slug: r.slug, title: r.title } : { id, slug: '', title: '(deleted runbook)' });

function summaryOf(run: RunRow, ctx: { runbooks: Map<string, RunbookRef>; versions: Map<string, VersionRef>; incidents: Map<string, IncidentRef>; names: Map<string, string>; marks: MarkRow[] }) {
  const version = ctx.versions.get(run.runbook_version_id);
  const empty: RunbookContentT = { purpose: '', prerequisites: '', steps: [], verification: '', rollback: '', contacts: [], related: [] };
  return {
    id: run.id,
    status: run.status,
    runbook: runbookDto(ctx.runbooks.get(run.runbook_id), run.runbook_id),
    version: { id: run.runbook_version_id, number: Number(run.version_number) },
    incident: run.incident_id ? incidentDto(ctx.incidents.get(run.incident_id)) : null,
    alert_group_id: run.alert_group_id,
    subject_type: run.subject_type,
    subject_id: run.subject_id,
    started_by: who(ctx.names, run.started_by, run.started_by_label),
    started_at: run.started_at,
    finished_at: run.finished_at,
    finished_by: run.finished_at ? who(ctx.names, run.finished_by, run.finished_by_label ?? '') : null,
    duration_ms: run.duration_ms === null ? null : Number(run.duration_ms),
    finish_note: run.finish_note,
    progress: progressOf(version?.content ?? empty, ctx.marks),
    revision: Number(run.revision),
  };
}

export type RunSummaryDto = ReturnType<typeof summaryOf>;

export async function runSummaries(db: Kysely<Database>, runs: RunRow[]): Promise<RunSummaryDto[]> {
  if (runs.length === 0) return [];
  const ids = runs.map((r) => r.id);
  const [runbooks, versions, incidents, marks] = await Promise.all([
    runbookRefsByIds(db, runs.map((r) => r.runbook_id)),
    versionsByIds(db, runs.map((r) => r.runbook_version_id)),
    incidentsByIds(db, runs.flatMap((r) => (r.incident_id ? [r.incident_id] : []))),
    db.selectFrom('runbook_run_marks').selectAll().where('run_id', 'in', ids).execute(),
  ]);
  const names = await userNames(db, [...runs.map((r) => r.started_by), ...runs.map((r) => r.finished_by)]);
  return runs.map((run) => summaryOf(run, { runbooks, versions, incidents, names, marks: marks.filter((m) => m.run_id === run.id) }));
}

export async function runDetail(db: Kysely<Database>, run: RunRow) {
  const [runbooks, versions, incidents, marks, actions] = await Promise.all([
    runbookRefsByIds(db, [run.runbook_id]),
    versionsByIds(db, [run.runbook_version_id]),
    incidentsByIds(db, run.incident_id ? [run.incident_id] : []),
    db.selectFrom('runbook_run_marks').selectAll().where('run_id', '=', run.id).orderBy('id').execute(),
    db.selectFrom('runbook_run_actions').selectAll().where('run_id', '=', run.id).orderBy('id').execute(),
  ]);
  const names = await userNames(db, [run.started_by, run.finished_by, ...marks.map((m) => m.actor_user_id), ...actions.map((a) => a.actor_user_id)]);
  const summary = summaryOf(run, { runbooks, versions, incidents, names, marks });
  const content = versions.get(run.runbook_version_id)?.content;
  const markDto = (m: MarkRow): MarkDto => ({ id: m.id, step_id: m.step_id, outcome: m.outcome, note: m.note, by: who(names, m.actor_user_id, m.actor_label), at: m.at, action_id: m.action_id });
  const actionDto = (a: ActionRow) => ({
    id: a.id,
    step_id: a.step_id,
    method: a.method,
    url: a.url,
    result: a.result,
    status_code: a.status_code === null ? null : Number(a.status_code),
    duration_ms: Number(a.duration_ms),
    response_body: a.response_body,
    response_truncated: !!a.response_truncated,
    error: a.error,
    by: who(names, a.actor_user_id, a.actor_label),
    at: a.at,
  });
  const steps = (content?.steps ?? []).map((s, position) => {
    const history = marks.filter((m) => m.step_id === s.id).map(markDto);
    return {
      id: s.id,
      position,
      title: s.title,
      instruction: s.instruction,
      command: s.command ?? null,
      expected: s.expected,
      on_failure: s.on_failure,
      // Header values can hold tokens: show which headers are sent, not what they contain.
      http_action: s.http_action
        ? { method: s.http_action.method, url: s.http_action.url, header_names: Object.keys(s.http_action.headers ?? {}), has_body: s.http_action.body !== undefined, expect_status: s.http_action.expect_status ?? [] }
        : null,
      state: history.at(-1) ?? null,
      history,
      actions: actions.filter((a) => a.step_id === s.id).map(actionDto),
    };
  });
  // The step to work on next: the first one not done or skipped (a failed step still needs attention).
  const current = steps.find((s) => s.state?.outcome !== 'done' && s.state?.outcome !== 'skipped') ?? null;
  return {
    ...summary,
    current_step_id: run.status === 'running' ? (current?.id ?? null) : null,
    steps,
    purpose: content?.purpose ?? '',
    prerequisites: content?.prerequisites ?? '',
    verification: content?.verification ?? '',
    rollback: content?.rollback ?? '',
  };
}

export type RunDetailDto = Awaited<ReturnType<typeof runDetail>>;
export type ActionDto = RunDetailDto['steps'][number]['actions'][number];
