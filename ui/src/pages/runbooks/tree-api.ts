// Decision trees: types and calls (src/domains/runbooks/trees on the server).
import { request } from '../../api';
import type { Page } from '../../types';

export type Severity = 'SEV1' | 'SEV2' | 'SEV3' | 'SEV4';
export type TreeAction =
  | { type: 'run_runbook'; runbook: string }
  | { type: 'escalate'; team: string; message?: string }
  | { type: 'declare_incident'; severity: Severity; title?: string }
  | { type: 'info' };

export interface TreeNode {
  id: string;
  type: 'question' | 'action';
  text: string;
  answers?: { label: string; next: string }[];
  action?: TreeAction;
}

export interface TreeSpec {
  slug: string;
  title: string;
  description?: string;
  team: string;
  services?: string[];
  tags?: string[];
  root: string;
  nodes: TreeNode[];
}

export interface Tree {
  id: string;
  slug: string;
  title: string;
  description: string;
  team: { id: string; slug: string; name: string };
  services: string[];
  tags: string[];
  root: string;
  nodes: TreeNode[];
  version: number;
  created_at: string;
  updated_at: string;
}

export type TreeSummary = Omit<Tree, 'nodes'> & { node_count: number; question: string };

export interface Example {
  key: string;
  title: string;
  description: string;
  node_count: number;
  runbooks: string[];
  installed_as: string[];
}

interface Call {
  method: 'POST';
  path: string;
  body: Record<string, unknown>;
}

export type ActionDescriptor =
  | { type: 'run_runbook'; node: string; text: string; runbook: { slug: string; title: string | null; exists: boolean }; request: Call }
  | { type: 'declare_incident'; node: string; text: string; severity: Severity; title: string; services: string[]; request: Call; ui_path: string }
  | { type: 'escalate'; node: string; text: string; team: { slug: string; name: string | null }; message: string; request: Call; escalated: boolean }
  | { type: 'info'; node: string; text: string };

export interface PathStep {
  node: string;
  question: string;
  answer: string;
  next: string;
  at: string;
  by: string;
}

export interface Walk {
  id: string;
  tree: { id: string; slug: string; title: string; version: number };
  incident: { id: string; ref: string; title: string } | null;
  status: 'active' | 'completed';
  current: { id: string; type: 'question' | 'action'; text: string; answers: { label: string; next: string }[] };
  path: PathStep[];
  action: ActionDescriptor | null;
  escalation: { at: string; by: string; team: string; via: string; notified: { id: string; name: string }[] } | null;
  started_by: string;
  started_at: string;
  updated_at: string;
  completed_at: string | null;
}

const seg = encodeURIComponent;
const BASE = '/decision-trees';

export const treeApi = {
  list: (q: { team?: string; q?: string; limit?: number; cursor?: string | null } = {}) => request<Page<TreeSummary>>('GET', BASE, { query: { limit: 200, ...q } }),
  get: (slug: string) => request<Tree>('GET', `${BASE}/${seg(slug)}`),
  create: (body: TreeSpec) => request<Tree>('POST', BASE, { body }),
  update: (slug: string, body: Omit<TreeSpec, 'slug'>) => request<Tree>('PATCH', `${BASE}/${seg(slug)}`, { body }),
  remove: (slug: string) => request<void>('DELETE', `${BASE}/${seg(slug)}`),
  examples: () => request<{ data: Example[] }>('GET', `${BASE}/examples`),
  installExample: (key: string, team: string) => request<{ tree: Tree; warnings: string[] }>('POST', `${BASE}/examples/${seg(key)}`, { body: { team } }),
  startWalk: (slug: string, incident?: string) => request<Walk>('POST', `${BASE}/${seg(slug)}/walks`, { body: incident ? { incident } : {} }),
  getWalk: (id: string) => request<Walk>('GET', `${BASE}/walks/${seg(id)}`),
  answer: (id: string, node: string, answer: number) => request<Walk>('POST', `${BASE}/walks/${seg(id)}/answer`, { body: { node, answer } }),
  back: (id: string) => request<Walk>('POST', `${BASE}/walks/${seg(id)}/back`, { body: {} }),
  escalate: (id: string) => request<Walk>('POST', `${BASE}/walks/${seg(id)}/escalate`, { body: {} }),
  walks: (q: { tree?: string; incident?: string; limit?: number }) => request<Page<Walk>>('GET', `${BASE}/walks`, { query: { limit: 50, ...q } }),
  /** Performs a leaf's call as the server described it (runbook run, incident declaration). */
  perform: <T>(call: Call) => request<T>(call.method, call.path.replace(/^\/api\/v1/, ''), { body: call.body }),
};

export const ACTION_LABEL: Record<TreeAction['type'], string> = {
  run_runbook: 'Run a runbook',
  escalate: 'Escalate to a team',
  declare_incident: 'Declare an incident',
  info: 'Resolution (information)',
};
