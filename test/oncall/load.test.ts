import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { dayPart } from '../../src/domains/oncall/load/hours.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { pdTrigger } from '../alerts/support.js';

const MIN = 60_000;
const NY = 'America/New_York';

test('dayPart splits the local day: business 08–18 Mon–Fri, off 18–22 and weekend days, sleep 22–08', () => {
  // November: New York is UTC−5.
  assert.equal(dayPart(Date.parse('2026-11-24T13:00:00Z'), NY), 'business'); // Tue 08:00
  assert.equal(dayPart(Date.parse('2026-11-24T22:59:00Z'), NY), 'business'); // Tue 17:59
  assert.equal(dayPart(Date.parse('2026-11-24T23:00:00Z'), NY), 'off'); // Tue 18:00
  assert.equal(dayPart(Date.parse('2026-11-25T03:00:00Z'), NY), 'sleep'); // Tue 22:00
  assert.equal(dayPart(Date.parse('2026-11-25T12:59:00Z'), NY), 'sleep'); // Wed 07:59
  assert.equal(dayPart(Date.parse('2026-11-28T13:00:00Z'), NY), 'off'); // Sat 08:00
  assert.equal(dayPart(Date.parse('2026-11-30T02:59:00Z'), NY), 'off'); // Sun 21:59
  assert.equal(dayPart(Date.parse('2026-11-24T13:00:00Z'), 'UTC'), 'business');
  assert.equal(dayPart(Date.parse('2026-11-25T03:00:00Z'), 'UTC'), 'sleep');
});

