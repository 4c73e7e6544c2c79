import { actorLabel, actorUserId } from './actor.js';
import type { Ctx, Tx } from './context.js';
import { constraintViolation } from '../db/dialect.js';
import { AppError, errors } from './errors.js';
import { newId } from './ids.js';
import { toJson } from './json.js';
import { iso } from './time.js';
import { scheduleJob, type JobSpec } from '../engine/jobs.js';

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
  emit(type: string, subjectType: string, subjectId: string, payload?: Record<string, unknown>): Promise<void>;
  schedule(job: JobSpec): Promise<void>;
}

/**
 * Runs `fn` in a transaction. Constraint violations that a service did not anticipate still become
 * client errors (409) rather than 500s, because they mean "the data you sent clashes with what exists".
 */
export async function transaction<T>(ctx: Ctx, fn: (uow: Uow) => Promise<T>): Promise<T> {
  const now = ctx.deps.clock.now();
  try {
    return await ctx.deps.db.transaction().execute(async (db) => {
      const uow: Uow = {
        db,
        now,
        ctx,
        audit: (entry) => writeAudit(db, ctx, now, entry),
        emit: async (type, subjectType, subjectId, payload = {}) => {
          const at = iso(now);
          await db.insertInto('events').values({ at, type, subject_type: subjectType, subject_id: subjectId, payload: toJson(payload) }).execute();
          await ctx.deps.bus.dispatch(uow, { type, subjectType, subjectId, payload, at });
        },
        schedule: (job) => scheduleJob(db, now, job),
      };
      return fn(uow);
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    const kind = constraintViolation(err);
    if (kind === 'unique') throw errors.conflict('A record with the same unique value already exists');
    if (kind === 'foreign_key') throw errors.conflict('The change refers to, or is still referenced by, another record');
    if (kind === 'check') throw errors.badRequest('A value is outside its allowed range');
    throw err;
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
