import os from 'node:os';
import { sql } from 'kysely';
import type { AppDeps, Ctx } from '../core/context.js';
import { SYSTEM } from '../core/actor.js';
import { newId } from '../core/ids.js';
import { fromJson } from '../core/json.js';
import { addMs, iso } from '../core/time.js';
import { transaction, type Uow } from '../core/uow.js';
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

type Registered = { transactional: true; run: JobHandler } | { transactional: false; run: ExternalJobHandler };

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
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private wakeUp: (() => void) | null = null;
  /** Observed scheduling lag of the last jobs run (ms), for metrics. */
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
  }

  register(kind: string, handler: JobHandler): void {
    if (this.handlers.has(kind)) throw new Error(`engine: handler for '${kind}' already registered`);
    this.handlers.set(kind, { transactional: true, run: handler });
  }

  registerExternal(kind: string, handler: ExternalJobHandler): void {
    if (this.handlers.has(kind)) throw new Error(`engine: handler for '${kind}' already registered`);
    this.handlers.set(kind, { transactional: false, run: handler });
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

  async pass(): Promise<PassResult> {
    const jobs = await this.claim();
    const result: PassResult = { claimed: jobs.length, done: 0, failed: 0 };
    const now = this.deps.clock.now().getTime();
    const metrics = this.deps.metrics;
    // Several lanes: a job waiting on the network (a webhook, SMTP) must not hold up the rest of the
    // batch, and on PostgreSQL independent jobs commit in parallel over the pool. SQLite still commits
    // one transaction at a time; only the waiting overlaps there.
    let next = 0;
    const lane = async () => {
      while (next < jobs.length) {
        const row = jobs[next++]!;
        this.lastLagMs = Math.max(0, now - Date.parse(row.due_at));
        metrics.engineLag.set(this.lastLagMs / 1000);
        if (await this.runOne(row)) {
          result.done++;
          metrics.engineJobs.inc({ outcome: 'done' });
        } else {
          result.failed++;
          metrics.engineJobs.inc({ outcome: 'failed_or_lost' });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, jobs.length) }, lane));
    return result;
  }

  private async claim(): Promise<EngineJobsTable[]> {
    const { db, dialect, clock } = this.deps;
    const now = iso(clock.now());
    const leaseUntil = iso(addMs(clock.now(), this.leaseMs));
    // Only kinds this instance can run: during a rolling upgrade an old instance must not claim (and
    // eventually kill) jobs that only the new version knows.
    const kinds = [...this.handlers.keys()];
    if (kinds.length === 0) return [];
    const due = dialect.lockForClaim(
      db
        .selectFrom('engine_jobs')
        .select('id')
        .where('kind', 'in', kinds)
        .where((eb) =>
          eb.or([
            eb.and([eb('state', '=', 'pending'), eb('due_at', '<=', now)]),
            eb.and([eb('state', '=', 'claimed'), eb('lease_until', '<', now)]),
          ]),
        )
        .orderBy('due_at')
        .limit(this.batchSize),
    );
    return db
      .updateTable('engine_jobs')
      .set({
        state: 'claimed',
        claimed_by: this.instanceId,
        lease_until: leaseUntil,
        attempts: sql<number>`attempts + 1`,
      })
      .where('id', 'in', due)
      .returningAll()
      .execute();
  }

  private async runOne(row: EngineJobsTable): Promise<boolean> {
    const job: Job = {
      id: row.id,
      kind: row.kind,
      key: row.dedupe_key,
      dueAt: new Date(row.due_at),
      attempt: row.attempts,
      payload: fromJson(row.payload, {}),
    };
    const handler = this.handlers.get(row.kind);
    const complete = (uow: Uow) => this.markDone(uow, row.id);
    try {
      if (!handler) throw new Error(`no handler registered for job kind '${row.kind}'`);
      if (handler.transactional) {
        await transaction(this.ctx, async (uow) => {
          await complete(uow);
          await handler.run(uow, job);
        });
      } else {
        // Release the key first, so the handler can arm a follow-up job under the same key.
        await transaction(this.ctx, async (uow) => {
          const held = await uow.db
            .updateTable('engine_jobs')
            .set({ dedupe_key: null })
            .where('id', '=', row.id)
            .where('state', '=', 'claimed')
            .where('claimed_by', '=', this.instanceId)
            .executeTakeFirst();
          if (Number(held.numUpdatedRows) !== 1) throw new LeaseLost();
        });
        await handler.run(this.ctx, job);
        await transaction(this.ctx, complete);
      }
      return true;
    } catch (err) {
      if (err instanceof LeaseLost) return false;
      await this.recordFailure(row, err);
      return false;
    }
  }

  /** Completes a job only if this instance still holds it; otherwise another instance owns it now. */
  private async markDone(uow: Uow, id: string): Promise<void> {
    const done = await uow.db
      .updateTable('engine_jobs')
      .set({ state: 'done', done_at: iso(uow.now), lease_until: null, dedupe_key: null })
      .where('id', '=', id)
      .where('state', '=', 'claimed')
      .where('claimed_by', '=', this.instanceId)
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
      .where('claimed_by', '=', this.instanceId)
      .execute();
  }

  start(): void {
    if (this.running) return;
    this.stopped = false;
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let claimed = 0;
      try {
        claimed = (await this.pass()).claimed;
      } catch (err) {
        this.deps.log.error({ err: err instanceof Error ? err.message : String(err) }, 'engine pass failed');
      }
      // A full batch means more work is waiting: go again at once instead of sleeping.
      if (!this.stopped && claimed < this.batchSize) await this.sleep(this.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }

  /** Cuts the current sleep short, e.g. after an outbox message was committed. */
  wake(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wakeUp?.();
    this.wakeUp = null;
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
