import { iso } from '../../core/time.js';
import type { Uow } from '../../core/uow.js';
import type { Job } from '../../engine/engine.js';
import { cancelJobs } from '../../engine/jobs.js';
import type { IncidentRow } from './access.js';
import { escalateNow } from './paging.js';
import { dueTimes } from './queries.js';
import { addTimelineEntry } from './timeline.js';

export const ACK_TIMER = 'incident.ack_target';
export const MITIGATE_TIMER = 'incident.mitigate_target';
const ackKey = (id: string) => `${ACK_TIMER}:${id}`;
const mitigateKey = (id: string) => `${MITIGATE_TIMER}:${id}`;

/**
 * Arms the response-target timers (durable engine rows) from the declaration time and the current
 * severity. Cancels first, so a severity change moves the deadlines; targets already met or already
 * breached are not armed again.
 */
export async function armResponseTimers(uow: Uow, incident: IncidentRow): Promise<void> {
  await cancelJobs(uow.db, uow.now, [ackKey(incident.id), mitigateKey(incident.id)]);
  if (incident.status === 'resolved') return;
  const sev = await uow.db.selectFrom('incident_severities').selectAll().where('key', '=', incident.severity).executeTakeFirst();
  const due = dueTimes(incident, sev);
  if (!incident.acknowledged_at && !incident.ack_breached_at) {
    await uow.schedule({ kind: ACK_TIMER, key: ackKey(incident.id), dueAt: due.ackDue, payload: { incident_id: incident.id } });
  }
  if (due.mitigateDue && !incident.mitigated_at && !incident.mitigate_breached_at) {
    await uow.schedule({ kind: MITIGATE_TIMER, key: mitigateKey(incident.id), dueAt: due.mitigateDue, payload: { incident_id: incident.id } });
  }
}

export async function cancelResponseTimers(uow: Uow, incidentId: string): Promise<void> {
  await cancelJobs(uow.db, uow.now, [ackKey(incidentId), mitigateKey(incidentId)]);
}

/** Timer handler: flags the breach, records it, tells subscribers and escalates. Re-checks everything (the timer may be stale). */
export async function onTargetTimer(uow: Uow, job: Job, target: 'acknowledge' | 'mitigate'): Promise<void> {
  const incident = await uow.db.selectFrom('incidents').selectAll().where('id', '=', String(job.payload.incident_id)).executeTakeFirst();
  if (!incident || incident.status === 'resolved') return;
  const sev = await uow.db.selectFrom('incident_severities').selectAll().where('key', '=', incident.severity).executeTakeFirst();
  const due = dueTimes(incident, sev);
  const dueAt = target === 'acknowledge' ? due.ackDue : due.mitigateDue;
  // A severity change re-arms with a new deadline; a timer from before that is not authoritative.
  if (!dueAt || dueAt > uow.now) return;
  if (target === 'acknowledge' && (incident.acknowledged_at || incident.ack_breached_at)) return;
  if (target === 'mitigate' && (incident.mitigated_at || incident.mitigate_breached_at || incident.status === 'mitigated')) return;
  const now = iso(uow.now);
  await uow.db
    .updateTable('incidents')
    .set(target === 'acknowledge' ? { ack_breached_at: now, updated_at: now } : { mitigate_breached_at: now, updated_at: now })
    .where('id', '=', incident.id)
    .execute();
  const minutes = target === 'acknowledge' ? sev?.ack_target_minutes : sev?.mitigate_target_minutes;
  const escalated = await escalateNow(uow, incident, target === 'acknowledge' ? 'acknowledge' : 'mitigate');
  await addTimelineEntry(uow, incident.id, {
    kind: 'target_breached',
    summary: `${target === 'acknowledge' ? 'Time to acknowledge' : 'Time to mitigate'} target (${minutes} min for ${incident.severity}) missed; ${escalated}`,
    data: { target, due_at: iso(dueAt), severity: incident.severity, target_minutes: minutes ?? null },
    keyEvent: true,
  });
  await uow.audit({ action: 'incident.breach', targetType: 'incident', targetId: incident.id, after: { target, due_at: iso(dueAt) } });
  await uow.emit('incident.breached', 'incident', incident.id, { target, due_at: iso(dueAt), severity: incident.severity, number: incident.number });
  await uow.emit('incident.changed', 'incident', incident.id, {});
}
