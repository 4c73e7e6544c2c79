import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { IncidentTables } from '../tables.js';
import { formatUtc, type TemplateVariable } from './render.js';
import { incidentRef } from './access.js';

type Db = Kysely<Database>;
type IncidentRow = IncidentTables['incidents'];

export const capitalize = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

export async function incidentServices(db: Db, incidentId: string) {
  return db
    .selectFrom('incident_services as is')
    .innerJoin('services as s', 's.id', 'is.service_id')
    .select(['s.id', 's.slug', 's.name', 's.team_id'])
    .where('is.incident_id', '=', incidentId)
    .orderBy('s.name')
    .execute();
}

export async function severityRow(db: Db, key: string) {
  return db.selectFrom('incident_severities').selectAll().where('key', '=', key).executeTakeFirst();
}

/** The current holder of an incident role (commander, communications, scribe), or null. */
export async function currentRoleHolder(db: Db, incidentId: string, role: string) {
  return (
    (await db
      .selectFrom('incident_roles as r')
      .innerJoin('users as u', 'u.id', 'r.user_id')
      .select(['u.id', 'u.email', 'u.name'])
      .where('r.incident_id', '=', incidentId)
      .where('r.role', '=', role)
      .where('r.ended_at', 'is', null)
      .orderBy('r.assigned_at', 'desc')
      .executeTakeFirst()) ?? null
  );
}

/** The values a template is filled with for this incident right now. */
export async function incidentVariables(db: Db, incident: IncidentRow, nextUpdateAt: Date | null, publicUrl: string): Promise<Record<TemplateVariable, string>> {
  const services = await incidentServices(db, incident.id);
  const severity = await severityRow(db, incident.severity);
  const commander = await currentRoleHolder(db, incident.id, 'commander');
  const ref = incidentRef(incident.number);
  const names = services.map((s) => s.name);
  return {
    service: names[0] ?? 'our services',
    services: names.length ? names.join(', ') : 'our services',
    severity: incident.severity,
    severity_name: severity?.name ?? incident.severity,
    status: capitalize(incident.status),
    title: incident.title,
    impact: incident.impact.trim() || incident.summary.trim() || 'We are assessing the impact.',
    next_update: nextUpdateAt ? formatUtc(nextUpdateAt) : 'when there is more to share',
    incident: ref,
    commander: commander ? commander.name || commander.email : 'unassigned',
    url: `${publicUrl}/incidents/${ref}`,
  };
}
