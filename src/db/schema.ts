import type { ScheduleTables } from '../domains/oncall/schedules/tables.js';
import type { NotificationTables } from '../domains/notify/tables.js';
import type { EscalationTables } from '../domains/oncall/escalation/tables.js';
import type { HandoffTables } from '../domains/oncall/handoff/tables.js';
import type { IncidentTables } from '../domains/incidents/tables.js';
import type { IncidentUpdateTables } from '../domains/incidents/updates/tables.js';
import type { PostmortemTables } from '../domains/postmortems/tables.js';
import type { RunbookTables } from '../domains/runbooks/tables.js';
import type { RunbookRunTables } from '../domains/runbooks/runs/tables.js';
import type { DecisionTreeTables } from '../domains/runbooks/trees/tables.js';
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

export interface IntegrationsTable {
  id: string;
  service_id: string;
  type: string;
  name: string;
  key: string;
  previous_key: string | null;
  previous_key_expires_at: Iso | null;
  created_at: Iso;
  updated_at: Iso;
}

export interface ServiceAlertSettingsTable {
  service_id: string;
  auto_resolve_minutes: number | null;
  ack_timeout_minutes: number | null;
  group_mode: string;
  group_labels: JsonText;
  group_window_minutes: number;
  updated_at: Iso;
}

export interface AlertGroupsTable {
  id: string;
  service_id: string;
  group_key: string;
  status: string;
  title: string;
  severity: string;
  urgency: string;
  silenced_count: number;
  alert_count: number;
  open_count: number;
  unacked_count: number;
  first_alert_at: Iso;
  last_alert_at: Iso;
  acknowledged_at: Iso | null;
  acknowledged_by: string | null;
  resolved_at: Iso | null;
  resolved_by: string | null;
  created_at: Iso;
  updated_at: Iso;
}

export interface AlertsTable {
  id: string;
  service_id: string;
  integration_id: string | null;
  group_id: string;
  dedup_key: string;
  status: string;
  severity: string;
  urgency: string;
  summary: string;
  source: string;
  component: string | null;
  source_group: string | null;
  class: string | null;
  labels: JsonText;
  details: JsonText;
  links: JsonText;
  images: JsonText;
  client: string | null;
  client_url: string | null;
  origin: string;
  silenced_by: string | null;
  trigger_count: number;
  first_seen_at: Iso;
  last_seen_at: Iso;
  acknowledged_at: Iso | null;
  acknowledged_by: string | null;
  resolved_at: Iso | null;
  resolved_by: string | null;
  created_at: Iso;
  updated_at: Iso;
}

export interface AlertEventsTable {
  id: string;
  alert_id: string;
  at: Iso;
  kind: string;
  actor_type: string;
  actor_id: string | null;
  actor_label: string;
  origin: string;
  message: string;
  payload: JsonText | null;
}

export interface RoutingRulesTable {
  id: string;
  integration_id: string | null;
  position: number;
  name: string;
  conditions: JsonText;
  actions: JsonText;
  enabled: Bool;
  created_at: Iso;
  updated_at: Iso;
}

export interface SilencesTable {
  id: string;
  service_id: string | null;
  matchers: JsonText;
  starts_at: Iso;
  ends_at: Iso;
  created_by: string;
  comment: string;
  created_at: Iso;
  updated_at: Iso;
}

export interface ChangeEventsTable {
  id: string;
  service_id: string;
  integration_id: string | null;
  summary: string;
  source: string | null;
  occurred_at: Iso;
  details: JsonText;
  links: JsonText;
  created_at: Iso;
}

/**
 * Later modules declare their tables next to their code (src/domains/<name>/tables.ts) and are
 * composed here, so adding a module does not mean editing one ever-growing interface.
 */
export interface Database
  extends ScheduleTables,
    NotificationTables,
    EscalationTables,
    HandoffTables,
    IncidentTables,
    IncidentUpdateTables,
    PostmortemTables,
    RunbookTables,
    RunbookRunTables,
    DecisionTreeTables {
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
  integrations: IntegrationsTable;
  service_alert_settings: ServiceAlertSettingsTable;
  alert_groups: AlertGroupsTable;
  alerts: AlertsTable;
  alert_events: AlertEventsTable;
  routing_rules: RoutingRulesTable;
  silences: SilencesTable;
  change_events: ChangeEventsTable;
}
