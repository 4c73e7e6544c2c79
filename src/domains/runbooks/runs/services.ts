import { actorLabel, actorUserId, isPrivileged } from '../../../core/actor.js';
import type { Ctx } from '../../../core/context.js';
import { errors } from '../../../core/errors.js';
import { newId } from '../../../core/ids.js';
import { pageRequest, pageResult, type PageResult } from '../../../core/pagination.js';
import { iso } from '../../../core/time.js';
import { transaction, type Uow } from '../../../core/uow.js';
import { validate } from '../../../core/validate.js';
import { requireSignedIn, requireTeamRole } from '../../accounts/authz.js';
import { addTimelineEntry } from '../../incidents/timeline.js';
import type { RunbookStepT } from '../content.js';
import { findIncident, mustFindAlertGroup, mustFindIncident, requireIncidentVisible } from './links.js';
import { RunFinish, RunStart, StepMark } from './schemas.js';
import { currentVersion, mustFindRunbookRef, runbookIdsOfTeams, runbookRefsByIds, versionById, type RunbookRef, type VersionRef } from './source.js';
import { latestMarks, runDetail, runSummaries, type MarkDto, type RunDetailDto, type RunSummaryDto } from './views.js';

export const RUN_STATUSES = ['running', 'success', 'failed', 'aborted'] as const;

export interface Guidance {
  step_id: string;
  on_failure: string;
  rollback: string;
}

/** What the step's "if this fails" says, with the rollback section it offers. */
export const guidanceFor = (step: RunbookStepT, version: VersionRef): Guidance => ({ step_id: step.id, on_failure: step.on_failure, rollback: version.content.rollback });

export async function loadRunRow(ctx: Ctx, runId: string) {
  const row = await ctx.deps.db.selectFrom('runbook_runs').selectAll().where('id', '=', runId).executeTakeFirst();
  if (!row) throw errors.notFound('Runbook run', runId);
  return row;
}

/** Anyone in the runbook's owning team (viewer or above) or an admin may see and work its runs. */
async function requireRunAccess(ctx: Ctx, runbookId: string): Promise<RunbookRef> {
  requireSignedIn(ctx.actor);
  const rb = (await runbookRefsByIds(ctx.deps.db, [runbookId])).get(runbookId);
  if (!rb) {
    if (isPrivileged(ctx.actor)) return { id: runbookId, slug: '', title: '(deleted runbook)', teamId: '', currentVersion: 0 };
    throw errors.notFound('Runbook', runbookId);
  }
  await requireTeamRole(ctx.deps.db, ctx.actor, rb.teamId, 'viewer');
  return rb;
}

/** Loads a run the actor may work on, with its runbook and pinned version. */
export async function loadForWork(ctx: Ctx, runId: string) {
  const run = await loadRunRow(ctx, runId);
  const runbook = await requireRunAccess(ctx, run.runbook_id);
  const version = await versionById(ctx.deps.db, run.runbook_version_id);
  return { run, runbook, version };
}

export function findStep(version: VersionRef, stepId: string): RunbookStepT {
  const step = version.content.steps.find((s) => s.id === stepId);
  if (!step) throw errors.notFound('Step', stepId);
  return step;
}

/**
 * Claims the run for this transaction: bumps its revision, which on PostgreSQL row-locks it until
 * commit (so a mark and a finish cannot interleave) and on SQLite happens under the single writer.
 * Finished runs are read-only.
 */
export async function lockRunning(uow: Uow, runId: string): Promise<number> {
  const res = await uow.db
    .updateTable('runbook_runs')
    .set((eb) => ({ revision: eb('revision', '+', 1), updated_at: iso(uow.now) }))
    .where('id', '=', runId)
    .where('status', '=', 'running')
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) {
    const row = await uow.db.selectFrom('runbook_runs').select('status').where('id', '=', runId).executeTakeFirst();
    if (!row) throw errors.notFound('Runbook run', runId);
    throw errors.conflict(`This run is finished (${row.status}); finished runs are read-only`, { status: row.status });
  }
  const row = await uow.db.selectFrom('runbook_runs').select('revision').where('id', '=', runId).executeTakeFirstOrThrow();
  return Number(row.revision);
}

const subject = (runId: string) => ({ type: 'runbook_run', id: runId });

