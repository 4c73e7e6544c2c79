import { actorLabel, actorUserId } from '../../core/actor.js';
import { fieldError } from './access.js';
import { UUID_RE } from '../../core/ids.js';
import { iso } from '../../core/time.js';
import type { Uow } from '../../core/uow.js';
import { findUserRow } from '../accounts/users.js';
import { AlertWorkset, type AlertActor, type RoutedEvent } from '../alerts/workset.js';
import type { Severity } from '../alerts/model.js';
import { notifyUser } from '../notify/notify.js';
import { usersOnCall } from '../oncall/schedules/services.js';
import type { IncidentRow } from './access.js';
import { incidentRef } from './model.js';
import { addTimelineEntry } from './timeline.js';
import { advanceEscalationNow } from '../oncall/escalation/runner.js';

/** Dedup key of the alert an incident raises on an affected service (one per service). */
export const incidentDedupKey = (incidentId: string) => `incident:${incidentId}`;

const ALERT_SEVERITY: Severity[] = ['critical', 'error', 'warning', 'info'];

function alertActor(uow: Uow): AlertActor {
  const a = uow.ctx.actor;
  return { type: a.kind === 'user' ? 'user' : 'system', id: actorUserId(a), label: actorLabel(a), origin: 'incident' };
}

/** Links an alert group to the incident (its service becomes affected); no-op when already linked. */
export async function linkAlertGroup(uow: Uow, incident: IncidentRow, groupId: string, how: 'promoted' | 'attached' | 'raised'): Promise<boolean> {
  const group = await uow.db
    .selectFrom('alert_groups as g')
    .innerJoin('services as s', 's.id', 'g.service_id')
    .select(['g.id', 'g.title', 'g.service_id', 'g.first_alert_at', 's.name as service'])
    .where('g.id', '=', groupId)
    .executeTakeFirst();
  if (!group) throw fieldError('/alert_group_ids', `Unknown alert group '${groupId}'`);
  const existing = await uow.db.selectFrom('incident_alert_groups').select('alert_group_id').where('incident_id', '=', incident.id).where('alert_group_id', '=', groupId).executeTakeFirst();
  if (existing) return false;
  await uow.db.insertInto('incident_alert_groups').values({ incident_id: incident.id, alert_group_id: groupId, linked_at: iso(uow.now) }).execute();
  await addService(uow, incident.id, group.service_id);
  const verb = how === 'raised' ? 'Raised alert' : how === 'promoted' ? 'Promoted from alert group' : 'Linked alert group';
  await addTimelineEntry(uow, incident.id, {
    kind: 'alert_linked',
    summary: `${verb} "${group.title}" (${group.service})`,
    data: { alert_group_id: groupId, service_id: group.service_id, how, first_alert_at: group.first_alert_at },
    subject: { type: 'alert_group', id: groupId },
    keyEvent: how === 'promoted',
  });
  return true;
}

export async function addService(uow: Uow, incidentId: string, serviceId: string): Promise<boolean> {
  const has = await uow.db.selectFrom('incident_services').select('service_id').where('incident_id', '=', incidentId).where('service_id', '=', serviceId).executeTakeFirst();
  if (has) return false;
  await uow.db.insertInto('incident_services').values({ incident_id: incidentId, service_id: serviceId }).execute();
  return true;
}

/**
 * Pages through the affected services' escalation policies by raising one alert per service (dedup key
 * `incident:<id>`) through the alert pipeline: the existing escalation, delivery log and one-click ack
 * links then do the paging, and acknowledging that alert acknowledges the incident. Services whose linked
 * alert group is still open, or without a policy, are skipped (they are already paging, or cannot).
 */
