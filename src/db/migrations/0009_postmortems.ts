import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** Postmortems (one per incident), reviewers, comments and action items. Owned by src/domains/postmortems. */
export async function up(db: Kysely<unknown>, _d: Dialect): Promise<void> {
  await db.schema
    .createTable('postmortems')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull().unique().references('incidents.id').onDelete('cascade'))
    // draft | in_review | published
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    // The seed template's sections, each raw Markdown (rendered sanitized). Action items are rows below.
    .addColumn('summary', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('impact', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('timeline', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('root_cause', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('went_well', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('went_poorly', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('lessons_learned', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('author_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    // 1 when the incident's severity required one at resolution (counts for on-time completion).
    .addColumn('required', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('auto_created', 'integer', (c) => c.notNull().defaultTo(0))
    // N business days after resolution; null while the incident is not resolved.
    .addColumn('due_at', 'text')
    .addColumn('reminded_at', 'text')
    .addColumn('submitted_at', 'text')
    .addColumn('published_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('postmortems_status_idx').on('postmortems').columns(['status', 'due_at']).execute();

  await db.schema
    .createTable('postmortem_reviewers')
    .addColumn('postmortem_id', 'text', (c) => c.notNull().references('postmortems.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('added_by', 'text')
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('postmortem_reviewers_pk', ['postmortem_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('postmortem_comments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('postmortem_id', 'text', (c) => c.notNull().references('postmortems.id').onDelete('cascade'))
    .addColumn('author_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('author_label', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('postmortem_comments_pm_idx').on('postmortem_comments').columns(['postmortem_id', 'id']).execute();

  await db.schema
    .createTable('action_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('postmortem_id', 'text', (c) => c.references('postmortems.id').onDelete('set null'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('owner_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    // Calendar date YYYY-MM-DD (UTC); overdue from 00:00 UTC the day after.
    .addColumn('due_date', 'text')
    // P1 (most urgent) … P4
    .addColumn('priority', 'text', (c) => c.notNull())
    // open | in_progress | done | wont_do
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    // The due date the owner was last reminded about: one reminder per due date, re-armed when it moves.
    .addColumn('reminded_due_date', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('action_items_incident_idx').on('action_items').columns(['incident_id']).execute();
  await db.schema.createIndex('action_items_status_idx').on('action_items').columns(['status', 'due_date']).execute();
  await db.schema.createIndex('action_items_owner_idx').on('action_items').columns(['owner_id', 'status']).execute();
}
