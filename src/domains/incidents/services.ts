import { actorUserId } from '../../core/actor.js';
import type { Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { fieldError } from './access.js';
import { newId } from '../../core/ids.js';
import { iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import { validate } from '../../core/validate.js';
import { requireSignedIn } from '../accounts/authz.js';
import { findServiceRow } from '../catalog/services.js';
import { cancelNotifications, notifyUser } from '../notify/notify.js';
import { canEditForTeams, mustFindIncident, requireIncidentEditor, type IncidentRow } from './access.js';
import {
  AckBody,
  AttachGroups,
  IncidentDeclare,
  IncidentUpdate,
  incidentRef,
  NoteCreate,
  PageRequestBody,
  ReopenBody,
  ROLE_LABEL,
  RoleAssign,
  STATUS_LABEL,
  StatusChange,
  TimelinePatch,
  transitionProblem,
  type IncidentDto,
  type IncidentRole,
  type IncidentStatus,
  type TimelineEntryDto,
} from './model.js';
import { actOnLinkedGroups, addService, linkAlertGroup, pageChosen, pageServices, resolveUserRef } from './paging.js';
import { loadIncident, timelineDto } from './queries.js';
import { requireSeverity } from './severities.js';
import { armResponseTimers, cancelResponseTimers } from './timers.js';
import { addTimelineEntry } from './timeline.js';

export { findIncident, mustFindIncident, requireIncidentEditor, requireIncidentViewer, canEditIncident } from './access.js';
export { getIncident, getTimeline, listIncidents, loadIncident } from './queries.js';

const NUMBER_LOCK = 'ballast.incidents.number';
/** The lock AlertWorkset takes (src/domains/alerts/workset.ts). */
const ALERTS_LOCK = 'ballast.alerts';

async function reload(uow: Uow, id: string): Promise<IncidentRow> {
  return uow.db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Editable view of an incident for audit before/after. */
const snapshot = (r: IncidentRow) => ({
  number: r.number,
  title: r.title,
  severity: r.severity,
  status: r.status,
  summary: r.summary,
  impact: r.impact,
  users_affected: r.users_affected,
  acknowledged_at: r.acknowledged_at,
  identified_at: r.identified_at,
  mitigated_at: r.mitigated_at,
  resolved_at: r.resolved_at,
});

async function resolveServiceIds(uow: Uow, refs: string[], path: string): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, ref] of refs.entries()) {
    const s = await findServiceRow(uow.db, ref);
    if (!s) throw fieldError(`${path}/${i}`, `Unknown service '${ref}'`);
    if (!ids.includes(s.id)) ids.push(s.id);
  }
  return ids;
}

/**
 * The next INC number. A named lock (advisory lock on PostgreSQL; SQLite has one writer) serialises
 * declarations across instances for the rest of the transaction, and the unique column backs it up.
 */
async function nextNumber(uow: Uow): Promise<number> {
  await uow.ctx.deps.dialect.lockNamed(uow.db, NUMBER_LOCK);
  const row = await uow.db.selectFrom('incidents').select((eb) => eb.fn.max('number').as('max')).executeTakeFirst();
  return Number(row?.max ?? 0) + 1;
}

