import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { actorLabel, isPrivileged } from '../../core/actor.js';
import { LoadingValue, perApp } from '../../core/cache.js';
import type { AppDeps, Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { fromJson, toJson } from '../../core/json.js';
import { pageRequest, pageResult, type PageResult } from '../../core/pagination.js';
import { Id, Nullable, Timestamp } from '../../core/schemas.js';
import { iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import { validate } from '../../core/validate.js';
import type { Database, SilencesTable } from '../../db/schema.js';
import { requireSignedIn } from '../accounts/authz.js';
import { mustFindService } from '../catalog/services.js';
import { anchored, isValidRegex } from './matching.js';
import { AlertWorkset, type AlertActor } from './workset.js';

/** Alertmanager's matcher: `name` `=`/`!=`/`=~`/`!~` `value`, regexes fully anchored. */
const Matcher = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    value: Type.String({ maxLength: 500 }),
    is_regex: Type.Optional(Type.Boolean()),
    is_equal: Type.Optional(Type.Boolean({ description: 'false negates the match (!= or !~)' })),
  },
  { additionalProperties: false },
);
type MatcherT = Static<typeof Matcher>;

export const Silence = Type.Object({
  id: Id,
  service_id: Nullable(Id),
  matchers: Type.Array(Matcher),
  starts_at: Timestamp,
  ends_at: Timestamp,
  created_by: Type.String(),
  comment: Type.String(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('expired')]),
  created_at: Timestamp,
  updated_at: Timestamp,
});
type SilenceDto = Static<typeof Silence>;

export const SilenceCreate = Type.Object(
  {
    service: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Limit to one service (slug or id)' })),
    matchers: Type.Array(Matcher, { minItems: 1, maxItems: 20 }),
    starts_at: Type.Optional(Type.String({ format: 'date-time' })),
    ends_at: Type.String({ format: 'date-time' }),
    comment: Type.String({ minLength: 1, maxLength: 2000 }),
  },
  { additionalProperties: false },
);

function stateOf(s: SilencesTable, now: string): SilenceDto['state'] {
  if (s.ends_at <= now) return 'expired';
  return s.starts_at > now ? 'pending' : 'active';
}

function toDto(s: SilencesTable, now: string): SilenceDto {
  return { ...s, matchers: fromJson(s.matchers, []), state: stateOf(s, now) };
}

export function matchesSilence(matchers: MatcherT[], labels: Record<string, string>): boolean {
  return matchers.every((m) => {
    const v = labels[m.name] ?? '';
    const hit = m.is_regex ? !!anchored(m.value)?.test(v) : v === m.value;
    return m.is_equal === false ? !hit : hit;
  });
}

interface ActiveSilence {
  id: string;
  serviceId: string | null;
  matchers: MatcherT[];
  startsAt: string;
  endsAt: string;
}

const activeCache = (deps: AppDeps) =>
  perApp(deps, 'alerts.silences', () => new LoadingValue(() => loadActive(deps, deps.db), 2000));

async function loadActive(deps: AppDeps, db: Kysely<Database>): Promise<ActiveSilence[]> {
  const rows = await db.selectFrom('silences').selectAll().where('ends_at', '>', iso(deps.clock.now())).execute();
  return rows.map((r) => ({ id: r.id, serviceId: r.service_id, matchers: fromJson(r.matchers, []), startsAt: r.starts_at, endsAt: r.ends_at }));
}

/** The id of a silence covering these labels on this service right now, or null. */
export async function silencedBy(deps: AppDeps, serviceId: string, labels: Record<string, string>): Promise<string | null> {
  return coveringSilence(await activeCache(deps).get(), iso(deps.clock.now()), serviceId, labels);
}

function coveringSilence(list: ActiveSilence[], now: string, serviceId: string, labels: Record<string, string>): string | null {
  for (const s of list) {
    if (s.startsAt > now || s.endsAt <= now) continue;
    if (s.serviceId && s.serviceId !== serviceId) continue;
    if (matchesSilence(s.matchers, labels)) return s.id;
  }
  return null;
}

/** Silences are shared tools, as in Alertmanager: any responder (or admin) may create or expire one. */
async function requireResponder(uow: Uow): Promise<void> {
  requireSignedIn(uow.ctx.actor);
  if (isPrivileged(uow.ctx.actor) || uow.ctx.actor.kind !== 'user') return;
  const row = await uow.db
    .selectFrom('team_members')
    .select('role')
    .where('user_id', '=', uow.ctx.actor.userId)
    .where('role', 'in', ['responder', 'manager'])
    .executeTakeFirst();
  if (!row) throw errors.forbidden('Silences need the responder role on at least one team');
}

const systemActor = (uow: Uow): AlertActor => ({
  type: uow.ctx.actor.kind === 'user' ? 'user' : 'system',
  id: uow.ctx.actor.kind === 'user' ? uow.ctx.actor.userId : null,
  label: actorLabel(uow.ctx.actor),
  origin: uow.ctx.actor.kind === 'system' ? 'engine' : 'api',
});

