import type { Kysely } from 'kysely';
import { isPrivileged, type Actor } from '../../core/actor.js';
import { errors } from '../../core/errors.js';
import { UUID_RE } from '../../core/ids.js';
import type { Database } from '../../db/schema.js';
import { requireSignedIn, roleAtLeast } from '../accounts/authz.js';
import type { IncidentTables } from './tables.js';

type Db = Kysely<Database>;
export type IncidentRow = IncidentTables['incidents'];

/** Resolves a UUID, `INC-12` (any case) or `12`. */
export async function findIncident(db: Db, idOrRef: string): Promise<IncidentRow | undefined> {
  const ref = idOrRef.trim();
  if (UUID_RE.test(ref.toLowerCase())) return db.selectFrom('incidents').selectAll().where('id', '=', ref.toLowerCase()).executeTakeFirst();
  const m = /^(?:inc-)?(\d{1,9})$/i.exec(ref);
  if (!m) return undefined;
  return db.selectFrom('incidents').selectAll().where('number', '=', Number(m[1])).executeTakeFirst();
}

export async function mustFindIncident(db: Db, idOrRef: string): Promise<IncidentRow> {
  const row = await findIncident(db, idOrRef);
  if (!row) throw errors.notFound('Incident', idOrRef);
  return row;
}

/** Team ids of the incident's affected services. */
export async function incidentTeamIds(db: Db, incidentId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('incident_services as is')
    .innerJoin('services as s', 's.id', 'is.service_id')
    .select('s.team_id')
    .where('is.incident_id', '=', incidentId)
    .execute();
  return [...new Set(rows.map((r) => r.team_id).filter((t): t is string => !!t))];
}

/**
 * Whether the actor may change incidents touching these teams: admins always; otherwise responder or
 * above on the team of ANY affected service (an incident spanning teams is worked on jointly). An incident
 * with no affected service yet belongs to nobody in particular, so any responder of any team may work on it
 * (the usual case right after a from-scratch declaration, before services are known).
 */
export async function canEditForTeams(db: Db, actor: Actor, teamIds: string[]): Promise<boolean> {
  if (actor.kind === 'anonymous') return false;
  if (isPrivileged(actor)) return true;
  if (actor.kind !== 'user') return false;
  let q = db.selectFrom('team_members').select('role').where('user_id', '=', actor.userId);
  if (teamIds.length) q = q.where('team_id', 'in', teamIds);
  const roles = await q.execute();
  return roles.some((r) => roleAtLeast(r.role, 'responder'));
}

export async function canEditIncident(db: Db, actor: Actor, incidentId: string): Promise<boolean> {
  return canEditForTeams(db, actor, await incidentTeamIds(db, incidentId));
}

export async function requireIncidentEditor(db: Db, actor: Actor, incidentId: string): Promise<void> {
  requireSignedIn(actor);
  if (!(await canEditIncident(db, actor, incidentId))) {
    throw errors.forbidden("Changing an incident needs the 'responder' role on the team of one of its affected services");
  }
}

/** Every signed-in user can read incidents (viewers included), like alerts. */
export async function requireIncidentViewer(_db: Db, actor: Actor, _incidentId?: string): Promise<void> {
  requireSignedIn(actor);
}

/** A 400 naming the field, with the problem in the message too (the CLI prints only the message). */
export const fieldError = (path: string, message: string) => errors.validation([{ path, message }], `Invalid field ${path}: ${message}`);