export async function declareIncident(ctx: Ctx, input: unknown): Promise<IncidentDto> {
  const data = validate(IncidentDeclare, input);
  requireSignedIn(ctx.actor);
  const id = await transaction(ctx, async (uow) => {
    const sev = await requireSeverity(uow.db, data.severity);
    const serviceIds = await resolveServiceIds(uow, data.services ?? [], '/services');
    const groupIds = [...new Set(data.alert_group_ids ?? [])];
    const groups = groupIds.length ? await uow.db.selectFrom('alert_groups').select(['id', 'service_id', 'first_alert_at']).where('id', 'in', groupIds).execute() : [];
    for (const [i, g] of groupIds.entries()) {
      if (!groups.some((x) => x.id === g)) throw fieldError(`/alert_group_ids/${i}`, `Unknown alert group '${g}'`);
    }
    const allServices = [...new Set([...serviceIds, ...groups.map((g) => g.service_id)])];
    const teams = allServices.length ? (await uow.db.selectFrom('services').select('team_id').where('id', 'in', allServices).execute()).map((t) => t.team_id) : [];
    if (!(await canEditForTeams(uow.db, uow.ctx.actor, teams.filter((t): t is string => !!t)))) {
      throw errors.forbidden("Declaring an incident needs the 'responder' role on the team of one of its services");
    }
    const commanderId = data.commander ? await resolveUserRef(uow, data.commander, '/commander') : null;

    const number = await nextNumber(uow);
    const now = iso(uow.now);
    const row: IncidentRow = {
      id: newId(uow.now.getTime()),
      number,
      title: data.title.trim() || data.title,
      severity: sev.key,
      status: 'investigating',
      summary: data.summary ?? '',
      declared_by: actorUserId(uow.ctx.actor),
      declared_at: now,
      acknowledged_at: null,
      identified_at: null,
      mitigated_at: null,
      resolved_at: null,
      ack_breached_at: null,
      mitigate_breached_at: null,
      impact: '',
      users_affected: null,
      created_at: now,
      updated_at: now,
    };
    await uow.db.insertInto('incidents').values(row).execute();
    for (const s of serviceIds) await addService(uow, row.id, s);
    const firstAlert = groups.map((g) => g.first_alert_at).sort()[0];
    if (firstAlert) {
      await addTimelineEntry(uow, row.id, { kind: 'detected', summary: 'Incident detected (first alert)', at: firstAlert, keyEvent: true });
    }
    await addTimelineEntry(uow, row.id, {
      kind: 'declared',
      summary: `${incidentRef(number)} declared as ${sev.key} (${sev.name}): ${row.title}`,
      data: { severity: sev.key },
      keyEvent: true,
    });
    for (const g of groupIds) await linkAlertGroup(uow, row, g, 'promoted');
    if (commanderId) await setRole(uow, row, 'commander', commanderId);
    if (data.page?.services !== false) await pageServices(uow, row, sev.rank);
    await pageChosen(uow, row, data.page?.users ?? [], data.page?.schedules ?? [], 'declare');
    await armResponseTimers(uow, row);
    await uow.audit({ action: 'incident.declare', targetType: 'incident', targetId: row.id, after: { ...snapshot(row), services: serviceIds, alert_group_ids: groupIds, commander: commanderId, page: data.page ?? {} } });
    await uow.emit('incident.declared', 'incident', row.id, {
      number,
      severity: sev.key,
      service_ids: (await uow.db.selectFrom('incident_services').select('service_id').where('incident_id', '=', row.id).execute()).map((s) => s.service_id),
      alert_group_ids: groupIds,
    });
    return row.id;
  });
  return loadIncident(ctx.deps.db, id);
}

/** Runs a change to an existing incident: find, authorize as editor, then `fn` inside the transaction. */
async function change<T>(ctx: Ctx, idOrRef: string, fn: (uow: Uow, row: IncidentRow) => Promise<T>): Promise<T> {
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    // Changes may act on linked alert groups (acknowledge/resolve, raise pages), which takes the alert
    // writers' lock; alert writers in turn update incidents (acks). Taking that lock first, before any
    // incident row, keeps one lock order and so no deadlock between the two.
    await uow.ctx.deps.dialect.lockNamed(uow.db, ALERTS_LOCK);
    const row = await mustFindIncident(uow.db, idOrRef);
    await requireIncidentEditor(uow.db, uow.ctx.actor, row.id);
    return fn(uow, row);
  });
}

async function touch(uow: Uow, id: string): Promise<void> {
  await uow.db.updateTable('incidents').set({ updated_at: iso(uow.now) }).where('id', '=', id).execute();
}

