import type { Kysely } from 'kysely';
import type { Static } from '@sinclair/typebox';
import type { Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { newId, UUID_RE } from '../../core/ids.js';
import { fromJson, toJson } from '../../core/json.js';
import { pageRequest, pageResult, type PageResult } from '../../core/pagination.js';
import { iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import { validate } from '../../core/validate.js';
import type { Database, ServicesTable } from '../../db/schema.js';
import { requireSignedIn, requireTeamRole } from '../accounts/authz.js';
import { authorizeTeamMove, mustFindTeam } from '../accounts/teams.js';
import { ServiceCreate, ServiceUpdate, type ServiceDto } from './schemas.js';
import { findCycle } from './graph.js';

type Db = Kysely<Database>;

export async function findServiceRow(db: Db, idOrSlug: string): Promise<ServicesTable | undefined> {
  const q = db.selectFrom('services').selectAll();
  return UUID_RE.test(idOrSlug)
    ? q.where('id', '=', idOrSlug).executeTakeFirst()
    : q.where('slug', '=', idOrSlug).executeTakeFirst();
}

export async function mustFindService(db: Db, idOrSlug: string): Promise<ServicesTable> {
  const s = await findServiceRow(db, idOrSlug);
  if (!s) throw errors.notFound('Service', idOrSlug);
  return s;
}

async function toDtos(db: Db, rows: ServicesTable[]): Promise<ServiceDto[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const teamIds = [...new Set(rows.map((r) => r.team_id))];
  const [teams, deps, dependents] = await Promise.all([
    db.selectFrom('teams').select(['id', 'slug', 'name']).where('id', 'in', teamIds).execute(),
    db
      .selectFrom('service_dependencies as d')
      .innerJoin('services as s', 's.id', 'd.depends_on_id')
      .select(['d.service_id as owner', 's.id', 's.slug', 's.name'])
      .where('d.service_id', 'in', ids)
      .orderBy('s.slug')
      .execute(),
    db
      .selectFrom('service_dependencies as d')
      .innerJoin('services as s', 's.id', 'd.service_id')
      .select(['d.depends_on_id as owner', 's.id', 's.slug', 's.name'])
      .where('d.depends_on_id', 'in', ids)
      .orderBy('s.slug')
      .execute(),
  ]);
  const group = (list: typeof deps) => {
    const m = new Map<string, { id: string; slug: string; name: string }[]>();
    for (const { owner, ...ref } of list) m.set(owner, [...(m.get(owner) ?? []), ref]);
    return m;
  };
  const depMap = group(deps);
  const revMap = group(dependents);
  return rows.map((r) => {
    const team = teams.find((t) => t.id === r.team_id)!;
    return {
      id: r.id,
      slug: r.slug,
      name: r.name,
      description: r.description,
      team,
      tier: r.tier,
      links: fromJson(r.links, {}),
      depends_on: depMap.get(r.id) ?? [],
      dependents: revMap.get(r.id) ?? [],
      created_at: r.created_at,
      updated_at: r.updated_at,
    };
  });
}

export async function loadService(db: Db, idOrSlug: string): Promise<ServiceDto> {
  return (await toDtos(db, [await mustFindService(db, idOrSlug)]))[0]!;
}

export interface ServiceQuery {
  limit?: unknown;
  cursor?: unknown;
  team?: unknown;
  tier?: unknown;
  q?: unknown;
}

export async function listServices(ctx: Ctx, query: ServiceQuery): Promise<PageResult<ServiceDto>> {
  requireSignedIn(ctx.actor);
  const page = pageRequest(query);
  const { db, dialect } = ctx.deps;
  let q = db.selectFrom('services').selectAll().orderBy('id').limit(page.limit + 1);
  if (page.after) q = q.where('id', '>', page.after);
  if (typeof query.team === 'string' && query.team) {
    const team = await mustFindTeam(db, query.team);
    q = q.where('team_id', '=', team.id);
  }
  if (query.tier !== undefined && query.tier !== '') {
    const tier = Number(query.tier);
    if (![1, 2, 3, 4].includes(tier)) throw errors.validation([{ path: '/tier', message: 'Expected 1, 2, 3 or 4' }]);
    q = q.where('tier', '=', tier);
  }
  if (typeof query.q === 'string' && query.q) {
    const like = `%${query.q.replace(/[%_]/g, '')}%`;
    q = q.where((eb) => eb.or([eb('slug', dialect.ilike, like), eb('name', dialect.ilike, like)]));
  }
  const rows = await q.execute();
  const dtos = await toDtos(db, rows.slice(0, page.limit));
  return pageResult(rows, page, (r) => r.id, (r) => dtos.find((d) => d.id === r.id)!);
}

export async function getService(ctx: Ctx, idOrSlug: string): Promise<ServiceDto> {
  requireSignedIn(ctx.actor);
  return loadService(ctx.deps.db, idOrSlug);
}

/** Replaces a service's dependencies, refusing unknown services and cycles (with the cycle in details). */
export async function setDependencies(uow: Uow, serviceId: string, refs: string[]): Promise<void> {
  const targets: ServicesTable[] = [];
  for (const ref of new Set(refs)) {
    const t = await findServiceRow(uow.db, ref);
    if (!t) throw errors.validation([{ path: '/depends_on', message: `Unknown service '${ref}'` }]);
    targets.push(t);
  }
  const edges = await uow.db.selectFrom('service_dependencies').selectAll().execute();
  const graph = new Map<string, string[]>();
  for (const e of edges) {
    if (e.service_id === serviceId) continue;
    graph.set(e.service_id, [...(graph.get(e.service_id) ?? []), e.depends_on_id]);
  }
  graph.set(serviceId, targets.map((t) => t.id));
  const cycle = findCycle(graph, serviceId);
  if (cycle) {
    const slugs = await uow.db.selectFrom('services').select(['id', 'slug']).where('id', 'in', cycle).execute();
    const path = cycle.map((id) => slugs.find((s) => s.id === id)?.slug ?? id);
    throw errors.conflict(`Dependencies would form a cycle: ${path.join(' → ')}`, { cycle: path });
  }
  await uow.db.deleteFrom('service_dependencies').where('service_id', '=', serviceId).execute();
  if (targets.length) {
    await uow.db
      .insertInto('service_dependencies')
      .values(targets.map((t) => ({ service_id: serviceId, depends_on_id: t.id })))
      .execute();
  }
}

export async function createServiceIn(uow: Uow, data: Static<typeof ServiceCreate>): Promise<ServiceDto> {
  const team = await mustFindTeam(uow.db, data.team);
  await requireTeamRole(uow.db, uow.ctx.actor, team.id, 'manager');
  if (await findServiceRow(uow.db, data.slug)) throw errors.conflict(`Service '${data.slug}' already exists`, { field: 'slug' });
  const now = iso(uow.now);
  const row: ServicesTable = {
    id: newId(uow.now.getTime()),
    slug: data.slug,
    name: data.name,
    description: data.description ?? '',
    team_id: team.id,
    tier: data.tier ?? 3,
    links: toJson(data.links ?? {}),
    created_at: now,
    updated_at: now,
  };
  await uow.db.insertInto('services').values(row).execute();
  if (data.depends_on?.length) await setDependencies(uow, row.id, data.depends_on);
  const dto = await loadService(uow.db, row.id);
  await uow.audit({ action: 'service.create', targetType: 'service', targetId: row.id, after: dto });
  await uow.emit('service.created', 'service', row.id, { slug: row.slug });
  return dto;
}

export async function createService(ctx: Ctx, input: unknown): Promise<ServiceDto> {
  const data = validate(ServiceCreate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => createServiceIn(uow, data));
}

export async function updateServiceIn(uow: Uow, idOrSlug: string, data: Static<typeof ServiceUpdate>): Promise<ServiceDto> {
  const before = await loadService(uow.db, idOrSlug);
  await requireTeamRole(uow.db, uow.ctx.actor, before.team.id, 'manager');
  const patch: Partial<ServicesTable> = {};
  const newTeam = await authorizeTeamMove(uow.db, uow.ctx.actor, before.team.id, data.team);
  if (newTeam) patch.team_id = newTeam;
  if (data.name !== undefined) patch.name = data.name;
  if (data.description !== undefined) patch.description = data.description;
  if (data.tier !== undefined) patch.tier = data.tier;
  if (data.links !== undefined) patch.links = toJson(data.links);
  if (Object.keys(patch).length) {
    patch.updated_at = iso(uow.now);
    await uow.db.updateTable('services').set(patch).where('id', '=', before.id).execute();
  }
  if (data.depends_on !== undefined) await setDependencies(uow, before.id, data.depends_on);
  const after = await loadService(uow.db, before.id);
  if (sameService(before, after)) return before;
  await uow.db.updateTable('services').set({ updated_at: iso(uow.now) }).where('id', '=', before.id).execute();
  const final = { ...after, updated_at: iso(uow.now) };
  await uow.audit({ action: 'service.update', targetType: 'service', targetId: before.id, before, after: final });
  await uow.emit('service.updated', 'service', before.id, { slug: after.slug });
  return final;
}

function sameService(a: ServiceDto, b: ServiceDto): boolean {
  const strip = ({ updated_at: _u, dependents: _d, ...rest }: ServiceDto) => rest;
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

export async function updateService(ctx: Ctx, idOrSlug: string, input: unknown): Promise<ServiceDto> {
  const data = validate(ServiceUpdate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => updateServiceIn(uow, idOrSlug, data));
}

export async function deleteService(ctx: Ctx, idOrSlug: string): Promise<void> {
  requireSignedIn(ctx.actor);
  await transaction(ctx, async (uow) => {
    const before = await loadService(uow.db, idOrSlug);
    await requireTeamRole(uow.db, ctx.actor, before.team.id, 'manager');
    if (before.dependents.length) {
      throw errors.conflict(`Other services depend on '${before.slug}'; remove those dependencies first`, {
        dependents: before.dependents.map((d) => d.slug),
      });
    }
    await uow.db.deleteFrom('services').where('id', '=', before.id).execute();
    await uow.audit({ action: 'service.delete', targetType: 'service', targetId: before.id, before });
    await uow.emit('service.deleted', 'service', before.id, { slug: before.slug });
  });
}
