import type { Kysely } from 'kysely';
import type { Static } from '@sinclair/typebox';
import { isPrivileged } from '../../core/actor.js';
import type { Ctx, Tx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { newId, UUID_RE } from '../../core/ids.js';
import { pageRequest, pageResult, type PageResult } from '../../core/pagination.js';
import { iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import { validate } from '../../core/validate.js';
import type { Database, UsersTable } from '../../db/schema.js';
import { requireAdmin, requireSignedIn, type TeamRole } from './authz.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { PasswordChange, UserCreate, UserUpdate, type UserDto } from './schemas.js';

type Db = Kysely<Database>;

export async function teamsOfUsers(db: Db, userIds: string[]): Promise<Map<string, Record<string, TeamRole>>> {
  const out = new Map<string, Record<string, TeamRole>>();
  if (userIds.length === 0) return out;
  const rows = await db
    .selectFrom('team_members as m')
    .innerJoin('teams as t', 't.id', 'm.team_id')
    .select(['m.user_id', 't.slug', 'm.role'])
    .where('m.user_id', 'in', userIds)
    .orderBy('t.slug')
    .execute();
  for (const r of rows) {
    const m = out.get(r.user_id) ?? {};
    m[r.slug] = r.role as TeamRole;
    out.set(r.user_id, m);
  }
  return out;
}

export function toUserDto(u: UsersTable, teams: Record<string, TeamRole> = {}): UserDto {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    timezone: u.timezone,
    is_admin: !!u.is_admin,
    disabled: !!u.disabled,
    teams,
    created_at: u.created_at,
    updated_at: u.updated_at,
  };
}

export async function findUserRow(db: Db, idOrEmail: string): Promise<UsersTable | undefined> {
  const q = db.selectFrom('users').selectAll();
  return UUID_RE.test(idOrEmail)
    ? q.where('id', '=', idOrEmail).executeTakeFirst()
    : q.where('email', '=', idOrEmail.trim().toLowerCase()).executeTakeFirst();
}

async function mustFindUser(db: Db, idOrEmail: string): Promise<UsersTable> {
  const u = await findUserRow(db, idOrEmail);
  if (!u) throw errors.notFound('User', idOrEmail);
  return u;
}

export async function loadUser(db: Db, id: string): Promise<UserDto> {
  const u = await mustFindUser(db, id);
  return toUserDto(u, (await teamsOfUsers(db, [u.id])).get(u.id));
}

export async function listUsers(ctx: Ctx, query: { limit?: unknown; cursor?: unknown; q?: unknown }): Promise<PageResult<UserDto>> {
  requireSignedIn(ctx.actor);
  const page = pageRequest(query);
  const { db, dialect } = ctx.deps;
  let q = db.selectFrom('users').selectAll().orderBy('id').limit(page.limit + 1);
  if (page.after) q = q.where('id', '>', page.after);
  if (typeof query.q === 'string' && query.q) {
    const like = `%${query.q.replace(/[%_]/g, '')}%`;
    q = q.where((eb) => eb.or([eb('email', dialect.ilike, like), eb('name', dialect.ilike, like)]));
  }
  const rows = await q.execute();
  const teams = await teamsOfUsers(db, rows.map((r) => r.id));
  return pageResult(rows, page, (r) => r.id, (r) => toUserDto(r, teams.get(r.id)));
}

export async function getUser(ctx: Ctx, idOrEmail: string): Promise<UserDto> {
  requireSignedIn(ctx.actor);
  return loadUser(ctx.deps.db, idOrEmail);
}

/** Replaces a user's team memberships with `teams` (slug → role). */
async function setMemberships(uow: Uow, userId: string, teams: Record<string, TeamRole>): Promise<void> {
  const slugs = Object.keys(teams);
  const found = slugs.length
    ? await uow.db.selectFrom('teams').select(['id', 'slug']).where('slug', 'in', slugs).execute()
    : [];
  const missing = slugs.filter((s) => !found.some((t) => t.slug === s));
  if (missing.length) {
    throw errors.validation(missing.map((s) => ({ path: `/teams/${s}`, message: `Unknown team '${s}'` })));
  }
  await uow.db.deleteFrom('team_members').where('user_id', '=', userId).execute();
  if (found.length) {
    await uow.db
      .insertInto('team_members')
      .values(found.map((t) => ({ team_id: t.id, user_id: userId, role: teams[t.slug]!, created_at: iso(uow.now) })))
      .execute();
  }
}

/** Shared by the API, `ballast user create`, first-admin bootstrap and `apply`. */
export async function createUserIn(uow: Uow, input: Static<typeof UserCreate>): Promise<UserDto> {
  requireAdmin(uow.ctx.actor);
  const email = input.email.trim().toLowerCase();
  const exists = await uow.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
  if (exists) throw errors.conflict(`A user with email '${email}' already exists`, { field: 'email' });
  const now = iso(uow.now);
  const row: UsersTable = {
    id: newId(uow.now.getTime()),
    email,
    name: input.name,
    timezone: input.timezone ?? 'UTC',
    is_admin: input.is_admin ? 1 : 0,
    password_hash: input.password ? await hashPassword(input.password) : null,
    disabled: 0,
    created_at: now,
    updated_at: now,
  };
  await uow.db.insertInto('users').values(row).execute();
  if (input.teams) await setMemberships(uow, row.id, input.teams);
  const dto = await loadUser(uow.db, row.id);
  await uow.audit({ action: 'user.create', targetType: 'user', targetId: row.id, after: dto });
  await uow.emit('user.created', 'user', row.id, { email });
  return dto;
}

export async function createUser(ctx: Ctx, input: unknown): Promise<UserDto> {
  const data = validate(UserCreate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => createUserIn(uow, data));
}

export async function updateUserIn(uow: Uow, idOrEmail: string, data: Static<typeof UserUpdate>): Promise<UserDto> {
  const actor = uow.ctx.actor;
  const before = await loadUser(uow.db, idOrEmail);
  const self = actor.kind === 'user' && actor.userId === before.id;
  const privileged = isPrivileged(actor);
  if (!privileged && !self) throw errors.forbidden('You can only change your own profile');
  if (!privileged && (data.is_admin !== undefined || data.disabled !== undefined || data.teams !== undefined)) {
    throw errors.forbidden('Only administrators can change admin status, disabled state or team memberships');
  }
  if (self && data.is_admin === false && before.is_admin) await assertAnotherAdmin(uow.db, before.id);
  if (self && data.disabled) throw errors.conflict('You cannot disable your own account');
  const patch: Partial<UsersTable> = {};
  if (data.name !== undefined) patch.name = data.name;
  if (data.timezone !== undefined) patch.timezone = data.timezone;
  if (data.is_admin !== undefined) patch.is_admin = data.is_admin ? 1 : 0;
  if (data.disabled !== undefined) patch.disabled = data.disabled ? 1 : 0;
  if (Object.keys(patch).length) {
    patch.updated_at = iso(uow.now);
    await uow.db.updateTable('users').set(patch).where('id', '=', before.id).execute();
  }
  if (data.teams !== undefined) await setMemberships(uow, before.id, data.teams);
  if (data.disabled) await revokeAllCredentials(uow.db, before.id, uow.now);
  const after = await loadUser(uow.db, before.id);
  if (JSON.stringify(before) !== JSON.stringify(after)) {
    await uow.audit({ action: 'user.update', targetType: 'user', targetId: before.id, before, after });
    await uow.emit('user.updated', 'user', before.id);
  }
  return after;
}

export async function updateUser(ctx: Ctx, idOrEmail: string, input: unknown): Promise<UserDto> {
  const data = validate(UserUpdate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => updateUserIn(uow, idOrEmail, data));
}

/** Users are deactivated, never erased: incidents, pages and audit rows keep pointing at them. */
export async function deactivateUser(ctx: Ctx, idOrEmail: string): Promise<UserDto> {
  requireAdmin(ctx.actor);
  return transaction(ctx, (uow) => updateUserIn(uow, idOrEmail, { disabled: true }));
}

export async function changePassword(ctx: Ctx, idOrEmail: string, input: unknown): Promise<void> {
  const data = validate(PasswordChange, input);
  requireSignedIn(ctx.actor);
  await transaction(ctx, async (uow) => {
    const user = await mustFindUser(uow.db, idOrEmail);
    const self = ctx.actor.kind === 'user' && ctx.actor.userId === user.id;
    if (!self && !isPrivileged(ctx.actor)) throw errors.forbidden('You can only change your own password');
    if (self && user.password_hash && !(await verifyPassword(data.current_password ?? '', user.password_hash))) {
      throw errors.validation([{ path: '/current_password', message: 'Current password is incorrect' }]);
    }
    await uow.db
      .updateTable('users')
      .set({ password_hash: await hashPassword(data.new_password), updated_at: iso(uow.now) })
      .where('id', '=', user.id)
      .execute();
    // Other sessions may belong to whoever knew the old password.
    await uow.db.deleteFrom('sessions').where('user_id', '=', user.id).execute();
    await uow.audit({ action: 'user.password_change', targetType: 'user', targetId: user.id });
  });
}

async function assertAnotherAdmin(db: Tx, exceptId: string): Promise<void> {
  const other = await db
    .selectFrom('users')
    .select('id')
    .where('is_admin', '=', 1)
    .where('disabled', '=', 0)
    .where('id', '!=', exceptId)
    .executeTakeFirst();
  if (!other) throw errors.conflict('Ballast needs at least one active administrator');
}

async function revokeAllCredentials(db: Tx, userId: string, now: Date): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  await db
    .updateTable('api_tokens')
    .set({ revoked_at: iso(now) })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}
