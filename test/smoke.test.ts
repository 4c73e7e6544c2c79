import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDatabase, startTestApp, type TestApp } from './support/app.js';

forEachDatabase('smoke', (kind) => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(kind);
  });
  after(async () => t.close());

  test('creates a team and a service, then reads it by slug', async () => {
    const team = await t.request('POST', '/api/v1/teams', { body: { slug: 'payments', name: 'Payments' } });
    assert.equal(team.status, 201, team.text);
    const svc = await t.request('POST', '/api/v1/services', { body: { slug: 'checkout-api', name: 'Checkout API', team: 'payments', tier: 1 } });
    assert.equal(svc.status, 201, svc.text);
    const got = await t.request('GET', '/api/v1/services/checkout-api');
    assert.equal(got.body.team.slug, 'payments');
  });
});
