// Database helpers for tests.
//
// scripts/test.mjs starts a throwaway PostgreSQL and passes its admin URL in
// BALLAST_TEST_PG_URL. Each test that needs PostgreSQL should make its own
// database with createTestPgDatabase() and drop it when done.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** Admin connection URL of the test PostgreSQL server, if there is one. */
export const pgAdminUrl: string | undefined = process.env.BALLAST_TEST_PG_URL || undefined;

async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  if (!pgAdminUrl) throw new Error('BALLAST_TEST_PG_URL is not set: no PostgreSQL available for tests');
  const client = new pg.Client({ connectionString: pgAdminUrl });
  client.on('error', () => {}); // a dropped connection surfaces as a failed query instead
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Create a fresh, empty PostgreSQL database; `drop()` removes it (idempotent). */
export async function createTestPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `t_${randomBytes(8).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE "${name}"`));

  const url = new URL(pgAdminUrl as string);
  url.pathname = `/${name}`;

  let dropped: Promise<void> | undefined;
  const drop = (): Promise<void> =>
    (dropped ??= withAdminClient(async (client) => {
      // Connections may still be closing (or a pool reconnecting): terminate and retry a few times.
      for (let attempt = 1; ; attempt++) {
        await client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
        try {
          await client.query(`DROP DATABASE IF EXISTS "${name}"`);
          return;
        } catch (err) {
          const inUse = (err as { code?: string }).code === '55006'; // object_in_use
          if (!inUse || attempt >= 5) throw err;
          await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
        }
      }
    }));

  return { url: url.toString(), drop };
}

let warnedNoPg = false;

/**
 * Database kinds to run a storage test against: always SQLite, plus PostgreSQL
 * when the test server is available. PostgreSQL is mandatory in CI.
 */
export function testDatabaseKinds(): Array<'sqlite' | 'postgres'> {
  if (pgAdminUrl) return ['sqlite', 'postgres'];
  if (process.env.CI) {
    throw new Error('PostgreSQL is required in CI: BALLAST_TEST_PG_URL is not set (run tests via `npm test`)');
  }
  if (!warnedNoPg) {
    warnedNoPg = true;
    process.stderr.write('WARNING: BALLAST_TEST_PG_URL is not set; PostgreSQL tests are skipped (SQLite only).\n');
  }
  return ['sqlite'];
}

/** Create a temporary directory; `remove()` deletes it with its contents. */
export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix.endsWith('-') ? prefix : `${prefix}-`));
  return { path: dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
