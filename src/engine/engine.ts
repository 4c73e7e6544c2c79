import os from 'node:os';
import { sql } from 'kysely';
import type { AppDeps, Ctx, Tx } from '../core/context.js';
import { SYSTEM } from '../core/actor.js';
import { newId } from '../core/ids.js';
import { fromJson } from '../core/json.js';
import { addMs, iso } from '../core/time.js';
import { transaction, withinTransaction, type Uow } from '../core/uow.js';
import { padded } from '../db/bulk.js';
import type { EngineJobsTable } from '../db/schema.js';

export interface Job {
  id: string;
  kind: string;
  key: string | null;
  dueAt: Date;
  attempt: number;
  payload: Record<string, unknown>;
}

/** Runs inside the transaction that marks the job done: its writes and the completion commit together. */
export type JobHandler = (uow: Uow, job: Job) => Promise<void>;

/**
 * For jobs that wait on the outside world (sending a notification): runs outside any transaction, so a
 * slow receiver never holds a database lock. It opens its own short transactions; the job is completed
 * after it returns. A crash mid-way re-runs it after the lease, so it must tolerate running twice.
 */
export type ExternalJobHandler = (ctx: Ctx, job: Job) => Promise<void>;

type Registered = ({ transactional: true; run: JobHandler; batch?: BatchHandler } | { transactional: false; run: ExternalJobHandler; batch?: ExternalBatchHandler }) & {
  urgent: boolean;
};

/**
 * Runs several transactional jobs of one kind at once (set-based), inside the transaction that marks
 * them all done. If it throws, its writes are rolled back and the jobs run one by one instead.
 */
export type BatchHandler = (uow: Uow, jobs: Job[]) => Promise<void>;

/** Runs several external jobs of one kind together (sharing transactions); throws to fall back to one by one. */
export type ExternalBatchHandler = (ctx: Ctx, jobs: Job[]) => Promise<void>;

export interface RegisterOptions {
  /**
   * Claimed ahead of older non-urgent jobs. For the last hop to a person (sending a page): a backlog
   * of escalation steps or housekeeping must not sit between a page and its recipient.
   */
  urgent?: boolean;
}

/** Transactional jobs of one pass share a transaction in chunks of this size (one commit, one fsync). */
const TX_CHUNK = 25;
/** Passes of one instance running at once (see `start`). */
const PASSES_IN_FLIGHT = 2;
/** How often a pass also claims jobs whose lease expired. */
const LEASE_SWEEP_MS = 1000;
/** Jobs of a kind with a batch handler go to it in chunks of up to this many. */
const TX_BATCH = 100;
/**
 * Urgent kinds (page deliveries) are claimed this many times the batch size at once, and external
 * jobs with a batch handler are handed over in groups of up to that many: a delivery batch has fixed
 * costs (its transactions, statements and completion), so under a page storm fewer, bigger batches
 * deliver more per second.
 */
const URGENT_FACTOR = 4;

export interface EngineOptions {
  instanceId?: string;
  batchSize?: number;
  leaseMs?: number;
  pollMs?: number;
  /** Jobs of one claimed batch run this many at a time. */
  concurrency?: number;
}

export interface PassResult {
  claimed: number;
  done: number;
  failed: number;
}

/**
 * Processes due jobs in passes: claim a batch (row locks with SKIP LOCKED on PostgreSQL, SQLite's single
 * writer otherwise), then run each handler in its own transaction that completes the job only if this
 * instance still holds it. A job is therefore committed exactly once even with several instances; an
 * instance that dies mid-job loses its lease and another instance retries it.
 */
export class Engine {
  readonly instanceId: string;
  private readonly handlers = new Map<string, Registered>();
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private running: Promise<void> | null = null;
  private stopped = true;
  private readonly sleepers = new Set<() => void>();
  private lastLeaseSweep = Number.NEGATIVE_INFINITY;
  /** Scheduling lag of the most overdue job of the last pass (ms), for metrics. */
  lastLagMs = 0;

  constructor(
    private readonly deps: AppDeps,
    opts: EngineOptions = {},
  ) {
    this.instanceId = opts.instanceId ?? `${os.hostname()}:${process.pid}:${newId().slice(-8)}`;
    this.batchSize = opts.batchSize ?? 100;
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.pollMs = opts.pollMs ?? deps.config.enginePollMs;
    this.concurrency = opts.concurrency ?? deps.config.engineConcurrency;
    deps.engineSignal.listen(() => {
      this.moreDue = true;
      this.wake();
    });
  }

