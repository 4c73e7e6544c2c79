import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Runbook runs, their per-step marks (history: every mark is a row, the latest per step counts) and
 * the HTTP actions attempted from steps. Runs point at the runbook and the exact version they were
 * started with; the runbook tables belong to migration 0010 and are not constrained here so the two
 * modules can evolve their own tables independently.
 */
export async function up(db: Kysely<unknown>, _d: Dialect): Promise<void> {
  await db.schema
    .createTable('runbook_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('runbook_id', 'text', (c) => c.notNull())
    .addColumn('runbook_version_id', 'text', (c) => c.notNull())
    .addColumn('version_number', 'integer', (c) => c.notNull())
    // running | success | failed | aborted
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.references('incidents.id').onDelete('set null'))
    .addColumn('alert_group_id', 'text', (c) => c.references('alert_groups.id').onDelete('set null'))
    // Later modules (changes, maintenance) attach runs to their own records.
    .addColumn('subject_type', 'text')
    .addColumn('subject_id', 'text')
    .addColumn('started_by', 'text')
    .addColumn('started_by_label', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('finished_by', 'text')
    .addColumn('finished_by_label', 'text')
    .addColumn('duration_ms', 'integer')
    .addColumn('finish_note', 'text', (c) => c.notNull().defaultTo(''))
    // Bumped by every change; the row update is also what serialises concurrent writers of one run.
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('runbook_runs_runbook_idx').on('runbook_runs').columns(['runbook_id', 'status', 'id']).execute();
  await db.schema.createIndex('runbook_runs_incident_idx').on('runbook_runs').columns(['incident_id', 'id']).execute();
  await db.schema.createIndex('runbook_runs_status_idx').on('runbook_runs').columns(['status', 'id']).execute();

  await db.schema
    .createTable('runbook_run_marks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull().references('runbook_runs.id').onDelete('cascade'))
    .addColumn('step_id', 'text', (c) => c.notNull())
    // done | skipped | failed
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('actor_user_id', 'text')
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    // Set when the mark came from an HTTP action's result.
    .addColumn('action_id', 'text')
    .execute();
  await db.schema.createIndex('runbook_run_marks_run_idx').on('runbook_run_marks').columns(['run_id', 'step_id', 'id']).execute();

  await db.schema
    .createTable('runbook_run_actions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull().references('runbook_runs.id').onDelete('cascade'))
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    // succeeded | failed (unexpected status or network error) | refused (SSRF guard)
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('response_body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('response_truncated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('actor_user_id', 'text')
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('runbook_run_actions_run_idx').on('runbook_run_actions').columns(['run_id', 'id']).execute();
}