export async function pageServices(uow: Uow, incident: IncidentRow, severityRank: number): Promise<number> {
  const services = await uow.db
    .selectFrom('incident_services as is')
    .innerJoin('services as s', 's.id', 'is.service_id')
    .leftJoin('service_escalation_policies as p', 'p.service_id', 's.id')
    .select(['s.id', 's.name', 'p.policy_id'])
    .where('is.incident_id', '=', incident.id)
    .execute();
  const openLinked = new Set(
    (
      await uow.db
        .selectFrom('incident_alert_groups as l')
        .innerJoin('alert_groups as g', 'g.id', 'l.alert_group_id')
        .select('g.service_id')
        .where('l.incident_id', '=', incident.id)
        .where('g.status', '<>', 'resolved')
        .execute()
    ).map((r) => r.service_id),
  );
  const toPage = services.filter((s) => s.policy_id && !openLinked.has(s.id));
  for (const s of services.filter((x) => !x.policy_id)) {
    await addTimelineEntry(uow, incident.id, { kind: 'page_skipped', summary: `${s.name} has no escalation policy; nobody paged through it`, data: { service_id: s.id } });
  }
  if (!toPage.length) return 0;
  const dedupKey = incidentDedupKey(incident.id);
  const severity = ALERT_SEVERITY[Math.min(Math.max(severityRank, 1), 4) - 1]!;
  const events: RoutedEvent[] = toPage.map((s) => ({
    action: 'trigger',
    serviceId: s.id,
    integrationId: null,
    dedupKey,
    summary: `${incidentRef(incident.number)} [${incident.severity}] ${incident.title}`.slice(0, 1000),
    source: 'ballast-incidents',
    severity,
    urgency: severityRank <= 2 ? 'high' : 'low',
    component: null,
    group: null,
    class: 'incident',
    labels: { incident: incidentRef(incident.number) },
    details: { incident_id: incident.id, incident: incidentRef(incident.number) },
    links: [{ href: `${uow.ctx.deps.config.publicUrl}/incidents/${incidentRef(incident.number)}`, text: incidentRef(incident.number) }],
    images: [],
    client: 'Ballast',
    clientUrl: null,
    silencedBy: null,
    raw: null,
  }));
  const ws = await AlertWorkset.open(uow);
  await ws.loadForEvents(events);
  const actor = alertActor(uow);
  for (const e of events) ws.apply(e, actor);
  await ws.flush();
  const raised = await uow.db
    .selectFrom('alerts')
    .select(['group_id'])
    .where('dedup_key', '=', dedupKey)
    .where('status', '<>', 'resolved')
    .where('service_id', 'in', toPage.map((s) => s.id))
    .execute();
  for (const r of raised) await linkAlertGroup(uow, incident, r.group_id, 'raised');
  return raised.length;
}

async function incidentMessage(uow: Uow, incident: IncidentRow) {
  const ref = incidentRef(incident.number);
  return {
    subject: `[${incident.severity}] ${ref}: ${incident.title}`,
    text: `${ref}: ${incident.title}\nSeverity: ${incident.severity}\nStatus: ${incident.status}\nYou are paged to respond. Acknowledge on the incident page.`,
    url: `${uow.ctx.deps.config.publicUrl}/incidents/${ref}`,
  };
}

/** Pages one user directly (through their notification rules); `reason` goes on the timeline. */
export async function pageUser(uow: Uow, incident: IncidentRow, userId: string, reason: string, round: string): Promise<void> {
  const user = await uow.db.selectFrom('users').select(['id', 'email', 'disabled']).where('id', '=', userId).executeTakeFirst();
  if (!user || user.disabled) return;
  const msg = await incidentMessage(uow, incident);
  const jobs = await notifyUser(uow, {
    userId,
    urgency: 'high',
    ...msg,
    incidentId: incident.id,
    dedupeKey: `incident:${incident.id}:${round}:${userId}`,
  });
  await addTimelineEntry(uow, incident.id, {
    kind: 'page_sent',
    summary: `Paged ${user.email} ${reason}${jobs === 0 ? ' (no contact methods, or already being paged)' : ''}`,
    data: { user_id: userId, reason, deliveries: jobs, round },
    subject: { type: 'user', id: userId },
  });
}

export async function resolveUserRef(uow: Uow, ref: string, path: string): Promise<string> {
  const u = await findUserRow(uow.db, ref);
  if (!u || u.disabled) throw fieldError(path, `Unknown user '${ref}'`);
  return u.id;
}

export async function resolveScheduleRef(uow: Uow, ref: string, path: string): Promise<{ id: string; name: string }> {
  const q = uow.db.selectFrom('schedules').select(['id', 'name']);
  const s = UUID_RE.test(ref) ? await q.where('id', '=', ref).executeTakeFirst() : await q.where('slug', '=', ref).executeTakeFirst();
  if (!s) throw fieldError(path, `Unknown schedule '${ref}'`);
  return s;
}

