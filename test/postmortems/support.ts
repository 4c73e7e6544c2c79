// Incidents for postmortem tests, made through the incidents API: declaring, resolving and reopening emit
// incident.declared / resolved / reopened, which this module subscribes to.
import { iso } from '../../src/core/time.js';
import type { TestApp } from '../support/app.js';

export const SEVERITIES = [
  { key: 'SEV1', rank: 1, name: 'Critical', ack: 15, requires: 1 },
  { key: 'SEV2', rank: 2, name: 'Major', ack: 30, requires: 1 },
  { key: 'SEV3', rank: 3, name: 'Moderate', ack: 240, requires: 0 },
  { key: 'SEV4', rank: 4, name: 'Minor', ack: 1440, requires: 0 },
];

/** The seeds' severity table, unless the installation already has it. */
export async function ensureSeverities(t: TestApp): Promise<void> {
  const db = t.app.deps.db;
  const have = new Set((await db.selectFrom('incident_severities').select('key').execute()).map((r) => r.key));
  for (const s of SEVERITIES) {
    if (have.has(s.key)) continue;
    await db
      .insertInto('incident_severities')
      .values({
        key: s.key, rank: s.rank, name: s.name, description: '', examples: '', ack_target_minutes: s.ack, mitigate_target_minutes: null,
        update_interval_minutes: null, requires_postmortem: s.requires, postmortem_due_business_days: 5, updated_at: iso(new Date()),
      })
      .execute();
  }
}

export interface IncidentSpec {
  title?: string;
  severity?: string;
  services?: string[];
  summary?: string;
  /** Notes marked as key events, added right after declaring. */
  keyEvents?: Array<{ at: string; summary: string }>;
}

const ok = (what: string, r: { status: number; text: string }) => {
  if (r.status < 200 || r.status > 299) throw new Error(`${what}: ${r.status} ${r.text}`);
};

/** Declares through the incidents API (as the admin), so this module's subscribers see the real events. */
export async function declareIncident(t: TestApp, spec: IncidentSpec = {}) {
  const r = await t.request('POST', '/api/v1/incidents', {
    body: { title: spec.title ?? 'Test incident', severity: spec.severity ?? 'SEV2', summary: spec.summary, services: spec.services ?? [], page: { services: false } },
  });
  ok('declare', r);
  const id: string = r.body.id;
  for (const e of spec.keyEvents ?? []) ok('note', await t.request('POST', `/api/v1/incidents/${id}/timeline`, { body: { body: e.summary, key_event: true, at: e.at } }));
  return { id, number: r.body.number as number, ref: r.body.ref as string };
}

export async function setRole(t: TestApp, incidentId: string, role: string, userId: string): Promise<void> {
  ok('role', await t.request('POST', `/api/v1/incidents/${incidentId}/roles`, { body: { role, user: userId } }));
}

export async function resolveIncident(t: TestApp, incidentId: string, impact: { text?: string; users?: number } = {}): Promise<void> {
  ok('resolve', await t.request('POST', `/api/v1/incidents/${incidentId}/status`, { body: { status: 'resolved', impact: impact.text ?? 'Checkout customers', ...(impact.users !== undefined ? { users_affected: impact.users } : {}) } }));
}

export async function reopenIncident(t: TestApp, incidentId: string): Promise<void> {
  ok('reopen', await t.request('POST', `/api/v1/incidents/${incidentId}/reopen`, { body: {} }));
}

/** Team `payments` owning service `checkout`, team `search` owning `search-api`, and users with roles. */
export async function setupCatalog(t: TestApp) {
  await ensureSeverities(t);
  for (const [team, service] of [['payments', 'checkout'], ['search', 'search-api']] as const) {
    const tr = await t.request('POST', '/api/v1/teams', { body: { slug: team, name: team } });
    if (tr.status !== 201) throw new Error(`team ${team}: ${tr.text}`);
    const sr = await t.request('POST', '/api/v1/services', { body: { slug: service, name: service, team } });
    if (sr.status !== 201) throw new Error(`service ${service}: ${sr.text}`);
  }
  const stamp = Date.now().toString(36);
  const responder = await t.user({ email: `ana-${stamp}@example.com`, teams: { payments: 'responder' } });
  const viewer = await t.user({ email: `vic-${stamp}@example.com`, teams: { payments: 'viewer' } });
  const outsider = await t.user({ email: `sam-${stamp}@example.com`, teams: { search: 'responder' } });
  return { responder, viewer, outsider };
}
