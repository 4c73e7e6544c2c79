// Several Ballast instances share one database: each engine claims due jobs in passes, and every job
// must run exactly once. The handler records each run in a table without a unique constraint, inside the
// job's transaction, so a double run (or a run that committed without its completion) would show.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { SYSTEM } from '../../src/core/actor.js';
import type { AppDeps } from '../../src/core/context.js';
import { transaction } from '../../src/core/uow.js';
import { Engine, jobCounts } from '../../src/engine/engine.js';
import { pgAdminUrl } from '../support/db.js';
import { countingHandler, createRunsTable, MULTI_KIND, SharedClock } from './multi-support.js';
import { openTestStorage } from './storage.js';

const STEP_MS = 5_000;
const SPREAD_MS = 10 * 60_000;
const START = '2026-05-01T09:00:00.000Z';

interface Scenario {
  jobs: number;
  /** Virtual lease; the clock jumps STEP_MS at a time, so a lease shorter than that expires mid-batch. */
  leaseMs: number;
  handlerDelayMs: number;
}
/** Leases far longer than the run: no claim should ever be taken over. */
const STEADY: Scenario = { jobs: 1000, leaseMs: 30 * 24 * 60 * 60_000, handlerDelayMs: 0 };
/** Leases expire under the instances' feet all the time: takeovers happen, runs stay exactly-once. */
const LEASE_STORM: Scenario = { jobs: 300, leaseMs: 2_000, handlerDelayMs: 1 };
const ENGINE_OPTS = { batchSize: 20, pollMs: 5 };

/** A fifth of the jobs due at once (an outbox burst), the rest spread over ten minutes of fast-forwarded time. */
async function scheduleAll(deps: AppDeps, n: number): Promise<void> {
  await transaction({ deps, actor: SYSTEM }, async (uow) => {
    const t0 = uow.now.getTime();
    for (let i = 0; i < n; i++) {
      const offset = i < n / 5 ? 0 : ((i * 7919) % (SPREAD_MS / 1000)) * 1000 + (i % 1000);
      await uow.schedule({ kind: MULTI_KIND, dueAt: new Date(t0 + offset), payload: { i } });
    }
  });
}

/** Fast-forwards through the spread, then waits until no job is pending or claimed. */
async function runClockUntilDone(clock: SharedClock, deps: AppDeps): Promise<void> {
  const end = clock.now().getTime() + SPREAD_MS + STEP_MS;
  while (clock.now().getTime() < end) {
    clock.advance(STEP_MS);
    await sleep(3);
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    const counts = await jobCounts(deps);
    if (!counts.pending && !counts.claimed) return;
    if (Date.now() > deadline) throw new Error(`jobs still outstanding after 60 s: ${JSON.stringify(counts)}`);
    // Past the spread the clock stands still; nudge it so any lease left by a lost claim can expire.
    clock.advance(STEP_MS);
    await sleep(20);
  }
}

/** Asserts exactly-once; returns how many jobs were claimed more than once (lease takeovers). */
async function assertEachJobRanOnce(deps: AppDeps, n: number, instances: string[]): Promise<number> {
  const runs = await sql<{ job_id: string; instance: string; due_at: string; ran_at: string }>`select job_id, instance, due_at, ran_at from job_runs`.execute(
    deps.db,
  );
  const perJob = new Map<string, number>();
  for (const r of runs.rows) perJob.set(r.job_id, (perJob.get(r.job_id) ?? 0) + 1);
  const doubles = [...perJob].filter(([, c]) => c > 1);
  assert.deepEqual(doubles, [], 'no job ran twice');
  assert.equal(perJob.size, n, 'every job ran');
  assert.equal(runs.rows.length, n);

  const jobs = await deps.db.selectFrom('engine_jobs').select(['id', 'state', 'attempts', 'claimed_by']).execute();
  assert.equal(jobs.length, n);
  assert.deepEqual(await jobCounts(deps), { done: n }, 'nothing left pending, claimed, failed or dead');
  const ranBy = new Map(runs.rows.map((r) => [r.job_id, r.instance]));
  for (const j of jobs) assert.equal(j.claimed_by, ranBy.get(j.id), `job ${j.id} was completed by the instance that ran it`);
  for (const r of runs.rows) assert.ok(r.ran_at >= r.due_at, `job ${r.job_id} ran at ${r.ran_at}, before it was due (${r.due_at})`);

  const perInstance = Object.fromEntries(instances.map((i) => [i, runs.rows.filter((r) => r.instance === i).length]));
  // With 1,000 timers both instances always get work; in the short lease-storm runs on a loaded machine one
  // instance can win every claim, which is correct behaviour, so there it is not required.
  if (n >= 1000) for (const i of instances) assert.ok(perInstance[i]! > 0, `instance ${i} did some of the work: ${JSON.stringify(perInstance)}`);
  return jobs.filter((j) => j.attempts > 1).length;
}

