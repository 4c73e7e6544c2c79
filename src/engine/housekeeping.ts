import type { AppDeps } from '../core/context.js';
import { SYSTEM } from '../core/actor.js';
import { addMs, iso } from '../core/time.js';
import { transaction } from '../core/uow.js';
import type { Engine } from './engine.js';

const KIND = 'engine.housekeeping';
const EVERY_MS = 3600_000;
const DAY = 86_400_000;
/** Finished jobs are kept a week for debugging; domain events long enough for yearly reports. */
const JOB_RETENTION_MS = 7 * DAY;
const EVENT_RETENTION_MS = 400 * DAY;

/**
 * Hourly clean-up so tables that only grow (finished jobs, expired sessions, old domain events) stay
 * bounded. The audit log is never trimmed here: it is the record of changes.
 */
export function registerHousekeeping(engine: Engine): void {
  engine.register(KIND, async (uow) => {
    const now = uow.now;
    await uow.db.deleteFrom('engine_jobs').where('state', 'in', ['done', 'cancelled']).where('done_at', '<', iso(addMs(now, -JOB_RETENTION_MS))).execute();
    await uow.db.deleteFrom('sessions').where('expires_at', '<', iso(now)).execute();
    await uow.db.deleteFrom('events').where('at', '<', iso(addMs(now, -EVENT_RETENTION_MS))).execute();
    await uow.schedule({ kind: KIND, key: KIND, dueAt: addMs(now, EVERY_MS) });
  });
}

/** Arms the first run; the fixed key makes this a no-op when another instance already did. */
export async function armHousekeeping(deps: AppDeps): Promise<void> {
  await transaction({ deps, actor: SYSTEM }, (uow) => uow.schedule({ kind: KIND, key: KIND, dueAt: addMs(uow.now, 60_000) }));
}
