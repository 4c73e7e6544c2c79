// A fresh PostgreSQL database per benchmark run: on BALLAST_BENCH_PG_URL's server, or on a throwaway
// cluster started with scripts/pg-temp.mjs. Both the database and the cluster are removed at cleanup.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
// @ts-ignore -- plain ESM helper without type declarations
import { startTempPostgres } from '../../scripts/pg-temp.mjs';
import { onCleanup } from './cleanup.js';
import { say } from './log.js';

export const THROWAWAY_SOURCE = 'throwaway server from scripts/pg-temp.mjs (fsync=off, synchronous_commit=off)';

export interface BenchPostgres {
  /** URL of the fresh database (for the server). */
  url: string;
  /** URL of the server's maintenance database (CREATE/DROP DATABASE, pg_stat_activity). */
  adminUrl: string;
  /** The fresh database's name. */
  name: string;
  source: string;
}

/** Creates a fresh database (and, without BALLAST_BENCH_PG_URL, the throwaway server it lives on). */
export async function createBenchDatabase(): Promise<BenchPostgres> {
  let adminUrl = process.env.BALLAST_BENCH_PG_URL;
  let source = 'BALLAST_BENCH_PG_URL';
  if (!adminUrl) {
    const pgTemp = await startTempPostgres({ log: (m: string) => say(`pg: ${m}`) });
    if (!pgTemp) throw new Error('PostgreSQL is not available (no initdb/pg_ctl); set BALLAST_BENCH_PG_URL or use --db sqlite');
    onCleanup(() => pgTemp.stop());
    adminUrl = pgTemp.url as string;
    source = THROWAWAY_SOURCE;
  }
  const name = `ballast_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const dropUrl = adminUrl;
  onCleanup(async () => {
    const c = new pg.Client({ connectionString: dropUrl });
    c.on('error', () => undefined);
    await c.connect();
    try {
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      await c.query(`DROP DATABASE IF EXISTS "${name}"`);
    } finally {
      await c.end();
    }
  });
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), adminUrl, name, source };
}

/** Runs `fn` with a connected client and always closes it. */
export async function withPgClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function pgServerVersion(url: string): Promise<string> {
  return withPgClient(url, async (c) => (await c.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v);
}