export async function updateIncident(ctx: Ctx, idOrRef: string, input: unknown): Promise<IncidentDto> {
  const data = validate(IncidentUpdate, input);
  const id = await change(ctx, idOrRef, async (uow, row) => {
    const before = snapshot(row);
    const set: Partial<IncidentRow> = {};
    if (data.title !== undefined && data.title !== row.title) set.title = data.title;
    if (data.summary !== undefined && data.summary !== row.summary) set.summary = data.summary;
    let severityChanged: { from: string; to: string } | null = null;
    if (data.severity !== undefined) {
      const sev = await requireSeverity(uow.db, data.severity);
      if (sev.key !== row.severity) {
        if (row.status === 'resolved') throw errors.conflict('Incident is resolved; reopen it before changing its severity', { status: row.status });
        set.severity = sev.key;
        severityChanged = { from: row.severity, to: sev.key };
      }
    }
    if (Object.keys(set).length) await uow.db.updateTable('incidents').set({ ...set, updated_at: iso(uow.now) }).where('id', '=', row.id).execute();
    if (set.title) await addTimelineEntry(uow, row.id, { kind: 'title_changed', summary: `Title changed to "${set.title}"`, data: { from: row.title, to: set.title } });
    if (severityChanged) {
      const to = await requireSeverity(uow.db, severityChanged.to);
      const from = await uow.db.selectFrom('incident_severities').select('rank').where('key', '=', severityChanged.from).executeTakeFirst();
      const direction = from && to.rank < from.rank ? 'raised' : 'lowered';
      await addTimelineEntry(uow, row.id, { kind: 'severity_changed', summary: `Severity ${direction}: ${severityChanged.from} → ${severityChanged.to}`, data: severityChanged, keyEvent: true });
      await armResponseTimers(uow, await reload(uow, row.id));
      await uow.emit('incident.severity_changed', 'incident', row.id, severityChanged);
    }
    if (data.services !== undefined) {
      const wanted = await resolveServiceIds(uow, data.services, '/services');
      const current = (await uow.db.selectFrom('incident_services').select('service_id').where('incident_id', '=', row.id).execute()).map((s) => s.service_id);
      const names = new Map(
        (await uow.db.selectFrom('services').select(['id', 'name']).where('id', 'in', [...new Set([...wanted, ...current, ''])]).execute()).map((s) => [s.id, s.name]),
      );
      for (const s of wanted.filter((x) => !current.includes(x))) {
        await addService(uow, row.id, s);
        await addTimelineEntry(uow, row.id, { kind: 'service_added', summary: `Affected service added: ${names.get(s)}`, data: { service_id: s }, subject: { type: 'service', id: s } });
      }
      const removed = current.filter((x) => !wanted.includes(x));
      if (removed.length) await uow.db.deleteFrom('incident_services').where('incident_id', '=', row.id).where('service_id', 'in', removed).execute();
      for (const s of removed) {
        await addTimelineEntry(uow, row.id, { kind: 'service_removed', summary: `Affected service removed: ${names.get(s)}`, data: { service_id: s }, subject: { type: 'service', id: s } });
      }
      if (removed.length || wanted.some((x) => !current.includes(x))) {
        await touch(uow, row.id);
        await uow.emit('incident.services_changed', 'incident', row.id, { service_ids: wanted });
      }
    }
    const after = snapshot(await reload(uow, row.id));
    await uow.audit({ action: 'incident.update', targetType: 'incident', targetId: row.id, before, after: { ...after, ...(data.services ? { services: data.services } : {}) } });
    return row.id;
  });
  return loadIncident(ctx.deps.db, id);
}

/** Records that the acting user acknowledged (each responder once); the first one sets acknowledged_at. */
async function recordAcknowledgement(uow: Uow, row: IncidentRow, how: string): Promise<boolean> {
  const first = !row.acknowledged_at;
  if (first) {
    await uow.db.updateTable('incidents').set({ acknowledged_at: iso(uow.now), updated_at: iso(uow.now) }).where('id', '=', row.id).execute();
  }
  await addTimelineEntry(uow, row.id, { kind: 'acknowledged', summary: `Acknowledged${how}`, keyEvent: first, data: { first } });
  if (first) {
    await cancelResponseTimers(uow, row.id);
    await armResponseTimers(uow, await reload(uow, row.id));
    await uow.emit('incident.acknowledged', 'incident', row.id, { number: row.number });
  }
  await actOnLinkedGroups(uow, row.id, 'acknowledge');
  await cancelNotifications(uow, { dedupeKeyPrefix: `incident:${row.id}:` });
  return first;
}

export async function acknowledgeIncident(ctx: Ctx, idOrRef: string, input: unknown = {}): Promise<IncidentDto> {
  validate(AckBody, input ?? {});
  const id = await change(ctx, idOrRef, async (uow, row) => {
    if (row.status === 'resolved') throw errors.conflict('Incident is resolved; there is nothing to acknowledge', { status: row.status });
    const userId = actorUserId(uow.ctx.actor);
    if (userId) {
      const already = await uow.db
        .selectFrom('incident_timeline')
        .select('id')
        .where('incident_id', '=', row.id)
        .where('kind', '=', 'acknowledged')
        .where('actor_user_id', '=', userId)
        .executeTakeFirst();
      if (already) throw errors.conflict('You already acknowledged this incident');
    }
    await recordAcknowledgement(uow, row, '');
    await uow.audit({ action: 'incident.acknowledge', targetType: 'incident', targetId: row.id, before: { acknowledged_at: row.acknowledged_at }, after: { acknowledged_at: (await reload(uow, row.id)).acknowledged_at } });
    return row.id;
  });
  return loadIncident(ctx.deps.db, id);
}

