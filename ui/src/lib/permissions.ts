import type { TeamRole, User } from '../types';

// These only decide what the UI offers; the API enforces the same rules (src/domains/accounts/authz.ts).

const RANK: Record<TeamRole, number> = { viewer: 1, responder: 2, manager: 3 };

export function hasTeamRole(user: User, teamSlug: string, min: TeamRole): boolean {
  if (user.is_admin) return true;
  const role = user.teams[teamSlug];
  return !!role && RANK[role] >= RANK[min];
}

/** Creating, editing and deleting a team's services, and managing its members. */
export const canManageTeam = (user: User, teamSlug: string) => hasTeamRole(user, teamSlug, 'manager');

/** Teams the user may create services for; `null` means every team (admins). */
export function managedTeamSlugs(user: User): string[] | null {
  if (user.is_admin) return null;
  return Object.entries(user.teams)
    .filter(([, role]) => role === 'manager')
    .map(([slug]) => slug);
}

/** Acknowledging and resolving a team's alerts. `null` team (unknown) → any responder role might apply. */
export function canRespond(user: User, teamSlug: string | null): boolean {
  if (user.is_admin) return true;
  if (teamSlug === null) return Object.values(user.teams).some((r) => RANK[r] >= RANK.responder);
  return hasTeamRole(user, teamSlug, 'responder');
}

/** Silences are shared, as in Alertmanager: any responder on any team (or an admin) may create and expire them. */
export function canSilence(user: User): boolean {
  return user.is_admin || Object.values(user.teams).some((r) => RANK[r] >= RANK.responder);
}
