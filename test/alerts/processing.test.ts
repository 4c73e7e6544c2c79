import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { amPayload, pdTrigger, seedService } from './support.js';

forEachDatabase('alert processing', (kind) => {
  let t: TestApp;
  let keys: Record<string, string>;
  let ids: Record<string, string>;
  const clock = new ManualClock('2026-11-22T12:00:00.000Z');
  const send = (body: unknown) => t.request('POST', '/v2/enqueue', { token: null, body });
  const am = (body: unknown) => t.request('POST', `/api/v1/integrations/${keys.alertmanager}/alertmanager`, { token: null, body });
  const alertsOf = async (dedup: string) => (await t.request('GET', '/api/v1/alerts?limit=500')).body.data.filter((a: any) => a.dedup_key === dedup);

  before(async () => {
    t = await startTestApp(kind, { clock });
    ({ keys, ids } = await seedService(t));
    await seedService(t, 'storage', 'platform');
  });
  after(async () => t.close());

  test('acknowledging a group acknowledges its alerts; resolving resolves the group', async () => {
    await send(pdTrigger(keys.pagerduty!, 'grp-1'));
    const [alert] = await alertsOf('grp-1');
    const ack = await t.request('POST', `/api/v1/alert-groups/${alert.group_id}/acknowledge`);
    assert.equal(ack.status, 200, ack.text);
    assert.equal(ack.body.status, 'acknowledged');
    assert.equal((await alertsOf('grp-1'))[0].status, 'acknowledged');
    const again = await t.request('POST', `/api/v1/alerts/${alert.id}/resolve`);
    assert.equal(again.body.status, 'resolved');
    const group = await t.request('GET', `/api/v1/alert-groups/${alert.group_id}`);
    assert.equal(group.body.status, 'resolved');
    const conflict = await t.request('POST', `/api/v1/alert-groups/${alert.group_id}/resolve`);
    assert.equal(conflict.status, 409);
  });

  test('only responders of the owning team may act; viewers read', async () => {
    await send(pdTrigger(keys.pagerduty!, 'perm-1'));
    const [alert] = await alertsOf('perm-1');
    const viewer = await t.user({ teams: { payments: 'viewer' } });
    const outsider = await t.user({ teams: { platform: 'manager' } });
    const responder = await t.user({ teams: { payments: 'responder' } });
    assert.equal((await t.request('GET', `/api/v1/alerts/${alert.id}`, { token: viewer.token })).status, 200);
    assert.equal((await t.request('POST', `/api/v1/alerts/${alert.id}/acknowledge`, { token: viewer.token })).status, 403);
    assert.equal((await t.request('POST', `/api/v1/alerts/${alert.id}/acknowledge`, { token: outsider.token })).status, 403);
    assert.equal((await t.request('POST', `/api/v1/alerts/${alert.id}/acknowledge`, { token: null })).status, 401);
    const ok = await t.request('POST', `/api/v1/alerts/${alert.id}/acknowledge`, { token: responder.token });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.acknowledged_by, responder.email);
    const log = await t.request('GET', `/api/v1/alerts/${alert.id}`);
    assert.deepEqual(log.body.events.map((e: any) => [e.kind, e.actor.label]), [
      ['trigger', 'integration:pagerduty'],
      ['acknowledge', responder.email],
    ]);
  });

  test('routing rules: drop, re-route to another service, override severity and urgency', async () => {
    const drop = await t.request('POST', '/api/v1/routing-rules', {
      body: { integration_id: ids.pagerduty, name: 'ignore canaries', conditions: [{ field: 'source', op: 'regex', value: 'canary-.*' }], actions: { drop: true } },
    });
    assert.equal(drop.status, 201, drop.text);
    const reroute = await t.request('POST', '/api/v1/routing-rules', {
      body: { name: 'disks go to storage', conditions: [{ field: 'details.kind', op: 'equals', value: 'disk' }], actions: { set_service: 'storage', set_severity: 'warning', set_urgency: 'high' } },
    });
    assert.equal(reroute.status, 201, reroute.text);
    const r1 = await send(pdTrigger(keys.pagerduty!, 'canary-1', { source: 'canary-7' }));
    assert.equal(r1.status, 202);
    assert.equal((await alertsOf('canary-1')).length, 0);
    await send(pdTrigger(keys.pagerduty!, 'disk-9', { custom_details: { kind: 'disk' } }));
    const [disk] = await alertsOf('disk-9');
    assert.equal(disk.service.slug, 'storage');
    assert.equal(disk.severity, 'warning');
    assert.equal(disk.urgency, 'high');
    // A responder-only user cannot create global rules.
    const responder = await t.user({ teams: { payments: 'responder' } });
    const denied = await t.request('POST', '/api/v1/routing-rules', { token: responder.token, body: { name: 'x', conditions: [], actions: { drop: true } } });
    assert.equal(denied.status, 403);
    const badRegex = await t.request('POST', '/api/v1/routing-rules', { body: { name: 'x', conditions: [{ field: 'source', op: 'regex', value: '(' }], actions: {} } });
    assert.equal(badRegex.status, 400);
    await t.request('DELETE', `/api/v1/routing-rules/${drop.body.id}`);
    await t.request('DELETE', `/api/v1/routing-rules/${reroute.body.id}`);
  });

  test('silences: matching alerts are stored but silenced; expiring the silence un-silences them', async () => {
    const s = await t.request('POST', '/api/v1/silences', {
      body: { matchers: [{ name: 'alertname', value: 'Flappy.*', is_regex: true }, { name: 'env', value: 'prod' }], ends_at: '2026-11-22T14:00:00Z', comment: 'known flapping, JIRA-1' },
    });
    assert.equal(s.status, 201, s.text);
    assert.equal(s.body.state, 'active');
    await am(amPayload([{ labels: { alertname: 'FlappyCheck', env: 'prod' }, fingerprint: 'flap-1' }]));
    await am(amPayload([{ labels: { alertname: 'FlappyCheck', env: 'staging' }, fingerprint: 'flap-2' }]));
    const [silenced] = await alertsOf('flap-1');
    const [loud] = await alertsOf('flap-2');
    assert.equal(silenced.silenced, true);
    assert.equal(loud.silenced, false);
    assert.equal((await t.request('GET', `/api/v1/alert-groups/${silenced.group_id}`)).body.silenced, true);
    const exp = await t.request('DELETE', `/api/v1/silences/${s.body.id}`);
    assert.equal(exp.body.state, 'expired');
    assert.equal((await alertsOf('flap-1'))[0].silenced, false);
    assert.equal((await t.request('GET', `/api/v1/alert-groups/${silenced.group_id}`)).body.silenced, false);
  });

  test('silence created after the alert fires silences it; its end (engine timer) un-silences', async () => {
    await am(amPayload([{ labels: { alertname: 'Later', env: 'prod' }, fingerprint: 'later-1' }]));
    const s = await t.request('POST', '/api/v1/silences', {
      body: { matchers: [{ name: 'alertname', value: 'Later' }], ends_at: new Date(clock.now().getTime() + 30 * 60_000).toISOString(), comment: 'maintenance' },
    });
    assert.equal(s.status, 201);
    assert.equal((await alertsOf('later-1'))[0].silenced, true);
    clock.advance(31 * 60_000);
    await t.app.engine.drain();
    assert.equal((await alertsOf('later-1'))[0].silenced, false);
  });

  test('grouping by labels within a window folds alerts into one group', async () => {
    const put = await t.request('PUT', '/api/v1/services/checkout/alert-settings', {
      body: { grouping: { mode: 'labels', labels: ['alertname', 'cluster'], window_minutes: 10 } },
    });
    assert.equal(put.status, 200, put.text);
    await am(amPayload([
      { labels: { alertname: 'PodCrash', cluster: 'eu-1', pod: 'a' }, fingerprint: 'pc-a' },
      { labels: { alertname: 'PodCrash', cluster: 'eu-1', pod: 'b' }, fingerprint: 'pc-b' },
      { labels: { alertname: 'PodCrash', cluster: 'us-1', pod: 'c' }, fingerprint: 'pc-c' },
    ]));
    const [a] = await alertsOf('pc-a');
    const [b] = await alertsOf('pc-b');
    const [c] = await alertsOf('pc-c');
    assert.equal(a.group_id, b.group_id);
    assert.notEqual(a.group_id, c.group_id);
    const group = await t.request('GET', `/api/v1/alert-groups/${a.group_id}`);
    assert.equal(group.body.alert_count, 2);
    clock.advance(11 * 60_000);
    await am(amPayload([{ labels: { alertname: 'PodCrash', cluster: 'eu-1', pod: 'd' }, fingerprint: 'pc-d' }]));
    const [d] = await alertsOf('pc-d');
    assert.notEqual(d.group_id, a.group_id, 'outside the window a new group opens');
    await t.request('PUT', '/api/v1/services/checkout/alert-settings', { body: { grouping: { mode: 'dedup_key', labels: [], window_minutes: 60 } } });
  });

  test('auto-resolve after N minutes without a new trigger; a new trigger pushes it back', async () => {
    await t.request('PUT', '/api/v1/services/checkout/alert-settings', { body: { auto_resolve_minutes: 60 } });
    await send(pdTrigger(keys.pagerduty!, 'auto-1'));
    clock.advance(45 * 60_000);
    await send(pdTrigger(keys.pagerduty!, 'auto-1'));
    clock.advance(20 * 60_000);
    await t.app.engine.drain();
    assert.equal((await alertsOf('auto-1'))[0].status, 'triggered', 'retriggered 20 minutes ago');
    clock.advance(41 * 60_000);
    await t.app.engine.drain();
    const [a] = await alertsOf('auto-1');
    assert.equal(a.status, 'resolved');
    assert.equal(a.resolved_by, 'ballast');
    await t.request('PUT', '/api/v1/services/checkout/alert-settings', { body: { auto_resolve_minutes: null } });
  });

  test('acknowledgement timeout re-triggers an acknowledged group', async () => {
    await t.request('PUT', '/api/v1/services/checkout/alert-settings', { body: { ack_timeout_minutes: 30 } });
    await send(pdTrigger(keys.pagerduty!, 'ackto-1'));
    const [a] = await alertsOf('ackto-1');
    await t.request('POST', `/api/v1/alert-groups/${a.group_id}/acknowledge`);
    clock.advance(29 * 60_000);
    await t.app.engine.drain();
    assert.equal((await alertsOf('ackto-1'))[0].status, 'acknowledged');
    clock.advance(2 * 60_000);
    await t.app.engine.drain();
    const [after] = await alertsOf('ackto-1');
    assert.equal(after.status, 'triggered');
    const group = await t.request('GET', `/api/v1/alert-groups/${a.group_id}`);
    assert.equal(group.body.status, 'triggered');
    const events = await t.app.deps.db.selectFrom('events').select(['type', 'payload']).where('subject_id', '=', a.group_id).orderBy('seq').execute();
    assert.deepEqual(events.map((e) => e.type), ['alert_group.triggered', 'alert_group.acknowledged', 'alert_group.triggered']);
    assert.match(events[2]!.payload, /acknowledgement/);
    await t.request('PUT', '/api/v1/services/checkout/alert-settings', { body: { ack_timeout_minutes: null } });
  });

  test('integration key rotation with a grace period', async () => {
    const rot = await t.request('POST', `/api/v1/integrations/${ids.generic}/rotate`, { body: { grace_minutes: 10 } });
    assert.equal(rot.status, 200, rot.text);
    assert.notEqual(rot.body.key, keys.generic);
    const oldKey = await t.request('POST', `/api/v1/integrations/${keys.generic}/generic`, { token: null, body: { summary: 'old key', dedup_key: 'rot-1' } });
    assert.equal(oldKey.status, 202, 'old key still valid during the grace period');
    const newKey = await t.request('POST', `/api/v1/integrations/${rot.body.key}/generic`, { token: null, body: { summary: 'new key', dedup_key: 'rot-2' } });
    assert.equal(newKey.status, 202);
    keys.generic = rot.body.key;
  });

  test('keys resolved together in one burst each reach their own service (current, grace-period and unknown keys)', async () => {
    const rot = await t.request('POST', `/api/v1/integrations/${ids.generic}/rotate`, { body: { grace_minutes: 10 } });
    assert.equal(rot.status, 200, rot.text);
    const old = keys.generic!;
    keys.generic = rot.body.key;
    const generic = (key: string, dedup: string) => t.request('POST', `/api/v1/integrations/${key}/generic`, { token: null, body: { summary: dedup, dedup_key: dedup } });
    // Sent at once, so the key lookups of all of them are made in one database read.
    const [viaOld, viaNew, viaPd, viaUnknown] = await Promise.all([
      generic(old, 'burst-old'),
      generic(rot.body.key, 'burst-new'),
      send(pdTrigger(keys.pagerduty!, 'burst-pd')),
      generic('e'.repeat(32), 'burst-unknown'),
    ]);
    assert.deepEqual([viaOld.status, viaNew.status, viaPd.status], [202, 202, 202]);
    assert.equal(viaUnknown.status, 404, viaUnknown.text);
    const alerts = (await t.request('GET', '/api/v1/alerts?limit=500')).body.data as any[];
    const integrationOf = (dedup: string) => alerts.find((a) => a.dedup_key === dedup)?.integration_id;
    assert.equal(integrationOf('burst-old'), ids.generic);
    assert.equal(integrationOf('burst-new'), ids.generic);
    assert.equal(integrationOf('burst-pd'), ids.pagerduty);
    assert.equal(integrationOf('burst-unknown'), undefined);
  });
});
