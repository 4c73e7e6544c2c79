import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../src/core/clock.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { MIN, seedWorld, timeline, type World } from './core-support.js';

forEachDatabase('incidents: paging, promotion, response targets', (kind) => {
  let t: TestApp;
  let w: World;
  const clock = new ManualClock('2026-11-23T10:00:00.000Z');
  const tick = async (minutes: number) => {
    clock.advance(minutes * MIN);
    await t.app.engine.drain();
  };
  const pages = async (groupId: string) =>
    (await t.app.deps.db.selectFrom('events').select('payload').where('type', '=', 'escalation.paged').where('subject_id', '=', groupId).orderBy('seq').execute()).map(
      (e) => JSON.parse(e.payload) as { level: number; users: string[] },
    );
  const declare = async (body: Record<string, unknown>, token?: string) => {
    const r = await t.request('POST', '/api/v1/incidents', { body, token });
    assert.equal(r.status, 201, r.text);
    return r.body;
  };
  const detail = async (ref: string) => (await t.request('GET', `/api/v1/incidents/${ref}`)).body;

  before(async () => {
    t = await startTestApp(kind, { clock });
    w = await seedWorld(t);
    const s = await t.request('POST', '/api/v1/incident-severities', { body: { key: 'SEVX', rank: 9, name: 'Test', ack_target_minutes: 5, mitigate_target_minutes: 20 } });
    assert.equal(s.status, 201, s.text);
  });
  after(async () => t.close());

  test('declaring pages through the service’s escalation policy: alert raised, linked, pages and acks on the timeline', async () => {
    const inc = await declare({ title: 'Payments down', severity: 'SEV2', services: ['checkout'] }, w.bo.token);
    const d = await detail(inc.ref);
    assert.equal(d.alert_groups.length, 1);
    const g = d.alert_groups[0];
    assert.equal(g.raised_by_incident, true);
    assert.equal(g.service.slug, 'checkout');
    const alert = await t.app.deps.db.selectFrom('alerts').selectAll().where('group_id', '=', g.id).executeTakeFirstOrThrow();
    assert.equal(alert.dedup_key, `incident:${inc.id}`);
    assert.equal(alert.severity, 'error');
    await t.app.engine.drain();
    assert.deepEqual((await pages(g.id)).map((p) => [p.level, p.users]), [[0, [w.ana.id]]]);
    const notes = await t.app.deps.db.selectFrom('notifications').selectAll().where('alert_group_id', '=', g.id).execute();
    assert.ok(notes.some((n) => n.user_id === w.ana.id), 'ana has a delivery log entry');
    let tl = await timeline(t, inc.ref);
    assert.ok(tl.some((e) => e.kind === 'alert_linked' && /Raised alert/.test(e.summary)));
    assert.ok(tl.some((e) => e.kind === 'page_sent' && e.summary === `Paged ${w.ana.email} via Checkout escalation level 1`), JSON.stringify(tl.map((e) => e.summary)));
    // Acknowledging the page (the alert group) acknowledges the incident and stops the ack timer.
    const ack = await t.request('POST', `/api/v1/alert-groups/${g.id}/acknowledge`, { token: w.ana.token });
    assert.equal(ack.status, 200, ack.text);
    const after1 = await detail(inc.ref);
    assert.equal(after1.acknowledged_at, clock.now().toISOString());
    tl = await timeline(t, inc.ref);
    assert.ok(tl.some((e) => e.kind === 'page_acknowledged' && e.summary.includes(w.ana.email)));
    await tick(40);
    assert.equal((await detail(inc.ref)).ack_breached_at, null, 'acknowledged in time: no breach');
    assert.equal((await pages(g.id)).length, 1, 'no further level paged after the ack');
    // Resolving the incident resolves the alert it raised.
    await t.request('POST', `/api/v1/incidents/${inc.ref}/status`, { body: { status: 'resolved', impact: 'Payments failed' }, token: w.ana.token });
    const grp = await t.app.deps.db.selectFrom('alert_groups').select('status').where('id', '=', g.id).executeTakeFirstOrThrow();
    assert.equal(grp.status, 'resolved');
  });

  test('paging chosen users and schedules directly; acknowledging the incident records who and cancels pending pages', async () => {
    const inc = await declare({ title: 'Direct', severity: 'SEV3', services: ['search'], page: { users: [w.bo.email], schedules: ['payments-primary'] } });
    const notes = await t.app.deps.db.selectFrom('notifications').selectAll().where('incident_id', '=', inc.id).execute();
    assert.deepEqual([...new Set(notes.map((n) => n.user_id))].sort(), [w.ana.id, w.bo.id].sort());
    assert.ok(notes.every((n) => n.subject.includes(inc.ref)));
    let tl = await timeline(t, inc.ref);
    assert.ok(tl.some((e) => e.kind === 'page_sent' && e.summary === `Paged ${w.bo.email} directly`));
    assert.ok(tl.some((e) => e.kind === 'page_sent' && e.summary === `Paged ${w.ana.email} as on call for Payments primary`));
    assert.ok(tl.some((e) => e.kind === 'page_skipped' && /Search has no escalation policy/.test(e.summary)));
    assert.equal((await detail(inc.ref)).alert_groups.length, 0, 'no policy: no alert raised');
    const ack = await t.request('POST', `/api/v1/incidents/${inc.ref}/acknowledge`, { token: w.bo.token });
    assert.equal(ack.status, 403, 'bo is no responder of search');
    const admin = await t.request('POST', `/api/v1/incidents/${inc.ref}/acknowledge`);
    assert.equal(admin.status, 200, admin.text);
    assert.ok(admin.body.acknowledged_at);
    assert.equal((await t.request('POST', `/api/v1/incidents/${inc.ref}/acknowledge`)).status, 409, 'each responder acknowledges once');
    tl = await timeline(t, inc.ref);
    assert.equal(tl.filter((e) => e.kind === 'acknowledged').length, 1);
    const pending = await t.app.deps.db.selectFrom('notifications').select('status').where('incident_id', '=', inc.id).where('status', '=', 'pending').execute();
    assert.equal(pending.length, 0);
    assert.equal((await t.request('POST', '/api/v1/incidents', { body: { title: 'x', severity: 'SEV3', page: { users: ['ghost@example.com'] } } })).status, 400);
  });

  test('promote an alert group; attach and detach more; the group’s service becomes affected', async () => {
    const g1 = await w.trigger('db-down');
    clock.advance(2 * MIN);
    const inc = await declare({ title: 'DB down', severity: 'SEV2', alert_group_ids: [g1] }, w.ana.token);
    assert.deepEqual(inc.services.map((s: any) => s.slug), ['checkout']);
    const d = await detail(inc.ref);
    assert.deepEqual(d.alert_groups.map((g: any) => [g.id, g.raised_by_incident]), [[g1, false]], 'the open promoted group pages already: no extra alert');
    let tl = await timeline(t, inc.ref);
    assert.equal(tl[0]!.kind, 'detected', 'the first alert is when it was detected');
    assert.ok(tl.some((e) => e.kind === 'alert_linked' && e.summary.startsWith('Promoted from alert group') && e.key_event));
    const g2 = await w.trigger('db-slow');
    const att = await t.request('POST', `/api/v1/incidents/${inc.ref}/alert-groups`, { body: { alert_group_ids: [g2] }, token: w.ana.token });
    assert.equal(att.status, 200, att.text);
    assert.equal((await t.request('POST', `/api/v1/incidents/${inc.ref}/alert-groups`, { body: { alert_group_ids: [g2] } })).status, 409);
    assert.equal((await t.request('POST', `/api/v1/incidents/${inc.ref}/alert-groups`, { body: { alert_group_ids: ['01900000-0000-7000-8000-000000000000'] } })).status, 400);
    assert.equal((await t.request('POST', `/api/v1/incidents/${inc.ref}/alert-groups`, { body: { alert_group_ids: [g2] }, token: w.viewer.token })).status, 403);
    const det = await t.request('DELETE', `/api/v1/incidents/${inc.ref}/alert-groups/${g2}`, { token: w.ana.token });
    assert.equal(det.status, 200, det.text);
    assert.equal((await t.request('DELETE', `/api/v1/incidents/${inc.ref}/alert-groups/${g2}`)).status, 404);
    tl = await timeline(t, inc.ref);
    assert.ok(tl.some((e) => e.kind === 'alert_linked' && e.summary.startsWith('Linked alert group')));
    assert.ok(tl.some((e) => e.kind === 'alert_unlinked'));
    assert.equal((await detail(inc.ref)).alert_groups.length, 1);
    await t.request('POST', `/api/v1/incidents/${inc.ref}/status`, { body: { status: 'resolved', impact: 'none' } });
  });

  test('ack target breach: flagged, timeline, event, and the escalation jumps to its next level; then the mitigate target', async () => {
    await t.app.engine.drain();
    const inc = await declare({ title: 'Breach', severity: 'SEVX', services: ['checkout'] }, w.ana.token);
    const g = (await detail(inc.ref)).alert_groups[0].id;
    await t.app.engine.drain();
    assert.deepEqual((await pages(g)).map((p) => p.level), [0]);
    await tick(4);
    assert.equal((await detail(inc.ref)).ack_breached_at, null);
    await tick(1);
    const d = await detail(inc.ref);
    assert.equal(d.ack_breached_at, clock.now().toISOString());
    assert.deepEqual((await pages(g)).map((p) => [p.level, p.users]), [[0, [w.ana.id]], [1, [w.bo.id]]], 'level 2 paged at the breach, not after the 10 minute delay');
    const ev = await t.app.deps.db.selectFrom('events').select('payload').where('type', '=', 'incident.breached').where('subject_id', '=', inc.id).execute();
    assert.deepEqual(ev.map((e) => JSON.parse(e.payload).target), ['acknowledge']);
    await tick(15);
    const m = await detail(inc.ref);
    assert.equal(m.mitigate_breached_at, clock.now().toISOString());
    const tl = await timeline(t, inc.ref);
    const breaches = tl.filter((e) => e.kind === 'target_breached');
    assert.equal(breaches.length, 2);
    assert.match(breaches[0]!.summary, /Time to acknowledge target \(5 min for SEVX\) missed; advanced 1 escalation/);
    assert.match(breaches[1]!.summary, /Time to mitigate/);
    await t.request('POST', `/api/v1/incidents/${inc.ref}/status`, { body: { status: 'resolved', impact: 'x' } });
  });

  test('severity changes re-arm the timers (both directions)', async () => {
    const a = await declare({ title: 'Lowered', severity: 'SEV1', services: ['search'] });
    const b = await declare({ title: 'Raised', severity: 'SEV3', services: ['search'] });
    await tick(10);
    await t.request('PATCH', `/api/v1/incidents/${a.ref}`, { body: { severity: 'SEV3' } });
    await t.request('PATCH', `/api/v1/incidents/${b.ref}`, { body: { severity: 'SEV1' } });
    await tick(0);
    assert.equal((await detail(b.ref)).ack_breached_at, null, 'SEV1 target (15) not reached yet at 10 min');
    await tick(6);
    assert.ok((await detail(b.ref)).ack_breached_at, 'raised to SEV1: breached at 15 min');
    assert.equal((await detail(a.ref)).ack_breached_at, null, 'lowered to SEV3: 4 h target');
    await tick(240 - 16);
    assert.ok((await detail(a.ref)).ack_breached_at);
    for (const x of [a, b]) await t.request('POST', `/api/v1/incidents/${x.ref}/status`, { body: { status: 'resolved', impact: 'x' } });
  });

  test('property: the ack target is breached exactly when nobody acknowledged before it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 0, max: 200 }), async (target, ackAfter) => {
        assert.equal((await t.request('PATCH', '/api/v1/incident-severities/SEVX', { body: { ack_target_minutes: target, mitigate_target_minutes: null } })).status, 200);
        const inc = await declare({ title: `P ${target}/${ackAfter}`, severity: 'SEVX', services: ['search'] });
        await tick(ackAfter);
        await t.request('POST', `/api/v1/incidents/${inc.ref}/acknowledge`);
        await tick(target + 5);
        const d = await detail(inc.ref);
        assert.equal(d.ack_breached_at !== null, ackAfter >= target, `target ${target}, ack after ${ackAfter}`);
        await t.request('POST', `/api/v1/incidents/${inc.ref}/status`, { body: { status: 'resolved', impact: 'x' } });
      }),
      { numRuns: 12 },
    );
  });
});
