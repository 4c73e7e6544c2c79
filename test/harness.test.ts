// Proves the test harness itself: temp PostgreSQL (scripts/pg-temp.mjs) and test/support/db.ts.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { createTestPgDatabase, pgAdminUrl, tempDir, testDatabaseKinds } from './support/db.js';

test('testDatabaseKinds includes postgres exactly when BALLAST_TEST_PG_URL is set', () => {
  assert.deepEqual(testDatabaseKinds(), pgAdminUrl ? ['sqlite', 'postgres'] : ['sqlite']);
});

test('tempDir creates and removes a directory', async () => {
  const dir = await tempDir('ballast-harness');
  await writeFile(path.join(dir.path, 'x.txt'), 'x');
  assert.ok(existsSync(path.join(dir.path, 'x.txt')));
  await dir.remove();
  assert.ok(!existsSync(dir.path));
});

test('createTestPgDatabase creates a usable database and drops it', { skip: !pgAdminUrl && 'no PostgreSQL' }, async () => {
  const db = await createTestPgDatabase();
  const name = new URL(db.url).pathname.slice(1);
  assert.match(name, /^t_[0-9a-f]{16}$/);

  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ one: number; db: string }>('select 1 as one, current_database() as db');
    assert.deepEqual(rows, [{ one: 1, db: name }]);
  } catch (err) {
    await client.end();
    throw err;
  }
  // Leave the connection open: drop() must terminate it.
  client.on('error', () => {});
  await db.drop();
  await db.drop(); // idempotent

  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
    assert.equal(rowCount, 0);
  } finally {
    await admin.end();
  }
  await client.end().catch(() => {});
});
