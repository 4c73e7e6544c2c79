import type { Kysely } from 'kysely';
import type { Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { fromJson } from '../../core/json.js';
import { pageRequest, pageResult, type PageResult } from '../../core/pagination.js';
import type { AlertGroupsTable, AlertsTable, ChangeEventsTable, Database } from '../../db/schema.js';
import { requireSignedIn } from '../accounts/authz.js';
import { mustFindService } from '../catalog/services.js';
import { ALERT_STATUSES, SEVERITIES, type AlertStatus, type Severity, type Urgency } from './model.js';
import type { AlertDto, AlertGroupDto } from './schemas.js';
import { isSilenced } from './workset.js';

type Db = Kysely<Database>;
type ServiceRef = { id: string; slug: string; name: string };

async function serviceRefs(db: Db, ids: string[]): Promise<Map<string, ServiceRef>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db.selectFrom('services').select(['id', 'slug', 'name']).where('id', 'in', unique).execute();
  return new Map(rows.map((r) => [r.id, r]));
}

export function alertDto(r: AlertsTable, service: ServiceRef): AlertDto {
  return {
    id: r.id,
    service,
    integration_id: r.integration_id,
    group_id: r.group_id,
    dedup_key: r.dedup_key,
    status: r.status as AlertStatus,
    severity: r.severity as Severity,
    urgency: r.urgency as Urgency,
    summary: r.summary,
    source: r.source,
    component: r.component,
    group: r.source_group,
    class: r.class,
    labels: fromJson(r.labels, {}),
    details: fromJson(r.details, {}),
    links: fromJson(r.links, []),
    images: fromJson(r.images, []),
    client: r.client,
    client_url: r.client_url,
    origin: r.origin,
    silenced: !!r.silenced_by && r.status !== 'resolved',
    silenced_by: r.silenced_by,
    trigger_count: r.trigger_count,
    first_seen_at: r.first_seen_at,
    last_seen_at: r.last_seen_at,
    acknowledged_at: r.acknowledged_at,
    acknowledged_by: r.acknowledged_by,
    resolved_at: r.resolved_at,
    resolved_by: r.resolved_by,
  };
}

export function groupDto(g: AlertGroupsTable, service: ServiceRef): AlertGroupDto {
  return {
    id: g.id,
    service,
    group_key: g.group_key,
    status: g.status as AlertStatus,
    title: g.title,
    severity: g.severity as Severity,
    urgency: g.urgency as Urgency,
    silenced: isSilenced(g),
    alert_count: g.alert_count,
    open_count: g.open_count,
    first_alert_at: g.first_alert_at,
    last_alert_at: g.last_alert_at,
    acknowledged_at: g.acknowledged_at,
    acknowledged_by: g.acknowledged_by,
    resolved_at: g.resolved_at,
    resolved_by: g.resolved_by,
  };
}

export async function alertDtos(db: Db, rows: AlertsTable[]): Promise<AlertDto[]> {
  const svcs = await serviceRefs(db, rows.map((r) => r.service_id));
  return rows.map((r) => alertDto(r, svcs.get(r.service_id)!));
}

export async function groupDtos(db: Db, rows: AlertGroupsTable[]): Promise<AlertGroupDto[]> {
  const svcs = await serviceRefs(db, rows.map((r) => r.service_id));
  return rows.map((r) => groupDto(r, svcs.get(r.service_id)!));
}

function statusFilter(v: unknown): AlertStatus[] | null {
  if (v === undefined || v === '') return null;
  const list = String(v).split(',');
  const bad = list.filter((s) => !(ALERT_STATUSES as readonly string[]).includes(s));
  if (bad.length) throw errors.validation([{ path: '/status', message: `Unknown status '${bad[0]}' (triggered, acknowledged, resolved; comma-separated)` }]);
  return list as AlertStatus[];
}

export interface AlertQuery {
  limit?: unknown;
  cursor?: unknown;
  status?: unknown;
  service?: unknown;
  severity?: unknown;
  group_id?: unknown;
  q?: unknown;
}

