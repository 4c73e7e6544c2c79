// Fixtures for the runbook-run tests: runbooks, versions and incidents written straight into the
// tables (the library's and incidents' own APIs are tested by their modules), so these tests depend
// only on the table shapes.
import { newId } from '../../src/core/ids.js';
import type { RunbookContentT, RunbookStepT } from '../../src/domains/runbooks/content.js';
import type { TestApp } from '../support/app.js';

export const step = (id: string, extra: Partial<RunbookStepT> = {}): RunbookStepT => ({
  id,
  title: `Step ${id}`,
  instruction: `Do ${id}.`,
  expected: `${id} is done`,
  on_failure: `If ${id} fails, page the database team.`,
  ...extra,
});

export const content = (steps: RunbookStepT[], extra: Partial<RunbookContentT> = {}): RunbookContentT => ({
  purpose: 'When the service is down.',
  prerequisites: 'Shell access.',
  steps,
  verification: 'Health check is green.',
  rollback: 'Restore the previous release with `deploy rollback`.',
  contacts: [],
  related: [],
  ...extra,
});

/** Creates a runbook owned by `teamSlug` with one version per content given (the last is current). */
export async function createRunbook(t: TestApp, opts: { slug: string; teamSlug: string; title?: string; versions: RunbookContentT[] }): Promise<{ id: string; versionIds: string[] }> {
  const db = t.app.deps.db;
  const team = await db.selectFrom('teams').select('id').where('slug', '=', opts.teamSlug).executeTakeFirstOrThrow();
  const id = newId();
  const now = new Date().toISOString();
  await db
    .insertInto('runbooks')
    .values({
      id,
      slug: opts.slug,
      title: opts.title ?? `Runbook ${opts.slug}`,
      kind: 'incident_response',
      subkind: null,
      team_id: team.id,
      owner_user_id: null,
      tags: '[]',
      review_cadence_days: 90,
      last_reviewed_at: null,
      last_reviewed_by: null,
      review_due_at: '2099-01-01T00:00:00.000Z',
      review_reminded_for: null,
      current_version: opts.versions.length,
      step_count: opts.versions.at(-1)!.steps.length,
      search_text: opts.slug,
      created_by: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  const versionIds: string[] = [];
  for (const [i, c] of opts.versions.entries()) {
    const vid = newId();
    versionIds.push(vid);
    await db
      .insertInto('runbook_versions')
      .values({ id: vid, runbook_id: id, number: i + 1, title: opts.title ?? opts.slug, content: JSON.stringify(c), meta: '{}', change_note: '', author_id: null, author_label: 'test', created_at: now })
      .execute();
  }
  return { id, versionIds };
}

/** Adds a version to an existing runbook and makes it current. */
export async function addVersion(t: TestApp, runbookId: string, c: RunbookContentT): Promise<string> {
  const db = t.app.deps.db;
  const rb = await db.selectFrom('runbooks').select('current_version').where('id', '=', runbookId).executeTakeFirstOrThrow();
  const vid = newId();
  const number = Number(rb.current_version) + 1;
  await db
    .insertInto('runbook_versions')
    .values({ id: vid, runbook_id: runbookId, number, title: 'v', content: JSON.stringify(c), meta: '{}', change_note: '', author_id: null, author_label: 'test', created_at: new Date().toISOString() })
    .execute();
  await db.updateTable('runbooks').set({ current_version: number }).where('id', '=', runbookId).execute();
  return vid;
}

let incidentNo = 1000;
/** An incident row (INC-<n>). */
export async function createIncident(t: TestApp, title = 'Checkout down'): Promise<{ id: string; number: number; ref: string }> {
  const id = newId();
  const number = ++incidentNo;
  const now = new Date().toISOString();
  await t.app.deps.db
    .insertInto('incidents')
    .values({
      id, number, title, severity: 'SEV2', status: 'investigating', summary: '', declared_by: null, declared_at: now,
      acknowledged_at: null, identified_at: null, mitigated_at: null, resolved_at: null, ack_breached_at: null, mitigate_breached_at: null,
      impact: '', users_affected: null, created_at: now, updated_at: now,
    })
    .execute();
  return { id, number, ref: `INC-${number}` };
}

export async function timelineOf(t: TestApp, incidentId: string) {
  return t.app.deps.db.selectFrom('incident_timeline').selectAll().where('incident_id', '=', incidentId).orderBy('created_at').orderBy('id').execute();
}
