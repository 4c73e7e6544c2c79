import type { Kysely } from 'kysely';
import { addMs, iso } from '../../../core/time.js';
import type { Uow } from '../../../core/uow.js';
import type { Database } from '../../../db/schema.js';
import type { Job } from '../../../engine/engine.js';
import { cancelJobs } from '../../../engine/jobs.js';
import { notifyUser } from '../../notify/notify.js';
import type { IncidentTables } from '../tables.js';
import { addTimelineEntry } from '../timeline.js';
import { incidentRef } from './access.js';
import { formatUtc } from './render.js';
import { currentRoleHolder, severityRow } from './variables.js';

type Db = Kysely<Database>;
type IncidentRow = IncidentTables['incidents'];

export const UPDATE_REMINDER = 'incident.update_reminder';
/** One pending reminder per incident: only the latest promise counts. */
export const reminderKey = (incidentId: string) => `${UPDATE_REMINDER}:${incidentId}`;

export const isResolved = (incident: Pick<IncidentRow, 'status'>) => incident.status.toLowerCase() === 'resolved';

/** The next update after `from` by the severity's cadence; null when the severity sets none. */
export async function cadencePromise(db: Db, severity: string, from: Date): Promise<string | null> {
  const interval = (await severityRow(db, severity))?.update_interval_minutes;
  return interval ? iso(addMs(from, interval * 60_000)) : null;
}

/**
 * The promised time of the next update, as recorded by the last declaration, update, resolution or
 * reopening. An incident from before this module (no record) falls back to its latest update's promise,
 * or the severity's cadence after the declaration. Null when nothing is promised.
 */
export async function currentPromise(db: Db, incident: IncidentRow): Promise<string | null> {
  if (isResolved(incident)) return null;
  const recorded = await db.selectFrom('incident_update_promises').select('next_update_at').where('incident_id', '=', incident.id).executeTakeFirst();
  if (recorded) return recorded.next_update_at;
  const latest = await db
    .selectFrom('incident_updates')
    .select('next_update_at')
    .where('incident_id', '=', incident.id)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (latest) return latest.next_update_at;
  return cadencePromise(db, incident.severity, new Date(incident.declared_at));
}

/** Records the new promise and replaces the pending reminder with one for it (null just cancels). */
export async function setPromise(uow: Uow, incidentId: string, dueAt: string | null): Promise<void> {
  const now = iso(uow.now);
  await uow.db
    .insertInto('incident_update_promises')
    .values({ incident_id: incidentId, next_update_at: dueAt, updated_at: now })
    .onConflict((oc) => oc.column('incident_id').doUpdateSet({ next_update_at: dueAt, updated_at: now }))
    .execute();
  await cancelJobs(uow.db, uow.now, [reminderKey(incidentId)]);
  if (dueAt) await uow.schedule({ kind: UPDATE_REMINDER, key: reminderKey(incidentId), dueAt: new Date(dueAt), payload: { incident_id: incidentId, due_at: dueAt } });
}

/** Who is told an update is overdue: the communications lead, else the commander, else the declarer. */
async function reminderRecipient(db: Db, incident: IncidentRow): Promise<string | null> {
  const comms = await currentRoleHolder(db, incident.id, 'communications');
  if (comms) return comms.id;
  const commander = await currentRoleHolder(db, incident.id, 'commander');
  if (commander) return commander.id;
  return incident.declared_by;
}

/**
 * Fires at a promised next-update time. It acts only if that promise is still the current one: a newer
 * update records a new promise (making this one stale even if a cancel were missed), and a resolved
 * incident promises nothing. Acting means one timeline entry and one notification, exactly once.
 */
export async function runReminder(uow: Uow, job: Job): Promise<void> {
  const incidentId = String(job.payload.incident_id ?? '');
  const dueAt = String(job.payload.due_at ?? '');
  const incident = await uow.db.selectFrom('incidents').selectAll().where('id', '=', incidentId).executeTakeFirst();
  if (!incident) return;
  const promise = await currentPromise(uow.db, incident);
  if (!promise || promise !== dueAt) return;
  if (new Date(promise) > uow.now) {
    // Ran early (clock skew between instances): wait for the promise itself.
    await uow.schedule({ kind: UPDATE_REMINDER, key: reminderKey(incident.id), dueAt: new Date(promise), payload: { incident_id: incident.id, due_at: promise } });
    return;
  }
  const ref = incidentRef(incident.number);
  const recipient = await reminderRecipient(uow.db, incident);
  await addTimelineEntry(uow, incident.id, {
    kind: 'update_overdue',
    summary: `Update overdue: the next status update was promised for ${formatUtc(new Date(promise))}`,
    data: { due_at: promise, notified_user_id: recipient },
  });
  await uow.emit('incident.update_overdue', 'incident', incident.id, { due_at: promise, notified_user_id: recipient });
  if (!recipient) return;
  const severity = await severityRow(uow.db, incident.severity);
  await notifyUser(uow, {
    userId: recipient,
    urgency: severity && severity.rank <= 2 ? 'high' : 'low',
    subject: `${ref}: status update overdue`,
    text: `The next status update for ${ref} (${incident.title}) was promised for ${formatUtc(new Date(promise))}. Post an update on the incident page.`,
    url: `${uow.ctx.deps.config.publicUrl}/incidents/${ref}`,
    incidentId: incident.id,
    dedupeKey: `incident:${incident.id}:update_due:${promise}`,
  });
}
