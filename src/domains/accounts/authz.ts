import type { Kysely } from 'kysely';
import type { Actor } from '../../core/actor.js';
import { isPrivileged } from '../../core/actor.js';
import { errors } from '../../core/errors.js';
import type { Database } from '../../db/schema.js';

export const TEAM_ROLES = ['viewer', 'responder', 'manager'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

const RANK: Record<TeamRole, number> = { viewer: 1, responder: 2, manager: 3 };

export function roleAtLeast(role: string | null | undefined, min: TeamRole): boolean {
  return !!role && (RANK[role as TeamRole] ?? 0) >= RANK[min];
}

/** Any signed-in user (or the system). Throws 401 for anonymous callers. */
export function requireSignedIn(actor: Actor): void {
  if (actor.kind === 'anonymous') throw errors.unauthenticated();
}

export function requireAdmin(actor: Actor): void {
  requireSignedIn(actor);
  if (!isPrivileged(actor)) throw errors.forbidden('Only administrators can do this');
}

export async function teamRoleOf(db: Kysely<Database>, userId: string, teamId: string): Promise<TeamRole | null> {
  const row = await db
    .selectFrom('team_members')
    .select('role')
    .where('team_id', '=', teamId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return (row?.role as TeamRole | undefined) ?? null;
}

/** Admins pass; otherwise the actor needs at least `min` on the team. */
export async function requireTeamRole(db: Kysely<Database>, actor: Actor, teamId: string, min: TeamRole): Promise<void> {
  requireSignedIn(actor);
  if (isPrivileged(actor)) return;
  if (actor.kind !== 'user') throw errors.forbidden();
  const role = await teamRoleOf(db, actor.userId, teamId);
  if (!roleAtLeast(role, min)) {
    throw errors.forbidden(`This needs the '${min}' role on the owning team`);
  }
}
