// Replayable writes (the engine's) commit without an fsync on SQLite; everything else keeps the
// configured level. SQLite only: PostgreSQL runs engine and requests with the server's own settings.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { openDatabase } from '../../src/db/dialect.js';
import { withReplayableWrites } from '../../src/db/durability.js';
import { tempDir } from '../support/db.js';

const FULL = 2;
const NORMAL = 1;

async function level(db: Kysely<any>): Promise<number> {
  const r = await sql<{ synchronous: number }>`pragma synchronous`.execute(db);
  return r.rows[0]!.synchronous;
}

test('SQLite: replayable transactions and lone writes commit at NORMAL, then the configured level is back; other work stays FULL', async () => {
  const dir = await tempDir('ballast-durability-');
  const handle = openDatabase({ dataDir: dir.path, sqliteSynchronous: 'FULL' });
  const db = handle.db as Kysely<any>;
  try {
    await sql`create table t (n integer)`.execute(db);
    assert.equal(await level(db), FULL);
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ n: 1 }).execute();
      assert.equal(await level(trx), FULL, 'a request transaction keeps full durability');
    });
    await withReplayableWrites(async () => {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ n: 2 }).execute();
        assert.equal(await level(trx), NORMAL, 'an engine transaction skips the fsync');
      });
      assert.equal(await level(db), FULL, 'restored after the commit');
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await trx.insertInto('t').values({ n: 3 }).execute();
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await level(db), FULL, 'restored after a rollback');
      await db.insertInto('t').values({ n: 4 }).execute();
      assert.equal(await level(db), FULL, 'restored after a lone write');
    });
    // Interleaved: a request transaction that starts while engine work is in flight keeps its level.
    await Promise.all([
      withReplayableWrites(() => db.transaction().execute(async (trx) => void (await trx.insertInto('t').values({ n: 5 }).execute()))),
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ n: 6 }).execute();
        assert.equal(await level(trx), FULL);
      }),
    ]);
    const rows = await db.selectFrom('t').select('n').orderBy('n').execute();
    assert.deepEqual(rows.map((r) => r.n), [1, 2, 4, 5, 6]);
  } finally {
    await handle.close();
    await dir.remove();
  }
});