  /** Set when a job due now was committed while a pass ran: the loop then goes again without sleeping. */
  private moreDue = false;

  register(kind: string, handler: JobHandler, opts: RegisterOptions & { batch?: BatchHandler } = {}): void {
    if (this.handlers.has(kind)) throw new Error(`engine: handler for '${kind}' already registered`);
    this.handlers.set(kind, { transactional: true, run: handler, batch: opts.batch, urgent: !!opts.urgent });
  }

  registerExternal(kind: string, handler: ExternalJobHandler, opts: RegisterOptions & { batch?: ExternalBatchHandler } = {}): void {
    if (this.handlers.has(kind)) throw new Error(`engine: handler for '${kind}' already registered`);
    this.handlers.set(kind, { transactional: false, run: handler, batch: opts.batch, urgent: !!opts.urgent });
  }

  private get ctx(): Ctx {
    return { deps: this.deps, actor: SYSTEM };
  }

  /** Claims and runs due jobs until none are left (or `maxPasses`); returns totals. Tests drive this directly. */
  async drain(maxPasses = 1000): Promise<PassResult> {
    const total: PassResult = { claimed: 0, done: 0, failed: 0 };
    for (let i = 0; i < maxPasses; i++) {
      const r = await this.pass();
      total.claimed += r.claimed;
      total.done += r.done;
      total.failed += r.failed;
      if (r.claimed === 0) break;
    }
    return total;
  }

