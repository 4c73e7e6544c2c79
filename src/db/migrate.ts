import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Dialect } from './dialect.js';
import type { Database } from './schema.js';
import * as m0001 from './migrations/0001_core.js';
import * as m0002 from './migrations/0002_alerts.js';
import * as m0003 from './migrations/0003_schedules.js';
import * as m0004 from './migrations/0004_notifications.js';
import * as m0005 from './migrations/0005_escalation.js';
import * as m0006 from './migrations/0006_handoffs.js';
import * as m0007 from './migrations/0007_incidents.js';
import * as m0008 from './migrations/0008_incident_updates.js';
import * as m0009 from './migrations/0009_postmortems.js';
import * as m0010 from './migrations/0010_runbooks.js';
import * as m0011 from './migrations/0011_runbook_runs.js';
import * as m0012 from './migrations/0012_decision_trees.js';
import * as m0013 from './migrations/0013_paging_indexes.js';

type DialectMigration = { up(db: Kysely<unknown>, d: Dialect): Promise<void> };

/** The single, ordered migration list for both databases. Append only; never edit a released migration. */
const MIGRATIONS: Record<string, DialectMigration> = {
  '0001_core': m0001,
  '0002_alerts': m0002,
  '0003_schedules': m0003,
  '0004_notifications': m0004,
  '0005_escalation': m0005,
  '0006_handoffs': m0006,
  '0007_incidents': m0007,
  '0008_incident_updates': m0008,
  '0009_postmortems': m0009,
  '0010_runbooks': m0010,
  '0011_runbook_runs': m0011,
  '0012_decision_trees': m0012,
  '0013_paging_indexes': m0013,
};

export const LATEST_MIGRATION = Object.keys(MIGRATIONS).sort().at(-1)!;

class StaticProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, m] of Object.entries(MIGRATIONS)) out[name] = { up: (db) => m.up(db, this.dialect) };
    return out;
  }
}

function migrator(db: Kysely<Database>, dialect: Dialect): Migrator {
  return new Migrator({ db, provider: new StaticProvider(dialect) });
}

/**
 * Applies pending migrations. Kysely takes a lock (advisory on PostgreSQL), so several instances
 * starting at once apply each migration exactly once.
 */
export async function migrateToLatest(db: Kysely<Database>, dialect: Dialect): Promise<MigrationResultSet> {
  const result = await migrator(db, dialect).migrateToLatest();
  if (result.error) throw result.error;
  return result;
}

export async function pendingMigrations(db: Kysely<Database>, dialect: Dialect): Promise<string[]> {
  const list = await migrator(db, dialect).getMigrations();
  return list.filter((m) => !m.executedAt).map((m) => m.name);
}
