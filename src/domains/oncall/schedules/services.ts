import type { Kysely } from 'kysely';
import type { Ctx } from '../../../core/context.js';
import { errors, type FieldProblem } from '../../../core/errors.js';
import { newId, randomToken, UUID_RE } from '../../../core/ids.js';
import { fromJson, toJson } from '../../../core/json.js';
import { pageRequest, pageResult, type PageResult } from '../../../core/pagination.js';
import { iso } from '../../../core/time.js';
import { transaction, type Uow } from '../../../core/uow.js';
import { validate } from '../../../core/validate.js';
import type { Database } from '../../../db/schema.js';
import { requireAdmin, requireSignedIn, requireTeamRole, type TeamRole } from '../../accounts/authz.js';
import { authorizeTeamMove, mustFindTeam } from '../../accounts/teams.js';
import { findUserRow } from '../../accounts/users.js';
import {
  finalSchedule,
  renderTimeline,
  scheduleFeedEvents,
  scheduleProblems,
  toICalendar,
  userFeedEvents,
  type FeedSchedule,
  type FinalEntry,
  type Layer,
  type Schedule as EngineSchedule,
} from '../schedule/index.js';
import {
  OverrideCreate,
  ScheduleCreate,
  ScheduleUpdate,
  type OverrideDto,
  type ScheduleCreateT,
  type ScheduleDto,
  type ScheduleUpdateT,
  type UserRefT,
} from './schemas.js';
import type { ScheduleOverridesTable, SchedulesTable } from './tables.js';

type Db = Kysely<Database>;

const DAY = 24 * 3_600_000;
export const MAX_TIMELINE_DAYS = 93;
export const MAX_GAP_DAYS = 90;

// ---------------------------------------------------------------------------------------------------
// Lookups and DTOs

export async function findScheduleRow(db: Db, idOrSlug: string): Promise<SchedulesTable | undefined> {
  const q = db.selectFrom('schedules').selectAll();
  return UUID_RE.test(idOrSlug) ? q.where('id', '=', idOrSlug).executeTakeFirst() : q.where('slug', '=', idOrSlug).executeTakeFirst();
}

export async function mustFindSchedule(db: Db, idOrSlug: string): Promise<SchedulesTable> {
  const s = await findScheduleRow(db, idOrSlug);
  if (!s) throw errors.notFound('Schedule', idOrSlug);
  return s;
}

export const storedLayers = (row: SchedulesTable): Layer[] => fromJson<Layer[]>(row.layers, []);

/** id → {id, email, name}; ids that no longer exist read as '(unknown user)'. */
export async function userRefs(db: Db, ids: Iterable<string>): Promise<Map<string, UserRefT>> {
  const list = [...new Set(ids)];
  const out = new Map<string, UserRefT>();
  if (list.length === 0) return out;
  const rows = await db.selectFrom('users').select(['id', 'email', 'name']).where('id', 'in', list).execute();
  for (const r of rows) out.set(r.id, r);
  for (const id of list) if (!out.has(id)) out.set(id, { id, email: '', name: '(unknown user)' });
  return out;
}

function overrideDto(o: ScheduleOverridesTable, users: Map<string, UserRefT>): OverrideDto {
  return {
    id: o.id,
    schedule_id: o.schedule_id,
    user: users.get(o.user_id)!,
    start: o.start_at,
    end: o.end_at,
    note: o.note,
    created_by: o.created_by,
    created_at: o.created_at,
  };
}

