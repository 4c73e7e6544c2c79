import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { newId, UUID_RE } from '../../core/ids.js';
import { pageRequest, pageResult, type PageResult } from '../../core/pagination.js';
import { Id, Nullable, Timestamp } from '../../core/schemas.js';
import { iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import { validate } from '../../core/validate.js';
import type { Database } from '../../db/schema.js';
import { findUserRow } from '../accounts/users.js';
import { canEditIncident, mustFindIncident, requireIncidentEditor, requireIncidentViewer } from './access.js';
import { isValidDate, overdueAt } from './calendar.js';
import { AI_STATUSES, IncidentRef, incidentRefs, OPEN_AI_STATUSES, PRIORITIES, UserRef, userRefs } from './model.js';
import { armActionItemTimer } from './reminders.js';
import type { PostmortemTables } from './tables.js';

type Db = Kysely<Database>;
type ItemRow = PostmortemTables['action_items'];

const DueDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Calendar date YYYY-MM-DD (UTC); overdue from the next day' });
const Priority = Type.Union(PRIORITIES.map((p) => Type.Literal(p)), { description: 'P1 (most urgent) to P4' });
const Status = Type.Union(AI_STATUSES.map((s) => Type.Literal(s)));
const UserField = Type.String({ minLength: 1, maxLength: 254, description: "User id, email or 'me'" });

export const ActionItem = Type.Object({
  id: Id,
  incident: IncidentRef,
  postmortem_id: Nullable(Id),
  title: Type.String(),
  description: Type.String({ description: 'Markdown' }),
  owner: Nullable(UserRef),
  due_date: Nullable(Type.String()),
  priority: Type.String(),
  status: Type.String(),
  overdue: Type.Boolean(),
  completed_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
  can_edit: Type.Boolean(),
});
export type ActionItemDto = Static<typeof ActionItem>;

export const ActionItemCreate = Type.Object(
  {
    incident: Type.String({ minLength: 1, maxLength: 100, description: 'Incident id or INC-<n>' }),
    postmortem: Type.Optional(Nullable(Id)),
    title: Type.String({ minLength: 1, maxLength: 300 }),
    description: Type.Optional(Type.String({ maxLength: 20_000 })),
    owner: Type.Optional(Nullable(UserField)),
    due_date: Type.Optional(Nullable(DueDate)),
    priority: Type.Optional(Priority),
    status: Type.Optional(Status),
  },
  { additionalProperties: false },
);
export const ActionItemUpdate = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    description: Type.Optional(Type.String({ maxLength: 20_000 })),
    owner: Type.Optional(Nullable(UserField)),
    due_date: Type.Optional(Nullable(DueDate)),
    priority: Type.Optional(Priority),
    status: Type.Optional(Status),
  },
  { additionalProperties: false },
);

export const ActionItemQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    status: Type.Optional(Type.String({ description: 'Comma-separated: open, in_progress, done, wont_do' })),
    owner: Type.Optional(Type.String({ description: "User id, email or 'me'" })),
    service: Type.Optional(Type.String({ description: 'Service id or slug (items of incidents on it)' })),
    team: Type.Optional(Type.String({ description: 'Team id or slug (items of incidents on its services)' })),
    incident: Type.Optional(Type.String({ description: 'Incident id or INC-<n>' })),
    postmortem: Type.Optional(Type.String()),
    overdue: Type.Optional(Type.String({ description: "'true': open items past their due date" })),
  },
  { additionalProperties: true },
);

function checkDate(field: string, v: string | null | undefined): void {
  if (v && !isValidDate(v)) throw errors.validation([{ path: `/${field}`, message: 'Not a real calendar date' }]);
}

export async function resolveUser(ctx: Ctx, db: Db, ref: string, field: string): Promise<string> {
  if (ref === 'me') {
    if (ctx.actor.kind !== 'user') throw errors.validation([{ path: `/${field}`, message: "'me' needs a signed-in user" }]);
    return ctx.actor.userId;
  }
  const u = await findUserRow(db, ref);
  if (!u) throw errors.validation([{ path: `/${field}`, message: `No user '${ref}'` }]);
  return u.id;
}

