import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import { newId } from '../../core/ids.js';

/** Incident status updates and communication templates (with the default wording seeded). */
export async function up(db: Kysely<unknown>, _d: Dialect): Promise<void> {
  await db.schema
    .createTable('communication_templates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('severities', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('statuses', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('incident_updates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('template_slug', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('next_update_at', 'text')
    .addColumn('author_user_id', 'text')
    .addColumn('author_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incident_updates_incident_idx').on('incident_updates').columns(['incident_id', 'id']).execute();
  await db.schema.createIndex('incident_updates_audience_idx').on('incident_updates').columns(['audience', 'id']).execute();

  // The current next-update promise per incident (what the reminder timer and the UI count down to).
  await db.schema
    .createTable('incident_update_promises')
    .addColumn('incident_id', 'text', (c) => c.primaryKey().references('incidents.id').onDelete('cascade'))
    .addColumn('next_update_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  const now = new Date().toISOString();
  await (db as Kysely<any>)
    .insertInto('communication_templates')
    .values(
      DEFAULT_TEMPLATES.map((t) => ({
        id: newId(),
        slug: t.slug,
        name: t.name,
        audience: t.audience,
        severities: JSON.stringify(t.severities ?? []),
        statuses: JSON.stringify(t.statuses ?? []),
        body: t.body,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
}

interface DefaultTemplate {
  slug: string;
  name: string;
  audience: 'internal' | 'external';
  statuses?: string[];
  severities?: string[];
  body: string;
}

/**
 * The default wording, after the seeds' incident communication guidance: every update says what is
 * affected (impact), where things stand (status) and when the next update comes. Internal updates carry
 * severity, roles and the incident link; customer-facing ones describe symptoms in plain words and
 * leave internal details out. Frozen here (a migration never changes); installations edit their copies.
 */
const DEFAULT_TEMPLATES: DefaultTemplate[] = [
  {
    slug: 'internal-initial',
    name: 'Initial notification (internal)',
    audience: 'internal',
    statuses: ['investigating'],
    body: [
      '## {{incident}}: {{title}}',
      '',
      '- **Severity:** {{severity}} ({{severity_name}})',
      '- **Status:** {{status}}',
      '- **Affected services:** {{services}}',
      '- **Incident commander:** {{commander}}',
      '',
      '### Impact',
      '{{impact}}',
      '',
      '### What we are doing',
      'An incident has been declared and responders have been paged. We are investigating.',
      '',
      '**Next update:** {{next_update}}  ',
      'Incident page: {{url}}',
    ].join('\n'),
  },
  {
    slug: 'internal-investigating',
    name: 'Investigating update (internal)',
    audience: 'internal',
    statuses: ['investigating'],
    body: [
      '**{{incident}} ({{severity}}) — {{status}}:** {{title}}',
      '',
      '- **Affected services:** {{services}}',
      '- **Impact:** {{impact}}',
      '- **Incident commander:** {{commander}}',
      '',
      'We are still investigating. Findings so far: _(what has been checked, what has been ruled out)_',
      '',
      '**Next update:** {{next_update}}',
    ].join('\n'),
  },
  {
    slug: 'internal-identified',
    name: 'Cause identified (internal)',
    audience: 'internal',
    statuses: ['identified'],
    body: [
      '**{{incident}} ({{severity}}) — {{status}}:** {{title}}',
      '',
      '- **Affected services:** {{services}}',
      '- **Impact:** {{impact}}',
      '',
      'The cause has been identified: _(root cause in one or two sentences)_',
      '',
      'Next step: _(the fix or mitigation being applied, and who is on it)_',
      '',
      '**Next update:** {{next_update}}',
    ].join('\n'),
  },
  {
    slug: 'internal-mitigated',
    name: 'Mitigated (internal)',
    audience: 'internal',
    statuses: ['mitigated'],
    body: [
      '**{{incident}} ({{severity}}) — {{status}}:** {{title}}',
      '',
      'A mitigation is in place and {{services}} is recovering. We are monitoring before declaring it resolved.',
      '',
      'Mitigation applied: _(what fixed it)_',
      '',
      '**Next update:** {{next_update}}',
    ].join('\n'),
  },
  {
    slug: 'internal-resolved',
    name: 'Resolved (internal)',
    audience: 'internal',
    statuses: ['resolved'],
    body: [
      '**{{incident}} ({{severity}}) — {{status}}:** {{title}}',
      '',
      '- **Affected services:** {{services}}',
      '- **Impact:** {{impact}}',
      '',
      'The incident is resolved. Resolution: _(what fixed it)_',
      '',
      'A postmortem will follow with the root cause and action items. Incident page: {{url}}',
    ].join('\n'),
  },
  {
    slug: 'external-investigating',
    name: 'Investigating (customer-facing)',
    audience: 'external',
    statuses: ['investigating'],
    body: [
      '**Investigating** — We are investigating reports of problems with {{services}}. ',
      '{{impact}}',
      '',
      'We will post another update by {{next_update}}.',
    ].join('\n'),
  },
  {
    slug: 'external-identified',
    name: 'Identified (customer-facing)',
    audience: 'external',
    statuses: ['identified'],
    body: [
      '**Identified** — We have identified the cause of the problems with {{services}} and are working on a fix.',
      '',
      'We will post another update by {{next_update}}.',
    ].join('\n'),
  },
  {
    slug: 'external-mitigated',
    name: 'Monitoring (customer-facing)',
    audience: 'external',
    statuses: ['mitigated'],
    body: [
      '**Monitoring** — A fix has been applied and {{services}} is recovering. We are monitoring the results.',
      '',
      'We will post another update by {{next_update}}.',
    ].join('\n'),
  },
  {
    slug: 'external-resolved',
    name: 'Resolved (customer-facing)',
    audience: 'external',
    statuses: ['resolved'],
    body: [
      '**Resolved** — This incident has been resolved and {{services}} is operating normally.',
      '',
      'We apologise for the disruption. We are reviewing what happened to prevent it from happening again.',
    ].join('\n'),
  },
];
