// Two threads of one process writing one SQLite file (the server's main thread and its engine thread):
// transactions that read and then write never fail with SQLITE_BUSY, none is lost, and a thread waiting
// for the write lock keeps running its event loop.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { sql, type Kysely } from 'kysely';
import { openDatabase } from '../../src/db/dialect.js';
import { WriterLock } from '../../src/db/writer-lock.js';
import { tempDir } from '../support/db.js';
import { appendMany } from './sqlite-writers-support.js';

const EACH = 150;

function startWriter(data: Record<string, unknown>): { worker: Worker; message(type: string): Promise<void> } {
  const entry = new URL('./sqlite-writer-worker.ts', import.meta.url).href;
  const worker = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, { eval: true, workerData: data });
  const seen = new Map<string, () => void>();
  const arrived = new Set<string>();
  let failure: Error | null = null;
  const waiters: Array<(err: Error) => void> = [];
  worker.on('message', (msg: { type: string; message?: string }) => {
    if (msg.type === 'error') {
      failure = new Error(`writer thread: ${msg.message}`);
      for (const w of waiters) w(failure);
      return;
    }
    arrived.add(msg.type);
    seen.get(msg.type)?.();
  });
  return {
    worker,
    message: (type) =>
      new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        if (arrived.has(type)) return resolve();
        seen.set(type, resolve);
        waiters.push(reject);
      }),
  };
}

async function withTable(fn: (db: Kysely<any>, dataDir: string, writerLock: SharedArrayBuffer) => Promise<void>): Promise<void> {
  const dir = await tempDir('ballast-writers-');
  const handle = openDatabase({ dataDir: dir.path });
  try {
    await sql`create table t (n integer not null, writer text not null)`.execute(handle.db);
    await fn(handle.db as Kysely<any>, dir.path, handle.writerLock!);
  } finally {
    await handle.close();
    await dir.remove();
  }
}

test('SQLite, two threads: read-then-write transactions interleave without SQLITE_BUSY and none is lost', async () => {
  await withTable(async (db, dataDir, writerLock) => {
    const other = startWriter({ dataDir, writerLock, transactions: EACH, holdMs: 0 });
    await Promise.all([appendMany(db, 'main', EACH), other.message('done')]);
    await other.worker.terminate();
    const rows = (await sql<{ n: number; writer: string }>`select n, writer from t order by n`.execute(db)).rows;
    assert.equal(rows.length, 2 * EACH);
    // Each transaction saw every earlier commit: the values are exactly 1..2·EACH, no duplicates.
    assert.deepEqual(
      rows.map((r) => r.n),
      Array.from({ length: 2 * EACH }, (_, i) => i + 1),
    );
    assert.equal(rows.filter((r) => r.writer === 'worker').length, EACH);
  });
});

test('SQLite, two threads: waiting for the other thread’s transaction does not block this thread’s event loop', async () => {
  await withTable(async (db, dataDir, writerLock) => {
    const other = startWriter({ dataDir, writerLock, transactions: 0, holdMs: 400 });
    await other.message('holding');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const started = performance.now();
    await appendMany(db, 'main', 1);
    const waited = performance.now() - started;
    clearInterval(timer);
    await other.message('done');
    await other.worker.terminate();
    assert.ok(waited >= 200, `the write waited for the other transaction (${waited.toFixed(0)} ms)`);
    assert.ok(ticks >= 10, `timers kept firing while waiting (${ticks} ticks)`);
    const rows = (await sql<{ n: number }>`select n from t order by n`.execute(db)).rows;
    assert.deepEqual(
      rows.map((r) => r.n),
      [0, 1],
      'the held transaction committed first',
    );
  });
});

test('writer lock: a holder that never releases (a thread that died) is skipped after the stuck timeout', async () => {
  const dead = new WriterLock();
  await dead.acquire();
  const next = new WriterLock(dead.buffer, 100);
  const started = performance.now();
  await next.acquire();
  assert.ok(performance.now() - started >= 90);
  next.release();
  // And the lock works normally afterwards: one holder at a time.
  const order: number[] = [];
  await Promise.all(
    [1, 2, 3].map(async (i) => {
      await next.acquire();
      order.push(i);
      await new Promise((r) => setTimeout(r, 5));
      order.push(-i);
      next.release();
    }),
  );
  assert.equal(order.length, 6);
  for (let i = 0; i < order.length; i += 2) assert.equal(order[i + 1], -order[i]!, `holders did not overlap: ${order.join(' ')}`);
});

test('writer lock: a holder that was skipped but then releases does not strand the waiters after it', { timeout: 10_000 }, async () => {
  const slow = new WriterLock(undefined, 100);
  const other = new WriterLock(slow.buffer, 100);
  await slow.acquire();
  await other.acquire(); // skips the slow holder after 100 ms
  slow.release(); // the slow holder finishes after all: the counter moves past one more ticket
  other.release();
  const started = performance.now();
  await other.acquire();
  assert.ok(performance.now() - started < 50, 'the next ticket is served at once, not after a stuck timeout');
  other.release();
});

test('a thread that ends mid-transaction: its host frees the writer lock, SQLite rolls the transaction back, and the other thread writes at once', { timeout: 20_000 }, async () => {
  await withTable(async (db, dataDir, writerLock) => {
    const holder = startWriter({ dataDir, writerLock, transactions: 0, holdMs: 60_000 });
    await holder.message('holding');
    const threadId = holder.worker.threadId;
    await holder.worker.terminate();
    assert.equal(new WriterLock(writerLock).releaseHeldBy(threadId), true, 'the dead thread held the lock');
    assert.equal(new WriterLock(writerLock).releaseHeldBy(threadId), false, 'and only it: nothing is freed twice');
    const started = performance.now();
    await appendMany(db, 'main', 3);
    assert.ok(performance.now() - started < 5_000, 'not held up by the stuck timeout (30 s) or SQLite’s busy timeout');
    const rows = await sql<{ writer: string }>`select writer from t order by rowid`.execute(db);
    assert.deepEqual(
      rows.rows.map((r) => r.writer),
      ['main', 'main', 'main'],
      'the dead thread’s uncommitted row is gone',
    );
  });
});
