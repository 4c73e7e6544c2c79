import type { HandoffSection, HandoffSectionInput } from '../oncall/handoff/services.js';
import { md } from '../oncall/handoff/markdown.js';
import { incidentRef } from './model.js';

/**
 * "Recent Incidents" of the on-call handoff template: incidents on the schedule's services that were
 * open at any time during the outgoing shift (declared before the change, not resolved before the shift).
 */
export async function incidentsHandoffSection(input: HandoffSectionInput): Promise<HandoffSection | null> {
  if (!input.serviceIds.length) return null;
  const start = input.shiftStart.toISOString();
  const end = input.changeAt.toISOString();
  const rows = await input.db
    .selectFrom('incidents as i')
    .select(['i.id', 'i.number', 'i.title', 'i.severity', 'i.status', 'i.declared_at', 'i.resolved_at'])
    .where('i.id', 'in', input.db.selectFrom('incident_services').select('incident_id').where('service_id', 'in', input.serviceIds))
    .where('i.declared_at', '<', end)
    .where((eb) => eb.or([eb('i.status', '<>', 'resolved'), eb('i.resolved_at', '>=', start)]))
    .orderBy('i.number', 'desc')
    .limit(25)
    .execute();
  if (!rows.length) return null;
  return {
    title: 'Recent Incidents',
    lines: rows.map((r) => `- ${incidentRef(r.number)} \\[${md(r.severity)}\\] ${md(r.title)}: ${r.status}${r.status === 'resolved' ? '' : ' (still open)'}`),
    data: rows.map((r) => ({ id: r.id, ref: incidentRef(r.number), title: r.title, severity: r.severity, status: r.status })),
  };
}