export async function startRun(ctx: Ctx, input: unknown): Promise<RunDetailDto> {
  const body = validate(RunStart, input);
  requireSignedIn(ctx.actor);
  const { db } = ctx.deps;
  const runbook = await mustFindRunbookRef(db, body.runbook);
  await requireTeamRole(db, ctx.actor, runbook.teamId, 'viewer');
  const incident = body.incident === undefined ? null : await mustFindIncident(db, body.incident);
  if (incident) requireIncidentVisible(ctx.actor, incident);
  const alertGroup = body.alert_group === undefined ? null : await mustFindAlertGroup(db, body.alert_group);
  if ((body.subject_type === undefined) !== (body.subject_id === undefined)) {
    throw errors.validation([{ path: body.subject_type === undefined ? '/subject_type' : '/subject_id', message: 'subject_type and subject_id go together' }]);
  }
  const runId = await transaction(ctx, async (uow) => {
    const version = await currentVersion(uow.db, runbook);
    const id = newId();
    const now = iso(uow.now);
    const row = {
      id,
      runbook_id: runbook.id,
      runbook_version_id: version.id,
      version_number: version.number,
      status: 'running',
      incident_id: incident?.id ?? null,
      alert_group_id: alertGroup?.id ?? null,
      subject_type: body.subject_type ?? null,
      subject_id: body.subject_id ?? null,
      started_by: actorUserId(ctx.actor),
      started_by_label: actorLabel(ctx.actor),
      started_at: now,
      finished_at: null,
      finished_by: null,
      finished_by_label: null,
      duration_ms: null,
      finish_note: '',
      revision: 0,
      updated_at: now,
    };
    await uow.db.insertInto('runbook_runs').values(row).execute();
    await uow.audit({ action: 'runbook_run.started', targetType: 'runbook_run', targetId: id, after: row });
    await uow.emit('runbook_run.started', 'runbook_run', id, { runbook_id: runbook.id, incident_id: row.incident_id, revision: 0 });
    if (incident) {
      await addTimelineEntry(uow, incident.id, {
        kind: 'runbook_run_started',
        summary: `Runbook run started: ${runbook.title} (v${version.number})`,
        data: { run_id: id, runbook_id: runbook.id, runbook_slug: runbook.slug, version: version.number },
        subject: subject(id),
      });
    }
    return id;
  });
  return getRun(ctx, runId);
}

export async function getRun(ctx: Ctx, runId: string): Promise<RunDetailDto> {
  const run = await loadRunRow(ctx, runId);
  await requireRunAccess(ctx, run.runbook_id);
  return runDetail(ctx.deps.db, run);
}

export async function listRuns(ctx: Ctx, query: Record<string, unknown>): Promise<PageResult<RunSummaryDto>> {
  requireSignedIn(ctx.actor);
  const page = pageRequest(query);
  const { db } = ctx.deps;
  const str = (k: string) => (typeof query[k] === 'string' && query[k] !== '' ? (query[k] as string) : undefined);
  let q = db.selectFrom('runbook_runs').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
  if (page.after) q = q.where('id', '<', page.after);
  const runbook = str('runbook');
  if (runbook) q = q.where('runbook_id', '=', (await mustFindRunbookRef(db, runbook)).id);
  const incident = str('incident');
  if (incident) {
    const i = await findIncident(db, incident);
    if (!i) throw errors.notFound('Incident', incident);
    requireIncidentVisible(ctx.actor, i);
    q = q.where('incident_id', '=', i.id);
  }
  const status = str('status');
  if (status) {
    const list = status.split(',');
    if (list.some((s) => !(RUN_STATUSES as readonly string[]).includes(s))) throw errors.validation([{ path: '/status', message: `Expected any of ${RUN_STATUSES.join(', ')}` }]);
    q = q.where('status', 'in', list);
  }
  const startedBy = str('started_by');
  if (startedBy) {
    const u = await db
      .selectFrom('users')
      .select('id')
      .where((eb) => eb.or([eb('id', '=', startedBy), eb('email', '=', startedBy.toLowerCase())]))
      .executeTakeFirst();
    if (!u) throw errors.notFound('User', startedBy);
    q = q.where('started_by', '=', u.id);
  }
  // Members see the runs of their teams' runbooks; admins see all.
  if (!isPrivileged(ctx.actor) && ctx.actor.kind === 'user') {
    const teams = await db.selectFrom('team_members').select('team_id').where('user_id', '=', ctx.actor.userId).execute();
    q = q.where('runbook_id', 'in', runbookIdsOfTeams(db, teams.map((t) => t.team_id)) as never);
  }
  const rows = await q.execute();
  const summaries = await runSummaries(db, rows.slice(0, page.limit));
  const byId = new Map(summaries.map((s) => [s.id, s]));
  return pageResult(rows, page, (r) => r.id, (r) => byId.get(r.id)!);
}

export interface MarkResult {
  run: RunDetailDto;
  mark: MarkDto;
  guidance: Guidance | null;
}

