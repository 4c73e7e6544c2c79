import type { AppDeps } from '../../core/context.js';
import { SYSTEM } from '../../core/actor.js';
import type { EventBus } from '../../core/events.js';
import { addMs } from '../../core/time.js';
import { transaction } from '../../core/uow.js';
import type { Engine } from '../../engine/engine.js';
import { onIncidentDeclared } from './followups.js';
import { onIncidentReopened, onIncidentResolved } from './postmortems.js';
import { AI_OVERDUE, PM_OVERDUE, remindActionItemIfOverdue, remindPostmortemIfOverdue, sweepOverdue, SWEEP, SWEEP_INTERVAL_MS, SWEEP_KEY } from './reminders.js';

/** Engine job handlers and event subscribers of this module; called once per process by registerJobs (src/jobs.ts). */
export function registerPostmortemJobs(engine: Engine, bus: EventBus): void {
  bus.on('incident.resolved', (uow, e) => onIncidentResolved(uow, e.subjectId));
  bus.on('incident.reopened', (uow, e) => onIncidentReopened(uow, e.subjectId));
  bus.on('incident.declared', (uow, e) => onIncidentDeclared(uow, e.subjectId));
  // Timers re-check the row: a due date moved or an item closed since arming makes the old timer a no-op.
  engine.register(PM_OVERDUE, async (uow, job) => {
    if (typeof job.payload.postmortem_id === 'string') await remindPostmortemIfOverdue(uow, job.payload.postmortem_id);
  });
  engine.register(AI_OVERDUE, async (uow, job) => {
    if (typeof job.payload.action_item_id === 'string') await remindActionItemIfOverdue(uow, job.payload.action_item_id);
  });
  engine.register(SWEEP, async (uow) => {
    await sweepOverdue(uow);
    await uow.schedule({ kind: SWEEP, key: SWEEP_KEY, dueAt: addMs(uow.now, SWEEP_INTERVAL_MS) });
  });
}

/** Arms the daily overdue sweep (fixed key: a no-op while one is pending). */
export async function armPostmortemJobs(deps: AppDeps): Promise<void> {
  await transaction({ deps, actor: SYSTEM }, async (uow) => {
    await uow.schedule({ kind: SWEEP, key: SWEEP_KEY, dueAt: addMs(uow.now, SWEEP_INTERVAL_MS) });
  });
}