async function toDtos(db: Db, rows: SchedulesTable[], now: Date): Promise<ScheduleDto[]> {
  if (rows.length === 0) return [];
  const teamIds = [...new Set(rows.map((r) => r.team_id).filter((t): t is string => !!t))];
  const teams = teamIds.length ? await db.selectFrom('teams').select(['id', 'slug', 'name']).where('id', 'in', teamIds).execute() : [];
  const overrides = await db
    .selectFrom('schedule_overrides')
    .selectAll()
    .where('schedule_id', 'in', rows.map((r) => r.id))
    .where('end_at', '>', iso(now))
    .orderBy('start_at')
    .orderBy('id')
    .execute();
  const layersById = new Map(rows.map((r) => [r.id, storedLayers(r)]));
  const users = await userRefs(db, [...[...layersById.values()].flatMap((ls) => ls.flatMap((l) => l.participants)), ...overrides.map((o) => o.user_id)]);
  return rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    name: r.name,
    description: r.description,
    team: teams.find((t) => t.id === r.team_id) ?? null,
    time_zone: r.time_zone,
    layers: layersById.get(r.id)!.map((l) => ({
      name: l.name ?? null,
      rotation: l.rotation,
      handoff: l.handoff,
      participants: l.participants.map((id) => users.get(id)!),
      restrictions: l.restrictions ?? [],
    })),
    overrides: overrides.filter((o) => o.schedule_id === r.id).map((o) => overrideDto(o, users)),
    created_at: r.created_at,
    updated_at: r.updated_at,
  }));
}

export async function loadSchedule(db: Db, idOrSlug: string, now: Date): Promise<ScheduleDto> {
  return (await toDtos(db, [await mustFindSchedule(db, idOrSlug)], now))[0]!;
}

/**
 * The engine's view of a stored schedule, with the overrides that touch [from, to). Overrides are listed
 * oldest first, so where they overlap the newer one wins.
 */
export async function engineSchedule(db: Db, row: SchedulesTable, from: number, to: number): Promise<EngineSchedule> {
  const overrides = await db
    .selectFrom('schedule_overrides')
    .select(['user_id', 'start_at', 'end_at'])
    .where('schedule_id', '=', row.id)
    .where('end_at', '>', iso(from))
    .where('start_at', '<', iso(to))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return {
    time_zone: row.time_zone,
    layers: storedLayers(row),
    overrides: overrides.map((o) => ({ user: o.user_id, start: Date.parse(o.start_at), end: Date.parse(o.end_at) })),
  };
}

// ---------------------------------------------------------------------------------------------------
// Authorization

async function requireScheduleRole(db: Db, ctx: Ctx, row: Pick<SchedulesTable, 'team_id'>, min: TeamRole): Promise<void> {
  if (row.team_id) await requireTeamRole(db, ctx.actor, row.team_id, min);
  else requireAdmin(ctx.actor);
}

// ---------------------------------------------------------------------------------------------------
// Reads

export async function listSchedules(ctx: Ctx, query: { limit?: unknown; cursor?: unknown; team?: unknown }): Promise<PageResult<ScheduleDto>> {
  requireSignedIn(ctx.actor);
  const page = pageRequest(query);
  const { db } = ctx.deps;
  let q = db.selectFrom('schedules').selectAll().orderBy('id').limit(page.limit + 1);
  if (page.after) q = q.where('id', '>', page.after);
  if (typeof query.team === 'string' && query.team) q = q.where('team_id', '=', (await mustFindTeam(db, query.team)).id);
  const rows = await q.execute();
  const dtos = await toDtos(db, rows.slice(0, page.limit), ctx.deps.clock.now());
  return pageResult(rows, page, (r) => r.id, (r) => dtos.find((d) => d.id === r.id)!);
}

export async function getSchedule(ctx: Ctx, idOrSlug: string): Promise<ScheduleDto> {
  requireSignedIn(ctx.actor);
  return loadSchedule(ctx.deps.db, idOrSlug, ctx.deps.clock.now());
}

// ---------------------------------------------------------------------------------------------------
// Writes

/**
 * Turns request layers (participants by id or email) into stored layers (ids), checking every user and
 * the schedule's meaning at once, so one 400 lists every problem with its path.
 */
export async function resolveLayers(db: Db, timeZone: string, layers: ScheduleCreateT['layers']): Promise<Layer[]> {
  const problems: FieldProblem[] = [];
  const out: Layer[] = [];
  for (const [i, l] of layers.entries()) {
    const participants: string[] = [];
    for (const [j, ref] of l.participants.entries()) {
      const u = await findUserRow(db, ref);
      if (!u) problems.push({ path: `/layers/${i}/participants/${j}`, message: `Unknown user '${ref}'` });
      else if (u.disabled) problems.push({ path: `/layers/${i}/participants/${j}`, message: `User '${u.email}' is deactivated` });
      participants.push(u?.id ?? ref);
    }
    out.push({
      ...(l.name !== undefined ? { name: l.name } : {}),
      rotation: l.rotation,
      handoff: l.handoff,
      participants,
      ...(l.restrictions?.length ? { restrictions: l.restrictions } : {}),
    });
  }
  problems.push(...scheduleProblems({ time_zone: timeZone, layers: out }));
  const first = problems[0];
  if (first) throw errors.validation(problems, `Invalid field ${first.path}: ${first.message}`);
  return out;
}

