// Incidents API (src/domains/incidents): types and fetch helpers over the shared request function.
import { request, type PageQuery } from '../../api';
import type { Page } from '../../types';

export type IncidentStatus = 'investigating' | 'identified' | 'mitigated' | 'resolved';
export type IncidentRole = 'commander' | 'communications' | 'scribe';
export const STATUSES: IncidentStatus[] = ['investigating', 'identified', 'mitigated', 'resolved'];
export const ROLES: IncidentRole[] = ['commander', 'communications', 'scribe'];
export const STATUS_LABEL: Record<IncidentStatus, string> = { investigating: 'Investigating', identified: 'Identified', mitigated: 'Mitigated', resolved: 'Resolved' };
export const ROLE_LABEL: Record<IncidentRole, string> = { commander: 'Commander', communications: 'Communications', scribe: 'Scribe' };

export interface UserRef {
  id: string;
  email: string;
  name: string;
}

export interface Incident {
  id: string;
  ref: string;
  number: number;
  title: string;
  summary: string;
  severity: string;
  severity_name: string;
  status: IncidentStatus;
  declared_by: UserRef | null;
  declared_at: string;
  acknowledged_at: string | null;
  identified_at: string | null;
  mitigated_at: string | null;
  resolved_at: string | null;
  ack_due_at: string;
  mitigate_due_at: string | null;
  ack_breached_at: string | null;
  mitigate_breached_at: string | null;
  impact: string;
  users_affected: number | null;
  services: { id: string; slug: string; name: string; team_id: string | null }[];
  roles: Record<IncidentRole, UserRef | null>;
  created_at: string;
  updated_at: string;
}

export interface LinkedGroup {
  id: string;
  title: string;
  status: string;
  severity: string;
  alert_count: number;
  service: { id: string; slug: string; name: string };
  linked_at: string;
  raised_by_incident: boolean;
}

export interface IncidentDetail extends Incident {
  alert_groups: LinkedGroup[];
  role_history: { role: IncidentRole; user: UserRef; assigned_at: string; assigned_by: string | null; ended_at: string | null }[];
  can_edit: boolean;
}

export interface TimelineEntry {
  id: string;
  at: string;
  kind: string;
  summary: string;
  body: string;
  data: Record<string, unknown>;
  actor: { user_id: string | null; label: string };
  key_event: boolean;
  subject: { type: string; id: string } | null;
  created_at: string;
}

export interface SeverityDef {
  key: string;
  rank: number;
  name: string;
  description: string;
  examples: string;
  ack_target_minutes: number;
  mitigate_target_minutes: number | null;
  update_interval_minutes: number | null;
  requires_postmortem: boolean;
  postmortem_due_business_days: number;
  updated_at: string;
}

export interface IncidentQuery extends PageQuery {
  status?: string;
  severity?: string;
  service?: string;
  team?: string;
  q?: string;
  alert_group?: string;
}

export interface DeclareInput {
  title: string;
  severity: string;
  summary?: string;
  services?: string[];
  alert_group_ids?: string[];
  page?: { users?: string[]; schedules?: string[]; services?: boolean };
  commander?: string;
}

const seg = encodeURIComponent;
const inc = (id: string) => `/incidents/${seg(id)}`;

export const incidentsApi = {
  list: (q: IncidentQuery, signal?: AbortSignal) => request<Page<Incident>>('GET', '/incidents', { query: { ...q }, signal }),
  get: (id: string, signal?: AbortSignal) => request<IncidentDetail>('GET', inc(id), { signal }),
  timeline: (id: string, signal?: AbortSignal) => request<{ data: TimelineEntry[] }>('GET', `${inc(id)}/timeline`, { signal }),
  declare: (body: DeclareInput) => request<Incident>('POST', '/incidents', { body }),
  update: (id: string, body: { title?: string; summary?: string; severity?: string; services?: string[] }) => request<Incident>('PATCH', inc(id), { body }),
  setStatus: (id: string, body: { status: IncidentStatus; note?: string; impact?: string; users_affected?: number | null }) =>
    request<Incident>('POST', `${inc(id)}/status`, { body }),
  acknowledge: (id: string) => request<Incident>('POST', `${inc(id)}/acknowledge`, { body: {} }),
  reopen: (id: string, reason?: string) => request<Incident>('POST', `${inc(id)}/reopen`, { body: reason ? { reason } : {} }),
  assignRole: (id: string, role: IncidentRole, user: string | null) => request<Incident>('POST', `${inc(id)}/roles`, { body: { role, user } }),
  attach: (id: string, groupIds: string[]) => request<Incident>('POST', `${inc(id)}/alert-groups`, { body: { alert_group_ids: groupIds } }),
  detach: (id: string, groupId: string) => request<Incident>('DELETE', `${inc(id)}/alert-groups/${seg(groupId)}`),
  page: (id: string, body: { users?: string[]; schedules?: string[]; services?: boolean }) => request<Incident>('POST', `${inc(id)}/pages`, { body }),
  addNote: (id: string, body: string, keyEvent = false) => request<TimelineEntry>('POST', `${inc(id)}/timeline`, { body: { body, key_event: keyEvent } }),
  setKeyEvent: (id: string, entryId: string, keyEvent: boolean) => request<TimelineEntry>('PATCH', `${inc(id)}/timeline/${seg(entryId)}`, { body: { key_event: keyEvent } }),
  severities: (signal?: AbortSignal) => request<{ data: SeverityDef[] }>('GET', '/incident-severities', { signal }),
  updateSeverity: (key: string, body: Partial<Omit<SeverityDef, 'key' | 'updated_at'>>) => request<SeverityDef>('PATCH', `/incident-severities/${seg(key)}`, { body }),
};

/** Minutes as "15 min", "4 h", "1 d 2 h". */
export function minutesLabel(m: number | null | undefined): string {
  if (m === null || m === undefined) return '—';
  if (m < 60) return `${m} min`;
  if (m < 1440) return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m / 60} h`;
  const d = Math.floor(m / 1440);
  const h = Math.round((m % 1440) / 60);
  return h ? `${d} d ${h} h` : `${d} d`;
}
