// End to end with the real Prometheus Alertmanager (Debian package prometheus-alertmanager, which .ci/run
// installs): alerts posted to Alertmanager's own API reach Ballast through a webhook receiver, firing and
// then resolved. Skipped locally when the binary is missing; in CI a missing binary fails the test.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { tempDir } from '../support/db.js';
import { freePort } from '../support/process.js';
import { seedService } from './support.js';

const AM_BIN = process.env.BALLAST_ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';
const HAVE_AM = fs.existsSync(AM_BIN);
const SKIP = !HAVE_AM && !process.env.CI ? `${AM_BIN} not found; install it with \`apt-get install -y prometheus-alertmanager\` (.ci/run does)` : false;
if (SKIP) process.stderr.write(`WARNING: Alertmanager end-to-end tests skipped: ${SKIP}\n`);

const WAIT_MS = 30_000;

interface Alertmanager {
  url: string;
  child: ChildProcess;
  output(): string;
}

async function startAlertmanager(dir: string, webhookUrl: string): Promise<Alertmanager> {
  assert.ok(HAVE_AM, `${AM_BIN} is missing: install prometheus-alertmanager (CI must have it; .ci/run installs it)`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = path.join(dir, 'alertmanager.yml');
  await writeFile(
    config,
    YAML.stringify({
      route: { receiver: 'ballast', group_wait: '1s', group_interval: '1s', repeat_interval: '1h', group_by: ['alertname'] },
      receivers: [{ name: 'ballast', webhook_configs: [{ url: webhookUrl, send_resolved: true }] }],
    }),
  );
  const child = spawn(
    AM_BIN,
    [
      `--config.file=${config}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      '--cluster.listen-address=', // no HA gossip: no second port, no settle wait
      '--log.level=debug',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const am: Alertmanager = { url, child, output: () => out };
  try {
    await waitFor('Alertmanager to be ready', am, async () => {
      if (child.exitCode !== null) throw new Error(`alertmanager exited early (${child.exitCode})`);
      const r = await fetch(`${url}/-/ready`).catch(() => null);
      return r?.status === 200 ? true : undefined;
    });
  } catch (err) {
    await stopAlertmanager(am);
    throw err;
  }
  return am;
}

async function stopAlertmanager(am: Alertmanager): Promise<void> {
  const { child } = am;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Polls fn until it returns a value (not undefined), for at most WAIT_MS. */
async function waitFor<T>(what: string, am: Alertmanager | null, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
      if (am && am.child.exitCode !== null) break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const log = am ? `\n--- alertmanager output (tail) ---\n${am.output().slice(-4000)}` : '';
  throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ''}${log}`);
}

async function postAlerts(am: Alertmanager, alerts: unknown[]): Promise<void> {
  const r = await fetch(`${am.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
  const text = await r.text();
  assert.equal(r.status, 200, `POST ${am.url}/api/v2/alerts → ${r.status} ${text}`);
}

forEachDatabase('real Prometheus Alertmanager → Ballast', (kind) => {
  test('an alert posted to Alertmanager fires in Ballast, then resolves', { skip: SKIP, timeout: 120_000 }, async (t) => {
    // Cleanup runs last-in first-out: Alertmanager first, then Ballast, then the temp dir.
    const cleanups: (() => Promise<void>)[] = [];
    t.after(async () => {
      for (const c of cleanups.reverse()) await c().catch((err) => process.stderr.write(`cleanup failed: ${err}\n`));
    });
    const dir = await tempDir('ballast-am-');
    cleanups.push(() => dir.remove());
    const app: TestApp = await startTestApp(kind);
    cleanups.push(() => app.close());
    await seedService(app, 'metrics', 'sre');
    const integ = await app.request('POST', '/api/v1/services/metrics/integrations', { body: { type: 'alertmanager', name: 'prometheus' } });
    assert.equal(integ.status, 201, integ.text);
    const webhook = `${app.url}/api/v1/integrations/${integ.body.key}/alertmanager`;

    const am = await startAlertmanager(dir.path, webhook);
    cleanups.push(() => stopAlertmanager(am));

    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const alert = {
      labels: { alertname: 'BallastE2E', instance: 'x', severity: 'critical' },
      annotations: { summary: `Ballast end-to-end on ${kind}`, runbook_url: 'https://runbooks.example/e2e' },
      startsAt,
      generatorURL: 'http://prometheus.example/graph?g0.expr=up%3D%3D0',
    };
    await postAlerts(am, [alert]);

    const find = async (status: string) => {
      const r = await app.request('GET', `/api/v1/alerts?service=metrics&status=${status}`);
      assert.equal(r.status, 200, r.text);
      return r.body.data.find((a: any) => a.origin === 'alertmanager' && a.labels?.alertname === 'BallastE2E');
    };
    const firing = await waitFor('the alert to fire in Ballast', am, () => find('triggered'));
    assert.equal(firing.status, 'triggered');
    assert.equal(firing.origin, 'alertmanager');
    assert.equal(firing.severity, 'critical');
    assert.equal(firing.summary, `Ballast end-to-end on ${kind}`);
    assert.equal(firing.source, 'x');
    assert.equal(firing.class, 'BallastE2E');
    assert.deepEqual(firing.labels, alert.labels);
    assert.equal(firing.integration_id, integ.body.id);
    assert.match(firing.dedup_key, /^[0-9a-f]{16}$/, "Alertmanager's own fingerprint is the dedup key");
    assert.equal(firing.details.groupKey, '{}:{alertname="BallastE2E"}');
    assert.equal(firing.details.externalURL, am.url);
    assert.equal(firing.details.receiver, 'ballast');
    assert.equal(firing.details.version, '4');
    assert.equal(firing.details.generatorURL, alert.generatorURL);
    assert.equal(firing.details.fingerprint, firing.dedup_key);
    assert.deepEqual(firing.details.annotations, alert.annotations);
    assert.equal(Date.parse(firing.details.startsAt), Date.parse(startsAt));
    assert.ok(firing.links.some((l: any) => l.text === 'Source' && l.href === alert.generatorURL), JSON.stringify(firing.links));
    assert.ok(firing.links.some((l: any) => l.text === 'Runbook' && l.href === alert.annotations.runbook_url), JSON.stringify(firing.links));
    assert.equal(firing.client, 'Alertmanager');
    assert.equal(firing.client_url, am.url);

    // Resolved: the same alert with endsAt in the past; Alertmanager sends it on the next group flush.
    await postAlerts(am, [{ ...alert, endsAt: new Date(Date.now() - 1_000).toISOString() }]);
    const resolved = await waitFor('the alert to resolve in Ballast', am, () => find('resolved'));
    assert.equal(resolved.id, firing.id, 'the same alert resolves, not a new one');
    assert.equal(resolved.dedup_key, firing.dedup_key);
    assert.ok(resolved.resolved_at, 'resolved_at is set');
    assert.equal(await find('triggered,acknowledged'), undefined, 'nothing left open');

    const detail = await app.request('GET', `/api/v1/alerts/${firing.id}`);
    assert.equal(detail.status, 200, detail.text);
    const kinds = detail.body.events.map((e: any) => e.kind);
    assert.equal(kinds[0], 'trigger', JSON.stringify(kinds));
    assert.equal(kinds.at(-1), 'resolve', JSON.stringify(kinds));
  });
});
