import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { SYSTEM } from '../../src/core/actor.js';
import { transaction } from '../../src/core/uow.js';
import { armHandoffScan, HANDOFF_SCAN, scanSchedule, shiftChanges } from '../../src/domains/oncall/handoff/services.js';
import { md } from '../../src/domains/oncall/handoff/markdown.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { pdTrigger } from '../alerts/support.js';

const MIN = 60_000;
type U = { id: string; email: string; token: string };

test('shiftChanges: person changes in (since, until], same person continuing is no handoff', () => {
  const e = (start: number, end: number, user_id: string) => ({ start, end, user_id, source: 0 as const });
  const entries = [e(0, 10, 'a'), e(10, 20, 'b'), e(20, 30, 'b'), e(35, 40, 'a')];
  assert.deepEqual(shiftChanges(entries, 0, 40), [
    { at: 10, fromUserId: 'a', toUserId: 'b', shiftStart: 0 },
    { at: 35, fromUserId: null, toUserId: 'a', shiftStart: 20 },
  ]);
  assert.deepEqual(shiftChanges(entries, 10, 30), [], 'the change at `since` itself belongs to the previous scan');
});

test('md escapes Markdown and HTML metacharacters as plain text', () => {
  assert.equal(md('*a* <b> [x](y) & #1\nz'), '\\*a\\* \\<b\\> \\[x\\]\\(y\\) \\& \\#1 z');
});