/**
 * Re-evaluates silencing of every open alert (after a silence starts, changes or ends), so paging
 * stops for newly silenced groups and resumes for groups whose silence ended.
 */
export async function resweepSilences(uow: Uow): Promise<void> {
  activeCache(uow.ctx.deps).clear();
  // Read through the transaction: it holds the silence change that is not committed yet.
  const silences = await loadActive(uow.ctx.deps, uow.db);
  const now = iso(uow.now);
  const open = await uow.db.selectFrom('alerts').select(['id', 'service_id', 'labels', 'silenced_by']).where('status', '<>', 'resolved').execute();
  const changes: { id: string; silence: string | null }[] = [];
  for (const a of open) {
    const s = coveringSilence(silences, now, a.service_id, fromJson(a.labels, {}));
    if (s !== a.silenced_by) changes.push({ id: a.id, silence: s });
  }
  if (changes.length === 0) return;
  const ws = await AlertWorkset.open(uow);
  await ws.loadAlerts(changes.map((c) => c.id));
  for (const c of changes) ws.setSilenced(c.id, c.silence, systemActor(uow));
  await ws.flush();
}

export async function createSilence(ctx: Ctx, input: unknown): Promise<SilenceDto> {
  const data = validate(SilenceCreate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    await requireResponder(uow);
    data.matchers.forEach((m, i) => {
      if (m.is_regex && !isValidRegex(m.value)) throw errors.validation([{ path: `/matchers/${i}/value`, message: 'Invalid regular expression' }]);
    });
    const starts = data.starts_at ? iso(new Date(data.starts_at)) : iso(uow.now);
    const ends = iso(new Date(data.ends_at));
    if (ends <= starts) throw errors.validation([{ path: '/ends_at', message: 'ends_at must be after starts_at' }]);
    if (ends <= iso(uow.now)) throw errors.validation([{ path: '/ends_at', message: 'ends_at is in the past' }]);
    const service = data.service ? await mustFindService(uow.db, data.service) : null;
    const row: SilencesTable = {
      id: newId(uow.now.getTime()),
      service_id: service?.id ?? null,
      matchers: toJson(data.matchers),
      starts_at: starts,
      ends_at: ends,
      created_by: actorLabel(ctx.actor),
      comment: data.comment,
      created_at: iso(uow.now),
      updated_at: iso(uow.now),
    };
    await uow.db.insertInto('silences').values(row).execute();
    if (starts > iso(uow.now)) await uow.schedule({ kind: 'silences.sweep', key: `silences.start:${row.id}`, dueAt: new Date(starts) });
    await uow.schedule({ kind: 'silences.sweep', key: `silences.end:${row.id}`, dueAt: new Date(ends) });
    await resweepSilences(uow);
    const dto = toDto(row, iso(uow.now));
    await uow.audit({ action: 'silence.create', targetType: 'silence', targetId: row.id, after: dto });
    await uow.emit('silence.created', 'silence', row.id);
    return dto;
  });
}

export async function expireSilence(ctx: Ctx, id: string): Promise<SilenceDto> {
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    await requireResponder(uow);
    const before = await uow.db.selectFrom('silences').selectAll().where('id', '=', id).executeTakeFirst();
    if (!before) throw errors.notFound('Silence', id);
    const now = iso(uow.now);
    if (before.ends_at <= now) return toDto(before, now);
    const after = { ...before, ends_at: now, updated_at: now };
    await uow.db.updateTable('silences').set({ ends_at: now, updated_at: now }).where('id', '=', id).execute();
    await resweepSilences(uow);
    await uow.audit({ action: 'silence.expire', targetType: 'silence', targetId: id, before: toDto(before, now), after: toDto(after, now) });
    await uow.emit('silence.expired', 'silence', id);
    return toDto(after, now);
  });
}

export async function listSilences(ctx: Ctx, query: { state?: unknown; limit?: unknown; cursor?: unknown }): Promise<PageResult<SilenceDto>> {
  requireSignedIn(ctx.actor);
  const page = pageRequest(query);
  const now = iso(ctx.deps.clock.now());
  let q = ctx.deps.db.selectFrom('silences').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
  if (page.after) q = q.where('id', '<', page.after);
  if (query.state === 'active') q = q.where('starts_at', '<=', now).where('ends_at', '>', now);
  else if (query.state === 'pending') q = q.where('starts_at', '>', now);
  else if (query.state === 'expired') q = q.where('ends_at', '<=', now);
  else if (query.state !== undefined && query.state !== '') throw errors.validation([{ path: '/state', message: 'Expected active, pending or expired' }]);
  return pageResult(await q.execute(), page, (r) => r.id, (r) => toDto(r, now));
}

export async function getSilence(ctx: Ctx, id: string): Promise<SilenceDto> {
  requireSignedIn(ctx.actor);
  const row = await ctx.deps.db.selectFrom('silences').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('Silence', id);
  return toDto(row, iso(ctx.deps.clock.now()));
}
