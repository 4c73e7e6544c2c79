import type { Kysely } from 'kysely';
import type { Ctx } from '../../core/context.js';
import { fieldError } from './access.js';
import { fromJson } from '../../core/json.js';
import { UUID_RE } from '../../core/ids.js';
import { pageRequest, pageResult, type PageResult } from '../../core/pagination.js';
import { addMs, iso } from '../../core/time.js';
import type { Database } from '../../db/schema.js';
import { requireSignedIn } from '../accounts/authz.js';
import { mustFindTeam } from '../accounts/teams.js';
import { mustFindService } from '../catalog/services.js';
import { canEditIncident, mustFindIncident, requireIncidentViewer, type IncidentRow } from './access.js';
import { incidentRef, ROLES, STATUSES, type IncidentDetailDto, type IncidentDto, type IncidentRole, type IncidentStatus, type TimelineEntryDto, type UserRefT } from './model.js';
import type { IncidentTables } from './tables.js';

type Db = Kysely<Database>;
type SeverityRow = IncidentTables['incident_severities'];

async function userMap(db: Db, ids: Iterable<string>): Promise<Map<string, UserRefT>> {
  const list = [...new Set(ids)];
  if (!list.length) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'email', 'name']).where('id', 'in', list).execute();
  return new Map(rows.map((r) => [r.id, r]));
}

/** Response-target deadlines: from the declaration, by the incident's current severity. */
export function dueTimes(row: Pick<IncidentRow, 'declared_at'>, sev: Pick<SeverityRow, 'ack_target_minutes' | 'mitigate_target_minutes'> | undefined) {
  const declared = new Date(row.declared_at);
  return {
    ackDue: addMs(declared, (sev?.ack_target_minutes ?? 15) * 60_000),
    mitigateDue: sev?.mitigate_target_minutes ? addMs(declared, sev.mitigate_target_minutes * 60_000) : null,
  };
}

export async function incidentDtos(db: Db, rows: IncidentRow[]): Promise<IncidentDto[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const sevs = new Map((await db.selectFrom('incident_severities').selectAll().execute()).map((s) => [s.key, s]));
  const services = await db
    .selectFrom('incident_services as is')
    .innerJoin('services as s', 's.id', 'is.service_id')
    .select(['is.incident_id', 's.id', 's.slug', 's.name', 's.team_id'])
    .where('is.incident_id', 'in', ids)
    .orderBy('s.slug')
    .execute();
  const roles = await db.selectFrom('incident_roles').selectAll().where('incident_id', 'in', ids).where('ended_at', 'is', null).execute();
  const users = await userMap(db, [...roles.map((r) => r.user_id), ...rows.map((r) => r.declared_by).filter((x): x is string => !!x)]);
  return rows.map((r) => {
    const sev = sevs.get(r.severity);
    const due = dueTimes(r, sev);
    const roleOf = (role: IncidentRole) => {
      const held = roles.find((x) => x.incident_id === r.id && x.role === role);
      return held ? (users.get(held.user_id) ?? null) : null;
    };
    return {
      id: r.id,
      ref: incidentRef(r.number),
      number: r.number,
      title: r.title,
      summary: r.summary,
      severity: r.severity,
      severity_name: sev?.name ?? r.severity,
      status: r.status as IncidentStatus,
      declared_by: r.declared_by ? (users.get(r.declared_by) ?? null) : null,
      declared_at: r.declared_at,
      acknowledged_at: r.acknowledged_at,
      identified_at: r.identified_at,
      mitigated_at: r.mitigated_at,
      resolved_at: r.resolved_at,
      ack_due_at: iso(due.ackDue),
      mitigate_due_at: due.mitigateDue ? iso(due.mitigateDue) : null,
      ack_breached_at: r.ack_breached_at,
      mitigate_breached_at: r.mitigate_breached_at,
      impact: r.impact,
      users_affected: r.users_affected,
      services: services.filter((s) => s.incident_id === r.id).map((s) => ({ id: s.id, slug: s.slug, name: s.name, team_id: s.team_id })),
      roles: { commander: roleOf('commander'), communications: roleOf('communications'), scribe: roleOf('scribe') },
      created_at: r.created_at,
      updated_at: r.updated_at,
    };
  });
}

export async function loadIncident(db: Db, id: string): Promise<IncidentDto> {
  const row = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return (await incidentDtos(db, [row]))[0]!;
}

export interface IncidentQuery {
  limit?: unknown;
  cursor?: unknown;
  status?: unknown;
  severity?: unknown;
  service?: unknown;
  team?: unknown;
  q?: unknown;
  alert_group?: unknown;
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);

