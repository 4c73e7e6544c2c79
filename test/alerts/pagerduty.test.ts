import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';

forEachDatabase('PagerDuty Events API v2', (kind) => {
  let t: TestApp;
  let key: string;
  before(async () => {
    t = await startTestApp(kind);
    await t.request('POST', '/api/v1/teams', { body: { slug: 'payments', name: 'Payments' } });
    await t.request('POST', '/api/v1/services', { body: { slug: 'checkout', name: 'Checkout', team: 'payments' } });
    const integ = await t.request('POST', '/api/v1/services/checkout/integrations', { body: { type: 'pagerduty' } });
    assert.equal(integ.status, 201, integ.text);
    key = integ.body.key;
  });
  after(async () => t.close());

  const trigger = (dedup?: string, extra: Record<string, unknown> = {}) => ({
    routing_key: key,
    event_action: 'trigger',
    ...(dedup ? { dedup_key: dedup } : {}),
    payload: { summary: 'CPU high on web-1', source: 'web-1', severity: 'critical', custom_details: { cpu: 97 } },
    ...extra,
  });

  test('trigger, repeat, acknowledge, resolve and re-trigger follow PagerDuty semantics', async () => {
    const r1 = await t.request('POST', '/v2/enqueue', { token: null, body: trigger('disk-1') });
    assert.equal(r1.status, 202, r1.text);
    assert.deepEqual(r1.body, { status: 'success', message: 'Event processed', dedup_key: 'disk-1' });
    await t.request('POST', '/v2/enqueue', { token: null, body: trigger('disk-1') });
    let list = await t.request('GET', '/api/v1/alerts?status=triggered');
    const open = list.body.data.filter((a: any) => a.dedup_key === 'disk-1');
    assert.equal(open.length, 1);
    assert.equal(open[0].trigger_count, 2);

    const ack = await t.request('POST', '/v2/enqueue', { token: null, body: { routing_key: key, dedup_key: 'disk-1', event_action: 'acknowledge' } });
    assert.equal(ack.status, 202);
    const res = await t.request('POST', '/v2/enqueue', { token: null, body: { routing_key: key, dedup_key: 'disk-1', event_action: 'resolve' } });
    assert.equal(res.status, 202);
    const again = await t.request('POST', '/v2/enqueue', { token: null, body: trigger('disk-1') });
    assert.equal(again.status, 202);
    list = await t.request('GET', '/api/v1/alerts?service=checkout');
    const all = list.body.data.filter((a: any) => a.dedup_key === 'disk-1');
    assert.deepEqual(all.map((a: any) => a.status).sort(), ['resolved', 'triggered']);
    const detail = await t.request('GET', `/api/v1/alerts/${all.find((a: any) => a.status === 'resolved').id}`);
    assert.deepEqual(detail.body.events.map((e: any) => e.kind), ['trigger', 'trigger', 'acknowledge', 'resolve']);
    assert.equal(detail.body.events[0].payload.dedup_key, 'disk-1');
    assert.ok(!JSON.stringify(detail.body).includes(key), 'the routing key (a sender credential) is not stored in the readable event log');
  });

  test('trigger without dedup_key gets a generated one; unknown ack is dropped', async () => {
    const r = await t.request('POST', '/v2/enqueue', { token: null, body: trigger() });
    assert.equal(r.status, 202);
    assert.match(r.body.dedup_key, /^[0-9a-f-]{36}$/);
    const drop = await t.request('POST', '/v2/enqueue', { token: null, body: { routing_key: key, dedup_key: 'never-seen', event_action: 'resolve' } });
    assert.equal(drop.status, 202);
  });

  test('invalid events get PagerDuty-style 400 plus the Ballast error object', async () => {
    const r = await t.request('POST', '/v2/enqueue', { token: null, body: { routing_key: 'short', event_action: 'explode' } });
    assert.equal(r.status, 400);
    assert.equal(r.body.status, 'invalid event');
    assert.ok(r.body.errors.length >= 2);
    assert.equal(r.body.error.code, 'invalid_event');
    const unknown = await t.request('POST', '/v2/enqueue', { token: null, body: { ...trigger('x'), routing_key: 'f'.repeat(32) } });
    assert.equal(unknown.status, 400);
    const big = await t.request('POST', '/v2/enqueue', { token: null, raw: JSON.stringify(trigger('big', { payload: { summary: 'x', source: 's', severity: 'info', custom_details: { blob: 'x'.repeat(600_000) } } })) });
    assert.equal(big.status, 413);
    const notJson = await t.request('POST', '/v2/enqueue', { token: null, raw: '{"routing_key":', headers: { 'content-type': 'text/plain' } });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.error.code, 'invalid_json');
  });

  test('change events are stored on the service', async () => {
    const r = await t.request('POST', '/v2/change/enqueue', {
      token: null,
      body: { routing_key: key, payload: { summary: 'Deploy v42', source: 'ci', timestamp: '2026-11-22T10:00:00Z', custom_details: { sha: 'abc' } }, links: [{ href: 'https://ci/42' }] },
    });
    assert.equal(r.status, 202, r.text);
    const list = await t.request('GET', '/api/v1/change-events?service=checkout');
    assert.equal(list.body.data[0].summary, 'Deploy v42');
    assert.equal(list.body.data[0].occurred_at, '2026-11-22T10:00:00.000Z');
  });
});
