import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from './config.js';
import type { Clock } from './core/clock.js';
import type { AppDeps } from './core/context.js';
import { createLogger, type Logger } from './core/logger.js';
import type { DatabaseHandle } from './db/dialect.js';
import { openStorage } from './storage.js';
import { ensureFirstAdmin } from './domains/accounts/bootstrap.js';
import { accountRoutes } from './domains/accounts/routes.js';
import { auditRoutes } from './domains/audit/routes.js';
import { catalogRoutes } from './domains/catalog/routes.js';
import { opsRoutes } from './domains/ops/routes.js';
import { alertRoutes } from './domains/alerts/routes.js';
import { scheduleRoutes } from './domains/oncall/schedules/routes.js';
import { ingestRoutes } from './domains/alerts/ingest/routes.js';
import { closeEventStreams, streamRoutes } from './domains/events/stream.js';
import { notifyRoutes } from './domains/notify/routes.js';
import { Engine } from './engine/engine.js';
import { escalationRoutes } from './domains/oncall/escalation/routes.js';
import { handoffRoutes } from './domains/oncall/handoff/routes.js';
import { loadRoutes } from './domains/oncall/load/routes.js';
import { incidentRoutes } from './domains/incidents/routes.js';
import { incidentUpdateRoutes } from './domains/incidents/updates/routes.js';
import { postmortemRoutes } from './domains/postmortems/routes.js';
import { runbookRoutes } from './domains/runbooks/routes.js';
import { runbookRunRoutes } from './domains/runbooks/runs/routes.js';
import { decisionTreeRoutes } from './domains/runbooks/trees/routes.js';
import type { Metrics } from './core/metrics.js';
import type { RouteDef } from './http/route.js';
import { buildServer } from './http/server.js';
import { armJobs, registerJobs } from './jobs.js';
import { EngineThread } from './engine/thread-host.js';

export { openStorage };

/** Every domain's routes. A new domain adds its list here. */
export const ALL_ROUTES: RouteDef[] = [
  ...accountRoutes,
  ...catalogRoutes,
  ...auditRoutes,
  ...opsRoutes,
  ...alertRoutes,
  ...ingestRoutes,
  ...streamRoutes,
  ...scheduleRoutes,
  ...notifyRoutes,
  ...escalationRoutes,
  ...handoffRoutes,
  ...loadRoutes,
  ...incidentRoutes,
  ...incidentUpdateRoutes,
  ...postmortemRoutes,
  ...runbookRoutes,
  ...runbookRunRoutes,
  ...decisionTreeRoutes,
];

export interface AppOptions {
  config?: Partial<Config>;
  clock?: Clock;
  logger?: Logger;
  /** Start the background engine loop (tests usually drive `engine.drain()` themselves). */
  startEngine?: boolean;
  uiDir?: string;
}

export interface App {
  deps: AppDeps;
  engine: Engine;
  metrics: Metrics;
  server: FastifyInstance;
  database: DatabaseHandle;
  /** The engine's worker thread while it runs there (BALLAST_ENGINE=thread), else null. */
  readonly engineThread: EngineThread | null;
  /** Listens on config.port (0 picks a free port); returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function createApp(opts: AppOptions = {}): Promise<App> {
  const config = { ...loadConfig(), ...opts.config };
  const log = opts.logger ?? createLogger(config.logLevel);
  const { deps, database } = await openStorage(config, log, { clock: opts.clock });
  const metrics = deps.metrics;
  const engine = new Engine(deps);
  registerJobs(engine, deps.bus);
  await armJobs(deps);

  const admin = await ensureFirstAdmin(deps);
  if (admin?.generatedPassword) {
    // Printed once, on the only start that creates it; it is not stored anywhere in clear text.
    log.warn({ email: admin.email, password: admin.generatedPassword }, 'created first administrator; change this password after signing in');
    process.stderr.write(`\nBallast first administrator\n  email:    ${admin.email}\n  password: ${admin.generatedPassword}\n\n`);
  } else if (admin) {
    log.info({ email: admin.email }, 'created first administrator from BALLAST_ADMIN_EMAIL');
  }

  const server = await buildServer({ deps, routes: ALL_ROUTES, metrics, uiDir: opts.uiDir });
  let started = false;
  let engineThread: EngineThread | null = null;
  return {
    deps,
    engine,
    metrics,
    server,
    database,
    get engineThread() {
      return engineThread;
    },
    async listen() {
      // The engine first, so that a server answering requests also pages (and a failing thread stops the start).
      if (opts.startEngine ?? config.engineEnabled) {
        // An injected clock cannot cross into another thread, so tests that fast-forward run it inline.
        if (config.engineThread && !opts.clock) engineThread = await EngineThread.start(deps, database);
        else {
          engine.start();
          started = true;
          metrics.engineUp.set(1);
        }
      }
      const address = await server.listen({ port: config.port, host: config.host });
      log.info({ address, database: database.describe }, 'ballast listening');
      return address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
    },
    async close() {
      closeEventStreams(deps);
      await server.close();
      if (started) await engine.stop();
      metrics.engineUp.set(0);
      await engineThread?.stop();
      await database.close();
    },
  };
}
