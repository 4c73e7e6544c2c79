// Opens Ballast storage (migrated) without the HTTP server, for engine tests.

import { openStorage } from '../../src/storage.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Clock } from '../../src/core/clock.js';
import type { AppDeps } from '../../src/core/context.js';
import { createLogger } from '../../src/core/logger.js';
import type { DbKind } from '../support/app.js';
import { createTestPgDatabase, tempDir } from '../support/db.js';

export interface TestStorage {
  deps: AppDeps;
  /** Where the data lives: a PostgreSQL URL, or a data dir for SQLite. */
  location: { databaseUrl?: string; dataDir: string };
  /** Another, independent handle (own pool / own SQLite connection) on the same database. */
  openAnother(clock?: Clock): Promise<{ deps: AppDeps; close(): Promise<void> }>;
  close(): Promise<void>;
}

function configFor(location: { databaseUrl?: string; dataDir: string }, extra: Partial<Config> = {}): Config {
  return {
    ...loadConfig({}),
    dataDir: location.dataDir,
    databaseUrl: location.databaseUrl,
    sqliteSynchronous: 'NORMAL',
    logLevel: 'silent',
    dbPoolSize: 5,
    ...extra,
  };
}

export async function openTestStorage(kind: DbKind, clock?: Clock): Promise<TestStorage> {
  const dir = await tempDir('ballast-engine-');
  const pgdb = kind === 'postgres' ? await createTestPgDatabase() : null;
  const location = { databaseUrl: pgdb?.url, dataDir: dir.path };
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const extra: Array<{ close(): Promise<void> }> = [];
  const { deps, database } = await openStorage(configFor(location), log, { clock });
  return {
    deps,
    location,
    async openAnother(otherClock = clock) {
      const h = await openStorage(configFor(location), log, { clock: otherClock });
      const handle = { deps: h.deps, close: () => h.database.close() };
      extra.push(handle);
      return handle;
    },
    async close() {
      for (const h of extra) await h.close().catch(() => undefined);
      await database.close();
      await pgdb?.drop();
      await dir.remove();
    },
  };
}
