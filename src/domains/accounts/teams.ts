import type { Kysely } from 'kysely';
import type { Static } from '@sinclair/typebox';
import type { Actor } from '../../core/actor.js';
import type { Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { newId, UUID_RE } from '../../core/ids.js';
import { pageRequest, pageResult, type PageResult } from '../../core/pagination.js';
import { iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import { validate } from '../../core/validate.js';
import type { Database, TeamsTable } from '../../db/schema.js';
import { requireAdmin, requireSignedIn, requireTeamRole, type TeamRole } from './authz.js';
import { MembershipPut, TeamCreate, TeamUpdate, type TeamDto } from './schemas.js';
import { findUserRow } from './users.js';

type Db = Kysely<Database>;

export async function findTeamRow(db: Db, idOrSlug: string): Promise<TeamsTable | undefined> {
  const q = db.selectFrom('teams').selectAll();
  return UUID_RE.test(idOrSlug)
    ? q.where('id', '=', idOrSlug).executeTakeFirst()
    : q.where('slug', '=', idOrSlug).executeTakeFirst();
}

export async function mustFindTeam(db: Db, idOrSlug: string): Promise<TeamsTable> {
  const t = await findTeamRow(db, idOrSlug);
  if (!t) throw errors.notFound('Team', idOrSlug);
  return t;
}

async function membersOf(db: Db, teamIds: string[]) {
  if (teamIds.length === 0) return new Map<string, TeamDto['members']>();
  const rows = await db
    .selectFrom('team_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.team_id', 'm.user_id', 'u.email', 'u.name', 'm.role'])
    .where('m.team_id', 'in', teamIds)
    .orderBy('u.email')
    .execute();
  const out = new Map<string, TeamDto['members']>();
  for (const r of rows) {
    const list = out.get(r.team_id) ?? [];
    list.push({ user_id: r.user_id, email: r.email, name: r.name, role: r.role as TeamRole });
    out.set(r.team_id, list);
  }
  return out;
}

/**
 * Moving something (a service, schedule or policy) to another team needs the receiving team's consent
 * too: manager there as well. Returns the new team id, or null when the team does not change.
 */
export async function authorizeTeamMove(db: Db, actor: Actor, currentTeamId: string | null, teamRef: string | undefined): Promise<string | null> {
  if (teamRef === undefined) return null;
  const team = await mustFindTeam(db, teamRef);
  if (team.id === currentTeamId) return null;
  await requireTeamRole(db, actor, team.id, 'manager');
  return team.id;
}

function toTeamDto(t: TeamsTable, members: TeamDto['members'] = []): TeamDto {
  return { ...t, members };
}

export async function loadTeam(db: Db, idOrSlug: string): Promise<TeamDto> {
  const t = await mustFindTeam(db, idOrSlug);
  return toTeamDto(t, (await membersOf(db, [t.id])).get(t.id));
}

export async function listTeams(ctx: Ctx, query: { limit?: unknown; cursor?: unknown }): Promise<PageResult<TeamDto>> {
  requireSignedIn(ctx.actor);
  const page = pageRequest(query);
  let q = ctx.deps.db.selectFrom('teams').selectAll().orderBy('id').limit(page.limit + 1);
  if (page.after) q = q.where('id', '>', page.after);
  const rows = await q.execute();
  const members = await membersOf(ctx.deps.db, rows.map((r) => r.id));
  return pageResult(rows, page, (r) => r.id, (r) => toTeamDto(r, members.get(r.id)));
}

export async function getTeam(ctx: Ctx, idOrSlug: string): Promise<TeamDto> {
  requireSignedIn(ctx.actor);
  return loadTeam(ctx.deps.db, idOrSlug);
}

export async function createTeamIn(uow: Uow, data: Static<typeof TeamCreate>): Promise<TeamDto> {
  requireAdmin(uow.ctx.actor);
  if (await findTeamRow(uow.db, data.slug)) throw errors.conflict(`Team '${data.slug}' already exists`, { field: 'slug' });
  const now = iso(uow.now);
  const row: TeamsTable = {
    id: newId(uow.now.getTime()),
    slug: data.slug,
    name: data.name,
    description: data.description ?? '',
    created_at: now,
    updated_at: now,
  };
  await uow.db.insertInto('teams').values(row).execute();
  const dto = toTeamDto(row);
  await uow.audit({ action: 'team.create', targetType: 'team', targetId: row.id, after: dto });
  await uow.emit('team.created', 'team', row.id, { slug: row.slug });
  return dto;
}

export async function createTeam(ctx: Ctx, input: unknown): Promise<TeamDto> {
  const data = validate(TeamCreate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => createTeamIn(uow, data));
}

export async function updateTeamIn(uow: Uow, idOrSlug: string, data: Static<typeof TeamUpdate>): Promise<TeamDto> {
  const before = await loadTeam(uow.db, idOrSlug);
  await requireTeamRole(uow.db, uow.ctx.actor, before.id, 'manager');
  const patch: Partial<TeamsTable> = {};
  if (data.name !== undefined && data.name !== before.name) patch.name = data.name;
  if (data.description !== undefined && data.description !== before.description) patch.description = data.description;
  if (Object.keys(patch).length === 0) return before;
  patch.updated_at = iso(uow.now);
  await uow.db.updateTable('teams').set(patch).where('id', '=', before.id).execute();
  const after = await loadTeam(uow.db, before.id);
  await uow.audit({ action: 'team.update', targetType: 'team', targetId: before.id, before, after });
  await uow.emit('team.updated', 'team', before.id);
  return after;
}

export async function updateTeam(ctx: Ctx, idOrSlug: string, input: unknown): Promise<TeamDto> {
  const data = validate(TeamUpdate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => updateTeamIn(uow, idOrSlug, data));
}

export async function deleteTeam(ctx: Ctx, idOrSlug: string): Promise<void> {
  requireAdmin(ctx.actor);
  await transaction(ctx, async (uow) => {
    const before = await loadTeam(uow.db, idOrSlug);
    const owned = await uow.db.selectFrom('services').select('slug').where('team_id', '=', before.id).limit(20).execute();
    if (owned.length) {
      throw errors.conflict(`Team '${before.slug}' still owns services; move or delete them first`, {
        services: owned.map((s) => s.slug),
      });
    }
    await uow.db.deleteFrom('teams').where('id', '=', before.id).execute();
    await uow.audit({ action: 'team.delete', targetType: 'team', targetId: before.id, before });
    await uow.emit('team.deleted', 'team', before.id);
  });
}

export async function putMember(ctx: Ctx, teamIdOrSlug: string, userIdOrEmail: string, input: unknown): Promise<TeamDto> {
  const { role } = validate(MembershipPut, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const before = await loadTeam(uow.db, teamIdOrSlug);
    await requireTeamRole(uow.db, ctx.actor, before.id, 'manager');
    const user = await findUserRow(uow.db, userIdOrEmail);
    if (!user) throw errors.notFound('User', userIdOrEmail);
    const existing = before.members.find((m) => m.user_id === user.id);
    if (existing?.role === role) return before;
    if (existing) {
      await uow.db.updateTable('team_members').set({ role }).where('team_id', '=', before.id).where('user_id', '=', user.id).execute();
    } else {
      await uow.db.insertInto('team_members').values({ team_id: before.id, user_id: user.id, role, created_at: iso(uow.now) }).execute();
    }
    const after = await loadTeam(uow.db, before.id);
    await uow.audit({ action: 'team.member_put', targetType: 'team', targetId: before.id, before, after });
    await uow.emit('team.membership_changed', 'team', before.id, { user_id: user.id, role });
    return after;
  });
}

export async function removeMember(ctx: Ctx, teamIdOrSlug: string, userIdOrEmail: string): Promise<TeamDto> {
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const before = await loadTeam(uow.db, teamIdOrSlug);
    await requireTeamRole(uow.db, ctx.actor, before.id, 'manager');
    const user = await findUserRow(uow.db, userIdOrEmail);
    if (!user || !before.members.some((m) => m.user_id === user.id)) throw errors.notFound('Team member', userIdOrEmail);
    await uow.db.deleteFrom('team_members').where('team_id', '=', before.id).where('user_id', '=', user.id).execute();
    const after = await loadTeam(uow.db, before.id);
    await uow.audit({ action: 'team.member_remove', targetType: 'team', targetId: before.id, before, after });
    await uow.emit('team.membership_changed', 'team', before.id, { user_id: user.id, role: null });
    return after;
  });
}
