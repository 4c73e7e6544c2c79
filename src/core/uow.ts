import { sql } from 'kysely';
import { actorLabel, actorUserId } from './actor.js';
import type { Ctx, Tx } from './context.js';
import { constraintViolation } from '../db/dialect.js';
import { AppError, errors } from './errors.js';
import { newId } from './ids.js';
import { toJson } from './json.js';
import { iso } from './time.js';
import { scheduleJobs, type JobSpec } from '../engine/jobs.js';
import type { DomainEvent } from './events.js';
import { insertRows } from '../db/bulk.js';

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId: string;
  before?: unknown;
  after?: unknown;
}

/**
 * A unit of work: one database transaction plus the things every change must do inside it
 * (audit, domain event, scheduling). Services receive it from `transaction()`.
 */
export interface Uow {
  readonly db: Tx;
  readonly now: Date;
  readonly ctx: Ctx;
  audit(entry: AuditEntry): Promise<void>;
  /** Queues a domain event; written and dispatched to subscribers just before commit. */
  emit(type: string, subjectType: string, subjectId: string, payload?: Record<string, unknown>): Promise<void>;
  schedule(job: JobSpec): Promise<void>;
  /** Bulk form of `schedule` (one statement per few hundred jobs). */
  scheduleMany(jobs: JobSpec[]): Promise<void>;
  /**
   * Runs `fn` under a savepoint: if it throws, its writes and the events it emitted are undone and the
   * error is rethrown, while the rest of the transaction can still commit.
   */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * Runs `fn` in a transaction. Constraint violations that a service did not anticipate still become
 * client errors (409) rather than 500s, because they mean "the data you sent clashes with what exists".
 */
export async function transaction<T>(ctx: Ctx, fn: (uow: Uow) => Promise<T>): Promise<T> {
  const now = ctx.deps.clock.now();
  try {
    let dueNow = false;
    const result = await ctx.deps.db.transaction().execute((db) => withinTransaction(ctx, db, now, fn, () => (dueNow = true)));
    // Committed: the engine can run the new jobs at once instead of at its next poll.
    if (dueNow) ctx.deps.engineSignal.notify();
    return result;
  } catch (err) {
    if (err instanceof AppError) throw err;
    const kind = constraintViolation(err);
    if (kind === 'unique') throw errors.conflict('A record with the same unique value already exists');
    if (kind === 'foreign_key') throw errors.conflict('The change refers to, or is still referenced by, another record');
    if (kind === 'check') throw errors.badRequest('A value is outside its allowed range');
    throw err;
  }
}

/**
 * A unit of work inside a transaction someone else opened and will commit (the engine runs a batch of
 * jobs in one transaction, each under its own savepoint). Audit, events and subscribers behave exactly
 * as in `transaction()`.
 */
export async function withinTransaction<T>(ctx: Ctx, db: Tx, now: Date, fn: (uow: Uow) => Promise<T>, onJobDueNow?: () => void): Promise<T> {
  const pending: DomainEvent[] = [];
  let savepoints = 0;
  const uow: Uow = {
    db,
    now,
    ctx,
    audit: (entry) => writeAudit(db, ctx, now, entry),
    emit: async (type, subjectType, subjectId, payload = {}) => {
      pending.push({ type, subjectType, subjectId, payload, at: iso(now) });
    },
    schedule: (job) => uow.scheduleMany([job]),
    scheduleMany: (jobs) => {
      if (jobs.some((job) => !job.dueAt || job.dueAt.getTime() <= now.getTime())) onJobDueNow?.();
      return scheduleJobs(db, ctx.deps.dialect, now, jobs);
    },
    savepoint: async (inner) => {
      const name = sql.raw(`uow_${++savepoints}`);
      const emitted = pending.length;
      await sql`savepoint ${name}`.execute(db);
      try {
        const result = await inner();
        await sql`release savepoint ${name}`.execute(db);
        return result;
      } catch (err) {
        await sql`rollback to savepoint ${name}`.execute(db);
        await sql`release savepoint ${name}`.execute(db);
        pending.length = emitted;
        throw err;
      }
    },
  };
  const result = await fn(uow);
  await flushEvents(uow, pending);
  return result;
}

/**
 * Events are written in bulk just before commit (one INSERT per 500 instead of one per event, which
 * matters for alert ingest), then handed to in-transaction subscribers, which may emit more.
 */
async function flushEvents(uow: Uow, pending: DomainEvent[]): Promise<void> {
  while (pending.length) {
    const batch = pending.splice(0, pending.length);
    await insertRows(
      uow.db,
      uow.ctx.deps.dialect,
      'events',
      batch.map((e) => ({ at: e.at, type: e.type, subject_type: e.subjectType, subject_id: e.subjectId, payload: toJson(e.payload) })),
    );
    await uow.ctx.deps.bus.dispatchAll(uow, batch);
  }
}

async function writeAudit(db: Tx, ctx: Ctx, now: Date, e: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: newId(now.getTime()),
      at: iso(now),
      actor_type: ctx.actor.kind,
      actor_id: actorUserId(ctx.actor),
      actor_label: actorLabel(ctx.actor),
      action: e.action,
      target_type: e.targetType,
      target_id: e.targetId,
      before: e.before === undefined ? null : toJson(e.before),
      after: e.after === undefined ? null : toJson(e.after),
      request_id: ctx.requestId ?? null,
    })
    .execute();
}