/** Two engines on one PostgreSQL database: separate openStorage calls (separate pools), one process. */
async function runPostgres(scenario: Scenario): Promise<number> {
  const clock = new SharedClock(undefined, START);
  const storage = await openTestStorage('postgres', clock);
  try {
    const other = await storage.openAnother(clock);
    await createRunsTable(storage.deps.db);
    await scheduleAll(storage.deps, scenario.jobs);
    const engines = [
      { deps: storage.deps, id: 'pg-a' },
      { deps: other.deps, id: 'pg-b' },
    ].map(({ deps, id }) => {
      const e = new Engine(deps, { instanceId: id, leaseMs: scenario.leaseMs, ...ENGINE_OPTS });
      e.register(MULTI_KIND, countingHandler(id, scenario.handlerDelayMs));
      return e;
    });
    for (const e of engines) e.start();
    try {
      await runClockUntilDone(clock, storage.deps);
    } finally {
      await Promise.all(engines.map((e) => e.stop()));
    }
    return await assertEachJobRanOnce(storage.deps, scenario.jobs, ['pg-a', 'pg-b']);
  } finally {
    await storage.close();
  }
}

// Two better-sqlite3 connections driven from ONE thread deadlock on SQLite's write lock: the waiting
// connection's busy timeout blocks the very event loop the lock holder needs in order to commit (the
// waiter fails with SQLITE_BUSY after 5 s and its claimed batch sits until the lease expires). Separate
// processes (a CLI next to the server) don't have that problem; a worker thread has its own event loop and
// its own connection, which models it while staying in one process.
async function runSqlite(scenario: Scenario): Promise<number> {
  const clock = new SharedClock(undefined, START);
  const storage = await openTestStorage('sqlite', clock);
  let worker: Worker | null = null;
  try {
    await createRunsTable(storage.deps.db);
    await scheduleAll(storage.deps, scenario.jobs);
    const main = new Engine(storage.deps, { instanceId: 'sqlite-main', leaseMs: scenario.leaseMs, ...ENGINE_OPTS });
    main.register(MULTI_KIND, countingHandler('sqlite-main', scenario.handlerDelayMs));
    worker = startEngineWorker({
      dataDir: storage.location.dataDir,
      instanceId: 'sqlite-worker',
      clockBuffer: clock.buffer,
      leaseMs: scenario.leaseMs,
      handlerDelayMs: scenario.handlerDelayMs,
      ...ENGINE_OPTS,
    });
    await nextMessage(worker, 'started');
    main.start();
    try {
      await runClockUntilDone(clock, storage.deps);
    } finally {
      await main.stop();
      worker.postMessage({ type: 'stop' });
      await nextMessage(worker, 'stopped');
    }
    return await assertEachJobRanOnce(storage.deps, scenario.jobs, ['sqlite-main', 'sqlite-worker']);
  } finally {
    await worker?.terminate();
    await storage.close();
  }
}

const noPg = !pgAdminUrl && 'BALLAST_TEST_PG_URL is not set: PostgreSQL multi-instance tests skipped (run them via `npm test`)';

test('PostgreSQL: two engines with separate pools run 1,000 timers exactly once, without overlapping claims', { skip: noPg }, async () => {
  assert.equal(await runPostgres(STEADY), 0, 'no claim was taken over while its lease held');
});

test('PostgreSQL: with leases expiring mid-batch, takeovers happen and every job still runs exactly once', { skip: noPg }, async (t) => {
  const reclaimed = await runPostgres(LEASE_STORM);
  t.diagnostic(`${reclaimed} of ${LEASE_STORM.jobs} jobs were re-claimed after a lease expired`);
  // How many takeovers happen depends on scheduling on a loaded machine; engine.test.ts covers a takeover
  // deterministically. What must hold here whatever the timing is the exactly-once check above.
  if (reclaimed === 0) t.diagnostic('no lease expired mid-run this time (timing); exactly-once still verified');
});

test('SQLite (WAL, second connection in a worker thread): two engines run 1,000 timers exactly once, without overlapping claims', async () => {
  assert.equal(await runSqlite(STEADY), 0, 'no claim was taken over while its lease held');
});

test('SQLite: with leases expiring mid-batch, takeovers happen and every job still runs exactly once', async (t) => {
  const reclaimed = await runSqlite(LEASE_STORM);
  t.diagnostic(`${reclaimed} of ${LEASE_STORM.jobs} jobs were re-claimed after a lease expired`);
  // How many takeovers happen depends on scheduling on a loaded machine; engine.test.ts covers a takeover
  // deterministically. What must hold here whatever the timing is the exactly-once check above.
  if (reclaimed === 0) t.diagnostic('no lease expired mid-run this time (timing); exactly-once still verified');
});

function startEngineWorker(data: Record<string, unknown>): Worker {
  // Worker threads do not inherit `--import tsx`; register it inside the worker before loading the TS entry.
  const entry = new URL('./engine-worker.ts', import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, {
    eval: true,
    workerData: data,
  });
}

function nextMessage(worker: Worker, type: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: { type: string; message?: string }) => {
      if (msg.type === type) done(resolve);
      else if (msg.type === 'error') done(() => reject(new Error(`engine worker: ${msg.message}`)));
    };
    const onError = (err: Error) => done(() => reject(err));
    const onExit = (code: number) => done(() => reject(new Error(`engine worker exited (${code}) before '${type}'`)));
    const done = (fn: () => void) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      fn();
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
