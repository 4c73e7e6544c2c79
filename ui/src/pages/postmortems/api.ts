// Fetchers and types of the postmortems module (postmortems, action items, follow-ups, incident measures).
import { request, type Query } from '../../api';
import type { Page } from '../../types';

export type PmStatus = 'draft' | 'in_review' | 'published';
export type ItemStatus = 'open' | 'in_progress' | 'done' | 'wont_do';
export type Priority = 'P1' | 'P2' | 'P3' | 'P4';
export const PRIORITIES: Priority[] = ['P1', 'P2', 'P3', 'P4'];
export const ITEM_STATUSES: ItemStatus[] = ['open', 'in_progress', 'done', 'wont_do'];
export const ITEM_STATUS_LABEL: Record<ItemStatus, string> = { open: 'Open', in_progress: 'In progress', done: 'Done', wont_do: "Won't do" };
export const PM_STATUS_LABEL: Record<PmStatus, string> = { draft: 'Draft', in_review: 'In review', published: 'Published' };

export interface UserRef {
  id: string;
  email: string;
  name: string;
}
export interface IncidentRef {
  id: string;
  number: number;
  ref: string;
  title: string;
  severity: string;
  status: string;
  declared_at: string;
  resolved_at: string | null;
}
export interface ActionItem {
  id: string;
  incident: IncidentRef;
  postmortem_id: string | null;
  title: string;
  description: string;
  owner: UserRef | null;
  due_date: string | null;
  priority: Priority;
  status: ItemStatus;
  overdue: boolean;
  completed_at: string | null;
  created_at: string;
  updated_at: string;
  can_edit: boolean;
}
export type SectionKey = 'summary' | 'impact' | 'timeline' | 'root_cause' | 'went_well' | 'went_poorly' | 'lessons_learned';
/** The seed template's order; action items sit between "What went poorly" and "Lessons learned". */
export const SECTIONS: Array<{ key: SectionKey | 'action_items'; label: string; hint: string }> = [
  { key: 'summary', label: 'Summary', hint: 'Brief description of what happened' },
  { key: 'impact', label: 'Impact', hint: 'Duration, users affected, revenue impact' },
  { key: 'timeline', label: 'Timeline', hint: 'Pre-filled from the incident’s key events' },
  { key: 'root_cause', label: 'Root cause', hint: 'Deep analysis of why this happened' },
  { key: 'went_well', label: 'What went well', hint: '' },
  { key: 'went_poorly', label: 'What went poorly', hint: '' },
  { key: 'action_items', label: 'Action items', hint: '' },
  { key: 'lessons_learned', label: 'Lessons learned', hint: 'Key takeaways' },
];
export interface PostmortemSummary {
  id: string;
  incident: IncidentRef;
  status: PmStatus;
  title: string;
  author: UserRef | null;
  required: boolean;
  auto_created: boolean;
  due_at: string | null;
  overdue: boolean;
  submitted_at: string | null;
  published_at: string | null;
  created_at: string;
  updated_at: string;
}
export interface Postmortem extends PostmortemSummary {
  sections: Record<SectionKey, string>;
  reviewers: Array<{ user: UserRef; added_at: string }>;
  action_items: ActionItem[];
  comment_count: number;
  can_edit: boolean;
}
export interface Comment {
  id: string;
  author: UserRef | null;
  author_label: string;
  body: string;
  body_html: string;
  created_at: string;
}
export interface Duration {
  count: number;
  mean_seconds: number | null;
  median_seconds: number | null;
}
export interface Stats {
  incidents: number;
  by_severity: Record<string, number>;
  mtta: Duration;
  mttm: Duration;
  mttr: Duration;
  breaches: { acknowledge: number; mitigate: number; incidents: number };
  postmortems: { required: number; on_time: number; late: number; pending: number; on_time_rate: number | null };
  action_items: { created: number; done: number; closure_rate: number | null; overdue: number };
}
export interface Metrics {
  from: string;
  to: string;
  bucket: 'week' | 'month';
  periods: Array<Stats & { start: string; end: string }>;
  overall: Stats;
}
export interface ActionItemInput {
  incident?: string;
  postmortem?: string | null;
  title?: string;
  description?: string;
  owner?: string | null;
  due_date?: string | null;
  priority?: Priority;
  status?: ItemStatus;
}

const seg = encodeURIComponent;
const get = <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal });

export const pmApi = {
  list: (q: Query, signal?: AbortSignal) => get<Page<PostmortemSummary>>('/postmortems', q, signal),
  get: (id: string, signal?: AbortSignal) => get<Postmortem>(`/postmortems/${seg(id)}`, undefined, signal),
  create: (incident: string) => request<Postmortem>('POST', '/postmortems', { body: { incident } }),
  update: (id: string, body: { title?: string; sections?: Partial<Record<SectionKey, string>> }) => request<Postmortem>('PATCH', `/postmortems/${seg(id)}`, { body }),
  transition: (id: string, status: PmStatus) => request<Postmortem>('POST', `/postmortems/${seg(id)}/status`, { body: { status } }),
  addReviewer: (id: string, user: string) => request<Postmortem>('POST', `/postmortems/${seg(id)}/reviewers`, { body: { user } }),
  removeReviewer: (id: string, user: string) => request<Postmortem>('DELETE', `/postmortems/${seg(id)}/reviewers/${seg(user)}`),
  comments: (id: string, signal?: AbortSignal) => get<{ data: Comment[] }>(`/postmortems/${seg(id)}/comments`, undefined, signal),
  comment: (id: string, body: string) => request<Comment>('POST', `/postmortems/${seg(id)}/comments`, { body: { body } }),
  exportUrl: (id: string) => `/api/v1/postmortems/${seg(id)}/export.md`,
  items: (q: Query, signal?: AbortSignal) => get<Page<ActionItem>>('/action-items', q, signal),
  createItem: (body: ActionItemInput) => request<ActionItem>('POST', '/action-items', { body }),
  updateItem: (id: string, body: ActionItemInput) => request<ActionItem>('PATCH', `/action-items/${seg(id)}`, { body }),
  followUps: (incident: string, signal?: AbortSignal) =>
    get<{ postmortem: PostmortemSummary | null; recurring: ActionItem[] }>(`/incidents/${seg(incident)}/follow-ups`, undefined, signal),
  metrics: (q: Query, signal?: AbortSignal) => get<Metrics>('/incident-metrics', q, signal),
};
