import type { Tx } from '../core/context.js';
import { newId } from '../core/ids.js';
import { toJson } from '../core/json.js';
import { iso } from '../core/time.js';
import { insertRows } from '../db/bulk.js';
import type { Dialect } from '../db/dialect.js';

/**
 * A job is either a durable timer (due later) or an outbox message (due now). Both live in
 * `engine_jobs` and are processed by the same claim-run-complete loop.
 */
export interface JobSpec {
  kind: string;
  payload?: Record<string, unknown>;
  /** When to run; defaults to now (outbox semantics). */
  dueAt?: Date;
  /**
   * Idempotency key of a live timer: scheduling a key that is pending keeps the first job. The key is
   * released when the job finishes, so the same timer can be armed again later.
   */
  key?: string;
  maxAttempts?: number;
}

export async function scheduleJob(db: Tx, dialect: Dialect, now: Date, job: JobSpec): Promise<void> {
  await scheduleJobs(db, dialect, now, [job]);
}

/** Bulk form: one statement per few hundred jobs. */
export async function scheduleJobs(db: Tx, dialect: Dialect, now: Date, jobs: JobSpec[]): Promise<void> {
  await insertRows(db, dialect, 'engine_jobs', jobs.map((job) => jobRow(now, job)), { onConflictDoNothing: 'dedupe_key', chunk: 500 });
}

function jobRow(now: Date, job: JobSpec) {
  return {
    id: newId(now.getTime()),
    kind: job.kind,
    dedupe_key: job.key ?? null,
    due_at: iso(job.dueAt ?? now),
    payload: toJson(job.payload ?? {}),
    state: 'pending',
    attempts: 0,
    max_attempts: job.maxAttempts ?? 10,
    claimed_by: null,
    lease_until: null,
    last_error: null,
    created_at: iso(now),
    done_at: null,
  };
}

/** Cancels pending jobs by key (e.g. an escalation step once the alert is acknowledged). */
export async function cancelJobs(db: Tx, now: Date, keys: string[]): Promise<number> {
  if (keys.length === 0) return 0;
  const r = await db
    .updateTable('engine_jobs')
    .set({ state: 'cancelled', done_at: iso(now), dedupe_key: null })
    .where('dedupe_key', 'in', keys)
    .where('state', 'in', ['pending', 'failed'])
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
