import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { amPayload, seedService } from './support.js';

forEachDatabase('Alertmanager, Grafana and generic webhooks', (kind) => {
  let t: TestApp;
  let keys: Record<string, string>;
  before(async () => {
    t = await startTestApp(kind);
    ({ keys } = await seedService(t));
  });
  after(async () => t.close());

  test('Alertmanager: each alert is its own alert, deduplicated by fingerprint, firing then resolved', async () => {
    const firing = amPayload([
      { labels: { alertname: 'HighLatency', instance: 'web-1', severity: 'warning' }, fingerprint: 'fp-web-1' },
      { labels: { alertname: 'HighLatency', instance: 'web-2', severity: 'critical' } },
    ]);
    const r = await t.request('POST', `/api/v1/integrations/${keys.alertmanager}/alertmanager`, { token: null, body: firing });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.body.events, 2);
    assert.equal(r.body.results[0].dedup_key, 'fp-web-1');
    // Alertmanager re-sends the whole group on repeat_interval: no duplicates.
    await t.request('POST', `/api/v1/integrations/${keys.alertmanager}/alertmanager`, { token: null, body: firing });
    let list = await t.request('GET', '/api/v1/alerts?status=triggered&service=checkout');
    const am = list.body.data.filter((a: any) => a.origin === 'alertmanager');
    assert.equal(am.length, 2);
    const web1 = am.find((a: any) => a.labels.instance === 'web-1');
    assert.equal(web1.severity, 'warning');
    assert.equal(web1.trigger_count, 2);
    assert.equal(web1.details.generatorURL, 'http://prometheus.local/graph?g0.expr=up');
    assert.equal(web1.details.groupKey, '{}:{alertname="HighLatency"}');
    assert.equal(web1.details.externalURL, 'http://alertmanager.local:9093');
    assert.equal(web1.details.annotations.summary, 'HighLatency on web-1');

    const resolved = amPayload([{ labels: { alertname: 'HighLatency', instance: 'web-1', severity: 'warning' }, fingerprint: 'fp-web-1', status: 'resolved' }]);
    await t.request('POST', `/api/v1/integrations/${keys.alertmanager}/alertmanager`, { token: null, body: resolved });
    list = await t.request('GET', '/api/v1/alerts?service=checkout&status=resolved');
    assert.ok(list.body.data.some((a: any) => a.dedup_key === 'fp-web-1'));
  });

  test('Alertmanager without fingerprint uses a stable hash of the labels', async () => {
    const labels = { alertname: 'DiskFull', instance: 'db-1' };
    const a = await t.request('POST', `/api/v1/integrations/${keys.alertmanager}/alertmanager`, { token: null, body: amPayload([{ labels }]) });
    const b = await t.request('POST', `/api/v1/integrations/${keys.alertmanager}/alertmanager`, {
      token: null,
      body: amPayload([{ labels: { instance: 'db-1', alertname: 'DiskFull' } }]),
    });
    assert.equal(a.body.results[0].dedup_key, b.body.results[0].dedup_key);
  });

  test('Grafana unified alerting payload keeps dashboard and panel links', async () => {
    const body = {
      ...amPayload([{ labels: { alertname: 'CPU', grafana_folder: 'infra', severity: 'critical' }, fingerprint: 'gf-1' }]),
      orgId: 1,
      title: '[FIRING:1] CPU',
      state: 'alerting',
      message: 'CPU is high',
    };
    (body.alerts[0] as any).dashboardURL = 'http://grafana.local/d/abc';
    (body.alerts[0] as any).panelURL = 'http://grafana.local/d/abc?viewPanel=2';
    (body.alerts[0] as any).values = { A: 97.5 };
    const r = await t.request('POST', `/api/v1/integrations/${keys.grafana}/grafana`, { token: null, body });
    assert.equal(r.status, 202, r.text);
    const list = await t.request('GET', '/api/v1/alerts?service=checkout&q=CPU');
    const g = list.body.data.find((a: any) => a.dedup_key === 'gf-1');
    assert.equal(g.origin, 'grafana');
    assert.deepEqual(g.details.values, { A: 97.5 });
    assert.ok(g.links.some((l: any) => l.text === 'Dashboard' && l.href === 'http://grafana.local/d/abc'));
  });

  test('generic JSON: single object or array, with actions', async () => {
    const r = await t.request('POST', `/api/v1/integrations/${keys.generic}/generic`, {
      token: null,
      body: [
        { summary: 'Queue backlog', severity: 'warning', dedup_key: 'q-1', details: { depth: 12000 } },
        { summary: 'Cron missed', dedup_key: 'cron-1' },
      ],
    });
    assert.equal(r.status, 202, r.text);
    const res = await t.request('POST', `/api/v1/integrations/${keys.generic}/generic`, { token: null, body: { action: 'resolve', dedup_key: 'q-1' } });
    assert.equal(res.status, 202);
    const list = await t.request('GET', '/api/v1/alerts?service=checkout');
    assert.equal(list.body.data.find((a: any) => a.dedup_key === 'q-1').status, 'resolved');
    assert.equal(list.body.data.find((a: any) => a.dedup_key === 'cron-1').severity, 'error');
  });

  test('bad input: 4xx with the error shape and nothing written', async () => {
    const before = (await t.request('GET', '/api/v1/alerts?limit=500')).body.data.length;
    const cases: [string, unknown, number][] = [
      [`/api/v1/integrations/${keys.alertmanager}/alertmanager`, { alerts: 'nope' }, 400],
      [`/api/v1/integrations/${keys.alertmanager}/alertmanager`, amPayload([{ labels: { a: 'b' }, status: 'weird' as any }]), 400],
      [`/api/v1/integrations/${keys.generic}/generic`, { severity: 'apocalyptic', summary: 'x' }, 400],
      [`/api/v1/integrations/${keys.generic}/generic`, [{ summary: 'ok', dedup_key: 'fine' }, { summary: 42 }], 400],
      [`/api/v1/integrations/${'0'.repeat(32)}/generic`, { summary: 'x' }, 404],
      ['/api/v1/integrations/not-a-key/alertmanager', { alerts: [] }, 404],
    ];
    for (const [path, body, status] of cases) {
      const r = await t.request('POST', path, { token: null, body });
      assert.equal(r.status, status, `${path} ${JSON.stringify(body)} → ${r.text}`);
      assert.equal(typeof r.body.error.code, 'string');
      assert.equal(typeof r.body.error.message, 'string');
      assert.ok('details' in r.body.error);
    }
    const afterCount = (await t.request('GET', '/api/v1/alerts?limit=500')).body.data.length;
    assert.equal(afterCount, before, 'a rejected batch writes nothing, not even its valid entries');
  });
});
