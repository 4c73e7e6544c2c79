import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { SYSTEM } from '../../src/core/actor.js';
import { transaction } from '../../src/core/uow.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { pdTrigger } from '../alerts/support.js';

const MIN = 60_000;

forEachDatabase('escalation policies', (kind) => {
  let t: TestApp;
  let key: string;
  let ana: { id: string; email: string; token: string };
  let bo: { id: string; email: string; token: string };
  const clock = new ManualClock('2026-11-23T10:00:00.000Z');
  const send = (dedup: string) => t.request('POST', '/v2/enqueue', { token: null, body: pdTrigger(key, dedup) });
  const groupOf = async (dedup: string) => (await t.request('GET', '/api/v1/alerts?limit=500')).body.data.find((a: any) => a.dedup_key === dedup).group_id as string;
  const pages = async (groupId: string) =>
    (await t.app.deps.db.selectFrom('events').select(['payload']).where('type', '=', 'escalation.paged').where('subject_id', '=', groupId).orderBy('seq').execute()).map(
      (e) => JSON.parse(e.payload) as { level: number; loop: number; users: string[] },
    );
  const tick = async (minutes: number) => {
    clock.advance(minutes * MIN);
    await t.app.engine.drain();
  };

  before(async () => {
    t = await startTestApp(kind, { clock });
    await t.request('POST', '/api/v1/teams', { body: { slug: 'payments', name: 'Payments' } });
    ana = await t.user({ email: 'ana@example.com', teams: { payments: 'responder' } });
    bo = await t.user({ email: 'bo@example.com', teams: { payments: 'responder' } });
    const sched = await t.request('POST', '/api/v1/schedules', {
      body: { slug: 'payments-primary', name: 'Payments primary', team: 'payments', time_zone: 'Europe/Lisbon', layers: [{ rotation: 'weekly', handoff: '2026-01-05T09:00', participants: [ana.email] }] },
    });
    assert.equal(sched.status, 201, sched.text);
    const policy = await t.request('POST', '/api/v1/escalation-policies', {
      body: {
        slug: 'payments-default',
        name: 'Payments default',
        team: 'payments',
        repeat: 1,
        levels: [
          { delay_minutes: 5, targets: ['schedule:payments-primary'] },
          { delay_minutes: 10, targets: [`user:${bo.email}`] },
        ],
      },
    });
    assert.equal(policy.status, 201, policy.text);
    await t.request('POST', '/api/v1/services', { body: { slug: 'checkout', name: 'Checkout', team: 'payments' } });
    const set = await t.request('PUT', '/api/v1/services/checkout/escalation-policy', { body: { policy: 'payments-default' } });
    assert.equal(set.status, 200, set.text);
    key = (await t.request('POST', '/api/v1/services/checkout/integrations', { body: { type: 'pagerduty' } })).body.key;
  });
  after(async () => t.close());

  test('walks the levels with their delays, repeats once, then stops', async () => {
    await send('esc-1');
    const g = await groupOf('esc-1');
    await t.app.engine.drain();
    assert.deepEqual((await pages(g)).map((p) => [p.level, p.loop, p.users]), [[0, 0, [ana.id]]]);
    await tick(4);
    assert.equal((await pages(g)).length, 1, 'level 1 waits for the level 0 delay');
    await tick(1);
    await tick(10);
    await tick(5);
    await tick(10);
    await tick(60);
    assert.deepEqual(
      (await pages(g)).map((p) => [p.level, p.loop, p.users]),
      [
        [0, 0, [ana.id]],
        [1, 0, [bo.id]],
        [0, 1, [ana.id]],
        [1, 1, [bo.id]],
      ],
    );
    const run = await t.app.deps.db.selectFrom('escalations').selectAll().where('alert_group_id', '=', g).executeTakeFirstOrThrow();
    assert.equal(run.status, 'exhausted');
  });

  test('acknowledging stops the escalation; no later level is paged', async () => {
    await send('esc-2');
    const g = await groupOf('esc-2');
    await t.app.engine.drain();
    await t.request('POST', `/api/v1/alert-groups/${g}/acknowledge`, { token: ana.token });
    await tick(30);
    assert.equal((await pages(g)).length, 1);
    const run = await t.app.deps.db.selectFrom('escalations').selectAll().where('alert_group_id', '=', g).executeTakeFirstOrThrow();
    assert.deepEqual([run.status, run.stop_reason], ['stopped', 'acknowledged']);
  });

  test('an acknowledgement timeout restarts the policy from the first level', async () => {
    await t.request('PUT', '/api/v1/services/checkout/alert-settings', { body: { ack_timeout_minutes: 20 } });
    await send('esc-3');
    const g = await groupOf('esc-3');
    await t.app.engine.drain();
    await t.request('POST', `/api/v1/alert-groups/${g}/acknowledge`, { token: ana.token });
    await tick(21);
    const p = await pages(g);
    assert.deepEqual(p.map((x) => [x.level, x.loop]), [[0, 0], [0, 0]], 'paged again from level 0 after the timeout');
    await t.request('PUT', '/api/v1/services/checkout/alert-settings', { body: { ack_timeout_minutes: null } });
  });

  test('within one batch only a group\'s last lifecycle event counts (flap: resolved then triggered restarts)', async () => {
    await send('esc-batch-a');
    await send('esc-batch-b');
    const a = await groupOf('esc-batch-a');
    const b = await groupOf('esc-batch-b');
    await t.app.engine.drain();
    const runOf = (g: string) => t.app.deps.db.selectFrom('escalations').selectAll().where('alert_group_id', '=', g).executeTakeFirstOrThrow();
    const before = await runOf(a);
    const serviceId = before.service_id;
    // One transaction carrying what an ingest batch can carry: a flaps back to triggered, b triggers and is acknowledged.
    await transaction({ deps: t.app.deps, actor: SYSTEM }, async (uow) => {
      await uow.emit('alert_group.resolved', 'alert_group', a, { service_id: serviceId });
      await uow.emit('alert_group.triggered', 'alert_group', a, { service_id: serviceId });
      await uow.emit('alert_group.triggered', 'alert_group', b, { service_id: serviceId });
      await uow.emit('alert_group.acknowledged', 'alert_group', b, { service_id: serviceId });
    });
    const ra = await runOf(a);
    assert.equal(ra.status, 'active', 'the flapped group escalates again');
    assert.equal(ra.generation, before.generation + 1, 'as a new run');
    const steps = await t.app.deps.db.selectFrom('engine_jobs').select(['dedupe_key', 'state']).where('kind', '=', 'escalation.step').where('payload', 'like', `%${a}%`).execute();
    assert.deepEqual(steps.filter((j) => j.state === 'pending').map((j) => j.dedupe_key), [`escalation:${a}:${ra.generation}`], 'exactly one live step, of the new run');
    const rb = await runOf(b);
    assert.equal(rb.status, 'stopped');
    assert.equal(rb.stop_reason, 'acknowledged');
  });

  test('GET /oncall/services lists every service with the policy that pages for it, in one request', async () => {
    await t.request('POST', '/api/v1/services', { body: { slug: 'unpaged', name: 'Unpaged', team: 'payments' } });
    const r = await t.request('GET', '/api/v1/oncall/services', { token: ana.token });
    assert.equal(r.status, 200, r.text);
    const bySlug = Object.fromEntries(r.body.data.map((x: any) => [x.service.slug, x.policy]));
    assert.equal(bySlug.checkout.slug, 'payments-default');
    assert.equal(bySlug.checkout.levels[0].targets[0].ref, 'schedule:payments-primary');
    assert.equal(bySlug.unpaged, null, 'a service without a policy is listed with null');
    assert.equal((await t.request('GET', '/api/v1/oncall/services', { token: null })).status, 401);
    await t.request('DELETE', '/api/v1/services/unpaged');
  });

  test('silenced alert groups do not page', async () => {
    await t.request('POST', '/api/v1/silences', {
      body: { matchers: [{ name: 'source', value: 'host-1' }], ends_at: new Date(clock.now().getTime() + 60 * MIN).toISOString(), comment: 'maintenance' },
    });
    await send('esc-4');
    await t.app.engine.drain();
    assert.equal((await pages(await groupOf('esc-4'))).length, 0);
  });

  test('validation: unknown targets are 400 with the path; deleting a policy in use is 409', async () => {
    const bad = await t.request('POST', '/api/v1/escalation-policies', {
      body: { slug: 'bad', name: 'Bad', team: 'payments', levels: [{ delay_minutes: 5, targets: ['user:nobody@example.com'] }] },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.fields[0].path, '/levels/0/targets/0');
    const del = await t.request('DELETE', '/api/v1/escalation-policies/payments-default');
    assert.equal(del.status, 409);
    const viewer = await t.user({ teams: { payments: 'viewer' } });
    const denied = await t.request('PATCH', '/api/v1/escalation-policies/payments-default', { token: viewer.token, body: { repeat: 2 } });
    assert.equal(denied.status, 403);
  });
});