forEachDatabase('on-call handoff reports', (kind) => {
  let t: TestApp;
  let key: string;
  let ana: U;
  let bo: U;
  let scheduleId: string;
  // Monday 08:00 in Lisbon (= UTC in winter); the weekly handoff is Monday 09:00 local.
  const clock = new ManualClock('2026-11-23T08:00:00.000Z');
  const tick = async (minutes: number) => {
    clock.advance(minutes * MIN);
    await t.app.engine.drain();
  };
  const reports = async () => (await t.request('GET', `/api/v1/handoffs?schedule=${scheduleId}`)).body.data as any[];

  before(async () => {
    t = await startTestApp(kind, { clock });
    await t.request('POST', '/api/v1/teams', { body: { slug: 'payments', name: 'Payments' } });
    ana = await t.user({ email: 'ana@example.com', teams: { payments: 'responder' } });
    bo = await t.user({ email: 'bo@example.com', teams: { payments: 'responder' } });
    const cm = await t.request('POST', `/api/v1/users/${bo.id}/contact-methods`, { token: bo.token, body: { type: 'email', address: 'bo@example.com' } });
    assert.equal(cm.status, 201, cm.text);
    const sched = await t.request('POST', '/api/v1/schedules', {
      body: {
        slug: 'payments-primary', name: 'Payments primary', team: 'payments', time_zone: 'Europe/Lisbon',
        layers: [{ rotation: 'weekly', handoff: '2026-11-16T09:00', participants: [ana.email, bo.email] }],
      },
    });
    assert.equal(sched.status, 201, sched.text);
    scheduleId = sched.body.id;
    const policy = await t.request('POST', '/api/v1/escalation-policies', {
      body: { slug: 'payments-default', name: 'Payments default', team: 'payments', levels: [{ delay_minutes: 30, targets: ['schedule:payments-primary'] }] },
    });
    assert.equal(policy.status, 201, policy.text);
    await t.request('POST', '/api/v1/services', { body: { slug: 'checkout', name: 'Checkout', team: 'payments' } });
    await t.request('PUT', '/api/v1/services/checkout/escalation-policy', { body: { policy: 'payments-default' } });
    key = (await t.request('POST', '/api/v1/services/checkout/integrations', { body: { type: 'pagerduty' } })).body.key;
    await t.app.engine.drain();
  });
  after(async () => t.close());

  test('the scan job is armed once at start under a fixed key', async () => {
    await armHandoffScan(t.app.deps);
    const pending = await t.app.deps.db.selectFrom('engine_jobs').select('id').where('kind', '=', HANDOFF_SCAN).where('state', '=', 'pending').execute();
    assert.equal(pending.length, 1);
  });

  test('notes: the person on call (or a team responder) may leave them; others may not', async () => {
    const outsider = await t.user({ email: 'zed@example.com' });
    const denied = await t.request('POST', `/api/v1/schedules/payments-primary/handoff-notes`, { token: outsider.token, body: { text: 'hi' } });
    assert.equal(denied.status, 403, denied.text);
    const bad = await t.request('POST', `/api/v1/schedules/payments-primary/handoff-notes`, { token: ana.token, body: { text: '' } });
    assert.equal(bad.status, 400);
  });

  test('a shift change produces exactly one report for the incoming person, with open alert groups and notes', async () => {
    const trig = await t.request('POST', '/v2/enqueue', { token: null, body: pdTrigger(key, 'h-1', { summary: 'Disk *full* on db-1' }) });
    assert.equal(trig.status, 202, trig.text);
    await t.request('POST', '/v2/enqueue', { token: null, body: pdTrigger(key, 'h-2', { summary: 'Latency high' }) });
    await tick(1);
    const groups = (await t.request('GET', '/api/v1/alert-groups?limit=50')).body.data as any[];
    const latency = groups.find((g) => g.title === 'Latency high');
    const ack = await t.request('POST', `/api/v1/alert-groups/${latency.id}/acknowledge`, { token: ana.token });
    assert.equal(ack.status, 200, ack.text);
    const note = await t.request('POST', `/api/v1/schedules/payments-primary/handoff-notes`, { token: ana.token, body: { text: 'Watch <b>db-1</b>\nrestart if *stuck*' } });
    assert.equal(note.status, 201, note.text);
    assert.equal((await reports()).length, 0, 'no change before 09:00');

    await tick(70); // 09:11 local: bo's week starts at 09:00
    const list = await reports();
    assert.equal(list.length, 1);
    const r = list[0];
    assert.equal(r.to.id, bo.id);
    assert.equal(r.from.id, ana.id);
    assert.equal(r.change_at, '2026-11-23T09:00:00.000Z');
    assert.equal(r.shift_start, '2026-11-16T09:00:00.000Z');
    assert.deepEqual(r.sections.active_issues.map((g: any) => g.title).sort(), ['Disk *full* on db-1', 'Latency high']);
    assert.equal(r.sections.last_shift.alert_groups, 2);
    assert.deepEqual(r.sections.last_shift.acknowledged_by.map((a: any) => [a.by.includes('ana'), a.count]), [[true, 1]], JSON.stringify(r.sections.last_shift));
    assert.equal(r.sections.last_shift.not_acknowledged, 1);
    assert.deepEqual(r.sections.notes.map((n: any) => n.text), ['Watch <b>db-1</b>\nrestart if *stuck*']);
    for (const section of ['## On-Call Handoff', '### Active Issues', '### Last Shift', '### Notes']) assert.ok(r.body.includes(section), section);
    assert.ok(!r.body.includes('Recent Incidents') && !r.body.includes('Upcoming Changes'), 'modules that do not exist yet are left out');
    assert.ok(r.body.includes('Disk \\*full\\* on db\\-1'), r.body);
    assert.ok(r.body.includes('Watch \\<b\\>db\\-1\\<\\/b\\>') && !r.body.includes('<b>'), 'notes are escaped, no HTML');

    const one = await t.request('GET', `/api/v1/handoffs/${r.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.body, r.body);
    assert.equal((await t.request('GET', `/api/v1/handoffs?user=${bo.email}`)).body.data.length, 1);
    assert.equal((await t.request('GET', `/api/v1/handoffs?user=${ana.email}`)).body.data.length, 0);
    assert.equal((await t.request('GET', `/api/v1/handoffs?user=me`, { token: bo.token })).body.data.length, 1);
    assert.equal((await t.request('GET', `/api/v1/handoffs/00000000-0000-7000-8000-000000000000`)).status, 404);

    const sent = await t.app.deps.db.selectFrom('notifications').select(['subject']).where('user_id', '=', bo.id).where('subject', 'like', 'On-call handoff%').execute();
    assert.equal(sent.length, 1, 'the incoming person is notified once');
  });

  test('further scans and a re-scan of the same window do not duplicate; notes are consumed', async () => {
    await tick(5);
    await tick(5);
    assert.equal((await reports()).length, 1);
    const row = await t.app.deps.db.selectFrom('schedules').selectAll().where('id', '=', scheduleId).executeTakeFirstOrThrow();
    const created = await transaction({ deps: t.app.deps, actor: SYSTEM }, (uow) => scanSchedule(uow, row, Date.parse('2026-11-23T08:00:00Z'), clock.now().getTime()));
    assert.equal(created, 0);
    assert.equal((await reports()).length, 1);
    const open = await t.app.deps.db.selectFrom('handoff_notes').select('id').where('report_id', 'is', null).execute();
    assert.equal(open.length, 0);
    const sent = await t.app.deps.db.selectFrom('notifications').select(['id']).where('user_id', '=', bo.id).where('subject', 'like', 'On-call handoff%').execute();
    assert.equal(sent.length, 1);
  });
});