export async function toActionItemDtos(ctx: Ctx, db: Db, rows: ItemRow[]): Promise<ActionItemDto[]> {
  const users = await userRefs(db, rows.map((r) => r.owner_id));
  const incs = await incidentRefs(db, rows.map((r) => r.incident_id));
  const editable = new Map<string, boolean>();
  for (const id of new Set(rows.map((r) => r.incident_id))) editable.set(id, await canEditIncident(db, ctx.actor, id));
  const now = ctx.deps.clock.now();
  return rows.map((r) => ({
    id: r.id,
    incident: incs.get(r.incident_id)!,
    postmortem_id: r.postmortem_id,
    title: r.title,
    description: r.description,
    owner: r.owner_id ? (users.get(r.owner_id) ?? null) : null,
    due_date: r.due_date,
    priority: r.priority,
    status: r.status,
    overdue: isOverdue(r, now),
    completed_at: r.completed_at,
    created_at: r.created_at,
    updated_at: r.updated_at,
    can_edit: editable.get(r.incident_id)! || (ctx.actor.kind === 'user' && ctx.actor.userId === r.owner_id),
  }));
}

export function isOverdue(r: Pick<ItemRow, 'status' | 'due_date'>, now: Date): boolean {
  return OPEN_AI_STATUSES.includes(r.status) && !!r.due_date && overdueAt(r.due_date) <= now;
}

async function mustFindItem(db: Db, id: string): Promise<ItemRow> {
  const row = UUID_RE.test(id) ? await db.selectFrom('action_items').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw errors.notFound('Action item', id);
  return row;
}

export async function getActionItem(ctx: Ctx, id: string): Promise<ActionItemDto> {
  requireIncidentViewer(ctx.actor);
  return (await toActionItemDtos(ctx, ctx.deps.db, [await mustFindItem(ctx.deps.db, id)]))[0]!;
}

export async function listActionItems(ctx: Ctx, query: Record<string, unknown>): Promise<PageResult<ActionItemDto>> {
  requireIncidentViewer(ctx.actor);
  const page = pageRequest(query);
  const { db } = ctx.deps;
  const str = (k: string) => (typeof query[k] === 'string' && query[k] !== '' ? (query[k] as string) : undefined);
  let q = db.selectFrom('action_items').selectAll().orderBy('id').limit(page.limit + 1);
  if (page.after) q = q.where('id', '>', page.after);
  const status = str('status');
  if (status) {
    const list = status.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = list.find((s) => !(AI_STATUSES as readonly string[]).includes(s));
    if (bad) throw errors.validation([{ path: '/status', message: `Unknown status '${bad}'` }]);
    if (list.length) q = q.where('status', 'in', list);
  }
  const owner = str('owner');
  if (owner) q = q.where('owner_id', '=', await resolveUser(ctx, db, owner, 'owner'));
  const incident = str('incident');
  if (incident) q = q.where('incident_id', '=', (await mustFindIncident(db, incident)).id);
  const postmortem = str('postmortem');
  if (postmortem) q = q.where('postmortem_id', '=', UUID_RE.test(postmortem) ? postmortem : '');
  const serviceIds = await scopeServiceIds(db, str('service'), str('team'));
  if (serviceIds) {
    q = q.where('incident_id', 'in', (eb) => eb.selectFrom('incident_services').select('incident_id').where('service_id', 'in', serviceIds.length ? serviceIds : ['']));
  }
  const overdue = str('overdue');
  if (overdue === 'true' || overdue === '1') {
    // Due before today (UTC): overdue from the day after the due date.
    q = q.where('status', 'in', OPEN_AI_STATUSES).where('due_date', '<', iso(ctx.deps.clock.now()).slice(0, 10));
  } else if (overdue !== undefined && overdue !== 'false' && overdue !== '0') {
    throw errors.validation([{ path: '/overdue', message: "Expected 'true' or 'false'" }]);
  }
  const rows = await q.execute();
  const dtos = await toActionItemDtos(ctx, db, rows.slice(0, page.limit));
  return pageResult(rows, page, (r) => r.id, (r) => dtos.find((d) => d.id === r.id)!);
}

/** Services selected by a service and/or team filter (intersection); undefined when neither is given. */
export async function scopeServiceIds(db: Db, service: string | undefined, team: string | undefined): Promise<string[] | undefined> {
  if (!service && !team) return undefined;
  let q = db.selectFrom('services').select('services.id');
  if (service) q = q.where((eb) => (UUID_RE.test(service) ? eb('services.id', '=', service) : eb('services.slug', '=', service)));
  if (team) {
    const t = await db.selectFrom('teams').select('id').where((eb) => (UUID_RE.test(team) ? eb('id', '=', team) : eb('slug', '=', team))).executeTakeFirst();
    if (!t) throw errors.notFound('Team', team);
    q = q.where('services.team_id', '=', t.id);
  }
  const ids = (await q.execute()).map((r) => r.id);
  if (service && !team && ids.length === 0) throw errors.notFound('Service', service);
  return ids;
}