export async function createScheduleIn(uow: Uow, data: ScheduleCreateT): Promise<ScheduleDto> {
  const team = data.team !== undefined ? await mustFindTeam(uow.db, data.team) : null;
  await requireScheduleRole(uow.db, uow.ctx, { team_id: team?.id ?? null }, 'manager');
  if (await findScheduleRow(uow.db, data.slug)) throw errors.conflict(`Schedule '${data.slug}' already exists`, { field: 'slug' });
  const layers = await resolveLayers(uow.db, data.time_zone, data.layers);
  const now = iso(uow.now);
  const row: SchedulesTable = {
    id: newId(uow.now.getTime()),
    slug: data.slug,
    name: data.name,
    description: data.description ?? '',
    team_id: team?.id ?? null,
    time_zone: data.time_zone,
    layers: toJson(layers),
    feed_token: randomToken(24),
    created_at: now,
    updated_at: now,
  };
  await uow.db.insertInto('schedules').values(row).execute();
  const dto = await loadSchedule(uow.db, row.id, uow.now);
  await uow.audit({ action: 'schedule.create', targetType: 'schedule', targetId: row.id, after: dto });
  await uow.emit('schedule.created', 'schedule', row.id, { slug: row.slug });
  return dto;
}

export async function createSchedule(ctx: Ctx, input: unknown): Promise<ScheduleDto> {
  const data = validate(ScheduleCreate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => createScheduleIn(uow, data));
}

export async function updateScheduleIn(uow: Uow, idOrSlug: string, data: ScheduleUpdateT): Promise<ScheduleDto> {
  const row = await mustFindSchedule(uow.db, idOrSlug);
  await requireScheduleRole(uow.db, uow.ctx, row, 'manager');
  const before = await loadSchedule(uow.db, row.id, uow.now);
  const patch: Partial<SchedulesTable> = {};
  const newTeam = await authorizeTeamMove(uow.db, uow.ctx.actor, row.team_id, data.team);
  if (newTeam) patch.team_id = newTeam;
  if (data.name !== undefined && data.name !== row.name) patch.name = data.name;
  if (data.description !== undefined && data.description !== row.description) patch.description = data.description;
  const zone = data.time_zone ?? row.time_zone;
  if (data.time_zone !== undefined && data.time_zone !== row.time_zone) patch.time_zone = data.time_zone;
  if (data.layers !== undefined || patch.time_zone !== undefined) {
    // A new zone re-reads the stored handoffs and windows, so check the whole schedule again.
    const layers = data.layers !== undefined ? await resolveLayers(uow.db, zone, data.layers) : storedLayers(row);
    if (data.layers === undefined) {
      const problems = scheduleProblems({ time_zone: zone, layers });
      if (problems.length) throw errors.validation(problems);
    }
    if (toJson(layers) !== row.layers) patch.layers = toJson(layers);
  }
  if (Object.keys(patch).length === 0) return before;
  patch.updated_at = iso(uow.now);
  await uow.db.updateTable('schedules').set(patch).where('id', '=', row.id).execute();
  const after = await loadSchedule(uow.db, row.id, uow.now);
  await uow.audit({ action: 'schedule.update', targetType: 'schedule', targetId: row.id, before, after });
  await uow.emit('schedule.updated', 'schedule', row.id, { slug: row.slug, fields: Object.keys(patch).filter((k) => k !== 'updated_at') });
  return after;
}

export async function updateSchedule(ctx: Ctx, idOrSlug: string, input: unknown): Promise<ScheduleDto> {
  const data = validate(ScheduleUpdate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => updateScheduleIn(uow, idOrSlug, data));
}

