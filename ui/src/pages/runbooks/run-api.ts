// Runbook runs: types and calls for the run pages (server: src/domains/runbooks/runs).
import { ApiError, request, type Query } from '../../api';
import type { Page } from '../../types';

export type RunStatus = 'running' | 'success' | 'failed' | 'aborted';
export type MarkOutcome = 'done' | 'skipped' | 'failed';

export interface Who {
  user_id: string | null;
  label: string;
  name: string | null;
}

export interface RunMark {
  id: string;
  step_id: string;
  outcome: MarkOutcome;
  note: string;
  by: Who;
  at: string;
  action_id: string | null;
}

export interface RunAction {
  id: string;
  step_id: string;
  method: string;
  url: string;
  result: 'succeeded' | 'failed' | 'refused';
  status_code: number | null;
  duration_ms: number;
  response_body: string;
  response_truncated: boolean;
  error: string | null;
  by: Who;
  at: string;
}

export interface RunStep {
  id: string;
  position: number;
  title: string;
  instruction: string;
  command: string | null;
  expected: string;
  on_failure: string;
  http_action: { method: string; url: string; header_names: string[]; has_body: boolean; expect_status: number[] } | null;
  state: RunMark | null;
  history: RunMark[];
  actions: RunAction[];
}

export interface RunProgress {
  total: number;
  done: number;
  skipped: number;
  failed: number;
  pending: number;
}

export interface RunSummary {
  id: string;
  status: RunStatus;
  runbook: { id: string; slug: string; title: string };
  version: { id: string; number: number };
  incident: { id: string; ref: string; title: string; status: string } | null;
  alert_group_id: string | null;
  started_by: Who;
  started_at: string;
  finished_at: string | null;
  finished_by: Who | null;
  duration_ms: number | null;
  finish_note: string;
  progress: RunProgress;
  revision: number;
}

export interface RunDetail extends RunSummary {
  current_step_id: string | null;
  steps: RunStep[];
  purpose: string;
  prerequisites: string;
  verification: string;
  rollback: string;
}

export interface Guidance {
  step_id: string;
  on_failure: string;
  rollback: string;
}

export interface RunStats {
  runbook: { id: string; slug: string; title: string };
  runs: number;
  finished: number;
  running: number;
  succeeded: number;
  failed: number;
  aborted: number;
  success_rate: number | null;
  mean_duration_ms: number | null;
  last_verified_at: string | null;
  failing_steps: { step_id: string; title: string; failures: number; runs: number }[];
}

export interface SuggestedRunbook {
  id: string;
  slug: string;
  title: string;
}

const seg = encodeURIComponent;

export const runsApi = {
  list: (q: Query & { cursor?: string | null; limit?: number }, signal?: AbortSignal) => request<Page<RunSummary>>('GET', '/runbook-runs', { query: q, signal }),
  get: (id: string, signal?: AbortSignal) => request<RunDetail>('GET', `/runbook-runs/${seg(id)}`, { signal }),
  start: (body: { runbook: string; incident?: string; alert_group?: string }) => request<RunDetail>('POST', '/runbook-runs', { body }),
  mark: (id: string, stepId: string, body: { outcome: MarkOutcome; note?: string }) =>
    request<{ run: RunDetail; mark: RunMark; guidance: Guidance | null }>('POST', `/runbook-runs/${seg(id)}/steps/${seg(stepId)}`, { body }),
  httpAction: (id: string, stepId: string) =>
    request<{ run: RunDetail; action: RunAction; mark: RunMark | null; guidance: Guidance | null }>('POST', `/runbook-runs/${seg(id)}/steps/${seg(stepId)}/http-action`, {
      body: { confirm: true },
    }),
  finish: (id: string, body: { outcome: 'success' | 'failed' | 'aborted'; note?: string }) => request<RunDetail>('POST', `/runbook-runs/${seg(id)}/finish`, { body }),
  stats: (runbook: string, signal?: AbortSignal) => request<RunStats>('GET', `/runbooks/${seg(runbook)}/run-stats`, { signal }),
  /** Runbooks suggested for an incident (runbook lookup); an empty list while that endpoint does not exist. */
  suggestedForIncident: async (incidentId: string, signal?: AbortSignal): Promise<SuggestedRunbook[]> => {
    try {
      const r = await request<{ data?: SuggestedRunbook[] } | SuggestedRunbook[]>('GET', `/incidents/${seg(incidentId)}/runbooks`, { signal });
      const list = Array.isArray(r) ? r : (r?.data ?? []);
      return list.map((x: any) => ({ id: x.id ?? x.runbook?.id, slug: x.slug ?? x.runbook?.slug, title: x.title ?? x.runbook?.title ?? x.slug })).filter((x) => x.id);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return [];
      throw err;
    }
  },
};

export const STATUS_TONE: Record<RunStatus, 'blue' | 'green' | 'red' | 'neutral'> = { running: 'blue', success: 'green', failed: 'red', aborted: 'neutral' };
export const STATUS_LABEL: Record<RunStatus, string> = { running: 'Running', success: 'Succeeded', failed: 'Failed', aborted: 'Aborted' };
export const OUTCOME_LABEL: Record<MarkOutcome, string> = { done: 'Done', skipped: 'Skipped', failed: 'Failed' };
export const OUTCOME_TONE: Record<MarkOutcome, 'green' | 'amber' | 'red'> = { done: 'green', skipped: 'amber', failed: 'red' };

export function formatRunDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export const whoName = (w: Who | null | undefined) => (w ? (w.name ?? w.label) : '—');
