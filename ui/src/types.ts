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

// ---------- Alerts (src/domains/alerts/schemas.ts, integrations.ts, silences.ts, settings.ts, routing.ts) ----------

export type AlertStatus = 'triggered' | 'acknowledged' | 'resolved';
export const ALERT_STATUSES: readonly AlertStatus[] = ['triggered', 'acknowledged', 'resolved'];
export type Severity = 'critical' | 'error' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'error', 'warning', 'info'];
export type Urgency = 'high' | 'low';
export type IntegrationType = 'pagerduty' | 'alertmanager' | 'grafana' | 'generic';
export const INTEGRATION_TYPES: readonly IntegrationType[] = ['pagerduty', 'alertmanager', 'grafana', 'generic'];

export interface AlertLink {
  href: string;
  text?: string;
}

export interface AlertImage {
  src: string;
  href?: string;
  alt?: string;
}

export interface Alert {
  id: string;
  service: ServiceRef;
  integration_id: string | null;
  group_id: string;
  dedup_key: string;
  status: AlertStatus;
  severity: Severity;
  urgency: Urgency;
  summary: string;
  source: string;
  component: string | null;
  group: string | null;
  class: string | null;
  labels: Record<string, string>;
  details: Record<string, unknown>;
  links: AlertLink[];
  images: AlertImage[];
  client: string | null;
  client_url: string | null;
  /** Which sender format created it (pagerduty, alertmanager, grafana, generic). */
  origin: string;
  silenced: boolean;
  silenced_by: string | null;
  trigger_count: number;
  first_seen_at: string;
  last_seen_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
}

/** One entry of an alert's append-only event log. */
export interface AlertEvent {
  id: string;
  at: string;
  /** trigger, acknowledge, resolve, auto_resolve, ack_timeout, silenced, unsilenced */
  kind: string;
  actor: { type: string; id: string | null; label: string };
  /** Where the action came from: ui, api, cli, engine, or the sender format. */
  origin: string;
  message: string;
  /** The sender's event as received (null for actions by people and timers). */
  payload: unknown;
}

export interface AlertDetail extends Alert {
  events: AlertEvent[];
}

export interface AlertGroup {
  id: string;
  service: ServiceRef;
  group_key: string;
  status: AlertStatus;
  title: string;
  severity: Severity;
  urgency: Urgency;
  silenced: boolean;
  alert_count: number;
  open_count: number;
  first_alert_at: string;
  last_alert_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
}

export interface AlertGroupDetail extends AlertGroup {
  alerts: Alert[];
}

export interface Matcher {
  name: string;
  value: string;
  is_regex?: boolean;
  /** false negates the match (!= or !~). */
  is_equal?: boolean;
}

export type SilenceState = 'active' | 'pending' | 'expired';

export interface Silence {
  id: string;
  service_id: string | null;
  matchers: Matcher[];
  starts_at: string;
  ends_at: string;
  created_by: string;
  comment: string;
  state: SilenceState;
  created_at: string;
  updated_at: string;
}

export interface SilenceInput {
  service?: string;
  matchers: Matcher[];
  starts_at?: string;
  ends_at: string;
  comment: string;
}

export interface Integration {
  id: string;
  service_id: string;
  type: IntegrationType;
  name: string;
  /** Full key for responders and above on the owning team; masked ("ab12…ef90") for others. */
  key: string;
  previous_key_expires_at: string | null;
  /** Path senders post to (relative to the server's origin). */
  endpoint: string;
  created_at: string;
  updated_at: string;
}

export interface AlertSettings {
  auto_resolve_minutes: number | null;
  ack_timeout_minutes: number | null;
  grouping: { mode: 'dedup_key' | 'labels'; labels: string[]; window_minutes: number };
}

export interface RoutingCondition {
  field: string;
  op: 'equals' | 'not_equals' | 'regex' | 'exists' | 'not_exists';
  value?: string;
}

