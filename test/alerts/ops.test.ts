import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';

forEachDatabase('ops-as-code: integrations and alert settings', (kind) => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(kind);
  });
  after(async () => t.close());

  const doc = (extra: Record<string, unknown> = {}) => ({
    teams: [{ slug: 'payments', name: 'Payments' }],
    services: [
      {
        slug: 'checkout-api',
        name: 'Checkout API',
        team: 'payments',
        integrations: [{ type: 'pagerduty' }, { type: 'alertmanager', key: 'a'.repeat(32) }],
        alerts: { auto_resolve_minutes: 240 },
        ...extra,
      },
    ],
  });

  test('apply creates integrations once (generated and given keys), export round-trips, re-apply is a no-op', async () => {
    const first = await t.request('POST', '/api/v1/apply', { body: { document: doc() } });
    assert.equal(first.status, 200, first.text);
    const integ = await t.request('GET', '/api/v1/services/checkout-api/integrations');
    assert.equal(integ.body.data.length, 2);
    assert.ok(integ.body.data.some((i: any) => i.type === 'alertmanager' && i.key === 'a'.repeat(32)));
    const pd = integ.body.data.find((i: any) => i.type === 'pagerduty');
    assert.match(pd.key, /^[0-9a-f]{32}$/);

    const again = await t.request('POST', '/api/v1/apply', { body: { document: doc() } });
    assert.deepEqual(again.body.summary, { created: 0, changed: 0, unchanged: 2 });
    assert.equal((await t.request('GET', '/api/v1/services/checkout-api/integrations')).body.data.length, 2);

    const exported = await t.request('GET', '/api/v1/export');
    const svc = exported.body.services.find((s: any) => s.slug === 'checkout-api');
    assert.deepEqual(svc.integrations.map((i: any) => i.key).sort(), [pd.key, 'a'.repeat(32)].sort());
    assert.equal(svc.alerts.auto_resolve_minutes, 240);
    const roundTrip = await t.request('POST', '/api/v1/apply', { body: { document: exported.body } });
    assert.equal(roundTrip.body.summary.changed, 0, JSON.stringify(roundTrip.body.changes));

    const changed = await t.request('POST', '/api/v1/apply', { body: { document: doc({ alerts: { auto_resolve_minutes: 60, ack_timeout_minutes: 30 } }) } });
    const entry = changed.body.changes.find((c: any) => c.key === 'checkout-api');
    assert.equal(entry.action, 'changed');
    assert.equal(entry.changes.alerts.to.ack_timeout_minutes, 30);
  });

  test('a key already used by another service is a conflict and nothing is written', async () => {
    const other = {
      teams: [{ slug: 'payments', name: 'Payments' }],
      services: [{ slug: 'ledger', name: 'Ledger', team: 'payments', integrations: [{ type: 'generic', key: 'a'.repeat(32) }] }],
    };
    const r = await t.request('POST', '/api/v1/apply', { body: { document: other } });
    assert.equal(r.status, 409, r.text);
    assert.equal((await t.request('GET', '/api/v1/services/ledger')).status, 404);
  });
});