/** Newest first (by number). `status=open` means not resolved. */
export async function listIncidents(ctx: Ctx, query: IncidentQuery): Promise<PageResult<IncidentDto>> {
  requireSignedIn(ctx.actor);
  const page = pageRequest(query);
  const { db, dialect } = ctx.deps;
  if (page.after !== null && !/^\d{1,9}$/.test(page.after)) throw fieldError('/cursor', 'Malformed cursor');
  let q = db.selectFrom('incidents').selectAll().orderBy('number', 'desc').limit(page.limit + 1);
  if (page.after) q = q.where('number', '<', Number(page.after));
  const status = str(query.status);
  if (status) {
    const list = status.split(',').map((s) => s.trim().toLowerCase());
    if (list.includes('open')) q = q.where('status', '<>', 'resolved');
    const exact = list.filter((s) => s !== 'open');
    if (exact.some((s) => !(STATUSES as readonly string[]).includes(s))) throw fieldError('/status', `Expected open or one of ${STATUSES.join(', ')}`);
    if (exact.length) q = q.where('status', 'in', exact);
  }
  const severity = str(query.severity);
  if (severity) q = q.where('severity', 'in', severity.split(',').map((s) => s.trim().toUpperCase()));
  const service = str(query.service);
  if (service) {
    const s = await mustFindService(db, service);
    q = q.where('id', 'in', db.selectFrom('incident_services').select('incident_id').where('service_id', '=', s.id));
  }
  const team = str(query.team);
  if (team) {
    const t = await mustFindTeam(db, team);
    q = q.where(
      'id',
      'in',
      db.selectFrom('incident_services as is').innerJoin('services as s', 's.id', 'is.service_id').select('is.incident_id').where('s.team_id', '=', t.id),
    );
  }
  const group = str(query.alert_group);
  if (group) {
    if (!UUID_RE.test(group)) throw fieldError('/alert_group', 'Expected an alert group id');
    q = q.where('id', 'in', db.selectFrom('incident_alert_groups').select('incident_id').where('alert_group_id', '=', group));
  }
  const text = str(query.q);
  if (text) {
    const num = /^(?:inc-)?(\d{1,9})$/i.exec(text);
    const like = `%${text.slice(0, 200).replace(/[%_\\]/g, '')}%`;
    q = q.where((eb) => eb.or([eb('title', dialect.ilike, like), ...(num ? [eb('number', '=', Number(num[1]))] : [])]));
  }
  const rows = await q.execute();
  const dtos = await incidentDtos(db, rows.slice(0, page.limit));
  return pageResult(rows, page, (r) => String(r.number), (r) => dtos.find((d) => d.id === r.id)!);
}

export async function getIncident(ctx: Ctx, idOrRef: string): Promise<IncidentDetailDto> {
  requireSignedIn(ctx.actor);
  const { db } = ctx.deps;
  const row = await mustFindIncident(db, idOrRef);
  await requireIncidentViewer(db, ctx.actor, row.id);
  const [dto] = await incidentDtos(db, [row]);
  const groups = await db
    .selectFrom('incident_alert_groups as l')
    .innerJoin('alert_groups as g', 'g.id', 'l.alert_group_id')
    .innerJoin('services as s', 's.id', 'g.service_id')
    .select(['g.id', 'g.title', 'g.status', 'g.severity', 'g.alert_count', 'g.group_key', 'l.linked_at', 's.id as service_id', 's.slug', 's.name'])
    .where('l.incident_id', '=', row.id)
    .orderBy('l.linked_at')
    .execute();
  const history = await db.selectFrom('incident_roles').selectAll().where('incident_id', '=', row.id).orderBy('assigned_at').orderBy('id').execute();
  const users = await userMap(db, history.map((h) => h.user_id));
  return {
    ...dto!,
    alert_groups: groups.map((g) => ({
      id: g.id,
      title: g.title,
      status: g.status,
      severity: g.severity,
      alert_count: g.alert_count,
      service: { id: g.service_id, slug: g.slug, name: g.name },
      linked_at: g.linked_at,
      raised_by_incident: g.group_key === `dedup:incident:${row.id}`,
    })),
    role_history: history
      .filter((h) => (ROLES as readonly string[]).includes(h.role))
      .map((h) => ({ role: h.role, user: users.get(h.user_id) ?? { id: h.user_id, email: '', name: '(deleted user)' }, assigned_at: h.assigned_at, assigned_by: h.assigned_by, ended_at: h.ended_at })),
    can_edit: await canEditIncident(db, ctx.actor, row.id),
  };
}

export function timelineDto(r: IncidentTables['incident_timeline']): TimelineEntryDto {
  return {
    id: r.id,
    at: r.at,
    kind: r.kind,
    summary: r.summary,
    body: r.body,
    data: fromJson<Record<string, unknown>>(r.data, {}),
    actor: { user_id: r.actor_user_id, label: r.actor_label },
    key_event: !!r.key_event,
    subject: r.subject_type && r.subject_id ? { type: r.subject_type, id: r.subject_id } : null,
    created_at: r.created_at,
  };
}

/** Oldest first (the order the story is read in); `key_events=true` filters to key events. */
export async function getTimeline(ctx: Ctx, idOrRef: string, query: { key_events?: unknown } = {}): Promise<{ data: TimelineEntryDto[] }> {
  requireSignedIn(ctx.actor);
  const row = await mustFindIncident(ctx.deps.db, idOrRef);
  await requireIncidentViewer(ctx.deps.db, ctx.actor, row.id);
  let q = ctx.deps.db.selectFrom('incident_timeline').selectAll().where('incident_id', '=', row.id).orderBy('at').orderBy('created_at').orderBy('id').limit(5000);
  if (query.key_events === 'true' || query.key_events === true) q = q.where('key_event', '=', 1);
  return { data: (await q.execute()).map(timelineDto) };
}
