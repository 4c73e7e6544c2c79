import type { Kysely, Transaction } from 'kysely';
import type { Config } from '../config.js';
import type { Dialect } from '../db/dialect.js';
import type { Database } from '../db/schema.js';
import type { Actor } from './actor.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { EventBus } from './events.js';
import type { Metrics } from './metrics.js';
import type { EngineSignal } from './signal.js';

/** Process-wide dependencies, built once at start and shared by HTTP, CLI and engine. */
export interface AppDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  clock: Clock;
  log: Logger;
  config: Config;
  bus: EventBus;
  metrics: Metrics;
  engineSignal: EngineSignal;
}

/** One call into a service: who is asking, and on whose behalf (request id ties logs to audit rows). */
export interface Ctx {
  deps: AppDeps;
  actor: Actor;
  requestId?: string;
}

export type Tx = Transaction<Database>;
