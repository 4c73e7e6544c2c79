import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Incidents: severity definitions, incidents (INC-<n>), affected services, linked alert groups, role
 * assignments (history kept) and the timeline. Owned by src/domains/incidents.
 */
export async function up(db: Kysely<unknown>, _d: Dialect): Promise<void> {
  await db.schema
    .createTable('incidents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('number', 'integer', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('declared_by', 'text')
    .addColumn('declared_at', 'text', (c) => c.notNull())
    // Lifecycle instants (set on first transition; kept through reopen for the measures).
    .addColumn('acknowledged_at', 'text')
    .addColumn('identified_at', 'text')
    .addColumn('mitigated_at', 'text')
    .addColumn('resolved_at', 'text')
    // Response-target breaches (time to acknowledge / time to mitigate against the severity's targets).
    .addColumn('ack_breached_at', 'text')
    .addColumn('mitigate_breached_at', 'text')
    // Customer impact, recorded when resolving: what was affected and who.
    .addColumn('impact', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('users_affected', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incidents_status_idx').on('incidents').columns(['status', 'declared_at']).execute();

  await db.schema
    .createTable('incident_services')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('restrict'))
    .addPrimaryKeyConstraint('incident_services_pk', ['incident_id', 'service_id'])
    .execute();
  await db.schema.createIndex('incident_services_service_idx').on('incident_services').columns(['service_id', 'incident_id']).execute();

  await db.schema
    .createTable('incident_severities')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('rank', 'integer', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('examples', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('ack_target_minutes', 'integer', (c) => c.notNull())
    .addColumn('mitigate_target_minutes', 'integer')
    .addColumn('update_interval_minutes', 'integer')
    .addColumn('requires_postmortem', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('postmortem_due_business_days', 'integer', (c) => c.notNull().defaultTo(5))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('incident_alert_groups')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('alert_group_id', 'text', (c) => c.notNull().references('alert_groups.id').onDelete('cascade'))
    .addColumn('linked_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_alert_groups_pk', ['incident_id', 'alert_group_id'])
    .execute();
  await db.schema.createIndex('incident_alert_groups_group_idx').on('incident_alert_groups').columns(['alert_group_id']).execute();

  await db.schema
    .createTable('incident_roles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    // commander, communications, scribe
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('assigned_at', 'text', (c) => c.notNull())
    .addColumn('assigned_by', 'text')
    // Set when handed over to someone else; the current holder has ended_at null.
    .addColumn('ended_at', 'text')
    .execute();
  await db.schema.createIndex('incident_roles_incident_idx').on('incident_roles').columns(['incident_id', 'role', 'ended_at']).execute();

  await db.schema
    .createTable('incident_timeline')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('actor_user_id', 'text')
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('key_event', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('subject_type', 'text')
    .addColumn('subject_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incident_timeline_incident_idx').on('incident_timeline').columns(['incident_id', 'at']).execute();

  // The seeds' severity table (004 "Incident Severity Levels", 003 §3.1): definitions, examples and
  // response times. Mitigation targets and update cadences are this installation's defaults; admins
  // edit all of it (API, settings page, `ballast apply`).
  const now = new Date().toISOString();
  await (db as Kysely<any>)
    .insertInto('incident_severities')
    .values(
      SEED_SEVERITIES.map((s) => ({ ...s, requires_postmortem: s.requires_postmortem ? 1 : 0, postmortem_due_business_days: 5, updated_at: now })),
    )
    .execute();
}

const SEED_SEVERITIES = [
  { key: 'SEV1', rank: 1, name: 'Critical', description: 'Critical, widespread impact (complete outage)', examples: 'System down, data loss', ack_target_minutes: 15, mitigate_target_minutes: 60, update_interval_minutes: 30, requires_postmortem: true },
  { key: 'SEV2', rank: 2, name: 'Major', description: 'Major, significant impact (major degradation)', examples: 'Core feature broken', ack_target_minutes: 30, mitigate_target_minutes: 240, update_interval_minutes: 60, requires_postmortem: true },
  { key: 'SEV3', rank: 3, name: 'Moderate', description: 'Moderate, limited impact (minor impact)', examples: 'Non-critical feature broken', ack_target_minutes: 240, mitigate_target_minutes: 1440, update_interval_minutes: 240, requires_postmortem: false },
  { key: 'SEV4', rank: 4, name: 'Minor', description: 'Minor, minimal impact (no customer impact)', examples: 'Cosmetic issue', ack_target_minutes: 1440, mitigate_target_minutes: null, update_interval_minutes: null, requires_postmortem: false },
];
