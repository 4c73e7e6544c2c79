import type { Kysely } from 'kysely';
import type { Actor } from '../../core/actor.js';
import type { Database } from '../../db/schema.js';
import { requireSignedIn } from '../accounts/authz.js';

// One rule for who may change an incident and everything hanging off it (postmortem, action items):
// admins, and responders or managers on the team of any affected service (see incidents/access.ts).
export { canEditIncident, findIncident, mustFindIncident, requireIncidentEditor, type IncidentRow } from '../incidents/access.js';

type Db = Kysely<Database>;

/** `INC-<n>` as shown everywhere. */
export const incidentRef = (n: number): string => `INC-${n}`;

export async function incidentServiceIds(db: Db, incidentId: string): Promise<string[]> {
  return (await db.selectFrom('incident_services').select('service_id').where('incident_id', '=', incidentId).execute()).map((r) => r.service_id);
}

/** Incidents and their follow-ups are readable by every signed-in user (viewers included). */
export function requireIncidentViewer(actor: Actor): void {
  requireSignedIn(actor);
}