export async function deleteSchedule(ctx: Ctx, idOrSlug: string): Promise<void> {
  requireSignedIn(ctx.actor);
  await transaction(ctx, async (uow) => {
    const row = await mustFindSchedule(uow.db, idOrSlug);
    await requireScheduleRole(uow.db, ctx, row, 'manager');
    const before = await loadSchedule(uow.db, row.id, uow.now);
    await uow.db.deleteFrom('schedule_overrides').where('schedule_id', '=', row.id).execute();
    await uow.db.deleteFrom('schedules').where('id', '=', row.id).execute();
    await uow.audit({ action: 'schedule.delete', targetType: 'schedule', targetId: row.id, before });
    await uow.emit('schedule.deleted', 'schedule', row.id, { slug: row.slug });
  });
}

/** Responders of the owning team may set anyone's override; anyone may cover a shift themselves. */
async function requireOverrideRight(db: Db, ctx: Ctx, row: SchedulesTable, ...selfIds: (string | null)[]): Promise<void> {
  requireSignedIn(ctx.actor);
  if (ctx.actor.kind === 'user' && selfIds.includes(ctx.actor.userId)) return;
  await requireScheduleRole(db, ctx, row, 'responder');
}

export async function createOverride(ctx: Ctx, idOrSlug: string, input: unknown): Promise<OverrideDto> {
  const data = validate(OverrideCreate, input);
  requireSignedIn(ctx.actor);
  const start = Date.parse(data.start);
  const end = Date.parse(data.end);
  if (!(end > start)) throw errors.validation([{ path: '/end', message: 'Must be after start' }]);
  if (end - start > 366 * DAY) throw errors.validation([{ path: '/end', message: 'An override lasts at most 366 days' }]);
  return transaction(ctx, async (uow) => {
    const row = await mustFindSchedule(uow.db, idOrSlug);
    const user = await findUserRow(uow.db, data.user);
    if (!user) throw errors.validation([{ path: '/user', message: `Unknown user '${data.user}'` }]);
    if (user.disabled) throw errors.validation([{ path: '/user', message: `User '${user.email}' is deactivated` }]);
    await requireOverrideRight(uow.db, ctx, row, user.id);
    const o: ScheduleOverridesTable = {
      id: newId(uow.now.getTime()),
      schedule_id: row.id,
      user_id: user.id,
      start_at: iso(start),
      end_at: iso(end),
      created_by: ctx.actor.kind === 'user' ? ctx.actor.userId : null,
      note: data.note ?? '',
      created_at: iso(uow.now),
    };
    await uow.db.insertInto('schedule_overrides').values(o).execute();
    const dto = overrideDto(o, await userRefs(uow.db, [user.id]));
    await uow.audit({ action: 'schedule.override_create', targetType: 'schedule', targetId: row.id, after: dto });
    await uow.emit('schedule.override_created', 'schedule', row.id, { slug: row.slug, override_id: o.id, user_id: user.id, start: o.start_at, end: o.end_at });
    return dto;
  });
}

export async function deleteOverride(ctx: Ctx, idOrSlug: string, overrideId: string): Promise<void> {
  requireSignedIn(ctx.actor);
  await transaction(ctx, async (uow) => {
    const row = await mustFindSchedule(uow.db, idOrSlug);
    const o = UUID_RE.test(overrideId)
      ? await uow.db.selectFrom('schedule_overrides').selectAll().where('id', '=', overrideId).where('schedule_id', '=', row.id).executeTakeFirst()
      : undefined;
    if (!o) throw errors.notFound('Override', overrideId);
    await requireOverrideRight(uow.db, ctx, row, o.user_id, o.created_by);
    await uow.db.deleteFrom('schedule_overrides').where('id', '=', o.id).execute();
    const before = overrideDto(o, await userRefs(uow.db, [o.user_id]));
    await uow.audit({ action: 'schedule.override_delete', targetType: 'schedule', targetId: row.id, before });
    await uow.emit('schedule.override_deleted', 'schedule', row.id, { slug: row.slug, override_id: o.id, user_id: o.user_id });
  });
}

// ---------------------------------------------------------------------------------------------------
// Who is on call