/** Newest first. */
export async function listAlerts(ctx: Ctx, query: AlertQuery): Promise<PageResult<AlertDto>> {
  requireSignedIn(ctx.actor);
  const page = pageRequest(query);
  const { db, dialect } = ctx.deps;
  let q = db.selectFrom('alerts').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
  if (page.after) q = q.where('id', '<', page.after);
  const statuses = statusFilter(query.status);
  if (statuses) q = q.where('status', 'in', statuses);
  if (typeof query.service === 'string' && query.service) q = q.where('service_id', '=', (await mustFindService(db, query.service)).id);
  if (typeof query.severity === 'string' && query.severity) {
    const sevs = query.severity.split(',');
    if (sevs.some((s) => !(SEVERITIES as readonly string[]).includes(s))) throw errors.validation([{ path: '/severity', message: 'Unknown severity' }]);
    q = q.where('severity', 'in', sevs);
  }
  if (typeof query.group_id === 'string' && query.group_id) q = q.where('group_id', '=', query.group_id);
  if (typeof query.q === 'string' && query.q) q = q.where('summary', dialect.ilike, `%${query.q.replace(/[%_]/g, '')}%`);
  const rows = await q.execute();
  const dtos = await alertDtos(db, rows.slice(0, page.limit));
  return pageResult(rows, page, (r) => r.id, (r) => dtos.find((d) => d.id === r.id)!);
}

export async function getAlert(ctx: Ctx, id: string) {
  requireSignedIn(ctx.actor);
  const { db } = ctx.deps;
  const row = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('Alert', id);
  const events = await db.selectFrom('alert_events').selectAll().where('alert_id', '=', id).orderBy('id').limit(1000).execute();
  const [dto] = await alertDtos(db, [row]);
  return {
    ...dto!,
    events: events.map((e) => ({
      id: e.id,
      at: e.at,
      kind: e.kind,
      actor: { type: e.actor_type, id: e.actor_id, label: e.actor_label },
      origin: e.origin,
      message: e.message,
      payload: fromJson(e.payload, null),
    })),
  };
}

export async function listGroups(ctx: Ctx, query: AlertQuery): Promise<PageResult<AlertGroupDto>> {
  requireSignedIn(ctx.actor);
  const page = pageRequest(query);
  const { db } = ctx.deps;
  let q = db.selectFrom('alert_groups').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
  if (page.after) q = q.where('id', '<', page.after);
  const statuses = statusFilter(query.status);
  if (statuses) q = q.where('status', 'in', statuses);
  if (typeof query.service === 'string' && query.service) q = q.where('service_id', '=', (await mustFindService(db, query.service)).id);
  const rows = await q.execute();
  const dtos = await groupDtos(db, rows.slice(0, page.limit));
  return pageResult(rows, page, (r) => r.id, (r) => dtos.find((d) => d.id === r.id)!);
}

export async function getGroup(ctx: Ctx, id: string) {
  requireSignedIn(ctx.actor);
  const { db } = ctx.deps;
  const row = await db.selectFrom('alert_groups').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('Alert group', id);
  const alerts = await db.selectFrom('alerts').selectAll().where('group_id', '=', id).orderBy('id', 'desc').limit(500).execute();
  const [dto] = await groupDtos(db, [row]);
  return { ...dto!, alerts: await alertDtos(db, alerts) };
}

export async function listChangeEvents(ctx: Ctx, query: { limit?: unknown; cursor?: unknown; service?: unknown; since?: unknown }) {
  requireSignedIn(ctx.actor);
  const page = pageRequest(query);
  const { db } = ctx.deps;
  let q = db.selectFrom('change_events').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
  if (page.after) q = q.where('id', '<', page.after);
  if (typeof query.service === 'string' && query.service) q = q.where('service_id', '=', (await mustFindService(db, query.service)).id);
  if (typeof query.since === 'string' && query.since) {
    if (Number.isNaN(Date.parse(query.since))) throw errors.validation([{ path: '/since', message: 'Expected an ISO 8601 time' }]);
    q = q.where('occurred_at', '>=', new Date(query.since).toISOString());
  }
  const rows = await q.execute();
  const svcs = await serviceRefs(db, rows.map((r) => r.service_id));
  const dto = (r: ChangeEventsTable) => ({ ...r, service: svcs.get(r.service_id)!, details: fromJson(r.details, {}), links: fromJson(r.links, []) });
  return pageResult(rows, page, (r) => r.id, dto);
}
