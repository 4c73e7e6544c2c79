// Worker-thread entry for sqlite-writers.test.ts: a second connection to the same SQLite file, sharing
// the main thread's writer lock, running read-then-write transactions.
import { parentPort, workerData } from 'node:worker_threads';
import { sql, type Kysely } from 'kysely';
import { openDatabase } from '../../src/db/dialect.js';
import { appendMany } from './sqlite-writers-support.js';

const { dataDir, writerLock, transactions, holdMs } = workerData as { dataDir: string; writerLock: SharedArrayBuffer; transactions: number; holdMs: number };
const port = parentPort!;

async function main(): Promise<void> {
  const handle = openDatabase({ dataDir, writerLock });
  const db = handle.db as Kysely<any>;
  try {
    if (holdMs > 0) {
      await db.transaction().execute(async (trx) => {
        await sql`insert into t (n, writer) values (0, 'holder')`.execute(trx);
        port.postMessage({ type: 'holding' });
        await new Promise((r) => setTimeout(r, holdMs));
      });
    }
    await appendMany(db, 'worker', transactions);
  } finally {
    await handle.close();
  }
  port.postMessage({ type: 'done' });
}

main().catch((err: unknown) => port.postMessage({ type: 'error', message: String((err as Error)?.stack ?? err) }));