export async function changeStatus(ctx: Ctx, idOrRef: string, input: unknown): Promise<IncidentDto> {
  const data = validate(StatusChange, input);
  const id = await change(ctx, idOrRef, async (uow, row) => {
    const from = row.status as IncidentStatus;
    const to = data.status;
    const problem = transitionProblem(from, to);
    if (problem) throw errors.conflict(problem, { from, to });
    const impact = data.impact?.trim() ? data.impact.trim() : row.impact;
    if (to === 'resolved' && !impact) {
      throw errors.validation([{ path: '/impact', message: 'Resolving records the customer impact: what was affected and who' }], 'Invalid field /impact: customer impact is required to resolve');
    }
    const now = iso(uow.now);
    const set: Partial<IncidentRow> = { status: to, updated_at: now };
    if (to === 'identified' && !row.identified_at) set.identified_at = now;
    if ((to === 'mitigated' || to === 'resolved') && !row.mitigated_at) set.mitigated_at = now;
    if (to === 'resolved') {
      set.resolved_at = now;
      set.impact = impact;
      if (data.users_affected !== undefined) set.users_affected = data.users_affected;
    } else if (data.impact?.trim()) {
      set.impact = data.impact.trim();
    }
    await uow.db.updateTable('incidents').set(set).where('id', '=', row.id).execute();
    const summary = `Status: ${STATUS_LABEL[from]} → ${STATUS_LABEL[to]}`;
    await addTimelineEntry(uow, row.id, {
      kind: 'status_changed',
      summary,
      body: data.note ?? '',
      data: { from, to, ...(to === 'resolved' ? { impact, users_affected: set.users_affected ?? row.users_affected } : {}) },
      keyEvent: true,
    });
    // Working the incident is acknowledging it: the response started.
    if (!row.acknowledged_at) await recordAcknowledgement(uow, { ...row, ...set } as IncidentRow, ` (status set to ${STATUS_LABEL[to]})`);
    const after = await reload(uow, row.id);
    if (to === 'resolved') {
      await cancelResponseTimers(uow, row.id);
      await actOnLinkedGroups(uow, row.id, 'resolve');
      await cancelNotifications(uow, { dedupeKeyPrefix: `incident:${row.id}:` });
    } else {
      await armResponseTimers(uow, after);
    }
    await uow.audit({ action: 'incident.status', targetType: 'incident', targetId: row.id, before: snapshot(row), after: snapshot(after) });
    await uow.emit('incident.status_changed', 'incident', row.id, { from, to, number: row.number });
    if (to === 'resolved') await uow.emit('incident.resolved', 'incident', row.id, { number: row.number, severity: row.severity, impact, users_affected: after.users_affected });
    return row.id;
  });
  return loadIncident(ctx.deps.db, id);
}

export async function reopenIncident(ctx: Ctx, idOrRef: string, input: unknown = {}): Promise<IncidentDto> {
  const data = validate(ReopenBody, input ?? {});
  const id = await change(ctx, idOrRef, async (uow, row) => {
    if (row.status !== 'resolved') throw errors.conflict(`Only a resolved incident can be reopened; this one is ${row.status}`, { status: row.status });
    await uow.db.updateTable('incidents').set({ status: 'investigating', updated_at: iso(uow.now) }).where('id', '=', row.id).execute();
    await addTimelineEntry(uow, row.id, { kind: 'reopened', summary: 'Incident reopened: Resolved → Investigating', body: data.reason ?? '', data: { from: 'resolved', to: 'investigating' }, keyEvent: true });
    const after = await reload(uow, row.id);
    await armResponseTimers(uow, after);
    await uow.audit({ action: 'incident.reopen', targetType: 'incident', targetId: row.id, before: snapshot(row), after: snapshot(after) });
    await uow.emit('incident.reopened', 'incident', row.id, { number: row.number, reason: data.reason ?? '' });
    await uow.emit('incident.status_changed', 'incident', row.id, { from: 'resolved', to: 'investigating', number: row.number });
    return row.id;
  });
  return loadIncident(ctx.deps.db, id);
}

