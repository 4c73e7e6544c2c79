// Shapes returned by the Ballast HTTP API (see src/domains/*/schemas.ts on the server).
// Kept by hand so the UI build does not depend on server code.

export type TeamRole = 'viewer' | 'responder' | 'manager';
export const TEAM_ROLES: readonly TeamRole[] = ['viewer', 'responder', 'manager'];

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
  timezone: string;
  is_admin: boolean;
  disabled: boolean;
  /** team slug → role */
  teams: Record<string, TeamRole>;
  created_at: string;
  updated_at: string;
}

export interface SessionInfo {
  user: User;
  csrf_token: string;
}

export interface TeamMember {
  user_id: string;
  email: string;
  name: string;
  role: TeamRole;
}

export interface Team {
  id: string;
  slug: string;
  name: string;
  description: string;
  members: TeamMember[];
  created_at: string;
  updated_at: string;
}

export interface ServiceRef {
  id: string;
  slug: string;
  name: string;
}

export type Tier = 1 | 2 | 3 | 4;

export interface ServiceLinks {
  repo?: string;
  dashboard?: string;
  docs?: string;
  runbook?: string;
}

export interface Service {
  id: string;
  slug: string;
  name: string;
  description: string;
  team: { id: string; slug: string; name: string };
  tier: Tier;
  links: ServiceLinks;
  depends_on: ServiceRef[];
  dependents: ServiceRef[];
  created_at: string;
  updated_at: string;
}

export interface ServiceInput {
  slug?: string;
  name?: string;
  description?: string;
  team?: string;
  tier?: Tier;
  links?: ServiceLinks;
  depends_on?: string[];
}

export interface ApiToken {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface ApiTokenCreated extends ApiToken {
  /** The secret; the API returns it only in the create response. */
  token: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: { type: string; id: string | null; label: string };
  action: string;
  target_type: string;
  target_id: string;
  before: unknown;
  after: unknown;
  request_id: string | null;
}

export interface FieldProblem {
  path: string;
  message: string;
}
