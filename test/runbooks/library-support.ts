import assert from 'node:assert/strict';
import type { TestApp } from '../support/app.js';

export const step = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  title: `Step ${id}`,
  instruction: `Do ${id}`,
  command: `echo ${id}`,
  expected: `${id} done`,
  on_failure: `Escalate ${id}`,
  ...extra,
});

export const content = (steps = [step('one'), step('two')], extra: Record<string, unknown> = {}) => ({
  purpose: 'When checkout is down',
  prerequisites: '- kubectl access',
  steps,
  verification: 'Error rate normal',
  rollback: 'Undo the restart',
  contacts: [{ role: 'Primary', who: '@payments-oncall' }],
  related: [],
  ...extra,
});

/** Team `payments` (service checkout) and team `search` (service search-api), with a responder, a viewer and a manager. */
export async function seedLibrary(t: TestApp) {
  for (const team of ['payments', 'search']) assert.equal((await t.request('POST', '/api/v1/teams', { body: { slug: team, name: team } })).status, 201);
  for (const [slug, team] of [['checkout', 'payments'], ['search-api', 'search']]) {
    const r = await t.request('POST', '/api/v1/services', { body: { slug, name: slug, team } });
    assert.equal(r.status, 201, r.text);
  }
  const responder = await t.user({ teams: { payments: 'responder' } });
  const viewer = await t.user({ teams: { payments: 'viewer' } });
  const manager = await t.user({ teams: { payments: 'manager' } });
  const outsider = await t.user({ teams: { search: 'responder' } });
  return { responder, viewer, manager, outsider };
}

export async function createRunbook(t: TestApp, body: Record<string, unknown>, token?: string) {
  const r = await t.request('POST', '/api/v1/runbooks', { body: { title: 'Restart checkout', kind: 'incident_response', team: 'payments', content: content(), ...body }, token });
  assert.equal(r.status, 201, r.text);
  return r.body;
}
