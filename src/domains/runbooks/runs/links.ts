import type { Kysely } from 'kysely';
import type { Actor } from '../../../core/actor.js';
import { errors } from '../../../core/errors.js';
import type { Database } from '../../../db/schema.js';
import { requireSignedIn } from '../../accounts/authz.js';

/** What a run can be attached to: incidents (by id or INC-<n>) and alert groups. */
export interface IncidentRef {
  id: string;
  number: number;
  title: string;
  status: string;
}

export const incidentLabel = (i: { number: number }) => `INC-${i.number}`;

export async function findIncident(db: Kysely<Database>, ref: string): Promise<IncidentRef | null> {
  // Same references the incidents API accepts: the id, `INC-12` (any case) or `12`.
  const m = /^(?:inc-)?(\d{1,9})$/i.exec(ref.trim());
  let q = db.selectFrom('incidents').select(['id', 'number', 'title', 'status']);
  q = m ? q.where('number', '=', Number(m[1])) : q.where('id', '=', ref.trim().toLowerCase());
  const row = await q.executeTakeFirst();
  return row ? { ...row, number: Number(row.number) } : null;
}

export async function mustFindIncident(db: Kysely<Database>, ref: string): Promise<IncidentRef> {
  const i = await findIncident(db, ref);
  if (!i) throw errors.notFound('Incident', ref);
  return i;
}

/**
 * Whether the actor may see an incident. Incidents are visible to every signed-in user (there are
 * no restricted incidents yet); kept as one function so a visibility rule lands in one place.
 */
export function requireIncidentVisible(actor: Actor, _incident: IncidentRef): void {
  requireSignedIn(actor);
}

export async function incidentsByIds(db: Kysely<Database>, ids: string[]): Promise<Map<string, IncidentRef>> {
  const out = new Map<string, IncidentRef>();
  const unique = [...new Set(ids)];
  if (unique.length === 0) return out;
  const rows = await db.selectFrom('incidents').select(['id', 'number', 'title', 'status']).where('id', 'in', unique).execute();
  for (const r of rows) out.set(r.id, { ...r, number: Number(r.number) });
  return out;
}

export async function mustFindAlertGroup(db: Kysely<Database>, id: string): Promise<{ id: string }> {
  const row = await db.selectFrom('alert_groups').select('id').where('id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('Alert group', id);
  return row;
}