function parseInstant(value: unknown, path: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw errors.validation([{ path, message: 'Expected an ISO-8601 date-time' }]);
  return ms;
}

/** The user ids on call on the schedule at the instant (empty in a gap). For escalation and notification. */
export async function usersOnCall(db: Db, scheduleId: string, at: Date | number): Promise<UserRefT[]> {
  const row = await mustFindSchedule(db, scheduleId);
  const t = typeof at === 'number' ? at : at.getTime();
  const entries = finalSchedule(await engineSchedule(db, row, t, t + 1), t, t + 1);
  const users = await userRefs(db, entries.map((e) => e.user_id));
  return entries.map((e) => users.get(e.user_id)!);
}

interface OnCallState {
  on_call: UserRefT[];
  until: string | null;
  next: { user: UserRefT; start: string; end: string } | null;
}

/** Who is on at `at`, until when, and who comes next (looking two weeks ahead). */
async function onCallState(db: Db, row: SchedulesTable, at: number): Promise<OnCallState> {
  const horizon = at + 14 * DAY;
  const entries = finalSchedule(await engineSchedule(db, row, at, horizon), at, horizon);
  const current = entries.filter((e) => e.start <= at && at < e.end);
  // Entries never overlap, so the first one starting after `at` is the next shift (after the current one or the gap).
  const upcoming = entries.find((e) => e.start > at);
  const users = await userRefs(db, entries.map((e) => e.user_id));
  const cur = current[0];
  return {
    on_call: current.map((e) => users.get(e.user_id)!),
    until: cur ? (cur.end < horizon ? iso(cur.end) : null) : upcoming ? iso(upcoming.start) : null,
    next: upcoming ? { user: users.get(upcoming.user_id)!, start: iso(upcoming.start), end: iso(upcoming.end) } : null,
  };
}

export async function getOnCall(ctx: Ctx, idOrSlug: string, query: { at?: unknown }) {
  requireSignedIn(ctx.actor);
  const at = parseInstant(query.at, '/at', ctx.deps.clock.now().getTime());
  const row = await mustFindSchedule(ctx.deps.db, idOrSlug);
  return { at: iso(at), ...(await onCallState(ctx.deps.db, row, at)) };
}

/** For every schedule (by slug), who is on call at `at` (default now). */
export async function onCallNow(ctx: Ctx, query: { at?: unknown } = {}) {
  requireSignedIn(ctx.actor);
  const at = parseInstant(query.at, '/at', ctx.deps.clock.now().getTime());
  const { db } = ctx.deps;
  const rows = await db.selectFrom('schedules').selectAll().orderBy('slug').execute();
  const teamIds = [...new Set(rows.map((r) => r.team_id).filter((t): t is string => !!t))];
  const teams = teamIds.length ? await db.selectFrom('teams').select(['id', 'slug', 'name']).where('id', 'in', teamIds).execute() : [];
  const schedules = [];
  for (const r of rows) {
    schedules.push({
      schedule: { id: r.id, slug: r.slug, name: r.name, team: teams.find((t) => t.id === r.team_id) ?? null },
      ...(await onCallState(db, r, at)),
    });
  }
  return { at: iso(at), schedules };
}

function window(query: { from?: unknown; to?: unknown }, now: number, defaultDays: number, maxDays: number) {
  const from = parseInstant(query.from, '/from', now);
  let to = parseInstant(query.to, '/to', from + defaultDays * DAY);
  if (to <= from) throw errors.validation([{ path: '/to', message: 'Must be after from' }]);
  if (to - from > maxDays * DAY) to = from + maxDays * DAY;
  return { from, to };
}

