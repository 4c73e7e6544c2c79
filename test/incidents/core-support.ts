import assert from 'node:assert/strict';
import type { TestApp } from '../support/app.js';
import { pdTrigger } from '../alerts/support.js';

export const MIN = 60_000;
export type U = { id: string; email: string; token: string };

export interface World {
  ana: U;
  bo: U;
  viewer: U;
  outsider: U;
  pdKey: string;
  trigger(dedup: string): Promise<string>;
}

/**
 * Team payments (ana on the primary schedule, bo as level 2), service checkout with that policy and a
 * PagerDuty integration; team search owns service search without a policy. outsider is a responder of
 * search only; viewer is a viewer on payments.
 */
export async function seedWorld(t: TestApp, prefix = ''): Promise<World> {
  for (const slug of ['payments', 'search']) await t.request('POST', '/api/v1/teams', { body: { slug, name: slug } });
  const ana = await t.user({ email: `${prefix}ana@example.com`, teams: { payments: 'responder' } });
  const bo = await t.user({ email: `${prefix}bo@example.com`, teams: { payments: 'responder' } });
  const viewer = await t.user({ email: `${prefix}viewer@example.com`, teams: { payments: 'viewer' } });
  const outsider = await t.user({ email: `${prefix}outsider@example.com`, teams: { search: 'responder' } });
  for (const u of [ana, bo]) {
    const cm = await t.request('POST', `/api/v1/users/${u.id}/contact-methods`, { body: { type: 'email', address: u.email } });
    assert.equal(cm.status, 201, cm.text);
  }
  const sched = await t.request('POST', '/api/v1/schedules', {
    body: { slug: 'payments-primary', name: 'Payments primary', team: 'payments', time_zone: 'UTC', layers: [{ rotation: 'weekly', handoff: '2026-01-05T09:00', participants: [ana.email] }] },
  });
  assert.equal(sched.status, 201, sched.text);
  const policy = await t.request('POST', '/api/v1/escalation-policies', {
    body: { slug: 'payments-default', name: 'Payments default', team: 'payments', repeat: 0, levels: [{ delay_minutes: 10, targets: ['schedule:payments-primary'] }, { delay_minutes: 10, targets: [`user:${bo.email}`] }] },
  });
  assert.equal(policy.status, 201, policy.text);
  assert.equal((await t.request('POST', '/api/v1/services', { body: { slug: 'checkout', name: 'Checkout', team: 'payments' } })).status, 201);
  assert.equal((await t.request('POST', '/api/v1/services', { body: { slug: 'search', name: 'Search', team: 'search' } })).status, 201);
  assert.equal((await t.request('PUT', '/api/v1/services/checkout/escalation-policy', { body: { policy: 'payments-default' } })).status, 200);
  const pdKey = (await t.request('POST', '/api/v1/services/checkout/integrations', { body: { type: 'pagerduty' } })).body.key as string;
  const trigger = async (dedup: string) => {
    const r = await t.request('POST', '/v2/enqueue', { token: null, body: pdTrigger(pdKey, dedup) });
    assert.equal(r.status, 202, r.text);
    const alerts = (await t.request('GET', '/api/v1/alerts?limit=500')).body.data as { dedup_key: string; group_id: string }[];
    return alerts.find((a) => a.dedup_key === dedup)!.group_id;
  };
  return { ana, bo, viewer, outsider, pdKey, trigger };
}

export async function timeline(t: TestApp, ref: string) {
  const r = await t.request('GET', `/api/v1/incidents/${ref}/timeline`);
  assert.equal(r.status, 200, r.text);
  return r.body.data as { id: string; kind: string; summary: string; body: string; key_event: boolean; data: Record<string, unknown>; actor: { label: string } }[];
}
