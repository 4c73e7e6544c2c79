import { actorLabel } from '../../core/actor.js';
import type { AppDeps } from '../../core/context.js';
import type { DomainEvent, EventBus } from '../../core/events.js';
import { iso } from '../../core/time.js';
import { groupBy, whereIn } from '../../db/bulk.js';
import type { Uow } from '../../core/uow.js';
import type { Engine } from '../../engine/engine.js';
import { registerHandoffContributor } from '../oncall/handoff/services.js';
import { incidentsHandoffSection } from './handoff.js';
import { incidentRef } from './model.js';
import { ACK_TIMER, armResponseTimers, MITIGATE_TIMER, onTargetTimer } from './timers.js';
import { addTimelineEntry } from './timeline.js';

let handoffRegistered = false;

/** Engine job handlers and event subscribers of this module; called once per process by registerJobs (src/jobs.ts). */
export function registerIncidentJobs(engine: Engine, bus: EventBus): void {
  engine.register(ACK_TIMER, (uow, job) => onTargetTimer(uow, job, 'acknowledge'));
  engine.register(MITIGATE_TIMER, (uow, job) => onTargetTimer(uow, job, 'mitigate'));
  bus.onBatch(['escalation.paged'], onEscalationsPaged);
  bus.on('alert_group.acknowledged', onGroupAcknowledged);
  // The contributor list is process-wide (several apps may run in one test process): register once.
  if (!handoffRegistered) {
    handoffRegistered = true;
    registerHandoffContributor(incidentsHandoffSection);
  }
}

/** Nothing recurring: the response-target timers are armed per incident. */
export async function armIncidentJobs(_deps: AppDeps): Promise<void> {}

async function openIncidentsOfGroup(uow: Uow, groupId: string) {
  return uow.db
    .selectFrom('incident_alert_groups as l')
    .innerJoin('incidents as i', 'i.id', 'l.incident_id')
    .selectAll('i')
    .where('l.alert_group_id', '=', groupId)
    .where('i.status', '<>', 'resolved')
    .execute();
}

/**
 * Pages the escalation machinery sends for a linked alert group land on the incident's timeline. A page
 * storm arrives as one batch, and almost none of its groups belong to an incident: one lookup for all.
 */
async function onEscalationsPaged(uow: Uow, events: DomainEvent[]): Promise<void> {
  const links = await whereIn(events.map((e) => e.subjectId), (part) =>
    uow.db
      .selectFrom('incident_alert_groups as l')
      .innerJoin('incidents as i', 'i.id', 'l.incident_id')
      .select(['l.alert_group_id', 'i.id'])
      .where('l.alert_group_id', 'in', part)
      .where('i.status', '<>', 'resolved')
      .execute(),
  );
  const incidentsOf = groupBy(links, (l) => l.alert_group_id);
  for (const e of events) {
    const incidents = incidentsOf.get(e.subjectId);
    if (incidents) await onEscalationPaged(uow, e, incidents.map((l) => l.id));
  }
}

async function onEscalationPaged(uow: Uow, e: DomainEvent, incidentIds: string[]): Promise<void> {
  const userIds = Array.isArray(e.payload.users) ? (e.payload.users as string[]) : [];
  const users = userIds.length ? await uow.db.selectFrom('users').select(['id', 'email']).where('id', 'in', userIds).execute() : [];
  const group = await uow.db.selectFrom('alert_groups as g').innerJoin('services as s', 's.id', 'g.service_id').select(['s.name']).where('g.id', '=', e.subjectId).executeTakeFirst();
  const level = Number(e.payload.level ?? 0) + 1;
  const loop = Number(e.payload.loop ?? 0);
  const who = users.length ? users.map((u) => u.email).join(', ') : 'nobody (no one on call)';
  for (const id of incidentIds) {
    await addTimelineEntry(uow, id, {
      kind: 'page_sent',
      summary: `Paged ${who} via ${group?.name ?? 'service'} escalation level ${level}${loop ? ` (repeat ${loop})` : ''}`,
      data: { alert_group_id: e.subjectId, level: level - 1, loop, users: userIds },
      subject: { type: 'alert_group', id: e.subjectId },
    });
  }
}

/** Acknowledging a page (a linked alert group) acknowledges the incident, if nobody has yet. */
async function onGroupAcknowledged(uow: Uow, e: DomainEvent): Promise<void> {
  const incidents = await openIncidentsOfGroup(uow, e.subjectId);
  const by = typeof e.payload.by === 'string' ? e.payload.by : 'someone';
  for (const i of incidents) {
    const first = !i.acknowledged_at;
    // Acknowledging the incident acknowledges its pages too; its own timeline entry already says so.
    if (!first && by === actorLabel(uow.ctx.actor)) continue;
    if (first) {
      await uow.db.updateTable('incidents').set({ acknowledged_at: iso(uow.now), updated_at: iso(uow.now) }).where('id', '=', i.id).execute();
      await armResponseTimers(uow, { ...i, acknowledged_at: iso(uow.now) });
      await uow.emit('incident.acknowledged', 'incident', i.id, { number: i.number, via: 'alert_group' });
    }
    await addTimelineEntry(uow, i.id, {
      kind: 'page_acknowledged',
      summary: `Page acknowledged by ${by}${first ? ` — ${incidentRef(i.number)} acknowledged` : ''}`,
      data: { alert_group_id: e.subjectId, by, first },
      subject: { type: 'alert_group', id: e.subjectId },
      keyEvent: first,
    });
  }
}