export async function getTimeline(ctx: Ctx, idOrSlug: string, query: { from?: unknown; to?: unknown }) {
  requireSignedIn(ctx.actor);
  const { db } = ctx.deps;
  const { from, to } = window(query, ctx.deps.clock.now().getTime(), 14, MAX_TIMELINE_DAYS);
  const row = await mustFindSchedule(db, idOrSlug);
  const overrides = await db
    .selectFrom('schedule_overrides')
    .select(['id', 'user_id', 'start_at', 'end_at'])
    .where('schedule_id', '=', row.id)
    .where('end_at', '>', iso(from))
    .where('start_at', '<', iso(to))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const schedule: EngineSchedule = {
    time_zone: row.time_zone,
    layers: storedLayers(row),
    overrides: overrides.map((o) => ({ user: o.user_id, start: Date.parse(o.start_at), end: Date.parse(o.end_at) })),
  };
  const t = renderTimeline(schedule, from, to);
  const users = await userRefs(db, [...t.final.map((e) => e.user_id), ...t.layers.flatMap((l) => l.entries.map((e) => e.user_id)), ...overrides.map((o) => o.user_id)]);
  const span = (e: { start: number; end: number }) => ({ start: iso(e.start), end: iso(e.end) });
  return {
    schedule: { id: row.id, slug: row.slug, name: row.name, time_zone: row.time_zone },
    from: iso(from),
    to: iso(to),
    layers: t.layers.map((l) => ({
      index: l.index,
      name: l.name,
      entries: l.entries.map((e) => ({ ...span(e), user: users.get(e.user_id)!, turn: e.turn, position: e.position })),
    })),
    overrides: t.overrides.map((o) => ({ ...span(o), user: users.get(o.user_id)!, override_id: overrides[o.index]!.id })),
    final: t.final.map((e) => ({ ...span(e), user: users.get(e.user_id)!, source: e.source })),
    gaps: t.gaps.map(span),
  };
}

export async function getGaps(ctx: Ctx, idOrSlug: string, query: { days?: unknown }) {
  requireSignedIn(ctx.actor);
  let days = 14;
  if (query.days !== undefined && query.days !== '') {
    days = Number(query.days);
    if (!Number.isInteger(days) || days < 1 || days > MAX_GAP_DAYS) {
      throw errors.validation([{ path: '/days', message: `Expected a whole number from 1 to ${MAX_GAP_DAYS}` }]);
    }
  }
  const row = await mustFindSchedule(ctx.deps.db, idOrSlug);
  const from = ctx.deps.clock.now().getTime();
  const to = from + days * DAY;
  const entries = finalSchedule(await engineSchedule(ctx.deps.db, row, from, to), from, to);
  const gaps: { start: string; end: string }[] = [];
  let cursor = from;
  for (const e of entries) {
    if (e.start > cursor) gaps.push({ start: iso(cursor), end: iso(e.start) });
    cursor = Math.max(cursor, e.end);
  }
  if (cursor < to) gaps.push({ start: iso(cursor), end: iso(to) });
  return { from: iso(from), to: iso(to), gaps };
}

// ---------------------------------------------------------------------------------------------------
// Calendar feeds

const schedulePath = (token: string) => `/ical/schedules/${token}.ics`;
const userPath = (token: string) => `/ical/users/${token}.ics`;
const feedUrl = (ctx: Ctx, path: string) => ({ path, url: ctx.deps.config.publicUrl + path });

/** UTC midnight 7 days ago to 60 days after today's UTC midnight: a stable window, so UIDs rarely move. */
function feedWindow(now: Date): { from: number; to: number } {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return { from: midnight - 7 * DAY, to: midnight + 60 * DAY };
}

async function feedSchedule(db: Db, row: SchedulesTable, from: number, to: number): Promise<FeedSchedule & { entries: FinalEntry[] }> {
  const schedule = await engineSchedule(db, row, from, to);
  return { id: row.id, name: row.name, entries: finalSchedule(schedule, from, to), layerNames: schedule.layers.map((l) => l.name ?? null) };
}

const tokenFromFile = (file: string) => (/^[A-Za-z0-9_-]{16,100}\.ics$/.test(file) ? file.slice(0, -4) : null);

/** The schedule's calendar, for the secret token in its URL (no other credential). */
export async function scheduleCalendar(ctx: Ctx, file: string): Promise<string> {
  const token = tokenFromFile(file);
  const row = token ? await ctx.deps.db.selectFrom('schedules').selectAll().where('feed_token', '=', token).executeTakeFirst() : undefined;
  if (!row) throw errors.notFound('Calendar feed');
  const now = ctx.deps.clock.now();
  const { from, to } = feedWindow(now);
  const fs = await feedSchedule(ctx.deps.db, row, from, to);
  const users = await userRefs(ctx.deps.db, fs.entries.map((e) => e.user_id));
  const events = scheduleFeedEvents(fs, (id) => users.get(id)?.name || users.get(id)?.email || id);
  return toICalendar({ name: `On call: ${row.name}`, events, stamp: now.getTime() });
}