export async function createActionItemIn(uow: Uow, data: Static<typeof ActionItemCreate>): Promise<ItemRow> {
  const ctx = uow.ctx;
  checkDate('due_date', data.due_date);
  const incident = await mustFindIncident(uow.db, data.incident);
  await requireIncidentEditor(uow.db, ctx.actor, incident.id);
  let postmortemId: string | null = null;
  if (data.postmortem) {
    const pm = await uow.db.selectFrom('postmortems').select(['id', 'incident_id']).where('id', '=', data.postmortem).executeTakeFirst();
    if (!pm) throw errors.validation([{ path: '/postmortem', message: `No postmortem '${data.postmortem}'` }]);
    if (pm.incident_id !== incident.id) throw errors.validation([{ path: '/postmortem', message: 'The postmortem belongs to another incident' }]);
    postmortemId = pm.id;
  } else {
    // Items of an incident that has a postmortem belong to it.
    postmortemId = (await uow.db.selectFrom('postmortems').select('id').where('incident_id', '=', incident.id).executeTakeFirst())?.id ?? null;
  }
  const ownerId = data.owner ? await resolveUser(ctx, uow.db, data.owner, 'owner') : null;
  const now = iso(uow.now);
  const status = data.status ?? 'open';
  const row: ItemRow = {
    id: newId(uow.now.getTime()),
    incident_id: incident.id,
    postmortem_id: postmortemId,
    title: data.title,
    description: data.description ?? '',
    owner_id: ownerId,
    due_date: data.due_date ?? null,
    priority: data.priority ?? 'P3',
    status,
    completed_at: status === 'done' ? now : null,
    reminded_due_date: null,
    created_by: ctx.actor.kind === 'user' ? ctx.actor.userId : null,
    created_at: now,
    updated_at: now,
  };
  await uow.db.insertInto('action_items').values(row).execute();
  await armActionItemTimer(uow, row);
  await uow.audit({ action: 'action_item.create', targetType: 'action_item', targetId: row.id, after: row });
  await uow.emit('action_item.created', 'action_item', row.id, { incident_id: incident.id, postmortem_id: postmortemId });
  return row;
}

export async function createActionItem(ctx: Ctx, input: unknown): Promise<ActionItemDto> {
  const data = validate(ActionItemCreate, input);
  const row = await transaction(ctx, (uow) => createActionItemIn(uow, data));
  return (await toActionItemDtos(ctx, ctx.deps.db, [row]))[0]!;
}

/** Team responders edit everything; the owner may also update their own item (status, dates). */
export async function updateActionItem(ctx: Ctx, id: string, input: unknown): Promise<ActionItemDto> {
  const data = validate(ActionItemUpdate, input);
  checkDate('due_date', data.due_date);
  const row = await transaction(ctx, async (uow) => {
    const before = await mustFindItem(uow.db, id);
    const isOwner = ctx.actor.kind === 'user' && ctx.actor.userId === before.owner_id;
    if (!isOwner) await requireIncidentEditor(uow.db, ctx.actor, before.incident_id);
    const now = iso(uow.now);
    const patch: Partial<ItemRow> = { updated_at: now };
    if (data.title !== undefined) patch.title = data.title;
    if (data.description !== undefined) patch.description = data.description;
    if (data.priority !== undefined) patch.priority = data.priority;
    if (data.due_date !== undefined) patch.due_date = data.due_date;
    if (data.owner !== undefined) patch.owner_id = data.owner ? await resolveUser(ctx, uow.db, data.owner, 'owner') : null;
    if (data.status !== undefined && data.status !== before.status) {
      patch.status = data.status;
      patch.completed_at = data.status === 'done' ? now : null;
    }
    const after = { ...before, ...patch };
    await uow.db.updateTable('action_items').set(patch).where('id', '=', before.id).execute();
    if (after.status !== before.status || after.due_date !== before.due_date) await armActionItemTimer(uow, after);
    await uow.audit({ action: 'action_item.update', targetType: 'action_item', targetId: before.id, before, after });
    await uow.emit('action_item.updated', 'action_item', before.id, { incident_id: before.incident_id, status: after.status });
    return after;
  });
  return (await toActionItemDtos(ctx, ctx.deps.db, [row]))[0]!;
}
