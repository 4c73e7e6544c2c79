import type { AppDeps } from '../../../core/context.js';
import type { EventBus } from '../../../core/events.js';
import type { Engine } from '../../../engine/engine.js';

/** Engine job handlers and event subscribers of this module; called once per process by registerJobs (src/jobs.ts). */
export function registerRunbookRunJobs(_engine: Engine, _bus: EventBus): void {}

/** Arms recurring scans at start (idempotent: dedupe keys), like armHandoffScan. */
export async function armRunbookRunJobs(_deps: AppDeps): Promise<void> {}