/** Hands a role to a user (or clears it with null); the previous holder's assignment is ended, not deleted. */
async function setRole(uow: Uow, row: IncidentRow, role: IncidentRole, userId: string | null): Promise<void> {
  const current = await uow.db.selectFrom('incident_roles').selectAll().where('incident_id', '=', row.id).where('role', '=', role).where('ended_at', 'is', null).executeTakeFirst();
  if ((current?.user_id ?? null) === userId) {
    throw errors.conflict(userId ? `That user is already the ${ROLE_LABEL[role].toLowerCase()}` : `Nobody holds the ${ROLE_LABEL[role].toLowerCase()} role`, { role });
  }
  const now = iso(uow.now);
  if (current) await uow.db.updateTable('incident_roles').set({ ended_at: now }).where('id', '=', current.id).execute();
  if (userId) {
    await uow.db.insertInto('incident_roles').values({ id: newId(uow.now.getTime()), incident_id: row.id, role, user_id: userId, assigned_at: now, assigned_by: actorUserId(uow.ctx.actor), ended_at: null }).execute();
  }
  const emails = new Map(
    (await uow.db.selectFrom('users').select(['id', 'email']).where('id', 'in', [userId ?? '', current?.user_id ?? '']).execute()).map((u) => [u.id, u.email]),
  );
  const who = userId ? emails.get(userId) : null;
  const prev = current ? emails.get(current.user_id) : null;
  const summary = who ? `${who} is now ${ROLE_LABEL[role].toLowerCase()}${prev ? ` (handed over from ${prev})` : ''}` : `${ROLE_LABEL[role]} unassigned (was ${prev})`;
  await addTimelineEntry(uow, row.id, { kind: 'role_assigned', summary, data: { role, user_id: userId, previous_user_id: current?.user_id ?? null }, keyEvent: role === 'commander' });
  await uow.emit('incident.role_assigned', 'incident', row.id, { role, user_id: userId, previous_user_id: current?.user_id ?? null });
  if (userId && userId !== actorUserId(uow.ctx.actor)) {
    const ref = incidentRef(row.number);
    await notifyUser(uow, {
      userId,
      urgency: 'low',
      subject: `${ref}: you are now ${ROLE_LABEL[role].toLowerCase()}`,
      text: `You were assigned ${ROLE_LABEL[role].toLowerCase()} of ${ref}: ${row.title}`,
      url: `${uow.ctx.deps.config.publicUrl}/incidents/${ref}`,
      incidentId: row.id,
      dedupeKey: `incident-role:${row.id}:${role}:${userId}:${now}`,
    });
  }
}

export async function assignRole(ctx: Ctx, idOrRef: string, input: unknown): Promise<IncidentDto> {
  const data = validate(RoleAssign, input);
  const id = await change(ctx, idOrRef, async (uow, row) => {
    const userId = data.user === null ? null : await resolveUserRef(uow, data.user, '/user');
    const before = await uow.db.selectFrom('incident_roles').select('user_id').where('incident_id', '=', row.id).where('role', '=', data.role).where('ended_at', 'is', null).executeTakeFirst();
    await setRole(uow, row, data.role, userId);
    await touch(uow, row.id);
    await uow.audit({ action: 'incident.role', targetType: 'incident', targetId: row.id, before: { role: data.role, user_id: before?.user_id ?? null }, after: { role: data.role, user_id: userId } });
    return row.id;
  });
  return loadIncident(ctx.deps.db, id);
}

export async function attachAlertGroups(ctx: Ctx, idOrRef: string, input: unknown): Promise<IncidentDto> {
  const data = validate(AttachGroups, input);
  const id = await change(ctx, idOrRef, async (uow, row) => {
    let linked = 0;
    for (const g of new Set(data.alert_group_ids)) if (await linkAlertGroup(uow, row, g, 'attached')) linked++;
    if (!linked) throw errors.conflict('These alert groups are already linked to the incident');
    await touch(uow, row.id);
    await uow.audit({ action: 'incident.attach_alert_groups', targetType: 'incident', targetId: row.id, after: { alert_group_ids: data.alert_group_ids } });
    await uow.emit('incident.alert_groups_changed', 'incident', row.id, { attached: data.alert_group_ids });
    return row.id;
  });
  return loadIncident(ctx.deps.db, id);
}

