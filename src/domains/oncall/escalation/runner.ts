import type { EventBus, DomainEvent } from '../../../core/events.js';
import { newId } from '../../../core/ids.js';
import { fromJson } from '../../../core/json.js';
import { addMs, iso } from '../../../core/time.js';
import type { Uow } from '../../../core/uow.js';
import type { Engine, Job } from '../../../engine/engine.js';
import { cancelJobs, type JobSpec } from '../../../engine/jobs.js';
import { insertRows, updateRows, whereIn } from '../../../db/bulk.js';
import { usersOnCall } from '../schedules/services.js';
import type { Level } from './policies.js';
import type { EscalationTables } from './tables.js';

type EscalationsTable = EscalationTables['escalations'];

const STEP = 'escalation.step';
const stepKey = (groupId: string, generation: number) => `escalation:${groupId}:${generation}`;

/**
 * Escalation is a chain of durable timers, one live step per alert group. Each step pages its level's
 * targets and arms the next step; acknowledging or resolving the group stops the chain. Steps carry the
 * run's generation, so a restart (acknowledgement timeout) makes any step of the older run a no-op, and
 * the engine commits each step exactly once even with several instances.
 */
export function registerEscalation(bus: EventBus, engine: Engine, pager: Pager): void {
  bus.onBatch(['alert_group.triggered', 'alert_group.acknowledged', 'alert_group.resolved'], (uow, events) => follow(uow, events, pager));
  const payloadOf = (job: Job): Step => ({
    group_id: String(job.payload.group_id),
    generation: Number(job.payload.generation),
    level: Number(job.payload.level),
    loop: Number(job.payload.loop),
  });
  engine.register(STEP, (uow, job) => runSteps(uow, [payloadOf(job)], pager), { batch: (uow, jobs) => runSteps(uow, jobs.map(payloadOf), pager) });
}

/**
 * Runs an active escalation's pending step now instead of after its level's delay (a missed incident
 * response target escalates). The step keeps its generation, level and loop, so it stays exactly-once.
 */
export async function advanceEscalationNow(uow: Uow, run: { alert_group_id: string; generation: number; level: number; loop: number }): Promise<void> {
  const key = stepKey(run.alert_group_id, run.generation);
  await cancelJobs(uow.db, uow.now, [key]);
  await uow.schedule({ kind: STEP, key, payload: { group_id: run.alert_group_id, generation: run.generation, level: run.level, loop: run.loop } });
}

export interface Page {
  userId: string;
  groupId: string;
  serviceId: string;
  level: number;
  loop: number;
  generation: number;
}

/** How pages reach people (the notifications module), kept behind this seam so escalation stays small. */
export interface Pager {
  pageMany(uow: Uow, pages: Page[]): Promise<void>;
  /** Stops notifications still waiting (delayed notification rules) once the group is handled. */
  cancel(uow: Uow, groupId: string): Promise<void>;
}

/**
 * Follows a batch of group lifecycle events (an ingest batch can carry hundreds). Only each group's
 * last event counts: triggered starts (or restarts) its escalation, acknowledged or resolved stops it.
 * Starts are set-based: a handful of statements for the whole batch.
 */
async function follow(uow: Uow, events: DomainEvent[], pager: Pager): Promise<void> {
  const last = new Map<string, DomainEvent>();
  // A silenced trigger neither starts nor stops anything.
  for (const e of events) if (!(e.type === 'alert_group.triggered' && e.payload.silenced)) last.set(e.subjectId, e);
  const starts: Array<{ groupId: string; serviceId: string }> = [];
  for (const [groupId, e] of last) {
    if (e.type === 'alert_group.triggered') starts.push({ groupId, serviceId: String(e.payload.service_id) });
    else await stop(uow, groupId, e.type === 'alert_group.acknowledged' ? 'acknowledged' : 'resolved', pager);
  }
  if (starts.length) await startMany(uow, starts, pager);
}