forEachDatabase('on-call load', (kind) => {
  let t: TestApp;
  let key: string;
  let ana: { id: string; email: string; token: string };
  let bo: { id: string; email: string; token: string };
  const clock = new ManualClock('2026-11-23T00:00:00.000Z');
  const groupOf = async (dedup: string) => (await t.request('GET', '/api/v1/alerts?limit=500')).body.data.find((a: any) => a.dedup_key === dedup).group_id as string;

  /** Triggers an alert at `at` (paging ana at once) and, if given, has ana acknowledge it `ackAfterMin` later. */
  const pageAt = async (at: string, dedup: string, ackAfterMin?: number) => {
    clock.set(at);
    const r = await t.request('POST', '/v2/enqueue', { token: null, body: pdTrigger(key, dedup) });
    assert.equal(r.status, 202, r.text);
    await t.app.engine.drain();
    if (ackAfterMin !== undefined) {
      clock.advance(ackAfterMin * MIN);
      const g = await groupOf(dedup);
      const ack = await t.request('POST', `/api/v1/alert-groups/${g}/acknowledge`, { token: ana.token });
      assert.equal(ack.status, 200, ack.text);
      await t.app.engine.drain();
    }
  };

  before(async () => {
    t = await startTestApp(kind, { clock });
    await t.request('POST', '/api/v1/teams', { body: { slug: 'ops', name: 'Ops' } });
    ana = await t.user({ email: 'ana@example.com', teams: { ops: 'responder' } });
    bo = await t.user({ email: 'bo@example.com', teams: { ops: 'responder' } });
    const tz = await t.request('PATCH', `/api/v1/users/${ana.id}`, { body: { timezone: NY } });
    assert.equal(tz.status, 200, tz.text);
    const policy = await t.request('POST', '/api/v1/escalation-policies', {
      body: { slug: 'ops-default', name: 'Ops default', team: 'ops', repeat: 0, levels: [{ delay_minutes: 60, targets: [`user:${ana.email}`] }] },
    });
    assert.equal(policy.status, 201, policy.text);
    await t.request('POST', '/api/v1/services', { body: { slug: 'api', name: 'API', team: 'ops' } });
    await t.request('PUT', '/api/v1/services/api/escalation-policy', { body: { policy: 'ops-default' } });
    key = (await t.request('POST', '/api/v1/services/api/integrations', { body: { type: 'pagerduty' } })).body.key;

    await pageAt('2026-11-24T08:00:00.000Z', 'l-1', 10); // Tue 03:00 New York: sleep
    await pageAt('2026-11-24T15:00:00.000Z', 'l-2', 4); //  Tue 10:00: business
    await pageAt('2026-11-26T00:30:00.000Z', 'l-3', 2); //  Wed 19:30 (Thu 00:30 UTC): off hours
    await pageAt('2026-11-28T20:00:00.000Z', 'l-4'); //     Sat 15:00: off hours, never acknowledged
    clock.set('2026-11-30T12:00:00.000Z');
  });
  after(async () => t.close());

  test('a user: pages, interruptions split in their own time zone, MTTA', async () => {
    const r = await t.request('GET', `/api/v1/users/${ana.id}/oncall-load?from=2026-11-23T00:00:00Z&to=2026-11-30T00:00:00Z`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.user.timezone, NY);
    assert.equal(r.body.method, 'escalation.paged events');
    assert.equal(r.body.pages, 4);
    assert.deepEqual(r.body.interruptions, { business: 1, off_hours: 2, sleep: 1, total: 4 });
    assert.equal(r.body.alert_groups, 4);
    assert.equal(r.body.acknowledged, 3);
    assert.equal(r.body.mtta_seconds, Math.round(((10 + 4 + 2) * 60) / 3));

    const weekdays = await t.request('GET', `/api/v1/users/${ana.email}/oncall-load?from=2026-11-24T00:00:00Z&to=2026-11-27T00:00:00Z`);
    assert.deepEqual(weekdays.body.interruptions, { business: 1, off_hours: 1, sleep: 1, total: 3 });
    const quiet = await t.request('GET', `/api/v1/users/${bo.id}/oncall-load?from=2026-11-23T00:00:00Z&to=2026-11-30T00:00:00Z`);
    assert.deepEqual([quiet.body.pages, quiet.body.mtta_seconds], [0, null]);
  });

  test('the same pages in UTC would split differently (the zone matters)', async () => {
    await t.request('PATCH', `/api/v1/users/${ana.id}`, { body: { timezone: 'UTC' } });
    const r = await t.request('GET', `/api/v1/users/${ana.id}/oncall-load?from=2026-11-23T00:00:00Z&to=2026-11-30T00:00:00Z`);
    // 08:00 Tue business, 15:00 Tue business, 00:30 Thu sleep, 20:00 Sat off.
    assert.deepEqual(r.body.interruptions, { business: 2, off_hours: 1, sleep: 1, total: 4 });
    await t.request('PATCH', `/api/v1/users/${ana.id}`, { body: { timezone: NY } });
  });

  test('a team: sum and per member', async () => {
    const r = await t.request('GET', `/api/v1/teams/ops/oncall-load?from=2026-11-23T00:00:00Z&to=2026-11-30T00:00:00Z`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.total.pages, 4);
    assert.deepEqual(r.body.total.interruptions, { business: 1, off_hours: 2, sleep: 1, total: 4 });
    assert.equal(r.body.total.mtta_seconds, 320);
    const byEmail = Object.fromEntries(r.body.members.map((m: any) => [m.user.email, m.pages]));
    assert.equal(byEmail['ana@example.com'], 4);
    assert.equal(byEmail['bo@example.com'], 0);
  });

  test('validation: bad instants and reversed or too long periods are 400; unknown user 404', async () => {
    assert.equal((await t.request('GET', `/api/v1/users/${ana.id}/oncall-load?from=yesterday`)).status, 400);
    assert.equal((await t.request('GET', `/api/v1/users/${ana.id}/oncall-load?from=2026-11-30T00:00:00Z&to=2026-11-23T00:00:00Z`)).status, 400);
    assert.equal((await t.request('GET', `/api/v1/users/${ana.id}/oncall-load?from=2026-01-01T00:00:00Z&to=2026-11-23T00:00:00Z`)).status, 400);
    assert.equal((await t.request('GET', `/api/v1/users/nobody@example.com/oncall-load`)).status, 404);
    assert.equal((await t.request('GET', `/api/v1/users/${ana.id}/oncall-load`, { token: null })).status, 401);
  });
});
