import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** Integrations, alerts with their event log, alert groups, routing rules, silences, change events. */
export async function up(db: Kysely<unknown>, _d: Dialect): Promise<void> {
  await db.schema
    .createTable('integrations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('previous_key', 'text', (c) => c.unique())
    .addColumn('previous_key_expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('integrations_service_idx').on('integrations').column('service_id').execute();

  await db.schema
    .createTable('service_alert_settings')
    .addColumn('service_id', 'text', (c) => c.primaryKey().references('services.id').onDelete('cascade'))
    .addColumn('auto_resolve_minutes', 'integer')
    .addColumn('ack_timeout_minutes', 'integer')
    .addColumn('group_mode', 'text', (c) => c.notNull().defaultTo('dedup_key'))
    .addColumn('group_labels', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('group_window_minutes', 'integer', (c) => c.notNull().defaultTo(60))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('alert_groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('urgency', 'text', (c) => c.notNull())
    .addColumn('silenced_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('alert_count', 'integer', (c) => c.notNull())
    .addColumn('open_count', 'integer', (c) => c.notNull())
    .addColumn('unacked_count', 'integer', (c) => c.notNull())
    .addColumn('first_alert_at', 'text', (c) => c.notNull())
    .addColumn('last_alert_at', 'text', (c) => c.notNull())
    .addColumn('acknowledged_at', 'text')
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('resolved_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // Not unique: label grouping opens a new group for the same key once the window has passed.
  await db.schema
    .createIndex('alert_groups_open_key_idx')
    .on('alert_groups')
    .columns(['service_id', 'group_key'])
    .where(sql.ref('status'), '<>', 'resolved')
    .execute();
  await db.schema.createIndex('alert_groups_status_idx').on('alert_groups').columns(['status', 'id']).execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('integration_id', 'text')
    .addColumn('group_id', 'text', (c) => c.notNull().references('alert_groups.id').onDelete('cascade'))
    .addColumn('dedup_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('urgency', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('component', 'text')
    .addColumn('source_group', 'text')
    .addColumn('class', 'text')
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('links', 'text', (c) => c.notNull())
    .addColumn('images', 'text', (c) => c.notNull())
    .addColumn('client', 'text')
    .addColumn('client_url', 'text')
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('silenced_by', 'text')
    .addColumn('trigger_count', 'integer', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('acknowledged_at', 'text')
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('resolved_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // PagerDuty semantics: one open alert per dedup key per service; after resolve a trigger opens a new one.
  await db.schema
    .createIndex('alerts_open_dedup_idx')
    .on('alerts')
    .columns(['service_id', 'dedup_key'])
    .unique()
    .where(sql.ref('status'), '<>', 'resolved')
    .execute();
  await db.schema.createIndex('alerts_group_idx').on('alerts').column('group_id').execute();
  await db.schema.createIndex('alerts_status_idx').on('alerts').columns(['status', 'id']).execute();
  await db.schema.createIndex('alerts_service_idx').on('alerts').columns(['service_id', 'id']).execute();

  await db.schema
    .createTable('alert_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id').onDelete('cascade'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('payload', 'text')
    .execute();
  await db.schema.createIndex('alert_events_alert_idx').on('alert_events').columns(['alert_id', 'id']).execute();

  await db.schema
    .createTable('routing_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('integration_id', 'text', (c) => c.references('integrations.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('conditions', 'text', (c) => c.notNull())
    .addColumn('actions', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('silences')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service_id', 'text', (c) => c.references('services.id').onDelete('cascade'))
    .addColumn('matchers', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('silences_ends_idx').on('silences').column('ends_at').execute();

  await db.schema
    .createTable('change_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('integration_id', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('links', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('change_events_service_idx').on('change_events').columns(['service_id', 'occurred_at']).execute();
}
