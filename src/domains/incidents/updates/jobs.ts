import type { AppDeps } from '../../../core/context.js';
import type { DomainEvent, EventBus } from '../../../core/events.js';
import type { Uow } from '../../../core/uow.js';
import type { Engine } from '../../../engine/engine.js';
import { cadencePromise, isResolved, runReminder, setPromise, UPDATE_REMINDER } from './reminders.js';

async function incidentOf(uow: Uow, e: DomainEvent) {
  if (e.subjectType !== 'incident') return undefined;
  return uow.db.selectFrom('incidents').selectAll().where('id', '=', e.subjectId).executeTakeFirst();
}

/**
 * Next-update reminders follow the incident's life: declaring promises the first update at the
 * severity's cadence; each posted update makes a new promise (postUpdate); resolving ends all promises;
 * reopening starts the cadence again. The reminder job re-checks the recorded promise when it fires, so
 * a stale timer can never remind anyone.
 */
export function registerIncidentUpdateJobs(engine: Engine, bus: EventBus): void {
  engine.register(UPDATE_REMINDER, runReminder);
  bus.on('incident.declared', async (uow, e) => {
    const incident = await incidentOf(uow, e);
    if (incident && !isResolved(incident)) await setPromise(uow, incident.id, await cadencePromise(uow.db, incident.severity, new Date(incident.declared_at)));
  });
  bus.on('incident.resolved', async (uow, e) => {
    const incident = await incidentOf(uow, e);
    if (incident) await setPromise(uow, incident.id, null);
  });
  bus.on('incident.status_changed', async (uow, e) => {
    if (e.payload.from !== 'resolved') return;
    const incident = await incidentOf(uow, e);
    if (incident && !isResolved(incident)) await setPromise(uow, incident.id, await cadencePromise(uow.db, incident.severity, uow.now));
  });
}

/** Nothing recurring: reminders are armed by incident events. */
export async function armIncidentUpdateJobs(_deps: AppDeps): Promise<void> {}