async function startMany(uow: Uow, starts: Array<{ groupId: string; serviceId: string }>, pager: Pager): Promise<void> {
  const policyOf = new Map(
    (await whereIn(starts.map((s) => s.serviceId), (part) => uow.db.selectFrom('service_escalation_policies').select(['service_id', 'policy_id']).where('service_id', 'in', part).execute())).map((r) => [
      r.service_id,
      r.policy_id,
    ]),
  );
  const wanted = starts.filter((s) => policyOf.has(s.serviceId));
  if (wanted.length === 0) return;
  const existing = new Map(
    (await whereIn(wanted.map((s) => s.groupId), (part) => uow.db.selectFrom('escalations').selectAll().where('alert_group_id', 'in', part).execute())).map((r) => [r.alert_group_id, r]),
  );
  const now = iso(uow.now);
  const restarts: EscalationsTable[] = [];
  const fresh: EscalationsTable[] = [];
  const steps: Step[] = [];
  for (const { groupId, serviceId } of wanted) {
    const policyId = policyOf.get(serviceId)!;
    const prev = existing.get(groupId);
    const generation = prev ? prev.generation + 1 : 1;
    const run = { policy_id: policyId, generation, status: 'active', level: 0, loop: 0, next_step_at: now, updated_at: now, stop_reason: null };
    if (prev) restarts.push({ ...prev, ...run });
    else fresh.push({ id: newId(uow.now.getTime()), alert_group_id: groupId, service_id: serviceId, started_at: now, ...run });
    steps.push({ group_id: groupId, generation, level: 0, loop: 0 });
  }
  const active = [...existing.values()].filter((r) => r.status === 'active');
  await cancelJobs(uow.db, uow.now, active.map((r) => stepKey(r.alert_group_id, r.generation)));
  const { dialect } = uow.ctx.deps;
  await updateRows(uow.db, dialect, 'escalations', ['policy_id', 'generation', 'status', 'level', 'loop', 'next_step_at', 'updated_at', 'stop_reason'], restarts, [
    'generation',
    'level',
    'loop',
  ]);
  await insertRows(uow.db, dialect, 'escalations', fresh);
  const timers = steps.map((s): JobSpec => ({ kind: STEP, key: stepKey(s.group_id, s.generation), payload: { ...s } }));
  // Level 0 pages in this transaction: no timer round trip (a job to insert, claim, re-read and
  // complete) between an alert and its first page. Measured on both databases with the engine on its own
  // thread, this costs less in all and pages sooner than a level-0 timer. If paging here fails, the steps
  // become timers, so the alerts themselves still commit.
  try {
    await uow.savepoint(() => runSteps(uow, steps, pager));
  } catch (err) {
    uow.ctx.deps.log.warn({ err: err instanceof Error ? err.message : String(err), groups: steps.length }, 'escalation: paging level 0 at once failed; scheduling it');
    await uow.scheduleMany(timers);
  }
}

async function stop(uow: Uow, groupId: string, reason: string, pager: Pager): Promise<void> {
  const run = await uow.db.selectFrom('escalations').selectAll().where('alert_group_id', '=', groupId).executeTakeFirst();
  if (!run || run.status !== 'active') return;
  await cancelJobs(uow.db, uow.now, [stepKey(groupId, run.generation)]);
  await uow.db.updateTable('escalations').set({ status: 'stopped', stop_reason: reason, next_step_at: null, updated_at: iso(uow.now) }).where('id', '=', run.id).execute();
  await pager.cancel(uow, groupId);
  await uow.emit('escalation.stopped', 'alert_group', groupId, { reason, level: run.level, loop: run.loop });
}

/** One escalation step: which run, level and loop it belongs to (a stale step is a no-op). */
interface Step {
  group_id: string;
  generation: number;
  level: number;
  loop: number;
}

/**
 * Runs escalation steps: pages each step's level, then arms the next level or marks the run
 * exhausted. Set-based, so the level 0 of an ingest batch and a burst of due timers cost a handful of
 * statements however many groups they cover.
 */