/** Records one mark inside the caller's transaction (the run is already claimed with lockRunning). */
export async function insertMark(
  uow: Uow,
  run: { id: string; incident_id: string | null },
  runbook: RunbookRef,
  step: RunbookStepT,
  mark: { outcome: 'done' | 'skipped' | 'failed'; note: string; actionId?: string },
  revision: number,
): Promise<string> {
  const id = newId();
  const row = {
    id,
    run_id: run.id,
    step_id: step.id,
    outcome: mark.outcome,
    note: mark.note,
    actor_user_id: actorUserId(uow.ctx.actor),
    actor_label: actorLabel(uow.ctx.actor),
    at: iso(uow.now),
    action_id: mark.actionId ?? null,
  };
  await uow.db.insertInto('runbook_run_marks').values(row).execute();
  await uow.audit({ action: 'runbook_run.step_marked', targetType: 'runbook_run', targetId: run.id, after: { step_id: step.id, outcome: mark.outcome, note: mark.note } });
  await uow.emit('runbook_run.step_marked', 'runbook_run', run.id, { step_id: step.id, outcome: mark.outcome, revision });
  if (run.incident_id) {
    const verb = { done: 'done', skipped: 'skipped', failed: 'failed' }[mark.outcome];
    await addTimelineEntry(uow, run.incident_id, {
      kind: 'runbook_step',
      summary: `Runbook step ${verb}: ${step.title} (${runbook.title})`,
      body: mark.note,
      data: { run_id: run.id, step_id: step.id, outcome: mark.outcome },
      subject: subject(run.id),
    });
  }
  return id;
}

export async function markStep(ctx: Ctx, runId: string, stepId: string, input: unknown): Promise<MarkResult> {
  const body = validate(StepMark, input);
  const note = (body.note ?? '').trim();
  if (body.outcome === 'skipped' && !note) throw errors.validation([{ path: '/note', message: 'Say why the step is skipped' }], 'A reason (note) is required to skip a step');
  if (body.outcome === 'failed' && !note) throw errors.validation([{ path: '/note', message: 'Say what went wrong' }], 'A note is required to mark a step failed');
  const { run, runbook, version } = await loadForWork(ctx, runId);
  const step = findStep(version, stepId);
  const markId = await transaction(ctx, async (uow) => {
    const revision = await lockRunning(uow, run.id);
    return insertMark(uow, run, runbook, step, { outcome: body.outcome, note }, revision);
  });
  const detail = await runDetail(ctx.deps.db, await loadRunRow(ctx, runId));
  const mark = detail.steps.flatMap((s) => s.history).find((m) => m.id === markId)!;
  return { run: detail, mark, guidance: body.outcome === 'failed' ? guidanceFor(step, version) : null };
}

export async function finishRun(ctx: Ctx, runId: string, input: unknown): Promise<RunDetailDto> {
  const body = validate(RunFinish, input);
  const note = (body.note ?? '').trim();
  const { run, runbook, version } = await loadForWork(ctx, runId);
  await transaction(ctx, async (uow) => {
    const revision = await lockRunning(uow, run.id);
    if (body.outcome === 'success') {
      // Read after the claim, so a mark committed just before is seen.
      const marks = await uow.db.selectFrom('runbook_run_marks').select(['id', 'step_id', 'outcome']).where('run_id', '=', run.id).execute();
      const latest = latestMarks(marks);
      const open = version.content.steps.filter((s) => {
        const o = latest.get(s.id)?.outcome;
        return o !== 'done' && o !== 'skipped';
      });
      if (open.length) {
        throw errors.conflict(`A run succeeds only when every step is done or skipped; still open: ${open.map((s) => s.title).join(', ')}`, {
          open_steps: open.map((s) => ({ id: s.id, title: s.title, outcome: latest.get(s.id)?.outcome ?? null })),
        });
      }
    }
    const finishedAt = iso(uow.now);
    const durationMs = Math.max(0, uow.now.getTime() - Date.parse(run.started_at));
    const change = {
      status: body.outcome,
      finished_at: finishedAt,
      finished_by: actorUserId(ctx.actor),
      finished_by_label: actorLabel(ctx.actor),
      duration_ms: durationMs,
      finish_note: note,
    };
    await uow.db.updateTable('runbook_runs').set(change).where('id', '=', run.id).execute();
    await uow.audit({ action: 'runbook_run.finished', targetType: 'runbook_run', targetId: run.id, before: { status: 'running' }, after: change });
    await uow.emit('runbook_run.finished', 'runbook_run', run.id, { outcome: body.outcome, revision });
    if (run.incident_id) {
      await addTimelineEntry(uow, run.incident_id, {
        kind: 'runbook_run_finished',
        summary: `Runbook run ${body.outcome === 'success' ? 'succeeded' : body.outcome}: ${runbook.title} after ${formatDuration(durationMs)}`,
        body: note,
        data: { run_id: run.id, outcome: body.outcome, duration_ms: durationMs },
        subject: subject(run.id),
      });
    }
  });
  return runDetail(ctx.deps.db, await loadRunRow(ctx, runId));
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

