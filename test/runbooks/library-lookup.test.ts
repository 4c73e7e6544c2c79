import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { newId } from '../../src/core/ids.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { amPayload, seedService } from '../alerts/support.js';
import { content, createRunbook } from './library-support.js';

forEachDatabase('runbook lookup, coverage and page links', (kind) => {
  let t: TestApp;
  let keys: Record<string, string>;
  let responder: { id: string; token: string; email: string };
  let outsider: { id: string; token: string; email: string };
  const clock = new ManualClock('2026-11-23T10:00:00.000Z');
  const alertId = async (alertname: string) =>
    ((await t.request('GET', '/api/v1/alerts?limit=500')).body.data as any[]).find((a) => a.class === alertname || a.labels?.alertname === alertname);
  const fire = async (labels: Record<string, string>, annotations?: Record<string, string>) => {
    const r = await t.request('POST', `/api/v1/integrations/${keys.alertmanager}/alertmanager`, {
      token: null,
      body: amPayload([{ labels: { instance: 'web-1', ...labels }, fingerprint: `fp-${labels.alertname}-${labels.instance ?? "web-1"}`, ...(annotations ? { annotations: { summary: labels.alertname!, ...annotations } } : {}) }]),
    });
    assert.equal(r.status, 202, r.text);
    await t.app.engine.drain();
  };
  const lookup = async (path: string) => {
    const r = await t.request('GET', path, { token: outsider.token });
    assert.equal(r.status, 200, r.text);
    return r.body.data as any[];
  };

  before(async () => {
    t = await startTestApp(kind, { clock });
    ({ keys } = await seedService(t, 'checkout', 'payments'));
    await seedService(t, 'search-api', 'search');
    responder = await t.user({ teams: { payments: 'responder' } });
    outsider = await t.user({ teams: { search: 'responder' } });
    await createRunbook(t, { slug: 'checkout-restart', services: ['checkout'] });
    await createRunbook(t, { slug: 'latency-guide', title: 'High latency', kind: 'troubleshooting', services: ['checkout'], tags: ['highlatency'] });
    for (const slug of ['queue-drain', 'cpu-a', 'cpu-b', 'cpu-global']) await createRunbook(t, { slug, title: slug, content: content() });
  });
  after(async () => t.close());

  test('rules: CRUD with role checks (service responders; global rules admin only)', async () => {
    const denied = await t.request('POST', '/api/v1/runbook-rules', { token: outsider.token, body: { service: 'checkout', alert_pattern: 'CPU*', runbook: 'cpu-a' } });
    assert.equal(denied.status, 403);
    const globalDenied = await t.request('POST', '/api/v1/runbook-rules', { token: responder.token, body: { alert_pattern: 'CPU*', runbook: 'cpu-a' } });
    assert.equal(globalDenied.status, 403);
    const a = await t.request('POST', '/api/v1/runbook-rules', { token: responder.token, body: { service: 'checkout', priority: 10, alert_pattern: 'CPU*', runbook: 'cpu-a' } });
    assert.equal(a.status, 201, a.text);
    const b = await t.request('POST', '/api/v1/runbook-rules', { token: responder.token, body: { service: 'checkout', priority: 50, alert_pattern: 'cpu?igh', runbook: 'queue-drain' } });
    assert.equal(b.status, 201);
    // Moving b ahead of a: priority order decides.
    const moved = await t.request('PATCH', `/api/v1/runbook-rules/${b.body.id}`, { token: responder.token, body: { priority: 5, runbook: 'cpu-b' } });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.body.runbook.slug, 'cpu-b');
    const g = await t.request('POST', '/api/v1/runbook-rules', { body: { priority: 1, alert_pattern: 'NeverFires', runbook: 'cpu-global' } });
    assert.equal(g.status, 201);
    const other = await t.request('POST', '/api/v1/runbook-rules', { token: outsider.token, body: { service: 'search-api', priority: 0, alert_pattern: '*', runbook: 'cpu-global' } });
    assert.equal(other.status, 201, 'a rule for another service never matches checkout alerts');
    const list = (await t.request('GET', '/api/v1/runbook-rules?service=checkout')).body.data;
    assert.deepEqual(list.map((r: any) => [r.priority, r.runbook.slug]), [[5, 'cpu-b'], [10, 'cpu-a']]);
    assert.equal((await t.request('DELETE', `/api/v1/runbook-rules/${g.body.id}`, { token: outsider.token })).status, 403);
    assert.equal((await t.request('DELETE', `/api/v1/runbook-rules/${g.body.id}`)).status, 204);
    assert.equal((await t.request('POST', '/api/v1/runbook-rules', { body: { alert_pattern: 'x', runbook: 'nope' } })).status, 400);
    const audits = await t.app.deps.db.selectFrom('audit_log').select('action').where('target_type', '=', 'runbook_rule').execute();
    assert.equal(audits.length, 6);
  });

  test('alert lookup: label, annotation (slug and URL), rule priority, kind-tagged service runbook; each says why', async () => {
    await fire({ alertname: 'QueueBacklog', runbook: 'queue-drain' });
    await fire({ alertname: 'QueueStuck' }, { runbook: 'queue-drain' });
    await fire({ alertname: 'DiskFull' }, { runbook_url: 'https://wiki.example.com/disk' });
    await fire({ alertname: 'CPUHigh' });
    await fire({ alertname: 'HighLatency' });
    await fire({ alertname: 'Mystery' });

    const label = await lookup(`/api/v1/alerts/${(await alertId('QueueBacklog')).id}/runbooks`);
    assert.equal(label[0].runbook.slug, 'queue-drain');
    assert.equal(label[0].reasons[0].type, 'label');
    assert.equal(label[0].url, `${t.app.deps.config.publicUrl}/runbooks/queue-drain`);
    assert.deepEqual(label.slice(1).map((m) => [m.runbook.slug, m.reasons[0].type]).sort(), [['checkout-restart', 'service'], ['latency-guide', 'service']]);

    const ann = await lookup(`/api/v1/alerts/${(await alertId('QueueStuck')).id}/runbooks`);
    assert.deepEqual([ann[0].runbook.slug, ann[0].reasons[0].type], ['queue-drain', 'annotation']);

    const url = await lookup(`/api/v1/alerts/${(await alertId('DiskFull')).id}/runbooks`);
    assert.equal(url[0].runbook, null);
    assert.equal(url[0].external, true);
    assert.equal(url[0].url, 'https://wiki.example.com/disk');
    assert.equal(url[0].reasons[0].type, 'annotation');

    const cpu = await lookup(`/api/v1/alerts/${(await alertId('CPUHigh')).id}/runbooks`);
    assert.equal(cpu[0].runbook.slug, 'cpu-b', 'the lower priority number wins');
    assert.equal(cpu[0].reasons[0].type, 'rule');
    assert.ok(!cpu.some((m) => m.runbook?.slug === 'cpu-a'), 'first match wins');
    assert.ok(!cpu.some((m) => m.runbook?.slug === 'cpu-global'), "another service's rule does not apply");

    const lat = await lookup(`/api/v1/alerts/${(await alertId('HighLatency')).id}/runbooks`);
    assert.equal(lat[0].runbook.slug, 'latency-guide');
    assert.match(lat[0].reasons[0].detail, /tagged highlatency/);

    const group = await lookup(`/api/v1/alert-groups/${(await alertId('CPUHigh')).group_id}/runbooks`);
    assert.equal(group[0].runbook.slug, 'cpu-b');
    assert.equal((await t.request('GET', `/api/v1/alerts/${newId()}/runbooks`)).status, 404);
    assert.equal((await t.request('GET', '/api/v1/alert-groups/not-an-id/runbooks')).status, 404);
  });

  test('incident lookup via its services and linked alert groups, by id or INC-n', async () => {
    const db = t.app.deps.db;
    const svc = await db.selectFrom('services').select('id').where('slug', '=', 'checkout').executeTakeFirstOrThrow();
    const id = newId();
    const now = '2026-11-23T10:05:00.000Z';
    await db.insertInto('incidents').values({ id, number: 7, title: 'Checkout slow', severity: 'sev2', status: 'investigating', summary: '', declared_by: null, declared_at: now, acknowledged_at: null, identified_at: null, mitigated_at: null, resolved_at: null, ack_breached_at: null, mitigate_breached_at: null, impact: '', users_affected: null, created_at: now, updated_at: now }).execute();
    await db.insertInto('incident_services').values({ incident_id: id, service_id: svc.id }).execute();
    await db.insertInto('incident_alert_groups').values({ incident_id: id, alert_group_id: (await alertId('CPUHigh')).group_id, linked_at: now }).execute();
    for (const ref of [id, 'INC-7', 'inc-7']) {
      const data = await lookup(`/api/v1/incidents/${ref}/runbooks`);
      assert.equal(data[0].runbook.slug, 'cpu-b');
      assert.ok(data.some((m) => m.runbook?.slug === 'checkout-restart' && m.reasons[0].type === 'service'));
    }
    assert.equal((await t.request('GET', '/api/v1/incidents/INC-99/runbooks')).status, 404);
  });

  test('service runbooks: linked ones and those its rules point at', async () => {
    const data = await lookup('/api/v1/services/checkout/runbooks');
    const slugs = data.map((m) => m.runbook.slug);
    assert.deepEqual(slugs.slice(0, 2), ['cpu-b', 'cpu-a'], 'rule targets first, in priority order');
    assert.ok(slugs.includes('checkout-restart') && slugs.includes('latency-guide'));
    assert.ok(!slugs.includes('cpu-global'));
  });

  test('coverage: share of the last 30 days\' alert kinds with a runbook, uncovered kinds listed', async () => {
    const r = await t.request('GET', '/api/v1/services/checkout/runbook-coverage', { token: outsider.token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.kinds_total, 6);
    assert.equal(r.body.kinds_covered, 5);
    assert.equal(r.body.coverage, 5 / 6);
    assert.deepEqual(r.body.uncovered.map((u: any) => u.kind), ['Mystery']);
    const via = Object.fromEntries(r.body.covered.map((c: any) => [c.kind, c.via]));
    assert.deepEqual(via, { CPUHigh: ['rule'], DiskFull: ['annotation'], HighLatency: ['service'], QueueBacklog: ['label'], QueueStuck: ['annotation'] });
    // A rule for the uncovered kind makes it 100%.
    await t.request('POST', '/api/v1/runbook-rules', { token: responder.token, body: { service: 'checkout', alert_pattern: 'mystery', runbook: 'checkout-restart' } });
    assert.equal((await t.request('GET', '/api/v1/services/checkout/runbook-coverage')).body.coverage, 1);
    const all = (await t.request('GET', '/api/v1/runbook-coverage')).body.data;
    assert.deepEqual(all.map((s: any) => [s.service.slug, s.coverage]), [['checkout', 1], ['search-api', null]]);
    clock.advance(31 * 86_400_000);
    const later = (await t.request('GET', '/api/v1/services/checkout/runbook-coverage')).body;
    assert.deepEqual([later.kinds_total, later.coverage], [0, null], 'only the last 30 days count');
  });

  test('a page for an alert group carries the matched runbook link', async () => {
    const oncall = await t.user({ email: 'pager-rb@example.com', teams: { payments: 'responder' } });
    assert.equal((await t.request('POST', `/api/v1/users/${oncall.id}/contact-methods`, { token: oncall.token, body: { type: 'email', address: 'pager-rb@example.com' } })).status, 201);
    const pol = await t.request('POST', '/api/v1/escalation-policies', { body: { slug: 'pay', name: 'Pay', team: 'payments', levels: [{ delay_minutes: 5, targets: [`user:${oncall.email}`] }] } });
    assert.equal(pol.status, 201, pol.text);
    await t.request('PUT', '/api/v1/services/checkout/escalation-policy', { body: { policy: 'pay' } });
    await fire({ alertname: 'CPUHigh', instance: 'web-2' });
    await fire({ alertname: 'Unmapped', instance: 'web-3' });
    const jobs = await t.app.deps.db.selectFrom('engine_jobs').select('payload').where('kind', '=', 'notify.deliver').execute();
    const texts = jobs.map((j) => JSON.parse(j.payload).message as { subject: string; text: string });
    const cpu = texts.find((m) => m.text.startsWith('CPUHigh'));
    assert.ok(cpu, JSON.stringify(texts));
    assert.ok(cpu.text.includes(`Runbook: ${t.app.deps.config.publicUrl}/runbooks/cpu-b`), cpu.text);
    const unmapped = texts.find((m) => m.text.startsWith('Unmapped'));
    assert.ok(unmapped && !unmapped.text.includes('Runbook:'), 'a plain service runbook is not put in the page');

    // Both kinds again in one webhook (one ingest batch, one set-based lookup): each page keeps its own links.
    const deliveries = () => t.app.deps.db.selectFrom('engine_jobs').select('payload').where('kind', '=', 'notify.deliver').orderBy('id').execute();
    const before = (await deliveries()).length;
    const r = await t.request('POST', `/api/v1/integrations/${keys.alertmanager}/alertmanager`, {
      token: null,
      body: amPayload([
        { labels: { alertname: 'CPUHigh', instance: 'web-8' }, fingerprint: 'fp-batch-cpu' },
        { labels: { alertname: 'Unmapped', instance: 'web-9' }, fingerprint: 'fp-batch-unmapped' },
      ]),
    });
    assert.equal(r.status, 202, r.text);
    await t.app.engine.drain();
    // One message per contact method of the user; what matters is the text per alert group.
    const fresh = (await deliveries()).slice(before).map((j) => JSON.parse(j.payload).message as { text: string; alert_group_id: string });
    const textOf = new Map(fresh.map((m) => [m.alert_group_id, m.text]));
    assert.equal(textOf.size, 2, JSON.stringify(fresh));
    const [cpuText, unmappedText] = [[...textOf.values()].find((x) => x.startsWith('CPUHigh')), [...textOf.values()].find((x) => x.startsWith('Unmapped'))];
    assert.ok(cpuText?.includes('/runbooks/cpu-b'), cpuText);
    assert.ok(unmappedText && !unmappedText.includes('Runbook:'), unmappedText);
    assert.ok(fresh.every((m) => m.text === textOf.get(m.alert_group_id)));
  });
});