async function runSteps(uow: Uow, steps: Step[], pager: Pager): Promise<void> {
  const db = uow.db;
  const runs = new Map((await whereIn(steps.map((s) => s.group_id), (part) => db.selectFrom('escalations').selectAll().where('alert_group_id', 'in', part).execute())).map((r) => [r.alert_group_id, r]));
  const current = steps.filter((s) => {
    const run = runs.get(s.group_id);
    return run && run.status === 'active' && run.generation === s.generation && run.level === s.level && run.loop === s.loop;
  });
  if (current.length === 0) return;
  const groups = new Map(
    (await whereIn(current.map((s) => s.group_id), (part) => db.selectFrom('alert_groups').select(['id', 'status', 'open_count', 'silenced_count']).where('id', 'in', part).execute())).map((g) => [g.id, g]),
  );
  const policies = new Map(
    (await whereIn(current.map((s) => runs.get(s.group_id)!.policy_id), (part) => db.selectFrom('escalation_policies').select(['id', 'levels', 'repeat']).where('id', 'in', part).execute())).map((p) => [
      p.id,
      { levels: fromJson<Level[]>(p.levels, []), repeat: p.repeat },
    ]),
  );
  const onCall = new Map<string, string[]>();
  const usersOf = async (scheduleId: string) => {
    let ids = onCall.get(scheduleId);
    if (!ids) {
      ids = (await usersOnCall(db, scheduleId, uow.now).catch(() => [])).map((u) => u.id);
      onCall.set(scheduleId, ids);
    }
    return ids;
  };
  const now = iso(uow.now);
  const pages: Page[] = [];
  const advanced: EscalationsTable[] = [];
  const next: JobSpec[] = [];
  for (const s of current) {
    const run = runs.get(s.group_id)!;
    const group = groups.get(s.group_id);
    // Belt and braces: the ack/resolve subscriber already stops the run in the same transaction.
    if (!group || group.status !== 'triggered') {
      await stop(uow, s.group_id, group?.status ?? 'gone', pager);
      continue;
    }
    if (group.open_count > 0 && group.silenced_count >= group.open_count) {
      await stop(uow, s.group_id, 'silenced', pager);
      continue;
    }
    const policy = policies.get(run.policy_id);
    const level = policy?.levels[s.level];
    if (!policy || !level) {
      await stop(uow, s.group_id, 'policy changed', pager);
      continue;
    }
    const userIds = new Set<string>();
    for (const t of level.targets) {
      if (t.type === 'user') userIds.add(t.id);
      else for (const id of await usersOf(t.id)) userIds.add(id);
    }
    for (const userId of userIds) pages.push({ userId, groupId: s.group_id, serviceId: run.service_id, level: s.level, loop: s.loop, generation: s.generation });
    await uow.emit('escalation.paged', 'alert_group', s.group_id, { level: s.level, loop: s.loop, users: [...userIds], empty: userIds.size === 0 });

    let nextLevel = s.level + 1;
    let nextLoop = s.loop;
    if (nextLevel >= policy.levels.length) {
      nextLevel = 0;
      nextLoop = s.loop + 1;
    }
    if (nextLoop > policy.repeat) {
      advanced.push({ ...run, status: 'exhausted', next_step_at: null, updated_at: now });
      await uow.emit('escalation.exhausted', 'alert_group', s.group_id, { loops: s.loop + 1 });
      continue;
    }
    const dueAt = addMs(uow.now, level.delay_minutes * 60_000);
    advanced.push({ ...run, level: nextLevel, loop: nextLoop, next_step_at: iso(dueAt), updated_at: now });
    next.push({ kind: STEP, key: stepKey(s.group_id, s.generation), dueAt, payload: { group_id: s.group_id, generation: s.generation, level: nextLevel, loop: nextLoop } });
  }
  await pager.pageMany(uow, pages);
  await updateRows(db, uow.ctx.deps.dialect, 'escalations', ['status', 'level', 'loop', 'next_step_at', 'updated_at'], advanced, ['level', 'loop']);
  await uow.scheduleMany(next);
}
