// The engine's contract: durable timers + transactional outbox in engine_jobs, claimed in passes,
// each handler committed together with its job's completion, retried with backoff, leases for crashes.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { SYSTEM } from '../../src/core/actor.js';
import { ManualClock } from '../../src/core/clock.js';
import type { AppDeps, Ctx } from '../../src/core/context.js';
import { transaction, type Uow } from '../../src/core/uow.js';
import type { EngineJobsTable } from '../../src/db/schema.js';
import { Engine, jobCounts, type Job, type JobHandler } from '../../src/engine/engine.js';
import { cancelJobs } from '../../src/engine/jobs.js';
import { forEachDatabase } from '../support/app.js';
import { openTestStorage, type TestStorage } from './storage.js';

const SEC = 1000;
const MIN = 60 * SEC;

/** Reaches the engine's private claim/run steps to simulate an instance that claims and then dies. */
interface EngineInternals {
  claim(): Promise<EngineJobsTable[]>;
  runOne(row: EngineJobsTable): Promise<boolean>;
}
const internals = (e: Engine) => e as unknown as EngineInternals;

forEachDatabase('engine', (kind) => {
  const clock = new ManualClock('2026-03-01T12:00:00.000Z');
  let storage: TestStorage;
  let deps: AppDeps;
  let ctx: Ctx;

  before(async () => {
    storage = await openTestStorage(kind, clock);
    deps = storage.deps;
    ctx = { deps, actor: SYSTEM };
  });
  after(async () => storage.close());
  beforeEach(async () => {
    // Every test starts with an empty job table (a drain would otherwise pick up other tests' jobs).
    await deps.db.deleteFrom('engine_jobs').execute();
  });

  /** An engine with one handler per kind that records each call. */
  function engineWith(handlers: Record<string, JobHandler>, opts: { instanceId?: string; leaseMs?: number } = {}) {
    const calls: Job[] = [];
    const engine = new Engine(deps, { pollMs: 5, ...opts });
    for (const [k, h] of Object.entries(handlers)) {
      engine.register(k, async (uow, job) => {
        calls.push(job);
        await h(uow, job);
      });
    }
    return { engine, calls };
  }
  const noop: JobHandler = async () => undefined;

  const jobs = () => deps.db.selectFrom('engine_jobs').selectAll().orderBy('id').execute();
  /** A job's row by its `name` payload field (the dedupe key is released once a job finishes). */
  const jobNamed = (name: string) =>
    jobs().then((rows) => rows.find((r) => (JSON.parse(r.payload) as { name?: string }).name === name));
  /** Schedules one job (payload.name = key) in its own transaction. */
  const scheduleNamed = (spec: { kind: string; key: string; dueAt?: Date; maxAttempts?: number }) =>
    transaction(ctx, (uow) => uow.schedule({ ...spec, payload: { name: spec.key } }));

  test('a job scheduled in a transaction exists only if the transaction commits', async () => {
    await transaction(ctx, (uow) => uow.schedule({ kind: 'outbox', key: 'committed', payload: { n: 1 } }));
    await assert.rejects(
      transaction(ctx, async (uow) => {
        await uow.schedule({ kind: 'outbox', key: 'rolled-back' });
        throw new Error('boom');
      }),
      /boom/,
    );
    // Scheduling from an in-transaction event subscriber (the outbox path) follows the same rule.
    deps.bus.on('test.outbox', (uow, ev) => uow.schedule({ kind: 'outbox', key: `event-${ev.subjectId}` }));
    await transaction(ctx, (uow) => uow.emit('test.outbox', 'thing', 'kept'));
    await assert.rejects(
      transaction(ctx, async (uow) => {
        await uow.emit('test.outbox', 'thing', 'dropped');
        throw new Error('boom');
      }),
    );

    const rows = await jobs();
    assert.deepEqual(rows.map((r) => r.dedupe_key).sort(), ['committed', 'event-kept']);
    const committed = rows.find((r) => r.dedupe_key === 'committed')!;
    assert.equal(committed.state, 'pending');
    assert.equal(committed.attempts, 0);
    // Outbox semantics: due at the transaction's time.
    assert.equal(committed.due_at, clock.now().toISOString());

    const { engine, calls } = engineWith({ outbox: noop });
    const r = await engine.drain();
    assert.deepEqual(r, { claimed: 2, done: 2, failed: 0 });
    assert.deepEqual(calls.map((c) => c.key).sort(), ['committed', 'event-kept']);
    assert.deepEqual(calls.find((c) => c.key === 'committed')!.payload, { n: 1 });
    assert.deepEqual(await jobCounts(deps), { done: 2 });
  });

  test('a timer does not run before it is due and runs once after the clock passes it', async () => {
    const start = clock.now();
    const dueAt = new Date(start.getTime() + 5 * MIN);
    await transaction(ctx, (uow) => uow.schedule({ kind: 'timer', key: 'five-minutes', dueAt, payload: { name: 'five-minutes', hello: 'world' } }));
    const { engine, calls } = engineWith({ timer: noop });

    assert.equal((await engine.drain()).claimed, 0);
    clock.advance(5 * MIN - 1);
    assert.equal((await engine.drain()).claimed, 0, 'one millisecond early is still early');
    assert.equal(calls.length, 0);

    clock.advance(1);
    assert.deepEqual(await engine.drain(), { claimed: 1, done: 1, failed: 0 });
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.dueAt.toISOString(), dueAt.toISOString());
    assert.equal(calls[0]!.attempt, 1);
    assert.deepEqual(calls[0]!.payload, { name: 'five-minutes', hello: 'world' });

    clock.advance(10 * MIN);
    assert.equal((await engine.drain()).claimed, 0, 'a done timer never runs again');
    const row = (await jobNamed('five-minutes'))!;
    assert.equal(row.state, 'done');
    assert.equal(row.done_at, dueAt.toISOString());
    assert.equal(row.lease_until, null);
  });

  test('the background loop picks timers up as the clock advances, and stop() ends it', async () => {
    const { engine, calls } = engineWith({ loop: noop });
    const base = clock.now().getTime();
    await transaction(ctx, async (uow) => {
      await uow.schedule({ kind: 'loop', key: 'now' });
      await uow.schedule({ kind: 'loop', key: 'later', dueAt: new Date(base + 30 * SEC) });
    });
    engine.start();
    try {
      await waitFor(() => calls.length === 1);
      assert.equal(calls[0]!.key, 'now');
      await sleep(30);
      assert.equal(calls.length, 1, 'not due yet');
      clock.advance(30 * SEC);
      engine.wake();
      await waitFor(() => calls.length === 2);
      assert.equal(calls[1]!.key, 'later');
    } finally {
      await engine.stop();
    }
    assert.deepEqual(await jobCounts(deps), { done: 2 });
  });

  test('a dedupe key keeps the first job', async () => {
    const dueAt = new Date(clock.now().getTime() + MIN);
    await transaction(ctx, (uow) => uow.schedule({ kind: 'dedupe', key: 'k', dueAt, payload: { n: 1 } }));
    await transaction(ctx, (uow) => uow.schedule({ kind: 'dedupe', key: 'k', payload: { n: 2 } }));
    await transaction(ctx, async (uow) => {
      await uow.schedule({ kind: 'dedupe', key: 'k', payload: { n: 3 } });
      await uow.schedule({ kind: 'dedupe', key: 'other', dueAt, payload: { n: 4 } });
      await uow.schedule({ kind: 'dedupe', key: 'other', payload: { n: 5 } });
    });
    // Jobs without a key are never deduplicated.
    await transaction(ctx, async (uow) => {
      await uow.schedule({ kind: 'dedupe', dueAt, payload: { n: 6 } });
      await uow.schedule({ kind: 'dedupe', dueAt, payload: { n: 6 } });
    });
    const rows = await jobs();
    assert.equal(rows.length, 4);
    const k = rows.find((r) => r.dedupe_key === 'k')!;
    assert.equal(k.due_at, dueAt.toISOString(), 'the first job keeps its due time');
    assert.deepEqual(JSON.parse(k.payload), { n: 1 });
    assert.deepEqual(JSON.parse(rows.find((r) => r.dedupe_key === 'other')!.payload), { n: 4 });

    const { engine, calls } = engineWith({ dedupe: noop });
    clock.advance(MIN);
    assert.deepEqual(await engine.drain(), { claimed: 4, done: 4, failed: 0 });
    assert.deepEqual(calls.map((c) => c.payload.n).sort(), [1, 4, 6, 6]);
  });

  test('cancelJobs cancels pending jobs by key and leaves others alone', async () => {
    const dueAt = new Date(clock.now().getTime() + MIN);
    for (const key of ['c1', 'c2', 'c3', 'c4']) await scheduleNamed({ kind: 'cancel', key, dueAt });
    const { engine, calls } = engineWith({ cancel: noop });

    // A cancel inside a transaction that rolls back cancels nothing.
    await assert.rejects(
      transaction(ctx, async (uow) => {
        assert.equal(await cancelJobs(uow.db, uow.now, ['c4']), 1);
        throw new Error('boom');
      }),
    );
    assert.equal((await jobNamed('c4'))!.state, 'pending');

    assert.equal(await transaction(ctx, (uow) => cancelJobs(uow.db, uow.now, ['c1', 'c3', 'no-such-key'])), 2);
    assert.equal(await transaction(ctx, (uow) => cancelJobs(uow.db, uow.now, [])), 0);
    clock.advance(MIN);
    assert.deepEqual(await engine.drain(), { claimed: 2, done: 2, failed: 0 });
    assert.deepEqual(calls.map((c) => c.key).sort(), ['c2', 'c4']);

    // Cancelling again, or cancelling a job that already ran, changes nothing.
    assert.equal(await transaction(ctx, (uow) => cancelJobs(uow.db, uow.now, ['c1', 'c2'])), 0);
    const states = Object.fromEntries((await jobs()).map((r) => [JSON.parse(r.payload).name, r.state]));
    assert.deepEqual(states, { c1: 'cancelled', c2: 'done', c3: 'cancelled', c4: 'done' });
    assert.equal((await jobNamed('c1'))!.done_at, new Date(dueAt.getTime() - MIN).toISOString(), 'cancelled jobs record when');
    clock.advance(60 * MIN);
    assert.equal((await engine.drain()).claimed, 0);
  });

  test('a key is released when its job finishes (done, cancelled or dead), so the timer can be armed again', async () => {
    const { engine, calls } = engineWith({
      rearm: noop,
      dies: async () => {
        throw new Error('always');
      },
    });
    const later = () => new Date(clock.now().getTime() + MIN);
    const count = async (key: string) => (await jobs()).filter((r) => JSON.parse(r.payload).name === key).length;
    // done
    await scheduleNamed({ kind: 'rearm', key: 'done-key' });
    assert.equal((await engine.drain()).done, 1);
    await scheduleNamed({ kind: 'rearm', key: 'done-key', dueAt: later() });
    assert.equal(await count('done-key'), 2);
    // cancelled
    await scheduleNamed({ kind: 'rearm', key: 'cancel-key', dueAt: later() });
    await transaction(ctx, (uow) => cancelJobs(uow.db, uow.now, ['cancel-key']));
    await scheduleNamed({ kind: 'rearm', key: 'cancel-key', dueAt: later() });
    assert.equal(await count('cancel-key'), 2);
    // dead
    await scheduleNamed({ kind: 'dies', key: 'dead-key', maxAttempts: 1 });
    assert.equal((await engine.drain()).failed, 1);
    await scheduleNamed({ kind: 'rearm', key: 'dead-key', dueAt: later() });
    assert.equal(await count('dead-key'), 2);
    // …but not while the first is still waiting for a retry.
    await scheduleNamed({ kind: 'dies', key: 'retry-key', maxAttempts: 2 });
    assert.equal((await engine.drain()).failed, 1);
    await scheduleNamed({ kind: 'rearm', key: 'retry-key', dueAt: later() });
    assert.equal(await count('retry-key'), 1);

    const before = calls.length;
    clock.advance(MIN);
    assert.deepEqual(await engine.drain(), { claimed: 4, done: 3, failed: 1 });
    assert.deepEqual(calls.slice(before).map((c) => `${c.kind}:${c.key}`).sort(), ['dies:retry-key', 'rearm:cancel-key', 'rearm:dead-key', 'rearm:done-key']);
  });

  test('a handler can re-arm its own key (periodic timer)', async () => {
    const { engine, calls } = engineWith({
      periodic: async (uow, job) => {
        const n = (job.payload.n as number) ?? 0;
        if (n < 3) await uow.schedule({ kind: 'periodic', key: job.key!, dueAt: new Date(uow.now.getTime() + MIN), payload: { n: n + 1 } });
      },
    });
    await transaction(ctx, (uow) => uow.schedule({ kind: 'periodic', key: 'tick', payload: { n: 0 } }));
    for (let i = 0; i < 5; i++) {
      await engine.drain();
      clock.advance(MIN);
    }
    assert.deepEqual(calls.map((c) => c.payload.n), [0, 1, 2, 3]);
    assert.deepEqual(await jobCounts(deps), { done: 4 });
  });

  test('a failing handler is retried with exponential backoff and ends dead after max_attempts', async () => {
    let n = 0;
    const { engine, calls } = engineWith({
      flaky: async () => {
        throw new Error(`downstream said no #${++n}`);
      },
    });
    const t0 = clock.now().getTime();
    await scheduleNamed({ kind: 'flaky', key: 'retry', maxAttempts: 4 });

    const expectRow = async (state: string, attempts: number, dueOffsetMs: number | null, lastError: string) => {
      const row = (await jobNamed('retry'))!;
      assert.equal(row.state, state);
      assert.equal(row.attempts, attempts);
      assert.equal(row.last_error, lastError);
      assert.equal(row.claimed_by, null);
      assert.equal(row.lease_until, null);
      if (dueOffsetMs !== null) assert.equal(row.due_at, new Date(clock.now().getTime() + dueOffsetMs).toISOString());
      return row;
    };

    // Attempt 1 fails: retried after 1 s.
    assert.deepEqual(await engine.drain(), { claimed: 1, done: 0, failed: 1 });
    await expectRow('pending', 1, 1 * SEC, 'downstream said no #1');
    assert.equal((await engine.drain()).claimed, 0, 'not before the backoff');
    clock.advance(1 * SEC - 1);
    assert.equal((await engine.drain()).claimed, 0);
    clock.advance(1);
    // Attempt 2 fails: retried after 2 s.
    assert.deepEqual(await engine.drain(), { claimed: 1, done: 0, failed: 1 });
    await expectRow('pending', 2, 2 * SEC, 'downstream said no #2');
    clock.advance(2 * SEC - 1);
    assert.equal((await engine.drain()).claimed, 0);
    clock.advance(1);
    // Attempt 3 fails: retried after 4 s.
    assert.equal((await engine.drain()).failed, 1);
    await expectRow('pending', 3, 4 * SEC, 'downstream said no #3');
    clock.advance(4 * SEC);
    // Attempt 4 = max_attempts fails: dead.
    assert.equal((await engine.drain()).failed, 1);
    const dead = await expectRow('dead', 4, null, 'downstream said no #4');
    assert.equal(dead.done_at, clock.now().toISOString());
    assert.equal(clock.now().getTime() - t0, 7 * SEC);

    clock.advance(24 * 60 * MIN);
    assert.equal((await engine.drain()).claimed, 0, 'dead jobs are never picked up again');
    assert.deepEqual(calls.map((c) => c.attempt), [1, 2, 3, 4]);
    assert.deepEqual(await jobCounts(deps), { dead: 1 });
  });

  test('backoff doubles per attempt and is capped at 10 minutes', async () => {
    const { engine } = engineWith({
      fails: async () => {
        throw new Error('no');
      },
    });
    await scheduleNamed({ kind: 'fails', key: 'cap', maxAttempts: 20 });
    const delays: number[] = [];
    for (let i = 0; i < 12; i++) {
      assert.equal((await engine.drain()).failed, 1);
      const row = (await jobNamed('cap'))!;
      const delay = Date.parse(row.due_at) - clock.now().getTime();
      delays.push(delay);
      clock.advance(delay);
    }
    assert.deepEqual(delays.map((d) => d / SEC), [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600]);
  });

  test("a handler's writes roll back when it throws, and the retry commits them exactly once", async () => {
    const { engine, calls } = engineWith({
      writes: async (uow, job) => {
        await uow.db
          .insertInto('teams')
          .values({ id: job.id, slug: 'from-job', name: 'From job', description: '', created_at: uow.now.toISOString(), updated_at: uow.now.toISOString() })
          .execute();
        await uow.audit({ action: 'test.job_ran', targetType: 'team', targetId: job.id });
        await uow.schedule({ kind: 'follow-up', key: 'follow-up', dueAt: new Date(uow.now.getTime() + 60 * MIN), payload: { name: 'follow-up' } });
        if (job.attempt === 1) throw new Error('failed after writing');
      },
    });
    await scheduleNamed({ kind: 'writes', key: 'writer' });

    assert.deepEqual(await engine.drain(), { claimed: 1, done: 0, failed: 1 });
    assert.equal((await deps.db.selectFrom('teams').select('id').where('slug', '=', 'from-job').execute()).length, 0);
    assert.equal((await deps.db.selectFrom('audit_log').select('id').where('action', '=', 'test.job_ran').execute()).length, 0);
    assert.equal(await jobNamed('follow-up'), undefined, 'a job scheduled by a failed handler does not exist');
    const failed = (await jobNamed('writer'))!;
    assert.equal(failed.state, 'pending');
    assert.equal(failed.last_error, 'failed after writing');

    clock.advance(SEC);
    assert.deepEqual(await engine.drain(), { claimed: 1, done: 1, failed: 0 });
    assert.equal(calls.length, 2);
    assert.equal((await deps.db.selectFrom('teams').select('id').where('slug', '=', 'from-job').execute()).length, 1);
    assert.equal((await deps.db.selectFrom('audit_log').select('id').where('action', '=', 'test.job_ran').execute()).length, 1);
    assert.equal((await jobNamed('follow-up'))?.state, 'pending');
    assert.equal((await jobNamed('writer'))!.state, 'done');
    await deps.db.deleteFrom('teams').where('slug', '=', 'from-job').execute();
  });

  test('an instance never claims a kind it has no handler for (rolling upgrades); one that has it runs it', async () => {
    const { engine } = engineWith({});
    await scheduleNamed({ kind: 'unknown-kind', key: 'orphan', maxAttempts: 1 });
    assert.deepEqual(await engine.drain(), { claimed: 0, done: 0, failed: 0 });
    assert.equal((await jobNamed('orphan'))!.state, 'pending');
    const newer = new Engine(deps, { instanceId: 'newer' });
    let ran = 0;
    newer.register('unknown-kind', async () => void ran++);
    assert.deepEqual(await newer.drain(), { claimed: 1, done: 1, failed: 0 });
    assert.equal(ran, 1);
  });

  test('a job claimed by an instance that died is taken over after the lease and completed exactly once', async () => {
    const leaseMs = 30 * SEC;
    const ran: string[] = [];
    const handler = (instance: string): JobHandler => async (uow, job) => {
      ran.push(instance);
      await uow.audit({ action: 'test.lease_job', targetType: 'job', targetId: job.id });
    };
    const a = new Engine(deps, { instanceId: 'instance-a', leaseMs });
    a.register('lease', handler('a'));
    const b = new Engine(deps, { instanceId: 'instance-b', leaseMs });
    b.register('lease', handler('b'));
    await scheduleNamed({ kind: 'lease', key: 'leased' });

    // A claims the job and then "dies": it never runs or completes it.
    const claimed = await internals(a).claim();
    assert.equal(claimed.length, 1);
    const row = (await jobNamed('leased'))!;
    assert.equal(row.state, 'claimed');
    assert.equal(row.claimed_by, 'instance-a');
    assert.equal(row.lease_until, new Date(clock.now().getTime() + leaseMs).toISOString());

    // While A's lease holds, B leaves the job alone.
    assert.equal((await b.drain()).claimed, 0);
    clock.advance(leaseMs);
    assert.equal((await b.drain()).claimed, 0, 'the lease is still held at exactly lease_until');
    // Expired leases are looked for once a second (leases last far longer), so the takeover comes
    // within a second of the expiry.
    clock.advance(1);
    assert.equal((await b.drain()).claimed, 0, 'the sweep for expired leases ran a millisecond ago');
    clock.advance(1000);
    assert.deepEqual(await b.drain(), { claimed: 1, done: 1, failed: 0 });
    const done = (await jobNamed('leased'))!;
    assert.equal(done.state, 'done');
    assert.equal(done.claimed_by, 'instance-b');
    assert.equal(done.attempts, 2, 'the lost attempt counts');

    // A wakes up and tries to finish its stale claim: it has lost the job, so its handler does not run.
    assert.equal(await internals(a).runOne(claimed[0]!), false);
    assert.equal((await a.drain()).claimed, 0);
    assert.equal((await b.drain()).claimed, 0);
    assert.deepEqual(ran, ['b']);
    assert.equal((await deps.db.selectFrom('audit_log').select('id').where('action', '=', 'test.lease_job').execute()).length, 1);
    assert.equal((await jobNamed('leased'))!.state, 'done');
  });

  test('a stale instance whose handler fails after losing the lease does not disturb the new owner', async () => {
    const leaseMs = 10 * SEC;
    const a = new Engine(deps, { instanceId: 'stale-a', leaseMs });
    a.register('lease2', async () => {
      throw new Error('should not run');
    });
    const b = new Engine(deps, { instanceId: 'owner-b', leaseMs });
    b.register('lease2', async () => {
      throw new Error('owner failure');
    });
    await scheduleNamed({ kind: 'lease2', key: 'leased2' });
    const claimed = await internals(a).claim();
    clock.advance(leaseMs + 1);
    // B takes over and its attempt fails: the job goes back to pending with backoff.
    assert.deepEqual(await b.drain(), { claimed: 1, done: 0, failed: 1 });
    // A's stale completion must neither run nor record a failure over B's bookkeeping.
    assert.equal(await internals(a).runOne(claimed[0]!), false);
    const row = (await jobNamed('leased2'))!;
    assert.equal(row.state, 'pending');
    assert.equal(row.attempts, 2);
    assert.match(row.last_error!, /owner failure/);
  });

  test('a pass claims at most batchSize jobs, earliest due first; drain keeps going until none are due', async () => {
    const engine = new Engine(deps, { batchSize: 3 });
    const order: number[] = [];
    engine.register('batch', async (_uow, job) => {
      order.push(job.payload.i as number);
    });
    const base = clock.now().getTime() - 10 * SEC;
    await transaction(ctx, async (uow) => {
      for (const i of [4, 1, 6, 3, 0, 5, 2]) await uow.schedule({ kind: 'batch', payload: { i }, dueAt: new Date(base + i * SEC) });
      await uow.schedule({ kind: 'batch', payload: { i: 99 }, dueAt: new Date(clock.now().getTime() + MIN) });
    });
    assert.deepEqual(await engine.pass(), { claimed: 3, done: 3, failed: 0 });
    assert.deepEqual([...order].sort(), [0, 1, 2], 'the three most overdue first');
    assert.deepEqual(await engine.drain(), { claimed: 4, done: 4, failed: 0 });
    assert.deepEqual([...order].sort(), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(await jobCounts(deps), { done: 7, pending: 1 });
  });

  test('jobs of one pass share a transaction, yet a failing job rolls back only its own writes', async () => {
    const engine = new Engine(deps, { batchSize: 50 });
    engine.register('chunk', async (uow, job) => {
      await uow.audit({ action: 'test.chunk', targetType: 'job', targetId: String(job.payload.i) });
      if (job.payload.i === 3 && job.attempt === 1) throw new Error('boom on the first attempt');
    });
    await transaction(ctx, async (uow) => {
      for (let i = 0; i < 8; i++) await uow.schedule({ kind: 'chunk', payload: { i } });
    });
    assert.deepEqual(await engine.pass(), { claimed: 8, done: 7, failed: 1 });
    const audited = async () =>
      (await deps.db.selectFrom('audit_log').select('target_id').where('action', '=', 'test.chunk').execute()).map((r) => r.target_id).sort();
    assert.deepEqual(await audited(), ['0', '1', '2', '4', '5', '6', '7'], 'the failed job left no trace; the others committed');
    assert.deepEqual(await jobCounts(deps), { done: 7, pending: 1 });
    clock.advance(2 * SEC);
    assert.deepEqual(await engine.drain(), { claimed: 1, done: 1, failed: 0 });
    assert.deepEqual(await audited(), ['0', '1', '2', '3', '4', '5', '6', '7'], 'the retry committed exactly once');
  });

  test('urgent kinds are claimed ahead of older ordinary jobs', async () => {
    const engine = new Engine(deps, { batchSize: 2 });
    const order: string[] = [];
    engine.register('ordinary', async (_uow, job) => void order.push(`ordinary:${job.payload.i}`));
    engine.registerExternal('page', async (_ctx, job) => void order.push(`page:${job.payload.i}`), { urgent: true });
    const base = clock.now().getTime() - MIN;
    await transaction(ctx, async (uow) => {
      for (let i = 0; i < 3; i++) await uow.schedule({ kind: 'ordinary', payload: { i }, dueAt: new Date(base + i) });
      for (let i = 0; i < 2; i++) await uow.schedule({ kind: 'page', payload: { i }, key: `page-${i}`, dueAt: new Date(base + SEC + i) });
    });
    await engine.pass();
    assert.deepEqual([...order].sort(), ['page:0', 'page:1'], 'both pages went first although three jobs were older');
    await engine.drain();
    assert.equal(order.length, 5);
    assert.deepEqual(await jobCounts(deps), { done: 5 });
    const keys = await deps.db.selectFrom('engine_jobs').select('dedupe_key').where('kind', '=', 'page').execute();
    assert.deepEqual(keys.map((k) => k.dedupe_key), [null, null], 'keys are released once the jobs ran');
  });

  test('external jobs with a batch handler run together; if the batch throws, each runs on its own', async () => {
    const engine = new Engine(deps, { batchSize: 50 });
    const batches: number[][] = [];
    const singles: number[] = [];
    let failBatch = false;
    engine.registerExternal(
      'grouped',
      async (_ctx, job) => void singles.push(job.payload.i as number),
      {
        batch: async (_ctx, jobs) => {
          if (failBatch) throw new Error('batch broke');
          batches.push(jobs.map((j) => j.payload.i as number).sort((a, b) => a - b));
        },
      },
    );
    await transaction(ctx, async (uow) => {
      for (let i = 0; i < 5; i++) await uow.schedule({ kind: 'grouped', payload: { i } });
    });
    assert.deepEqual(await engine.pass(), { claimed: 5, done: 5, failed: 0 });
    assert.deepEqual(batches, [[0, 1, 2, 3, 4]], 'one call for the five');
    assert.deepEqual(singles, []);

    failBatch = true;
    await transaction(ctx, async (uow) => {
      for (let i = 5; i < 8; i++) await uow.schedule({ kind: 'grouped', payload: { i } });
    });
    assert.deepEqual(await engine.pass(), { claimed: 3, done: 3, failed: 0 });
    assert.deepEqual(singles.sort(), [5, 6, 7], 'the fallback ran each job once');
    assert.deepEqual(await jobCounts(deps), { done: 8 });
  });

  test('transactional jobs with a batch handler run set-based in one savepoint; a throwing batch rolls back and each job runs alone', async () => {
    const engine = new Engine(deps, { batchSize: 50 });
    const batches: number[][] = [];
    const singles: number[] = [];
    let failBatch = false;
    const record = (uow: Uow, i: number) => uow.audit({ action: 'test.batch_job', targetType: 'job', targetId: String(i) });
    engine.register('stepish', async (uow, job) => {
      singles.push(job.payload.i as number);
      await record(uow, job.payload.i as number);
    }, {
      batch: async (uow, jobs) => {
        for (const j of jobs) await record(uow, j.payload.i as number);
        if (failBatch) throw new Error('batch broke after writing');
        batches.push(jobs.map((j) => j.payload.i as number).sort((a, b) => a - b));
      },
    });
    await transaction(ctx, async (uow) => {
      for (let i = 0; i < 4; i++) await uow.schedule({ kind: 'stepish', payload: { i } });
    });
    assert.deepEqual(await engine.pass(), { claimed: 4, done: 4, failed: 0 });
    assert.deepEqual(batches, [[0, 1, 2, 3]], 'one call for the four');
    assert.deepEqual(singles, []);

    failBatch = true;
    await transaction(ctx, async (uow) => {
      for (let i = 4; i < 7; i++) await uow.schedule({ kind: 'stepish', payload: { i } });
    });
    assert.deepEqual(await engine.pass(), { claimed: 3, done: 3, failed: 0 });
    assert.deepEqual(singles.sort(), [4, 5, 6], 'the fallback ran each job once');
    const written = await deps.db.selectFrom('audit_log').select('target_id').where('action', '=', 'test.batch_job').execute();
    assert.deepEqual(written.map((r) => Number(r.target_id)).sort(), [0, 1, 2, 3, 4, 5, 6], "the failed batch's writes were rolled back: each job wrote once");
    assert.deepEqual(await jobCounts(deps), { done: 7 });
  });

  test('committing a job that is due now wakes the running loop before its poll interval', async () => {
    const engine = new Engine(deps, { pollMs: 60_000 });
    const ran: number[] = [];
    engine.register('wake', async (_uow, job) => void ran.push(job.payload.i as number));
    engine.start();
    try {
      await sleep(50);
      await transaction(ctx, (uow) => uow.schedule({ kind: 'wake', payload: { i: 1 } }));
      await waitFor(() => ran.length === 1, 5000);
    } finally {
      await engine.stop();
    }
  });
});


function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('timed out waiting for condition');
    await sleep(5);
  }
}