/** One user's turns on every schedule, for the secret token in their personal feed URL. */
export async function userCalendar(ctx: Ctx, file: string): Promise<string> {
  const token = tokenFromFile(file);
  const { db } = ctx.deps;
  const owner = token ? await db.selectFrom('user_feed_tokens').select('user_id').where('token', '=', token).executeTakeFirst() : undefined;
  const user = owner ? await db.selectFrom('users').select(['id', 'name', 'disabled']).where('id', '=', owner.user_id).executeTakeFirst() : undefined;
  if (!user || user.disabled) throw errors.notFound('Calendar feed');
  const now = ctx.deps.clock.now();
  const { from, to } = feedWindow(now);
  const rows = await db.selectFrom('schedules').selectAll().orderBy('slug').execute();
  const schedules: FeedSchedule[] = [];
  for (const r of rows) {
    if (!storedLayers(r).some((l) => l.participants.includes(user.id))) {
      // Only overrides can put them on this schedule; skip the computation when they have none.
      const any = await db.selectFrom('schedule_overrides').select('id').where('schedule_id', '=', r.id).where('user_id', '=', user.id)
        .where('end_at', '>', iso(from)).where('start_at', '<', iso(to)).executeTakeFirst();
      if (!any) continue;
    }
    schedules.push(await feedSchedule(db, r, from, to));
  }
  return toICalendar({ name: `On call: ${user.name}`, events: userFeedEvents(user.id, schedules), stamp: now.getTime() });
}

export async function getScheduleFeed(ctx: Ctx, idOrSlug: string) {
  requireSignedIn(ctx.actor);
  const row = await mustFindSchedule(ctx.deps.db, idOrSlug);
  return feedUrl(ctx, schedulePath(row.feed_token));
}

/** A new secret for the schedule's feed; the old URL stops working. Managers of the owning team. */
export async function rotateScheduleFeed(ctx: Ctx, idOrSlug: string) {
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const row = await mustFindSchedule(uow.db, idOrSlug);
    await requireScheduleRole(uow.db, ctx, row, 'manager');
    const token = randomToken(24);
    await uow.db.updateTable('schedules').set({ feed_token: token }).where('id', '=', row.id).execute();
    await uow.audit({ action: 'schedule.feed_rotate', targetType: 'schedule', targetId: row.id });
    return feedUrl(ctx, schedulePath(token));
  });
}

function requireUser(ctx: Ctx): string {
  requireSignedIn(ctx.actor);
  if (ctx.actor.kind !== 'user') throw errors.badRequest('Only a signed-in user has a personal calendar feed');
  return ctx.actor.userId;
}

/** The caller's personal feed URL, created on first use. */
export async function getMyFeed(ctx: Ctx) {
  const userId = requireUser(ctx);
  const existing = await ctx.deps.db.selectFrom('user_feed_tokens').select('token').where('user_id', '=', userId).executeTakeFirst();
  if (existing) return feedUrl(ctx, userPath(existing.token));
  return rotateMyFeed(ctx);
}

export async function rotateMyFeed(ctx: Ctx) {
  const userId = requireUser(ctx);
  return transaction(ctx, async (uow) => {
    const token = randomToken(24);
    const had = await uow.db.selectFrom('user_feed_tokens').select('user_id').where('user_id', '=', userId).executeTakeFirst();
    if (had) await uow.db.updateTable('user_feed_tokens').set({ token, created_at: iso(uow.now) }).where('user_id', '=', userId).execute();
    else await uow.db.insertInto('user_feed_tokens').values({ user_id: userId, token, created_at: iso(uow.now) }).execute();
    await uow.audit({ action: had ? 'user.feed_rotate' : 'user.feed_create', targetType: 'user', targetId: userId });
    return feedUrl(ctx, userPath(token));
  });
}
