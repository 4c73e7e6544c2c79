import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** Escalation policies, which policy each service uses, and one running escalation per alert group. */
export async function up(db: Kysely<unknown>, _d: Dialect): Promise<void> {
  await db.schema
    .createTable('escalation_policies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('restrict'))
    .addColumn('repeat', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('levels', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('service_escalation_policies')
    .addColumn('service_id', 'text', (c) => c.primaryKey().references('services.id').onDelete('cascade'))
    .addColumn('policy_id', 'text', (c) => c.notNull().references('escalation_policies.id').onDelete('restrict'))
    .execute();

  await db.schema
    .createTable('escalations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('alert_group_id', 'text', (c) => c.notNull().unique().references('alert_groups.id').onDelete('cascade'))
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('policy_id', 'text', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('loop', 'integer', (c) => c.notNull())
    .addColumn('next_step_at', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('stop_reason', 'text')
    .execute();
  await db.schema.createIndex('escalations_status_idx').on('escalations').columns(['status', 'next_step_at']).execute();
}
