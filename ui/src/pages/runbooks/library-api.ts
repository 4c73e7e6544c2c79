// Fetch helpers and types of the runbook library (src/domains/runbooks/routes.ts).
import { request, type Query } from '../../api';
import type { ServiceRef } from '../../types';

export type RunbookKind = 'incident_response' | 'sop' | 'troubleshooting';
export type SopSubkind = 'deployment' | 'rollback' | 'maintenance' | 'scaling' | 'patching';
export const KIND_LABELS: Record<RunbookKind, string> = { incident_response: 'Incident response', sop: 'Standard procedure', troubleshooting: 'Troubleshooting guide' };
export const SUBKINDS: SopSubkind[] = ['deployment', 'rollback', 'maintenance', 'scaling', 'patching'];

export interface HttpAction {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  expect_status?: number[];
}
export interface RunbookStep {
  id: string;
  title: string;
  instruction: string;
  command?: string;
  expected: string;
  on_failure: string;
  http_action?: HttpAction;
}
export interface RunbookContent {
  purpose: string;
  prerequisites: string;
  steps: RunbookStep[];
  verification: string;
  rollback: string;
  contacts: { role: string; who: string; team?: string }[];
  related: string[];
}
export interface RunbookSummary {
  id: string;
  slug: string;
  title: string;
  kind: RunbookKind;
  subkind: SopSubkind | null;
  team: ServiceRef;
  owner: { id: string; email: string; name: string } | null;
  services: ServiceRef[];
  tags: string[];
  review_cadence_days: number;
  last_reviewed_at: string | null;
  review_due_at: string;
  stale: boolean;
  last_verified_at: string | null;
  current_version: number;
  step_count: number;
  url: string;
  created_at: string;
  updated_at: string;
}
export interface Runbook extends RunbookSummary {
  last_reviewed_by: string | null;
  content: RunbookContent;
  related: { slug: string; title: string | null; exists: boolean }[];
}
export interface VersionSummary {
  number: number;
  title: string;
  change_note: string;
  author: { id: string | null; label: string };
  created_at: string;
  current: boolean;
}
export interface RunbookDiff {
  from: number;
  to: number;
  sections: { section: string; changed: boolean; lines: { op: 'add' | 'del' | 'eq'; text: string }[] }[];
  steps: {
    added: { id: string; title: string }[];
    removed: { id: string; title: string }[];
    changed: { id: string; title: string; fields: string[] }[];
    moved: { id: string; title: string; from: number; to: number }[];
  };
}
export interface RunbookTemplate {
  key: string;
  title: string;
  description: string;
  kind: RunbookKind;
  subkind: SopSubkind | null;
  tags: string[];
  content: RunbookContent;
}
export interface LookupResult {
  runbook: RunbookSummary | null;
  url: string;
  external: boolean;
  reasons: { type: 'label' | 'annotation' | 'rule' | 'service'; detail: string; alert_kind?: string }[];
}
export interface Coverage {
  service: ServiceRef;
  window_days: number;
  kinds_total: number;
  kinds_covered: number;
  coverage: number | null;
  covered: { kind: string; alerts: number; via: string[] }[];
  uncovered: { kind: string; alerts: number; last_seen_at: string }[];
}
export interface RunbookInput {
  slug?: string;
  title: string;
  kind: RunbookKind;
  subkind?: SopSubkind | null;
  team: string;
  services?: string[];
  tags?: string[];
  review_cadence_days?: number;
  content?: RunbookContent;
  template?: string;
  change_note?: string;
}

const seg = encodeURIComponent;
const rb = (id: string) => `/runbooks/${seg(id)}`;

export const runbookApi = {
  list: (query: Query, signal?: AbortSignal) => request<{ data: RunbookSummary[] }>('GET', '/runbooks', { query, signal }),
  get: (id: string, signal?: AbortSignal) => request<Runbook>('GET', rb(id), { signal }),
  create: (body: RunbookInput) => request<Runbook>('POST', '/runbooks', { body }),
  update: (id: string, body: Partial<RunbookInput> & { base_version: number }) => request<Runbook>('PATCH', rb(id), { body }),
  remove: (id: string) => request<void>('DELETE', rb(id)),
  review: (id: string) => request<Runbook>('POST', `${rb(id)}/review`, { body: {} }),
  versions: (id: string, signal?: AbortSignal) => request<{ data: VersionSummary[] }>('GET', `${rb(id)}/versions`, { signal }),
  diff: (id: string, from: number, to: number, signal?: AbortSignal) => request<RunbookDiff>('GET', `${rb(id)}/versions/diff`, { query: { from, to }, signal }),
  restore: (id: string, n: number) => request<Runbook>('POST', `${rb(id)}/versions/${n}/restore`, { body: {} }),
  templates: (signal?: AbortSignal) => request<{ data: RunbookTemplate[] }>('GET', '/runbook-templates', { signal }),
  forAlert: (alertId: string, signal?: AbortSignal) => request<{ data: LookupResult[] }>('GET', `/alerts/${seg(alertId)}/runbooks`, { signal }),
  forService: (slug: string, signal?: AbortSignal) => request<{ data: LookupResult[] }>('GET', `/services/${seg(slug)}/runbooks`, { signal }),
  coverage: (slug: string, signal?: AbortSignal) => request<Coverage>('GET', `/services/${seg(slug)}/runbook-coverage`, { signal }),
  /** h6's runs API: starts a run of the current version. */
  startRun: (runbook: string, extra: Record<string, string> = {}) => request<{ id: string }>('POST', '/runbook-runs', { body: { runbook, ...extra } }),
};