export async function detachAlertGroup(ctx: Ctx, idOrRef: string, groupId: string): Promise<IncidentDto> {
  const id = await change(ctx, idOrRef, async (uow, row) => {
    const link = await uow.db.selectFrom('incident_alert_groups').select('alert_group_id').where('incident_id', '=', row.id).where('alert_group_id', '=', groupId).executeTakeFirst();
    if (!link) throw errors.notFound('Linked alert group', groupId);
    await uow.db.deleteFrom('incident_alert_groups').where('incident_id', '=', row.id).where('alert_group_id', '=', groupId).execute();
    const g = await uow.db.selectFrom('alert_groups').select('title').where('id', '=', groupId).executeTakeFirst();
    await addTimelineEntry(uow, row.id, { kind: 'alert_unlinked', summary: `Unlinked alert group "${g?.title ?? groupId}"`, data: { alert_group_id: groupId }, subject: { type: 'alert_group', id: groupId } });
    await touch(uow, row.id);
    await uow.audit({ action: 'incident.detach_alert_group', targetType: 'incident', targetId: row.id, before: { alert_group_id: groupId } });
    await uow.emit('incident.alert_groups_changed', 'incident', row.id, { detached: [groupId] });
    return row.id;
  });
  return loadIncident(ctx.deps.db, id);
}

/** Pages more people, or the affected services' policies again, while the incident is open. */
export async function pageResponders(ctx: Ctx, idOrRef: string, input: unknown): Promise<IncidentDto> {
  const data = validate(PageRequestBody, input);
  const id = await change(ctx, idOrRef, async (uow, row) => {
    if (row.status === 'resolved') throw errors.conflict('Incident is resolved; reopen it to page anyone', { status: row.status });
    if (!data.services && !data.users?.length && !data.schedules?.length) throw fieldError('/', 'Name users, schedules, or services: true');
    const sev = await requireSeverity(uow.db, row.severity);
    if (data.services) await pageServices(uow, row, sev.rank);
    await pageChosen(uow, row, data.users ?? [], data.schedules ?? [], `p${uow.now.getTime()}`);
    await uow.audit({ action: 'incident.page', targetType: 'incident', targetId: row.id, after: data });
    return row.id;
  });
  return loadIncident(ctx.deps.db, id);
}

export async function addNote(ctx: Ctx, idOrRef: string, input: unknown): Promise<TimelineEntryDto> {
  const data = validate(NoteCreate, input);
  return change(ctx, idOrRef, async (uow, row) => {
    const firstLine = data.body.replace(/\s+/g, ' ').trim().slice(0, 200);
    const entryId = await addTimelineEntry(uow, row.id, { kind: 'note', summary: firstLine || 'Note', body: data.body, keyEvent: data.key_event ?? false, ...(data.at ? { at: new Date(data.at) } : {}) });
    await uow.audit({ action: 'incident.note', targetType: 'incident', targetId: row.id, after: { entry_id: entryId } });
    return timelineDto(await uow.db.selectFrom('incident_timeline').selectAll().where('id', '=', entryId).executeTakeFirstOrThrow());
  });
}

export async function setKeyEvent(ctx: Ctx, idOrRef: string, entryId: string, input: unknown): Promise<TimelineEntryDto> {
  const data = validate(TimelinePatch, input);
  return change(ctx, idOrRef, async (uow, row) => {
    const entry = await uow.db.selectFrom('incident_timeline').selectAll().where('id', '=', entryId).where('incident_id', '=', row.id).executeTakeFirst();
    if (!entry) throw errors.notFound('Timeline entry', entryId);
    await uow.db.updateTable('incident_timeline').set({ key_event: data.key_event ? 1 : 0 }).where('id', '=', entry.id).execute();
    await uow.audit({ action: 'incident.timeline_key_event', targetType: 'incident', targetId: row.id, before: { entry_id: entry.id, key_event: !!entry.key_event }, after: { entry_id: entry.id, key_event: data.key_event } });
    await uow.emit('incident.timeline', 'incident', row.id, { entry_id: entry.id, kind: entry.kind, key_event: data.key_event });
    return timelineDto({ ...entry, key_event: data.key_event ? 1 : 0 });
  });
}
