import type { EventBus, DomainEvent } from '../../../core/events.js';
import { newId } from '../../../core/ids.js';
import { fromJson } from '../../../core/json.js';
import { addMs, iso } from '../../../core/time.js';
import type { Uow } from '../../../core/uow.js';
import type { Engine, Job } from '../../../engine/engine.js';
import { cancelJobs } from '../../../engine/jobs.js';
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
  bus.on('alert_group.triggered', (uow, e) => start(uow, e));
  bus.on('alert_group.acknowledged', (uow, e) => stop(uow, e.subjectId, 'acknowledged', pager));
  bus.on('alert_group.resolved', (uow, e) => stop(uow, e.subjectId, 'resolved', pager));
  engine.register(STEP, (uow, job) => step(uow, job, pager));
}

/** How pages reach people (the notifications module), kept behind this seam so escalation stays small. */
export interface Pager {
  page(uow: Uow, p: { userId: string; groupId: string; serviceId: string; level: number; loop: number; generation: number }): Promise<void>;
  /** Stops notifications still waiting (delayed notification rules) once the group is handled. */
  cancel(uow: Uow, groupId: string): Promise<void>;
}

async function start(uow: Uow, e: DomainEvent): Promise<void> {
  if (e.payload.silenced) return;
  const groupId = e.subjectId;
  const serviceId = String(e.payload.service_id);
  const assignment = await uow.db.selectFrom('service_escalation_policies').select('policy_id').where('service_id', '=', serviceId).executeTakeFirst();
  if (!assignment) return;
  const existing = await uow.db.selectFrom('escalations').selectAll().where('alert_group_id', '=', groupId).executeTakeFirst();
  const now = iso(uow.now);
  let generation = 1;
  if (existing) {
    if (existing.status === 'active') await cancelJobs(uow.db, uow.now, [stepKey(groupId, existing.generation)]);
    generation = existing.generation + 1;
    await uow.db
      .updateTable('escalations')
      .set({ policy_id: assignment.policy_id, generation, status: 'active', level: 0, loop: 0, next_step_at: now, updated_at: now, stop_reason: null })
      .where('id', '=', existing.id)
      .execute();
  } else {
    await uow.db
      .insertInto('escalations')
      .values({
        id: newId(uow.now.getTime()),
        alert_group_id: groupId,
        service_id: serviceId,
        policy_id: assignment.policy_id,
        generation,
        status: 'active',
        level: 0,
        loop: 0,
        next_step_at: now,
        started_at: now,
        updated_at: now,
        stop_reason: null,
      })
      .execute();
  }
  await uow.schedule({ kind: STEP, key: stepKey(groupId, generation), payload: { group_id: groupId, generation, level: 0, loop: 0 } });
}

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