/** Chosen users and the people on call now for chosen schedules. */
export async function pageChosen(uow: Uow, incident: IncidentRow, users: string[], schedules: string[], round: string): Promise<void> {
  const userIds = [];
  for (const [i, ref] of users.entries()) userIds.push(await resolveUserRef(uow, ref, `/page/users/${i}`));
  const scheds = [];
  for (const [i, ref] of schedules.entries()) scheds.push(await resolveScheduleRef(uow, ref, `/page/schedules/${i}`));
  const paged = new Set<string>();
  for (const id of userIds) {
    if (paged.has(id)) continue;
    paged.add(id);
    await pageUser(uow, incident, id, 'directly', round);
  }
  for (const s of scheds) {
    const onCall = await usersOnCall(uow.db, s.id, uow.now);
    if (!onCall.length) await addTimelineEntry(uow, incident.id, { kind: 'page_skipped', summary: `Nobody is on call for ${s.name}`, data: { schedule_id: s.id } });
    for (const u of onCall) {
      if (paged.has(u.id)) continue;
      paged.add(u.id);
      await pageUser(uow, incident, u.id, `as on call for ${s.name}`, round);
    }
  }
}

/** Acknowledges (or resolves) the incident's triggered alert groups: whoever acts on the incident stops its pages. */
export async function actOnLinkedGroups(uow: Uow, incidentId: string, action: 'acknowledge' | 'resolve'): Promise<void> {
  let q = uow.db
    .selectFrom('incident_alert_groups as l')
    .innerJoin('alert_groups as g', 'g.id', 'l.alert_group_id')
    .select(['g.id', 'g.status'])
    .where('l.incident_id', '=', incidentId);
  // Resolving the incident resolves only what the incident itself raised; real alerts resolve on their own signal.
  q = action === 'acknowledge' ? q.where('g.status', '=', 'triggered') : q.where('g.status', '<>', 'resolved').where('g.group_key', '=', `dedup:${incidentDedupKey(incidentId)}`);
  const groups = await q.execute();
  if (!groups.length) return;
  const ws = await AlertWorkset.open(uow);
  await ws.loadGroupsWithAlerts(groups.map((g) => g.id));
  const actor = alertActor(uow);
  for (const g of groups) {
    if (action === 'acknowledge') ws.acknowledgeGroup(g.id, actor);
    else ws.resolveGroup(g.id, actor);
  }
  await ws.flush();
}

/**
 * A missed response target escalates: linked escalations jump to their next level now (the step the
 * runner would have taken after the level's delay). Without a live escalation, the commander and the
 * managers of the affected teams are paged instead. Returns who/what was escalated, for the timeline.
 */
export async function escalateNow(uow: Uow, incident: IncidentRow, target: string): Promise<string> {
  const runs = await uow.db
    .selectFrom('incident_alert_groups as l')
    .innerJoin('escalations as e', 'e.alert_group_id', 'l.alert_group_id')
    .innerJoin('alert_groups as g', 'g.id', 'l.alert_group_id')
    .select(['e.alert_group_id', 'e.generation', 'e.level', 'e.loop'])
    .where('l.incident_id', '=', incident.id)
    .where('e.status', '=', 'active')
    .where('g.status', '=', 'triggered')
    .execute();
  for (const r of runs) await advanceEscalationNow(uow, r);
  if (runs.length) return `advanced ${runs.length} escalation${runs.length === 1 ? '' : 's'} to the next level`;
  const commander = await uow.db.selectFrom('incident_roles').select('user_id').where('incident_id', '=', incident.id).where('role', '=', 'commander').where('ended_at', 'is', null).executeTakeFirst();
  const managers = await uow.db
    .selectFrom('incident_services as is')
    .innerJoin('services as s', 's.id', 'is.service_id')
    .innerJoin('team_members as m', 'm.team_id', 's.team_id')
    .select('m.user_id')
    .where('is.incident_id', '=', incident.id)
    .where('m.role', '=', 'manager')
    .execute();
  const ids = [...new Set([...(commander ? [commander.user_id] : []), ...managers.map((m) => m.user_id)])];
  for (const id of ids) await pageUser(uow, incident, id, `because the ${target} target was missed`, `breach-${target}`);
  return ids.length ? `paged ${ids.length} (commander / team managers)` : 'nobody to escalate to (no escalation, commander or team manager)';
}
