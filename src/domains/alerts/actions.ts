import { actorLabel } from '../../core/actor.js';
import type { Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { toJson } from '../../core/json.js';
import { addMs, iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import type { Engine } from '../../engine/engine.js';
import { requireSignedIn, requireTeamRole } from '../accounts/authz.js';
import type { ResolvedIntegration } from './integrations.js';
import type { PdChangeEvent } from './ingest/pagerduty.js';
import { alertDtos, groupDtos } from './queries.js';
import { resweepSilences } from './silences.js';
import { AlertWorkset, type AlertActor } from './workset.js';
import { settingsFor } from './settings.js';

export type Origin = 'api' | 'ui' | 'cli';

function personActor(uow: Uow, origin: Origin): AlertActor {
  const a = uow.ctx.actor;
  return { type: a.kind === 'user' ? 'user' : 'system', id: a.kind === 'user' ? a.userId : null, label: actorLabel(a), origin };
}

/** Responders and above on the service's owning team may act on its alerts. */
async function requireResponderFor(uow: Uow, serviceIds: string[]): Promise<void> {
  const teams = await uow.db.selectFrom('services').select('team_id').where('id', 'in', [...new Set(serviceIds)]).execute();
  for (const t of teams) await requireTeamRole(uow.db, uow.ctx.actor, t.team_id, 'responder');
}

type AlertAction = 'acknowledge' | 'resolve';

export async function actOnAlert(ctx: Ctx, id: string, action: AlertAction, origin: Origin = 'api') {
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const ws = await AlertWorkset.open(uow);
    const [alert] = await ws.loadAlerts([id]);
    if (!alert) throw errors.notFound('Alert', id);
    await requireResponderFor(uow, [alert.service_id]);
    if (alert.status === 'resolved') throw errors.conflict(`Alert is already resolved`, { status: alert.status });
    const actor = personActor(uow, origin);
    if (action === 'acknowledge') ws.acknowledgeAlert(id, actor);
    else ws.resolveAlert(id, actor);
    await ws.flush();
    await uow.audit({ action: `alert.${action}`, targetType: 'alert', targetId: id, before: { status: alert.status }, after: { status: ws.alert(id)!.status } });
    const row = await uow.db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return (await alertDtos(uow.db, [row]))[0]!;
  });
}

export async function actOnGroup(ctx: Ctx, id: string, action: AlertAction, origin: Origin = 'api') {
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const ws = await AlertWorkset.open(uow);
    const [group] = await ws.loadGroupsWithAlerts([id]);
    if (!group) throw errors.notFound('Alert group', id);
    await requireResponderFor(uow, [group.service_id]);
    const before = group.status;
    if (before === 'resolved') throw errors.conflict('Alert group is already resolved', { status: before });
    const actor = personActor(uow, origin);
    if (action === 'acknowledge') ws.acknowledgeGroup(id, actor);
    else ws.resolveGroup(id, actor);
    await ws.flush();
    await uow.audit({ action: `alert_group.${action}`, targetType: 'alert_group', targetId: id, before: { status: before }, after: { status: ws.group(id)!.status } });
    return (await groupDtos(uow.db, [ws.group(id)!]))[0]!;
  });
}

/** `ballast ack ID` takes either an alert group id or an alert id. */
export async function actOnAny(ctx: Ctx, id: string, action: AlertAction, origin: Origin) {
  const isGroup = await ctx.deps.db.selectFrom('alert_groups').select('id').where('id', '=', id).executeTakeFirst();
  return isGroup ? { kind: 'alert_group' as const, ...(await actOnGroup(ctx, id, action, origin)) } : { kind: 'alert' as const, ...(await actOnAlert(ctx, id, action, origin)) };
}

export async function recordChangeEvent(ctx: Ctx, integration: ResolvedIntegration, e: PdChangeEvent): Promise<string> {
  return transaction(ctx, async (uow) => {
    const id = newId(uow.now.getTime());
    await uow.db
      .insertInto('change_events')
      .values({
        id,
        service_id: integration.serviceId,
        integration_id: integration.id,
        summary: e.summary,
        source: e.source,
        occurred_at: e.timestamp ? iso(new Date(e.timestamp)) : iso(uow.now),
        details: toJson(e.details),
        links: toJson(e.links),
        created_at: iso(uow.now),
      })
      .execute();
    await uow.emit('change_event.recorded', 'change_event', id, { service_id: integration.serviceId });
    return id;
  });
}

const ENGINE_ACTOR: AlertActor = { type: 'system', id: null, label: 'ballast', origin: 'engine' };

/** Timers that keep alert state honest when nobody sends anything. */
export function registerAlertJobs(engine: Engine): void {
  engine.register('alerts.auto_resolve', async (uow, job) => {
    const id = String(job.payload.alert_id);
    const ws = await AlertWorkset.open(uow);
    const [alert] = await ws.loadAlerts([id]);
    if (!alert || alert.status === 'resolved') return;
    const minutes = (await settingsFor(uow.ctx.deps, uow.db, [alert.service_id])).get(alert.service_id)?.auto_resolve_minutes;
    if (!minutes) return;
    const due = addMs(new Date(alert.last_seen_at), minutes * 60_000);
    if (due > uow.now) {
      // Triggered again since this timer was armed: wait for the new quiet period instead.
      await uow.schedule({ kind: 'alerts.auto_resolve', key: `alerts.auto_resolve:${id}`, dueAt: due, payload: { alert_id: id } });
      return;
    }
    ws.resolveAlert(id, ENGINE_ACTOR, 'auto_resolve');
    await ws.flush();
  });

  engine.register('alerts.ack_timeout', async (uow, job) => {
    const id = String(job.payload.group_id);
    const ws = await AlertWorkset.open(uow);
    const [group] = await ws.loadGroupsWithAlerts([id]);
    if (!group || group.status !== 'acknowledged' || !group.acknowledged_at) return;
    const minutes = (await settingsFor(uow.ctx.deps, uow.db, [group.service_id])).get(group.service_id)?.ack_timeout_minutes;
    if (!minutes) return;
    const due = addMs(new Date(group.acknowledged_at), minutes * 60_000);
    if (due > uow.now) {
      await uow.schedule({ kind: 'alerts.ack_timeout', key: `alerts.ack_timeout:${id}`, dueAt: due, payload: { group_id: id } });
      return;
    }
    ws.retriggerGroup(id, ENGINE_ACTOR, `not resolved ${minutes} minutes after acknowledgement`);
    await ws.flush();
  });

  engine.register('silences.sweep', async (uow) => {
    await resweepSilences(uow);
  });
}
