import assert from 'node:assert/strict';
import type { TestApp } from '../support/app.js';

/** A team, a service owned by it, and one integration of each type; returns their keys. */
export async function seedService(t: TestApp, slug = 'checkout', team = 'payments') {
  const teamRes = await t.request('POST', '/api/v1/teams', { body: { slug: team, name: team } });
  assert.ok(teamRes.status === 201 || teamRes.status === 409, teamRes.text);
  const svc = await t.request('POST', '/api/v1/services', { body: { slug, name: slug, team } });
  assert.equal(svc.status, 201, svc.text);
  const keys: Record<string, string> = {};
  const ids: Record<string, string> = {};
  for (const type of ['pagerduty', 'alertmanager', 'grafana', 'generic']) {
    const r = await t.request('POST', `/api/v1/services/${slug}/integrations`, { body: { type } });
    assert.equal(r.status, 201, r.text);
    keys[type] = r.body.key;
    ids[type] = r.body.id;
  }
  return { serviceId: svc.body.id as string, keys, ids };
}

export function pdTrigger(key: string, dedup: string, overrides: Record<string, unknown> = {}) {
  return {
    routing_key: key,
    event_action: 'trigger',
    dedup_key: dedup,
    payload: { summary: `Problem ${dedup}`, source: 'host-1', severity: 'critical', ...overrides },
  };
}

export function amPayload(alerts: { labels: Record<string, string>; status?: 'firing' | 'resolved'; annotations?: Record<string, string>; fingerprint?: string }[]) {
  return {
    version: '4',
    groupKey: '{}:{alertname="HighLatency"}',
    truncatedAlerts: 0,
    status: alerts.every((a) => a.status === 'resolved') ? 'resolved' : 'firing',
    receiver: 'ballast',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.local:9093',
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: a.labels,
      annotations: a.annotations ?? { summary: `${a.labels.alertname} on ${a.labels.instance ?? '?'}` },
      startsAt: '2026-11-22T10:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.local/graph?g0.expr=up',
      ...(a.fingerprint ? { fingerprint: a.fingerprint } : {}),
    })),
  };
}
