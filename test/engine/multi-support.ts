// Shared by multi-instance.test.ts and the engine worker thread it starts.

import { sql, type Kysely } from 'kysely';
import type { Clock } from '../../src/core/clock.js';
import type { JobHandler } from '../../src/engine/engine.js';

export const MULTI_KIND = 'multi.count';

/**
 * A manual clock whose time lives in shared memory, so engines in different threads see the same
 * fast-forwarded time.
 */
export class SharedClock implements Clock {
  private readonly cell: BigInt64Array;
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8), start?: string) {
    this.cell = new BigInt64Array(buffer);
    if (start) Atomics.store(this.cell, 0, BigInt(Date.parse(start)));
  }
  now(): Date {
    return new Date(Number(Atomics.load(this.cell, 0)));
  }
  advance(ms: number): Date {
    Atomics.add(this.cell, 0, BigInt(ms));
    return this.now();
  }
}

/** The counting table: deliberately without any unique constraint, so a double run leaves two rows. */
export async function createRunsTable(db: Kysely<any>): Promise<void> {
  await sql`create table job_runs (job_id text not null, instance text not null, due_at text not null, ran_at text not null)`.execute(db);
}

/** Records every run inside the job's own transaction (so only committed runs are counted). */
export function countingHandler(instance: string, delayMs = 0): JobHandler {
  return async (uow, job) => {
    await sql`insert into job_runs (job_id, instance, due_at, ran_at) values (${job.id}, ${instance}, ${job.dueAt.toISOString()}, ${uow.now.toISOString()})`.execute(
      uow.db,
    );
    // A slow handler keeps the rest of its batch waiting (claimed), which is what lets leases expire.
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
  };
}
