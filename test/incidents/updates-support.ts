import assert from 'node:assert/strict';
import type { TestApp } from '../support/app.js';

export type U = { id: string; email: string; token: string };

export interface UpdatesFixture {
  responder: U;
  viewer: U;
  manager: U;
  outsider: U;
  /** Integration keys per service slug, for PagerDuty change events. */
  keys: Record<string, string>;
}

/**
 * Team `payments` owns `checkout` (depends on `ledger`) and `ledger`; team `platform` owns `network`
 * (unrelated). Users: a responder and a viewer on payments, a manager of platform, an outsider.
 */
export async function seedUpdatesFixture(t: TestApp): Promise<UpdatesFixture> {
  for (const [slug, name] of [['payments', 'Payments'], ['platform', 'Platform']]) {
    const r = await t.request('POST', '/api/v1/teams', { body: { slug, name } });
    assert.equal(r.status, 201, r.text);
  }
  for (const s of [
    { slug: 'ledger', name: 'Ledger', team: 'payments' },
    { slug: 'checkout', name: 'Checkout', team: 'payments', depends_on: ['ledger'] },
    { slug: 'network', name: 'Network', team: 'platform' },
  ]) {
    const r = await t.request('POST', '/api/v1/services', { body: s });
    assert.equal(r.status, 201, r.text);
  }
  const keys: Record<string, string> = {};
  for (const slug of ['checkout', 'ledger', 'network']) {
    const r = await t.request('POST', `/api/v1/services/${slug}/integrations`, { body: { type: 'pagerduty' } });
    assert.equal(r.status, 201, r.text);
    keys[slug] = r.body.key;
  }
  const responder = await t.user({ teams: { payments: 'responder' } });
  const viewer = await t.user({ teams: { payments: 'viewer' } });
  const manager = await t.user({ teams: { platform: 'manager' } });
  const outsider = await t.user();
  return { responder, viewer, manager, outsider, keys };
}

/** Declares through the incidents API (no paging, so the tests only see their own notifications). */
export async function declare(t: TestApp, body: { title: string; severity: string; services?: string[]; summary?: string }, token?: string) {
  const r = await t.request('POST', '/api/v1/incidents', { token, body: { ...body, page: { services: false } } });
  assert.equal(r.status, 201, r.text);
  return r.body as { id: string; number: number; ref?: string };
}

export async function changeEvent(t: TestApp, key: string, summary: string, at: string, links: unknown[] = []) {
  const r = await t.request('POST', '/v2/change/enqueue', { token: null, body: { routing_key: key, payload: { summary, source: 'ci', timestamp: at }, links } });
  assert.equal(r.status, 202, r.text);
}
