import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import YAML from 'yaml';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';

/** The on-call example from the product issue, verbatim (plus the team it refers to). */
const EXAMPLE = `
teams:
  - { slug: payments, name: Payments }
users:
  - email: ana@example.com
    name: Ana Silva
    timezone: Europe/Lisbon
    contact_methods:
      - { type: webhook, url: "http://127.0.0.1:9099/hook" }
      - { type: email, address: ana@example.com }
  - { email: bo@example.com, name: Bo }
schedules:
  - slug: payments-primary
    timezone: Europe/Lisbon
    layers:
      - rotation: weekly
        handoff: "2026-01-05T09:00"
        users: [ana@example.com, bo@example.com]
escalation_policies:
  - slug: payments-default
    team: payments
    repeat: 1
    levels:
      - { delay_minutes: 0, targets: ["schedule:payments-primary"] }
      - { delay_minutes: 15, targets: ["user:bo@example.com"] }
services:
  - { slug: checkout-api, name: Checkout API, team: payments, escalation_policy: payments-default }
`;

forEachDatabase('ops-as-code: on-call sections', (kind) => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(kind);
  });
  after(async () => t.close());

  test('the issue example applies, re-applies unchanged, and round-trips through export', async () => {
    const doc = YAML.parse(EXAMPLE);
    const first = await t.request('POST', '/api/v1/apply', { body: { document: doc } });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.summary.created, 6);
    const policy = await t.request('GET', '/api/v1/services/checkout-api/escalation-policy');
    assert.equal(policy.body.policy.slug, 'payments-default');
    assert.deepEqual(policy.body.policy.levels.map((l: any) => l.targets.map((x: any) => x.ref)), [['schedule:payments-primary'], ['user:bo@example.com']]);
    const cms = await t.request('GET', '/api/v1/users/ana@example.com/contact-methods');
    assert.deepEqual(cms.body.data.map((c: any) => c.type).sort(), ['email', 'webhook']);

    const again = await t.request('POST', '/api/v1/apply', { body: { document: doc } });
    assert.equal(again.body.summary.changed, 0, JSON.stringify(again.body.changes.filter((c: any) => c.action !== 'unchanged')));
    assert.equal((await t.request('GET', '/api/v1/users/ana@example.com/contact-methods')).body.data.length, 2, 'no duplicate contact methods');

    const exported = await t.request('GET', '/api/v1/export');
    assert.equal(exported.body.services.find((s: any) => s.slug === 'checkout-api').escalation_policy, 'payments-default');
    assert.equal(exported.body.escalation_policies[0].levels[1].targets[0], 'user:bo@example.com');
    const round = await t.request('POST', '/api/v1/apply', { body: { document: exported.body } });
    assert.equal(round.body.summary.changed, 0, JSON.stringify(round.body.changes.filter((c: any) => c.action !== 'unchanged')));

    doc.escalation_policies[0].repeat = 2;
    const changed = await t.request('POST', '/api/v1/apply', { body: { document: doc } });
    const entry = changed.body.changes.find((c: any) => c.kind === 'escalation_policy');
    assert.deepEqual([entry.action, entry.changes.repeat], ['changed', { from: 1, to: 2 }]);
  });

  test('a policy naming an unknown schedule is refused and nothing is written', async () => {
    const doc = { escalation_policies: [{ slug: 'broken', team: 'payments', levels: [{ delay_minutes: 5, targets: ['schedule:nope'] }] }] };
    const r = await t.request('POST', '/api/v1/apply', { body: { document: doc } });
    assert.equal(r.status, 400, r.text);
    assert.equal((await t.request('GET', '/api/v1/escalation-policies/broken')).status, 404);
  });
});
