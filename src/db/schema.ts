import type { Generated } from 'kysely';

/**
 * Storage conventions, identical on SQLite and PostgreSQL so both behave the same:
 * - ids are UUIDv7 text; timestamps are ISO-8601 UTC text with milliseconds (sortable, comparable as text);
 * - JSON is text (parsed in repositories); booleans are integers 0/1.
 */
export type Iso = string;
export type JsonText = string;
export type Bool = number;

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  timezone: string;
  is_admin: Bool;
  password_hash: string | null;
  disabled: Bool;
  created_at: Iso;
  updated_at: Iso;
}

export interface TeamsTable {
  id: string;
  slug: string;
  name: string;
  description: string;
  created_at: Iso;
  updated_at: Iso;
}

export interface TeamMembersTable {
  team_id: string;
  user_id: string;
  role: string;
  created_at: Iso;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  token_hash: string;
  csrf_token: string;
  created_at: Iso;
  expires_at: Iso;
  last_seen_at: Iso;
  user_agent: string;
  ip: string;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  created_at: Iso;
  expires_at: Iso | null;
  last_used_at: Iso | null;
  revoked_at: Iso | null;
}

export interface ServicesTable {
  id: string;
  slug: string;
  name: string;
  description: string;
  team_id: string;
  tier: number;
  links: JsonText;
  created_at: Iso;
  updated_at: Iso;
}

export interface ServiceDependenciesTable {
  service_id: string;
  depends_on_id: string;
}

export interface AuditLogTable {
  id: string;
  at: Iso;
  actor_type: string;
  actor_id: string | null;
  actor_label: string;
  action: string;
  target_type: string;
  target_id: string;
  before: JsonText | null;
  after: JsonText | null;
  request_id: string | null;
}

export interface EventsTable {
  seq: Generated<number>;
  at: Iso;
  type: string;
  subject_type: string;
  subject_id: string;
  payload: JsonText;
}

export interface EngineJobsTable {
  id: string;
  kind: string;
  dedupe_key: string | null;
  due_at: Iso;
  payload: JsonText;
  state: string;
  attempts: number;
  max_attempts: number;
  claimed_by: string | null;
  lease_until: Iso | null;
  last_error: string | null;
  created_at: Iso;
  done_at: Iso | null;
}

export interface Database {
  users: UsersTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  services: ServicesTable;
  service_dependencies: ServiceDependenciesTable;
  audit_log: AuditLogTable;
  events: EventsTable;
  engine_jobs: EngineJobsTable;
}
