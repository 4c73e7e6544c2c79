// Every module's engine work in one place: the server's main thread and its engine thread both
// register it (event subscribers must exist wherever events are emitted).
import type { AppDeps as Deps } from './core/context.js';
import type { EventBus } from './core/events.js';
import type { Engine } from './engine/engine.js';
import { registerAlertJobs } from './domains/alerts/actions.js';
import { registerNotifyJobs } from './domains/notify/delivery.js';
import { armHousekeeping, registerHousekeeping } from './engine/housekeeping.js';
import { registerEscalation } from './domains/oncall/escalation/runner.js';
import { notificationPager } from './domains/oncall/escalation/pager.js';
import { armHandoffScan, registerHandoffJobs } from './domains/oncall/handoff/services.js';
import { armIncidentJobs, registerIncidentJobs } from './domains/incidents/jobs.js';
import { armIncidentUpdateJobs, registerIncidentUpdateJobs } from './domains/incidents/updates/jobs.js';
import { armPostmortemJobs, registerPostmortemJobs } from './domains/postmortems/jobs.js';
import { armRunbookJobs, registerRunbookJobs } from './domains/runbooks/jobs.js';
import { armRunbookRunJobs, registerRunbookRunJobs } from './domains/runbooks/runs/jobs.js';

/** Every domain's engine job handlers. */
export function registerJobs(engine: Engine, bus: EventBus): void {
  registerAlertJobs(engine);
  registerNotifyJobs(engine);
  registerEscalation(bus, engine, notificationPager);
  registerHousekeeping(engine);
  registerHandoffJobs(engine);
  registerIncidentJobs(engine, bus);
  registerIncidentUpdateJobs(engine, bus);
  registerPostmortemJobs(engine, bus);
  registerRunbookJobs(engine, bus);
  registerRunbookRunJobs(engine, bus);
}

/** Recurring scans every module arms at start (each idempotent through a dedupe key). */
export async function armJobs(deps: Deps): Promise<void> {
  await armHousekeeping(deps);
  await armHandoffScan(deps);
  await armIncidentJobs(deps);
  await armIncidentUpdateJobs(deps);
  await armPostmortemJobs(deps);
  await armRunbookJobs(deps);
  await armRunbookRunJobs(deps);
}