export interface RoutingRule {
  id: string;
  integration_id: string | null;
  position: number;
  name: string;
  conditions: RoutingCondition[];
  actions: { set_service?: string; set_severity?: Severity; set_urgency?: Urgency; drop?: boolean };
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface ChangeEvent {
  id: string;
  service: ServiceRef;
  integration_id: string | null;
  summary: string;
  source: string | null;
  occurred_at: string;
  details: Record<string, unknown>;
  links: AlertLink[];
  created_at: string;
}

/** A Server-Sent Event from /api/v1/events/stream. */
export interface StreamEvent {
  seq: number;
  at?: string;
  type: string;
  subject_type: string;
  subject_id: string;
  payload: Record<string, unknown>;
}

// ── On-call (src/domains/oncall/*, src/domains/notify/*) ──

export interface UserRef {
  id: string;
  email: string;
  name: string;
}

export type Rotation = 'hourly' | 'daily' | 'weekly' | { unit: 'hours' | 'days'; count: number };

export interface WeeklyWindow {
  /** 0 = Sunday … 6 = Saturday */
  day_of_week: number | number[];
  start: string;
  end: string;
}

export interface ScheduleLayer {
  name: string | null;
  rotation: Rotation;
  handoff: string;
  participants: UserRef[];
  restrictions: WeeklyWindow[];
}

export interface ScheduleOverride {
  id: string;
  schedule_id: string;
  user: UserRef;
  start: string;
  end: string;
  note: string;
  created_by: string | null;
  created_at: string;
}

export interface Schedule {
  id: string;
  slug: string;
  name: string;
  description: string;
  team: { id: string; slug: string; name: string } | null;
  time_zone: string;
  layers: ScheduleLayer[];
  overrides: ScheduleOverride[];
  created_at: string;
  updated_at: string;
}

export interface LayerInput {
  name?: string;
  rotation: Rotation;
  handoff: string;
  participants: string[];
  restrictions?: WeeklyWindow[];
}

export interface ScheduleInput {
  slug?: string;
  name?: string;
  description?: string;
  team?: string;
  time_zone?: string;
  layers?: LayerInput[];
}

export interface Span {
  start: string;
  end: string;
}

export interface Timeline {
  schedule: { id: string; slug: string; name: string; time_zone: string };
  from: string;
  to: string;
  layers: { index: number; name: string | null; entries: (Span & { user: UserRef; turn: number; position: number })[] }[];
  overrides: (Span & { user: UserRef; override_id: string })[];
  final: (Span & { user: UserRef; source: number | 'override' })[];
  gaps: Span[];
}

export interface OnCallNow {
  at: string;
  schedules: {
    schedule: { id: string; slug: string; name: string; team: { id: string; slug: string; name: string } | null };
    on_call: UserRef[];
    until: string | null;
    next: { user: UserRef; start: string; end: string } | null;
  }[];
}

export interface FeedUrl {
  path: string;
  url: string;
}

export interface PolicyTarget {
  type: 'user' | 'schedule';
  id: string;
  name: string;
  ref: string;
}

export interface EscalationPolicy {
  id: string;
  slug: string;
  name: string;
  description: string;
  team: { id: string; slug: string };
  repeat: number;
  levels: { delay_minutes: number; targets: PolicyTarget[] }[];
  services: { id: string; slug: string }[];
  created_at: string;
  updated_at: string;
}

export interface PolicyInput {
  slug?: string;
  name?: string;
  description?: string;
  team?: string;
  repeat?: number;
  levels?: { delay_minutes: number; targets: string[] }[];
}

export type ContactType = 'email' | 'webhook' | 'slack' | 'teams' | 'sms' | 'voice';
export const CONTACT_TYPES: readonly ContactType[] = ['email', 'webhook', 'slack', 'teams', 'sms', 'voice'];

export interface ContactMethod {
  id: string;
  user_id: string;
  type: ContactType;
  address: string;
  label: string;
  verified: boolean;
  signing_secret?: string;
  created_at: string;
  updated_at: string;
}


export interface NotificationRule {
  id: string;
  user_id: string;
  contact_method_id: string;
  urgency: Urgency;
  delay_minutes: number;
  created_at: string;
}

export interface NotificationLog {
  id: string;
  user_id: string;
  contact_method_id: string | null;
  channel: string;
  target: string;
  subject: string;
  alert_group_id: string | null;
  incident_id: string | null;
  status: 'pending' | 'sent' | 'failed' | 'suppressed' | 'cancelled';
  attempts: number;
  latency_ms: number | null;
  provider_status: string | null;
  provider_response: string | null;
  error: string | null;
  folded_into: string | null;
  created_at: string;
  sent_at: string | null;
}

/** Interruptions (pages) by the local time of day in the paged person's own time zone. */
export interface LoadInterruptions {
  business: number;
  off_hours: number;
  sleep: number;
  total: number;
}

/** Mirrors LoadNumbers in src/domains/oncall/load/services.ts. */
export interface LoadNumbers {
  pages: number;
  interruptions: LoadInterruptions;
  alert_groups: number;
  acknowledged: number;
  mtta_seconds: number | null;
}

export interface LoadUser {
  id: string;
  email: string;
  name: string;
  timezone: string;
}

export interface UserLoad extends LoadNumbers {
  user: LoadUser;
  from: string;
  to: string;
  method: string;
}

export interface TeamLoad {
  team: { id: string; slug: string; name: string };
  from: string;
  to: string;
  method: string;
  total: LoadNumbers;
  members: (LoadNumbers & { user: LoadUser })[];
}
