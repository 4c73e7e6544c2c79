import type { EventBus, DomainEvent } from '../../../core/events.js';
import { newId } from '../../../core/ids.js';
import { fromJson } from '../../../core/json.js';
import { addMs, iso } from '../../../core/time.js';
import type { Uow } from '../../../core/uow.js';
import type { Engine, Job } from '../../../engine/engine.js';
import { cancelJobs, type JobSpec } from '../../../engine/jobs.js';
import { insertRows, updateRows } from '../../../db/bulk.js';
import type { EscalationTables } from './tables.js';

type EscalationsTable = EscalationTables['escalations'];
import { usersOnCall } from '../schedules/services.js';
import type { Level } from './policies.js';

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
  engine.register(STEP, (uow, job) => step(uow, job, pager));
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

/** How pages reach people (the notifications module), kept behind this seam so escalation stays small. */
export interface Pager {
  page(uow: Uow, p: { userId: string; groupId: string; serviceId: string; level: number; loop: number; generation: number }): Promise<void>;
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
  if (starts.length) await startMany(uow, starts);
}

async function startMany(uow: Uow, starts: Array<{ groupId: string; serviceId: string }>): Promise<void> {
  const policyOf = new Map<string, string>();
  const groupIds: string[] = [];
  for (const part of chunks([...new Set(starts.map((s) => s.serviceId))])) {
    const rows = await uow.db.selectFrom('service_escalation_policies').select(['service_id', 'policy_id']).where('service_id', 'in', part).execute();
    for (const r of rows) policyOf.set(r.service_id, r.policy_id);
  }
  const wanted = starts.filter((s) => policyOf.has(s.serviceId));
  if (wanted.length === 0) return;
  const existing = new Map<string, EscalationsTable>();
  for (const part of chunks(wanted.map((s) => s.groupId))) {
    for (const r of await uow.db.selectFrom('escalations').selectAll().where('alert_group_id', 'in', part).execute()) existing.set(r.alert_group_id, r);
  }
  const now = iso(uow.now);
  const restarts: EscalationsTable[] = [];
  const fresh: EscalationsTable[] = [];
  const jobs: JobSpec[] = [];
  for (const { groupId, serviceId } of wanted) {
    const policyId = policyOf.get(serviceId)!;
    const prev = existing.get(groupId);
    const generation = prev ? prev.generation + 1 : 1;
    const run = { policy_id: policyId, generation, status: 'active', level: 0, loop: 0, next_step_at: now, updated_at: now, stop_reason: null };
    if (prev) restarts.push({ ...prev, ...run });
    else fresh.push({ id: newId(uow.now.getTime()), alert_group_id: groupId, service_id: serviceId, started_at: now, ...run });
    groupIds.push(groupId);
    jobs.push({ kind: STEP, key: stepKey(groupId, generation), payload: { group_id: groupId, generation, level: 0, loop: 0 } });
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
  await uow.scheduleMany(jobs);
}

const chunks = <T>(items: T[], size = 500): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

async function stop(uow: Uow, groupId: string, reason: string, pager: Pager): Promise<void> {
  const run = await uow.db.selectFrom('escalations').selectAll().where('alert_group_id', '=', groupId).executeTakeFirst();
  if (!run || run.status !== 'active') return;
  await cancelJobs(uow.db, uow.now, [stepKey(groupId, run.generation)]);
  await uow.db.updateTable('escalations').set({ status: 'stopped', stop_reason: reason, next_step_at: null, updated_at: iso(uow.now) }).where('id', '=', run.id).execute();
  await pager.cancel(uow, groupId);
  await uow.emit('escalation.stopped', 'alert_group', groupId, { reason, level: run.level, loop: run.loop });
}

async function step(uow: Uow, job: Job, pager: Pager): Promise<void> {
  const groupId = String(job.payload.group_id);
  const generation = Number(job.payload.generation);
  const level = Number(job.payload.level);
  const loop = Number(job.payload.loop);
  const run = await uow.db.selectFrom('escalations').selectAll().where('alert_group_id', '=', groupId).executeTakeFirst();
  if (!run || run.status !== 'active' || run.generation !== generation || run.level !== level || run.loop !== loop) return;
  const group = await uow.db.selectFrom('alert_groups').select(['status', 'open_count', 'silenced_count']).where('id', '=', groupId).executeTakeFirst();
  // Belt and braces: the ack/resolve subscriber already stops the run in the same transaction.
  if (!group || group.status !== 'triggered') return stop(uow, groupId, group?.status ?? 'gone', pager);
  if (group.open_count > 0 && group.silenced_count >= group.open_count) return stop(uow, groupId, 'silenced', pager);
  const policy = await uow.db.selectFrom('escalation_policies').select(['levels', 'repeat']).where('id', '=', run.policy_id).executeTakeFirst();
  const levels = fromJson<Level[]>(policy?.levels, []);
  const current = levels[level];
  if (!policy || !current) return stop(uow, groupId, 'policy changed', pager);

  const userIds = new Set<string>();
  for (const t of current.targets) {
    if (t.type === 'user') userIds.add(t.id);
    else for (const u of await usersOnCall(uow.db, t.id, uow.now).catch(() => [])) userIds.add(u.id);
  }
  for (const userId of userIds) await pager.page(uow, { userId, groupId, serviceId: run.service_id, level, loop, generation });
  await uow.emit('escalation.paged', 'alert_group', groupId, { level, loop, users: [...userIds], empty: userIds.size === 0 });

  let nextLevel = level + 1;
  let nextLoop = loop;
  if (nextLevel >= levels.length) {
    nextLevel = 0;
    nextLoop = loop + 1;
  }
  if (nextLoop > policy.repeat) {
    await uow.db.updateTable('escalations').set({ status: 'exhausted', next_step_at: null, updated_at: iso(uow.now) }).where('id', '=', run.id).execute();
    await uow.emit('escalation.exhausted', 'alert_group', groupId, { loops: loop + 1 });
    return;
  }
  const dueAt = addMs(uow.now, current.delay_minutes * 60_000);
  await uow.db.updateTable('escalations').set({ level: nextLevel, loop: nextLoop, next_step_at: iso(dueAt), updated_at: iso(uow.now) }).where('id', '=', run.id).execute();
  await uow.schedule({ kind: STEP, key: stepKey(groupId, generation), dueAt, payload: { group_id: groupId, generation, level: nextLevel, loop: nextLoop } });
}
