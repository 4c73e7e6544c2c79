import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** Runbooks, their immutable versions and runbook lookup rules. */
export async function up(db: Kysely<unknown>, _d: Dialect): Promise<void> {
  await db.schema
    .createTable('runbooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    // incident_response | sop | troubleshooting; sop has a subkind (deployment, rollback, …)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subkind', 'text')
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('restrict'))
    .addColumn('owner_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('review_cadence_days', 'integer', (c) => c.notNull())
    .addColumn('last_reviewed_at', 'text')
    .addColumn('last_reviewed_by', 'text')
    // (last_reviewed_at or created_at) + cadence, kept in step so "stale" is a text comparison on both databases.
    .addColumn('review_due_at', 'text', (c) => c.notNull())
    // The review_due_at a reminder was last sent for: one reminder per stale period.
    .addColumn('review_reminded_for', 'text')
    .addColumn('current_version', 'integer', (c) => c.notNull())
    .addColumn('step_count', 'integer', (c) => c.notNull())
    // Lowercased title, tags, sections and steps: portable full-text search with LIKE.
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('runbooks_team_idx').on('runbooks').columns(['team_id']).execute();
  await db.schema.createIndex('runbooks_review_due_idx').on('runbooks').columns(['review_due_at']).execute();

  await db.schema
    .createTable('runbook_services')
    .addColumn('runbook_id', 'text', (c) => c.notNull().references('runbooks.id').onDelete('cascade'))
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('runbook_services_pk', ['runbook_id', 'service_id'])
    .execute();
  await db.schema.createIndex('runbook_services_service_idx').on('runbook_services').columns(['service_id', 'runbook_id']).execute();

  await db.schema
    .createTable('runbook_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('runbook_id', 'text', (c) => c.notNull().references('runbooks.id').onDelete('cascade'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    // Snapshot of kind, tags, services, owner and cadence at this version (shown in the diff).
    .addColumn('meta', 'text', (c) => c.notNull())
    .addColumn('change_note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('author_id', 'text')
    .addColumn('author_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('runbook_versions_number_uq', ['runbook_id', 'number'])
    .execute();

  await db.schema
    .createTable('runbook_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Lower first.
    .addColumn('priority', 'integer', (c) => c.notNull())
    // null = any service (admin only).
    .addColumn('service_id', 'text', (c) => c.references('services.id').onDelete('cascade'))
    // Glob (`*`, `?`) over the alert kind (class, else alertname label, else summary), case-insensitive.
    .addColumn('alert_pattern', 'text', (c) => c.notNull())
    .addColumn('runbook_id', 'text', (c) => c.notNull().references('runbooks.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('runbook_rules_priority_idx').on('runbook_rules').columns(['priority', 'id']).execute();
}