  /** One claim-and-run. */
  async pass(): Promise<PassResult> {
    const jobs = await this.claim();
    const result: PassResult = { claimed: jobs.length, done: 0, failed: 0 };
    const now = this.deps.clock.now().getTime();
    const metrics = this.deps.metrics;
    if (jobs.length) {
      this.lastLagMs = Math.max(0, ...jobs.map((row) => now - Date.parse(row.due_at)));
      metrics.engineLag.set(this.lastLagMs / 1000);
    }
    const count = (ok: boolean) => {
      if (ok) result.done++;
      else result.failed++;
      metrics.engineJobs.inc({ outcome: ok ? 'done' : 'failed_or_lost' });
    };
    // Work items: each external job alone (it waits on the network), transactional jobs in chunks that
    // share one transaction. Several lanes, so a slow webhook does not hold up the rest, and on
    // PostgreSQL chunks commit in parallel over the pool (SQLite still commits one at a time).
    const items: Array<() => Promise<void>> = [];
    const txRows: EngineJobsTable[] = [];
    const externalDone: string[] = [];
    const batched = new Map<string, EngineJobsTable[]>();
    const runAlone = (row: EngineJobsTable, run: ExternalJobHandler) => async () => {
      if (await this.runExternal(row, run)) externalDone.push(row.id);
      else count(false);
    };
    for (const row of jobs) {
      const h = this.handlers.get(row.kind);
      if (h && !h.transactional && h.batch) {
        const list = batched.get(row.kind) ?? [];
        list.push(row);
        batched.set(row.kind, list);
      }
      else if (h && !h.transactional) items.push(runAlone(row, h.run));
      else txRows.push(row);
    }
    for (const [kind, rows] of batched) {
      const h = this.handlers.get(kind) as Extract<Registered, { transactional: false }>;
      for (let i = 0; i < rows.length; i += this.batchSize * URGENT_FACTOR) {
        const group = rows.slice(i, i + this.batchSize * URGENT_FACTOR);
        // Batches go first: they are the urgent kinds (pages) in practice.
        items.unshift(async () => {
          try {
            await h.batch!(this.ctx, group.map((r) => this.toJob(r)));
            externalDone.push(...group.map((r) => r.id));
          } catch (err) {
            this.deps.log.warn({ kind, jobs: group.length, err: err instanceof Error ? err.message : String(err) }, 'engine batch failed; running its jobs one by one');
            for (const row of group) await runAlone(row, h.run)();
          }
        });
      }
    }
    // Kinds with a batch handler run set-based in bigger chunks of their own kind.
    const byKind = new Map<string, EngineJobsTable[]>();
    const plain: EngineJobsTable[] = [];
    for (const row of txRows) {
      if (!this.handlers.get(row.kind)?.batch) plain.push(row);
      else byKind.set(row.kind, [...(byKind.get(row.kind) ?? []), row]);
    }
    const chunked = (rows: EngineJobsTable[], size: number) => {
      for (let i = 0; i < rows.length; i += size) {
        const chunk = rows.slice(i, i + size);
        items.push(async () => {
          for (const ok of await this.runChunk(chunk)) count(ok);
        });
      }
    };
    for (const rows of byKind.values()) chunked(rows, TX_BATCH);
    chunked(plain, TX_CHUNK);
    let next = 0;
    const lane = async () => {
      while (next < items.length) await items[next++]!();
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, items.length) }, lane));
    // External jobs are completed together: one statement instead of one transaction each.
    if (externalDone.length) {
      const completed = await this.completeMany(externalDone);
      for (let i = 0; i < externalDone.length; i++) count(i < completed);
    }
    return result;
  }

  /**
   * Claims up to a batch of jobs, from three sources in turn until the batch is full: jobs whose lease
   * expired (their instance died; they are the most overdue), urgent kinds due now, other kinds due now.
   * Each source is one index range read in due order, so a claim costs the same with a backlog of ten
   * thousand jobs as with none.
   */
  private async claim(): Promise<EngineJobsTable[]> {
    const { clock } = this.deps;
    const now = iso(clock.now());
    // Only kinds this instance can run: during a rolling upgrade an old instance must not claim (and
    // eventually kill) jobs that only the new version knows.
    const kinds = [...this.handlers.keys()];
    if (kinds.length === 0) return [];
    const urgent = kinds.filter((k) => this.handlers.get(k)!.urgent);
    const other = kinds.filter((k) => !this.handlers.get(k)!.urgent);
    // Leases last a minute, so looking for expired ones once a second is plenty, and spares every pass
    // a read of all jobs in flight.
    const nowMs = clock.now().getTime();
    const sweep = nowMs - this.lastLeaseSweep >= LEASE_SWEEP_MS || nowMs < this.lastLeaseSweep;
    if (sweep) this.lastLeaseSweep = nowMs;
    const sources: Array<{ kinds: string[]; state: 'claimed' | 'pending'; column: 'lease_until' | 'due_at'; size: number }> = [
      { kinds: sweep ? kinds : [], state: 'claimed', column: 'lease_until', size: this.batchSize },
      { kinds: urgent, state: 'pending', column: 'due_at', size: this.batchSize * URGENT_FACTOR },
      { kinds: other, state: 'pending', column: 'due_at', size: this.batchSize },
    ];
    const claimed: EngineJobsTable[] = [];
    for (const source of sources) {
      const room = source.size - claimed.length;
      if (room <= 0) break;
      if (source.kinds.length) claimed.push(...(await this.claimFrom(source.kinds, source.state, source.column, now, room)));
    }
    return claimed;
  }

  private claimFrom(kinds: string[], state: 'claimed' | 'pending', column: 'lease_until' | 'due_at', now: string, limit: number): Promise<EngineJobsTable[]> {
    const { db, dialect, clock } = this.deps;
    const external = kinds.filter((k) => !this.handlers.get(k)!.transactional);
    // Materialized, so the locking read runs exactly once: PostgreSQL may otherwise re-run a SKIP
    // LOCKED subquery per candidate row and claim more (or other) rows than it locked.
    return db
      .with(
        (wb) => wb('due').materialized(),
        () => dialect.lockForClaim(db.selectFrom('engine_jobs').select('id').where('state', '=', state).where('kind', 'in', kinds).where(column, state === 'claimed' ? '<' : '<=', now).orderBy(column).limit(limit)),
      )
      .updateTable('engine_jobs')
      .set({
        state: 'claimed',
        claimed_by: this.instanceId,
        lease_until: iso(addMs(clock.now(), this.leaseMs)),
        attempts: sql<number>`attempts + 1`,
        // An external job's key is released as it starts, so its handler can arm a follow-up under the
        // same key (a retry); the claim keeps it from running twice meanwhile.
        ...(external.length ? { dedupe_key: sql<string | null>`case when kind in (${sql.join(external)}) then null else dedupe_key end` } : {}),
      })
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .returningAll()
      .execute();
  }

  private toJob(row: EngineJobsTable): Job {
    return { id: row.id, kind: row.kind, key: row.dedupe_key, dueAt: new Date(row.due_at), attempt: row.attempts, payload: fromJson(row.payload, {}) };
  }

  /**
   * Runs transactional jobs in one transaction, each under its own savepoint: a failing job rolls back
   * only its own writes and is retried later, the others commit together. Each job's completion is
   * part of its own savepoint, so a job's effects commit exactly when it is marked done.
   */
  private async runChunk(rows: EngineJobsTable[]): Promise<boolean[]> {
    const batch = this.handlers.get(rows[0]!.kind)?.batch as BatchHandler | undefined;
    if (rows.length === 1 && !batch) return [await this.runAlone(rows[0]!)];
    const outcome: boolean[] = rows.map(() => false);
    const failures: Array<[EngineJobsTable, unknown]> = [];
    try {
      await this.deps.db.transaction().execute(async (trx) => {
        if (batch && (await this.runBatch(trx, rows, batch, outcome))) return;
        for (const [i, row] of rows.entries()) {
          await sql`savepoint engine_job`.execute(trx);
          try {
            await withinTransaction(this.ctx, trx, this.deps.clock.now(), (uow) => this.runHandler(uow, row), () => (this.moreDue = true));
            await sql`release savepoint engine_job`.execute(trx);
            outcome[i] = true;
          } catch (err) {
            await sql`rollback to savepoint engine_job`.execute(trx);
            await sql`release savepoint engine_job`.execute(trx);
            if (!(err instanceof LeaseLost)) failures.push([row, err]);
          }
        }
      });
    } catch (err) {
      // The shared commit failed (a deadlock on PostgreSQL, say): nothing of the chunk committed, so
      // each job runs again on its own.
      this.deps.log.warn({ err: err instanceof Error ? err.message : String(err), jobs: rows.length }, 'engine chunk failed; running its jobs one by one');
      return Promise.all(rows.map((r) => this.runAlone(r)));
    }
    for (const [row, err] of failures) await this.recordFailure(row, err);
    return outcome;
  }

  /**
   * Runs a chunk of one kind through its batch handler under one savepoint, after marking done the jobs
   * this instance still holds (the others belong to someone else now). Returns false, with nothing
   * written, if the handler threw: the caller then runs the jobs one by one.
   */
  private async runBatch(trx: Tx, rows: EngineJobsTable[], batch: BatchHandler, outcome: boolean[]): Promise<boolean> {
    await sql`savepoint engine_batch`.execute(trx);
    try {
      const held = new Set(
        (
          await trx
            .updateTable('engine_jobs')
            .set({ state: 'done', done_at: iso(this.deps.clock.now()), lease_until: null, dedupe_key: null })
            .where('id', 'in', padded(rows.map((r) => r.id)))
            .where('state', '=', 'claimed')
            .where('claimed_by', '=', this.instanceId)
            .returning('id')
            .execute()
        ).map((r) => r.id),
      );
      const mine = rows.filter((r) => held.has(r.id));
      if (mine.length) await withinTransaction(this.ctx, trx, this.deps.clock.now(), (uow) => batch(uow, mine.map((r) => this.toJob(r))), () => (this.moreDue = true));
      await sql`release savepoint engine_batch`.execute(trx);
      rows.forEach((r, i) => (outcome[i] = held.has(r.id)));
      return true;
    } catch (err) {
      await sql`rollback to savepoint engine_batch`.execute(trx);
      await sql`release savepoint engine_batch`.execute(trx);
      this.deps.log.warn({ kind: rows[0]!.kind, jobs: rows.length, err: err instanceof Error ? err.message : String(err) }, 'engine batch failed; running its jobs one by one');
      return false;
    }
  }

  /** Runs one claimed job on its own (tests use it to replay a stale claim). */
  async runOne(row: EngineJobsTable): Promise<boolean> {
    const h = this.handlers.get(row.kind);
    if (!h || h.transactional) return this.runAlone(row);
    return (await this.runExternal(row, h.run as ExternalJobHandler)) && (await this.completeMany([row.id])) === 1;
  }

  private async runHandler(uow: Uow, row: EngineJobsTable): Promise<void> {
    const handler = this.handlers.get(row.kind);
    if (!handler?.transactional) throw new Error(`no transactional handler registered for job kind '${row.kind}'`);
    await this.markDone(uow, row);
    await handler.run(uow, this.toJob(row));
  }

  private async runAlone(row: EngineJobsTable): Promise<boolean> {
    try {
      await transaction(this.ctx, (uow) => this.runHandler(uow, row));
      return true;
    } catch (err) {
      if (err instanceof LeaseLost) return false;
      await this.recordFailure(row, err);
      return false;
    }
  }

  /** Returns whether the handler succeeded; the caller completes successful jobs in bulk. */
  private async runExternal(row: EngineJobsTable, run: ExternalJobHandler): Promise<boolean> {
    try {
      await run(this.ctx, this.toJob(row));
      return true;
    } catch (err) {
      await this.recordFailure(row, err);
      return false;
    }
  }

  /** Marks jobs done that this instance still holds; returns how many it completed. */
  private async completeMany(ids: string[]): Promise<number> {
    const r = await this.deps.db
      .updateTable('engine_jobs')
      .set({ state: 'done', done_at: iso(this.deps.clock.now()), lease_until: null, dedupe_key: null })
      .where('id', 'in', padded(ids))
      .where('state', '=', 'claimed')
      .where('claimed_by', '=', this.instanceId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Completes a job only if this instance still holds it; otherwise another instance owns it now. */
  private async markDone(uow: Uow, row: EngineJobsTable): Promise<void> {
    const done = await uow.db
      .updateTable('engine_jobs')
      .set({ state: 'done', done_at: iso(uow.now), lease_until: null, dedupe_key: null })
      .where('id', '=', row.id)
      .where('state', '=', 'claimed')
      .where('claimed_by', '=', this.instanceId)
      // The claim's own attempt number fences it: a later claim (even by this instance) supersedes it.
      .where('attempts', '=', row.attempts)
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) throw new LeaseLost();
  }

  private async recordFailure(row: EngineJobsTable, err: unknown): Promise<void> {
    const now = this.deps.clock.now();
    const dead = row.attempts >= row.max_attempts;
    // Exponential backoff capped at 10 minutes: 1s, 2s, 4s, ...
    const backoffMs = Math.min(600_000, 1000 * 2 ** Math.max(0, row.attempts - 1));
    const message = err instanceof Error ? err.message : String(err);
    this.deps.log.warn({ job: row.id, kind: row.kind, attempt: row.attempts, dead, err: message }, 'engine job failed');
    await this.deps.db
      .updateTable('engine_jobs')
      .set({
        state: dead ? 'dead' : 'pending',
        due_at: dead ? row.due_at : iso(addMs(now, backoffMs)),
        last_error: message.slice(0, 2000),
        lease_until: null,
        claimed_by: null,
        done_at: dead ? iso(now) : null,
        ...(dead ? { dedupe_key: null } : {}),
      })
      .where('id', '=', row.id)
      // Only this very claim: another pass (of this instance, too) may have taken the job over and
      // completed it meanwhile, and must not see it reopened.
      .where('state', '=', 'claimed')
      .where('claimed_by', '=', this.instanceId)
      .where('attempts', '=', row.attempts)
      .execute();
  }

  /**
   * Starts the passes. Two run at once: while one pass waits on receivers (a batch of webhooks) or on
   * database round trips, the other claims and runs the next jobs, so due timers are not held up by a
   * batch of pages in flight.
   */
  start(): void {
    if (this.running) return;
    this.stopped = false;
    this.running = Promise.all(Array.from({ length: PASSES_IN_FLIGHT }, () => this.loop())).then(() => undefined);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let claimed = 0;
      try {
        claimed = (await this.pass()).claimed;
      } catch (err) {
        this.deps.log.error({ err: err instanceof Error ? err.message : String(err) }, 'engine pass failed');
      }
      // A full batch means more work is waiting, and a pass that scheduled jobs due now has follow-up
      // work: go again at once instead of sleeping.
      const more = this.moreDue;
      this.moreDue = false;
      if (!this.stopped && claimed < this.batchSize && !more) await this.sleep(this.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  /** Cuts the current sleeps short, e.g. after an outbox message was committed. */
  wake(): void {
    for (const done of [...this.sleepers]) done();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.running;
    this.running = null;
  }
}

class LeaseLost extends Error {}

export async function jobCounts(deps: AppDeps): Promise<Record<string, number>> {
  const rows = await deps.db
    .selectFrom('engine_jobs')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('state')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}
