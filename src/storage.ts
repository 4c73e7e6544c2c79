import type { Config } from './config.js';
import { systemClock, type Clock } from './core/clock.js';
import type { AppDeps } from './core/context.js';
import { EngineSignal } from './core/signal.js';
import { EventBus } from './core/events.js';
import type { Logger } from './core/logger.js';
import { createMetrics } from './core/metrics.js';
import { openDatabase, type DatabaseHandle } from './db/dialect.js';
import { migrateToLatest } from './db/migrate.js';

export interface StorageOptions {
  clock?: Clock;
  /** The engine thread's storage: the main thread has migrated already, and its commits are replayable. */
  engineThread?: boolean;
  /** SQLite: the main thread's DatabaseHandle.writerLock. */
  writerLock?: SharedArrayBuffer;
}

/** Opens storage and applies migrations; shared by the server, the engine thread and local CLI commands. */
export async function openStorage(config: Config, log: Logger, opts: StorageOptions = {}): Promise<{ deps: AppDeps; database: DatabaseHandle }> {
  const database = openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteSynchronous: config.sqliteSynchronous,
    poolSize: config.dbPoolSize,
    replayableCommits: opts.engineThread,
    writerLock: opts.writerLock,
  });
  const clock = opts.clock ?? systemClock;
  const metrics = createMetrics({ processMetrics: !opts.engineThread });
  const deps: AppDeps = { db: database.db, dialect: database.dialect, clock, log, config, bus: new EventBus(), metrics, engineSignal: new EngineSignal() };
  if (opts.engineThread) return { deps, database };
  try {
    const result = await migrateToLatest(database.db, database.dialect);
    const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
    if (applied.length) log.info({ applied, database: database.describe }, 'migrations applied');
  } catch (err) {
    await database.close();
    throw err;
  }
  return { deps, database };
}
