// API helpers and types for incident status updates, communication templates and suspect changes
// (server: src/domains/incidents/updates/).
import { request } from '../../api';

export type Audience = 'internal' | 'external';

export interface IncidentUpdate {
  id: string;
  incident: { id: string; number: number; ref: string; title: string };
  audience: Audience;
  body: string;
  body_html: string;
  template: string | null;
  status: string;
  severity: string;
  next_update_at: string | null;
  author: { id: string | null; label: string };
  created_at: string;
}

export interface IncidentUpdates {
  incident: { id: string; ref: string; status: string; severity: string; update_interval_minutes: number | null };
  data: IncidentUpdate[];
  next_update_at: string | null;
  overdue: boolean;
  can_post: boolean;
}

export interface CommunicationTemplate {
  id: string;
  slug: string;
  name: string;
  audience: Audience;
  severities: string[];
  statuses: string[];
  body: string;
  variables: string[];
  created_at: string;
  updated_at: string;
}

export interface TemplateInput {
  slug?: string;
  name: string;
  audience: Audience;
  severities: string[];
  statuses: string[];
  body: string;
}

export interface UpdatePreview {
  template: { slug: string; name: string; audience: Audience };
  audience: Audience;
  body: string;
  body_html: string;
  next_update_at: string | null;
  variables: Record<string, string>;
}

export interface PostUpdateInput {
  audience: Audience;
  body: string;
  template?: string;
  /** Omitted: the severity's cadence; null: no promise. */
  next_update_in_minutes?: number;
  next_update_at?: null;
}

export interface Suspect {
  kind: string;
  id: string;
  service: { id: string; slug: string; name: string };
  via_dependency: boolean;
  dependents: { id: string; slug: string; name: string }[];
  summary: string;
  source: string | null;
  occurred_at: string;
  minutes_before: number;
  links: { href: string; text?: string }[];
}

export interface Suspects {
  incident: { id: string; ref: string; declared_at: string };
  window: { from: string; to: string; hours: number };
  services: { id: string; slug: string; name: string; via_dependency: boolean }[];
  data: Suspect[];
}

const seg = encodeURIComponent;

export const updatesApi = {
  list: (incident: string, signal?: AbortSignal) => request<IncidentUpdates>('GET', `/incidents/${seg(incident)}/updates`, { signal }),
  preview: (incident: string, template: string, nextUpdateInMinutes?: number) =>
    request<UpdatePreview>('POST', `/incidents/${seg(incident)}/updates/preview`, {
      body: { template, ...(nextUpdateInMinutes ? { next_update_in_minutes: nextUpdateInMinutes } : {}) },
    }),
  post: (incident: string, input: PostUpdateInput) => request<IncidentUpdate>('POST', `/incidents/${seg(incident)}/updates`, { body: input }),
  suspects: (incident: string, hours: number, signal?: AbortSignal) => request<Suspects>('GET', `/incidents/${seg(incident)}/suspects`, { query: { hours }, signal }),
  templates: (signal?: AbortSignal) => request<{ data: CommunicationTemplate[] }>('GET', '/communication-templates', { signal }),
  variables: (signal?: AbortSignal) => request<{ data: { name: string; description: string }[] }>('GET', '/communication-templates/variables', { signal }),
  createTemplate: (input: TemplateInput) => request<CommunicationTemplate>('POST', '/communication-templates', { body: input }),
  updateTemplate: (slug: string, input: Omit<TemplateInput, 'slug'>) => request<CommunicationTemplate>('PATCH', `/communication-templates/${seg(slug)}`, { body: input }),
  deleteTemplate: (slug: string) => request<void>('DELETE', `/communication-templates/${seg(slug)}`),
};

/** "in 12 min" / "overdue by 3 min": the countdown the incident page shows for the next promised update. */
export function dueLabel(dueIso: string, now: number): { overdue: boolean; text: string } {
  const ms = Date.parse(dueIso) - now;
  const abs = Math.abs(ms);
  const minutes = Math.round(abs / 60_000);
  const span = minutes < 1 ? 'less than a minute' : minutes < 120 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  return ms <= 0 ? { overdue: true, text: `overdue by ${span}` } : { overdue: false, text: `due in ${span}` };
}
