// End-to-end check of the alert pages in a real Chromium against a real server (SQLite): an alert sent
// over the PagerDuty Events API shows up live, is acknowledged and resolved from the UI (with the event
// log recording who and from where), sender-provided HTML stays text, silences, and the service page's
// integration setup. Needs dist/ui (npm run build:ui) and Debian's /usr/bin/chromium.
//
// Screenshots go to $BALLAST_SCREENSHOT_DIR (default /tmp/ballast-ui), prefixed "alerts-".

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestApp, type TestApp } from '../support/app.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOT_DIR = process.env.BALLAST_SCREENSHOT_DIR ?? '/tmp/ballast-ui';
const hasUi = fs.existsSync(path.resolve(import.meta.dirname, '../../dist/ui/index.html'));
const skip = !fs.existsSync(CHROMIUM) ? `${CHROMIUM} is not installed` : !hasUi ? 'dist/ui is not built (npm run build:ui)' : false;

const XSS = '<img src=x onerror=alert(1)>';

describe('web UI: alerts', { skip, timeout: 180_000 }, () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let routingKey = '';
  let alertId = '';
  /** Uncaught exceptions, console errors, dialogs and failed API calls; a clean run has none. */
  const problems: string[] = [];
  const dialogs: string[] = [];
  /** API answers >= 400 the tests provoke deliberately ("METHOD /path STATUS"). */
  const expectedFailures = new Set([
    'GET /api/v1/auth/me 401', // session check before signing in
    'POST /api/v1/silences 400', // silence without a comment, on purpose
  ]);

  const shot = async (name: string) => {
    fs.mkdirSync(SHOT_DIR, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOT_DIR, `alerts-${name}.png`), fullPage: true });
  };

  /** What a monitoring tool does: POST to the PagerDuty-compatible endpoint, no Ballast session. */
  const enqueue = async (body: Record<string, unknown>) => {
    const res = await fetch(`${t.url}/v2/enqueue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ routing_key: routingKey, ...body }),
    });
    const json = (await res.json()) as { status: string; dedup_key: string };
    assert.equal(res.status, 202, JSON.stringify(json));
    return json;
  };

  const trigger = (summary: string, extra: Record<string, unknown> = {}, payload: Record<string, unknown> = {}) =>
    enqueue({ event_action: 'trigger', payload: { summary, source: 'db-primary-1', severity: 'critical', ...payload }, ...extra });

  before(async () => {
    t = await startTestApp('sqlite');
    for (const [method, url, body] of [
      ['POST', '/api/v1/teams', { slug: 'storage', name: 'Storage' }],
      ['POST', '/api/v1/services', { slug: 'orders-db', name: 'Orders DB', team: 'storage', tier: 1, description: 'PostgreSQL cluster behind checkout.' }],
    ] as const) {
      const r = await t.request(method, url, { body });
      assert.equal(r.status, 201, r.text);
    }
    const integ = await t.request('POST', '/api/v1/services/orders-db/integrations', { body: { type: 'pagerduty' } });
    assert.equal(integ.status, 201, integ.text);
    routingKey = integ.body.key;
    assert.match(routingKey, /^[0-9a-f]{32}$/);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: t.url });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(`console: ${msg.text()}`);
    });
    page.on('response', (res) => {
      const call = `${res.request().method()} ${new URL(res.url()).pathname} ${res.status()}`;
      if (res.status() >= 400 && !expectedFailures.has(call)) problems.push(`response: ${call}`);
    });
    // An injected alert(1) would open a dialog; record it (and dismiss, so the page does not hang).
    page.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss();
    });
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  test('signs in and opens the Alerts page from the sidebar', async () => {
    await page.goto('/login');
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/services$/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts', exact: true }).click();
    await page.waitForURL(/\/alerts$/);
    await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
    await page.getByText('All quiet: no open alerts').waitFor();
    // Live updates connected before anything is sent, so the next test proves the push path.
    await page.locator('[data-testid=live-indicator][data-status=live]').waitFor();
  });

  test('a PagerDuty trigger appears in the list without a reload', async () => {
    // A marker on window survives only if the page is never reloaded.
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    const sent = await trigger(
      'Replication lag above 30s on orders-db',
      {
        dedup_key: 'orders-db/replication-lag',
        links: [
          { href: 'https://grafana.example.com/d/orders-db', text: 'Replication dashboard' },
          { href: 'javascript:alert(2)', text: 'Sneaky link' },
        ],
        client: 'Prometheus',
        client_url: 'https://prometheus.example.com/graph',
      },
      { component: 'postgres', class: 'replication', custom_details: { lag_seconds: 42.5, replica: 'db-replica-2', query: { expr: 'pg_replication_lag > 30', for: '5m' } } },
    );
    assert.equal(sent.dedup_key, 'orders-db/replication-lag');

    const row = page.getByTestId('alerts-table').locator('tbody tr', { hasText: 'Replication lag above 30s on orders-db' });
    await row.waitFor({ timeout: 8000 });
    assert.equal(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload), true, 'the page was not reloaded');
    assert.equal(await row.locator('[data-severity]').getAttribute('data-severity'), 'critical');
    assert.equal(await row.locator('[data-status]').getAttribute('data-status'), 'triggered');
    await row.getByText('Orders DB').waitFor();
    await row.getByText('db-primary-1').waitFor();
    assert.match(await row.locator('time').first().innerText(), /just now|\ds ago/);

    // The same dedup key again is a repeat, not a new row; the count shows after a refresh.
    await trigger('Replication lag above 30s on orders-db', { dedup_key: 'orders-db/replication-lag' }, { component: 'postgres' });
    const list = await t.request('GET', '/api/v1/alerts?status=triggered');
    assert.equal(list.body.data.length, 1);
    assert.equal(list.body.data[0].trigger_count, 2);
    alertId = list.body.data[0].id;

    // A second, lower-severity alert for the screenshot and the severity filter.
    await trigger('Disk 85% full on /var/lib/postgresql', { dedup_key: 'orders-db/disk' }, { severity: 'warning', source: 'db-replica-2' });
    await page.getByTestId('alerts-table').locator('tbody tr', { hasText: 'Disk 85% full' }).waitFor();
    await page.getByLabel('Filter by severity').selectOption('warning');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=alerts-table] tbody tr').length === 1);
    await page.getByLabel('Filter by severity').selectOption('');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=alerts-table] tbody tr').length === 2);
    await shot('01-list');
  });

  test('opens the alert, acknowledges and resolves it; the event log names the admin', async () => {
    await page.getByRole('link', { name: 'Replication lag above 30s on orders-db' }).click();
    await page.waitForURL(new RegExp(`/alerts/${alertId}$`));
    await page.getByTestId('alert-summary').getByText('Replication lag above 30s on orders-db').waitFor();
    await page.getByRole('link', { name: 'Orders DB' }).first().waitFor();
    await page.getByText('orders-db/replication-lag').waitFor();

    // Labels as chips, details as a tree.
    const labels = page.getByTestId('alert-labels');
    await labels.getByText('db-replica-2').waitFor();
    await labels.getByText('component').waitFor();
    await page.getByText('pg_replication_lag > 30').waitFor({ state: 'attached' });

    // Links open in a new tab without an opener; a javascript: link is never clickable.
    const dash = page.getByTestId('alert-links').getByRole('link', { name: /Replication dashboard/ });
    assert.equal(await dash.getAttribute('href'), 'https://grafana.example.com/d/orders-db');
    assert.equal(await dash.getAttribute('target'), '_blank');
    assert.equal(await dash.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await page.getByTestId('alert-links').getByRole('link', { name: /Sneaky link/ }).count(), 0);
    await page.getByTestId('alert-links').getByText('javascript:alert(2)').waitFor();
    assert.equal(await page.locator('a[href^="javascript:"]').count(), 0);

    // The two triggers are in the log; the raw payload expands, with the routing key masked.
    const log = page.getByTestId('event-log');
    assert.equal(await log.getByTestId('event-log-entry').count(), 2);
    const first = log.getByTestId('event-log-entry').first();
    await first.getByRole('button', { name: 'Show payload' }).click();
    const payload = await first.getByLabel('Raw payload').innerText();
    assert.match(payload, /"event_action": "trigger"/);
    assert.ok(!payload.includes(routingKey), 'the integration key is masked in the payload view');

    await page.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await page.locator('.page-header [data-status=acknowledged]').waitFor();
    const ack = log.locator('[data-testid=event-log-entry][data-kind=acknowledge]');
    await ack.waitFor();
    assert.match(await ack.getByTestId('event-actor').innerText(), new RegExp(ADMIN_EMAIL));
    assert.equal(await ack.getByTestId('event-origin').innerText(), 'via web UI');
    assert.match(await page.getByTestId('acknowledged-by').innerText(), new RegExp(ADMIN_EMAIL));
    const detail = await t.request('GET', `/api/v1/alerts/${alertId}`);
    assert.equal(detail.body.status, 'acknowledged');
    const ackEvent = detail.body.events.find((e: { kind: string }) => e.kind === 'acknowledge');
    assert.equal(ackEvent.origin, 'ui', 'the UI sends X-Ballast-Client: ui');
    assert.equal(ackEvent.actor.label, ADMIN_EMAIL);
    await shot('02-detail-acknowledged');

    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await page.locator('.page-header [data-status=resolved]').waitFor();
    await log.locator('[data-testid=event-log-entry][data-kind=resolve]').waitFor();
    assert.match(await page.getByTestId('resolved-by').innerText(), new RegExp(ADMIN_EMAIL));
    assert.equal(await page.getByRole('button', { name: 'Resolve', exact: true }).count(), 0, 'no actions on a resolved alert');
    assert.equal((await t.request('GET', `/api/v1/alerts/${alertId}`)).body.status, 'resolved');
  });

  test('HTML in a summary is shown as text and never runs', async () => {
    await page.goto('/alerts');
    await page.locator('[data-testid=live-indicator][data-status=live]').waitFor();
    await trigger(XSS, { dedup_key: 'xss-1' }, { source: '<b>bold</b>', custom_details: { note: '<script>alert(3)</script>' } });
    const row = page.getByTestId('alerts-table').locator('tbody tr', { hasText: XSS });
    await row.waitFor();
    await row.getByText(XSS, { exact: true }).waitFor();
    await row.getByText('<b>bold</b>').waitFor();
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(await page.locator('[data-testid=alerts-table] b').count(), 0);

    await row.getByRole('link', { name: XSS }).click();
    await page.getByTestId('alert-summary').getByText(XSS, { exact: true }).waitFor();
    // As a label chip and in the details tree: text both times.
    await page.getByTestId('alert-labels').getByText('<script>alert(3)</script>').waitFor();
    await page.locator('.kv-tree').getByText('<script>alert(3)</script>').waitFor();
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(await page.title(), `${XSS} · Ballast`);
    await page.waitForTimeout(300); // give any injected handler a chance to fire
    assert.deepEqual(dialogs, []);
  });

  test('"Silence similar" pre-fills matchers from the labels; the silence can be expired', async () => {
    // On the XSS alert's page from the previous test.
    await page.getByRole('button', { name: 'Silence similar' }).click();
    const dialog = page.getByRole('dialog', { name: 'New silence' });
    const rows = dialog.getByTestId('matcher-row');
    // PagerDuty labels: severity, source, and string custom details.
    assert.equal(await rows.count(), 3);
    assert.equal(await dialog.getByLabel('Matcher 1 label name').inputValue(), 'severity');
    assert.equal(await dialog.getByLabel('Matcher 1 value').inputValue(), 'critical');
    assert.equal(await dialog.getByLabel('Service').inputValue(), 'orders-db');
    await dialog.getByRole('button', { name: 'Remove matcher 3' }).click();
    await dialog.getByRole('button', { name: 'Remove matcher 2' }).click();
    await dialog.getByTestId('silence-preview').getByText(/Would silence/).waitFor();
    await dialog.locator('label.segment', { hasText: '4 hours' }).click();

    // The comment is required: the API's complaint lands next to the field.
    await dialog.getByRole('button', { name: 'Create silence' }).click();
    await dialog.locator('.field-invalid .field-error').first().waitFor();
    await dialog.getByLabel('Comment').fill('Failover drill on orders-db, ask #storage');
    await shot('03-silence-form');
    await dialog.getByRole('button', { name: 'Create silence' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('silenced').first().waitFor();

    const silences = await t.request('GET', '/api/v1/silences?state=active');
    assert.equal(silences.body.data.length, 1);
    assert.deepEqual(silences.body.data[0].matchers, [{ name: 'severity', value: 'critical', is_regex: false, is_equal: true }]);

    await page.goto('/alerts/silences');
    const table = page.getByTestId('silences-table');
    await table.getByText('Failover drill on orders-db').waitFor();
    await table.getByText('Orders DB').waitFor();
    await shot('04-silences');
    await table.getByRole('button', { name: /Expire silence/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Expire now' }).click();
    await page.getByText('No active silences').waitFor();
    await page.getByRole('tab', { name: 'Expired' }).click();
    await table.getByText('Failover drill on orders-db').waitFor();
  });

  test('bulk-acknowledges selected alerts', async () => {
    await page.goto('/alerts?status=triggered');
    const table = page.getByTestId('alerts-table');
    await table.locator('tbody tr').first().waitFor();
    const before = await table.locator('tbody tr').count();
    assert.ok(before >= 2, `expected several triggered alerts, saw ${before}`);
    await page.getByLabel('Select all open alerts shown').check();
    await page.getByRole('region', { name: 'Bulk actions' }).getByRole('button', { name: /^Acknowledge/ }).click();
    // Live refresh drops them from the "Triggered" tab.
    await page.getByText('Nothing waiting for acknowledgement').waitFor();
    const open = await t.request('GET', '/api/v1/alerts?status=triggered');
    assert.equal(open.body.data.length, 0);
  });

  test('the service page shows the integration key, setup snippets and alert settings', async () => {
    await page.goto('/services/orders-db');
    const integrations = page.getByTestId('integrations');
    await integrations.getByTestId('integration-key').getByText(routingKey).waitFor();
    const example = await integrations.getByTestId('integration-example').locator('pre').innerText();
    assert.ok(example.includes(`curl -X POST ${t.url}/v2/enqueue`), example);
    assert.ok(example.includes(`"routing_key":"${routingKey}"`), example);
    assert.ok(example.includes('"event_action":"trigger"'), example);
    await page.getByTestId('service-open-alerts').getByText('Disk 85% full').waitFor();

    // Add an Alertmanager integration through the UI: the YAML carries its key.
    await page.getByRole('button', { name: 'Add integration' }).first().click();
    const form = page.getByRole('form', { name: 'Add integration' });
    await form.locator('label.type-option', { hasText: 'Prometheus Alertmanager' }).click();
    await form.getByRole('button', { name: 'Add integration' }).click();
    const am = integrations.locator('[data-testid=integration][data-type=alertmanager]');
    await am.getByTestId('integration-example').waitFor();
    const amKey = await am.getByTestId('integration-key').innerText();
    assert.match(amKey, /^[0-9a-f]{32}$/);
    const yaml = await am.getByTestId('integration-example').locator('pre').innerText();
    assert.ok(yaml.includes('receivers:'), yaml);
    assert.ok(yaml.includes(`- url: ${t.url}/api/v1/integrations/${amKey}/alertmanager`), yaml);
    assert.ok(yaml.includes('send_resolved: true'), yaml);

    // Managers edit the alert settings.
    await page.getByRole('button', { name: 'Edit', exact: true }).last().click();
    const settings = page.getByRole('form', { name: 'Alert settings' });
    await settings.getByLabel('Auto-resolve after (minutes)').fill('240');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await page.getByTestId('alert-settings').getByText('After 4h without a new trigger').waitFor();
    assert.equal((await t.request('GET', '/api/v1/services/orders-db/alert-settings')).body.auto_resolve_minutes, 240);
    await shot('05-service-integrations');

    // Rotating with a grace period keeps the old key valid for a while.
    await am.getByRole('button', { name: 'Rotate key' }).click();
    const rotate = page.getByRole('dialog', { name: /Rotate the key/ });
    await rotate.getByLabel('Old key stays valid').selectOption('60');
    await rotate.getByRole('button', { name: 'Issue new key' }).click();
    await am.getByText('The previous key keeps working').waitFor();
    assert.notEqual(await am.getByTestId('integration-key').innerText(), amKey);
  });

  test('no errors, failed calls or dialogs along the way', () => {
    assert.deepEqual(problems, []);
    assert.deepEqual(dialogs, []);
  });
});
