import type { Kysely } from 'kysely';
import type { Ctx } from '../../../core/context.js';
import type { Database } from '../../../db/schema.js';
import { requireSignedIn, requireTeamRole } from '../../accounts/authz.js';
import { mustFindRunbookRef, versionsByIds } from './source.js';

/**
 * When each runbook was last verified by a run (the newest run that finished successfully). The
 * runbook library shows it next to the review date. Implemented by the runs module.
 */
export async function lastVerifiedAt(db: Kysely<Database>, runbookIds: string[]): Promise<Map<string, string>> {
  const ids = [...new Set(runbookIds)];
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('runbook_runs')
    .select((eb) => ['runbook_id', eb.fn.max('finished_at').as('at')])
    .where('runbook_id', 'in', ids)
    .where('status', '=', 'success')
    .groupBy('runbook_id')
    .execute();
  for (const r of rows) if (r.at) out.set(r.runbook_id, String(r.at));
  return out;
}

export interface RunStatsDto {
  runbook: { id: string; slug: string; title: string };
  runs: number;
  finished: number;
  running: number;
  succeeded: number;
  failed: number;
  aborted: number;
  success_rate: number | null;
  mean_duration_ms: number | null;
  last_verified_at: string | null;
  failing_steps: { step_id: string; title: string; failures: number; runs: number }[];
}

/**
 * Aggregates over every run of a runbook. Success rate and mean duration count finished runs only;
 * a step "fails" in a run when it was marked failed at least once there, even if a retry succeeded.
 */
export async function runStats(ctx: Ctx, idOrSlug: string): Promise<RunStatsDto> {
  requireSignedIn(ctx.actor);
  const { db } = ctx.deps;
  const runbook = await mustFindRunbookRef(db, idOrSlug);
  await requireTeamRole(db, ctx.actor, runbook.teamId, 'viewer');
  const runs = await db
    .selectFrom('runbook_runs')
    .select(['id', 'status', 'duration_ms', 'runbook_version_id', 'version_number'])
    .where('runbook_id', '=', runbook.id)
    .execute();
  const count = (s: string) => runs.filter((r) => r.status === s).length;
  const finished = runs.filter((r) => r.status !== 'running');
  const durations = finished.map((r) => Number(r.duration_ms ?? 0));
  const succeeded = count('success');

  const marks = runs.length
    ? await db
        .selectFrom('runbook_run_marks')
        .innerJoin('runbook_runs', 'runbook_runs.id', 'runbook_run_marks.run_id')
        .select(['runbook_run_marks.run_id', 'runbook_run_marks.step_id', 'runbook_run_marks.outcome'])
        .where('runbook_runs.runbook_id', '=', runbook.id)
        .execute()
    : [];
  const perStep = new Map<string, { failed: Set<string>; runs: Set<string> }>();
  for (const m of marks) {
    const s = perStep.get(m.step_id) ?? { failed: new Set(), runs: new Set() };
    s.runs.add(m.run_id);
    if (m.outcome === 'failed') s.failed.add(m.run_id);
    perStep.set(m.step_id, s);
  }
  // Titles from the newest version that has the step (step ids are stable across versions).
  const versions = await versionsByIds(db, runs.map((r) => r.runbook_version_id));
  const titles = new Map<string, string>();
  for (const v of [...versions.values()].sort((a, b) => a.number - b.number)) for (const s of v.content.steps) titles.set(s.id, s.title);
  const failing = [...perStep.entries()]
    .filter(([, s]) => s.failed.size > 0)
    .map(([stepId, s]) => ({ step_id: stepId, title: titles.get(stepId) ?? stepId, failures: s.failed.size, runs: s.runs.size }))
    .sort((a, b) => b.failures - a.failures || b.failures / b.runs - a.failures / a.runs || a.step_id.localeCompare(b.step_id))
    .slice(0, 10);

  return {
    runbook: { id: runbook.id, slug: runbook.slug, title: runbook.title },
    runs: runs.length,
    finished: finished.length,
    running: count('running'),
    succeeded,
    failed: count('failed'),
    aborted: count('aborted'),
    success_rate: finished.length ? succeeded / finished.length : null,
    mean_duration_ms: durations.length ? Math.round(durations.reduce((a, b) => a + b, 0) / durations.length) : null,
    last_verified_at: (await lastVerifiedAt(db, [runbook.id])).get(runbook.id) ?? null,
    failing_steps: failing,
  };
}
