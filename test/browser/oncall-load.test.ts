// End-to-end check of the on-call load card and the On-call page's "By service" section, in a real Chromium
// against a real server (SQLite). A team, a user on a schedule, a policy paging that schedule and a service
// with a PagerDuty integration are created through the API; one alert is triggered and the engine run, so
// the user received one page. The user's page shows it in the load card; the On-call page names the user as
// who the service pages right now, and flags a service without a policy.
// Needs dist/ui (npm run build:ui) and Debian's /usr/bin/chromium.
//
// Screenshots go to $BALLAST_SCREENSHOT_DIR (default /tmp/ballast-ui), prefixed "oncall-load-".

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type TestApp } from '../support/app.js';
import { browserSkip, openBrowserSession, type BrowserSession } from '../support/browser.js';

const CAROL = { email: 'carol@example.com', name: 'Carol Oncall', timezone: 'UTC' };

describe('web UI: on-call load and paging by service', { skip: browserSkip, timeout: 180_000 }, () => {
  let s: BrowserSession;
  let t: TestApp;
  let page: Page;
  let problems: string[] = [];
  let carolId = '';

  const shot = (name: string) => s.shot(name);

  const ok = async (method: string, url: string, body: unknown, status = 201) => {
    const r = await t.request(method, url, { body });
    assert.equal(r.status, status, `${method} ${url}: ${r.text}`);
    return r.body;
  };

  before(async () => {
    s = await openBrowserSession({ prefix: 'oncall-load' });
    ({ t, page, problems } = s);
    await ok('POST', '/api/v1/teams', { slug: 'payments', name: 'Payments' });
    const carol = await ok('POST', '/api/v1/users', CAROL);
    carolId = carol.id;
    await ok('PUT', `/api/v1/teams/payments/members/${CAROL.email}`, { role: 'responder' }, 200);
    await ok('POST', '/api/v1/schedules', {
      slug: 'payments-primary',
      name: 'Payments primary',
      team: 'payments',
      time_zone: 'UTC',
      layers: [{ rotation: 'weekly', handoff: new Date(Date.now() - 3600_000).toISOString().slice(0, 19), participants: [CAROL.email] }],
    });
    await ok('POST', '/api/v1/escalation-policies', {
      slug: 'payments-paging',
      name: 'Payments paging',
      team: 'payments',
      levels: [{ delay_minutes: 10, targets: ['schedule:payments-primary'] }],
    });
    await ok('POST', '/api/v1/services', { slug: 'billing', name: 'Billing', team: 'payments', tier: 1 });
    await ok('POST', '/api/v1/services', { slug: 'ledger', name: 'Ledger', team: 'payments', tier: 2 });
    await ok('PUT', '/api/v1/services/billing/escalation-policy', { policy: 'payments-paging' }, 200);
    const integ = await ok('POST', '/api/v1/services/billing/integrations', { type: 'pagerduty' });

    const res = await fetch(`${t.url}/v2/enqueue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ routing_key: integ.key, event_action: 'trigger', payload: { summary: 'Card payments failing', source: 'billing-1', severity: 'critical' } }),
    });
    assert.equal(res.status, 202, await res.text());
    await t.app.engine.drain();

    const load = await t.request('GET', `/api/v1/users/${CAROL.email}/oncall-load`);
    assert.equal(load.status, 200, load.text);
    assert.equal(load.body.pages, 1, load.text);

  });

  after(async () => s?.close());

  test('signs in', async () => {
    await page.goto('/login');
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/services$/);
  });

  test("the user's page shows one page in the on-call load card", async () => {
    await page.goto('/users');
    await page.getByTestId('users-table').getByRole('link', { name: CAROL.name }).click();
    await page.waitForURL(new RegExp(`/users/${carolId}$`));
    await page.getByRole('heading', { name: CAROL.name, level: 1 }).waitFor();
    const card = page.getByTestId('oncall-load');
    await card.getByTestId('load-pages').waitFor();
    assert.equal((await card.getByTestId('load-pages').textContent())?.trim(), '1');
    // One interruption, 100% in one of the three parts of the day; not acknowledged → no MTTA.
    const counts = await card.locator('.load-legend .load-count').allTextContents();
    assert.deepEqual(counts.map(Number).sort(), [0, 0, 1]);
    await card.getByText('100%').waitFor();
    assert.match((await card.getByTestId('load-mtta').textContent()) ?? '', /^—0 of 1 acknowledged$/);
    await shot('user');

    // The period picker refetches; the page is still within 90 days.
    await page.getByRole('tab', { name: '90 days' }).click();
    await page.waitForFunction(() => document.querySelector('[role=tab][aria-selected=true]')?.textContent === '90 days');
    await page.waitForFunction(() => document.querySelector('[data-testid=load-pages]')?.textContent === '1');
  });

  test('the team page shows the team load with a per-member row', async () => {
    await page.goto('/teams/payments');
    const members = page.getByTestId('load-members');
    const row = members.getByRole('row').filter({ hasText: CAROL.name });
    await row.waitFor();
    assert.equal((await row.locator('td').nth(1).textContent())?.trim(), '1');
    await shot('team');
  });

  test('the On-call page names who each service pages right now', async () => {
    await page.goto('/oncall');
    const table = page.getByTestId('oncall-by-service');
    const billing = table.locator('tr[data-service=billing]');
    await billing.getByText(CAROL.name).waitFor();
    await billing.getByText('via Payments primary').waitFor();
    await billing.getByRole('link', { name: 'Payments paging' }).waitFor();
    await table.locator('tr[data-service=ledger]').getByText('No escalation policy').waitFor();
    await shot('by-service');
  });

  test('the profile page has the load card too', async () => {
    await page.goto('/profile');
    await page.getByTestId('oncall-load').getByTestId('load-pages').waitFor();
    assert.equal((await page.getByTestId('load-pages').textContent())?.trim(), '0');
  });

  test('no page errors, console errors or failed API calls', () => {
    assert.deepEqual(problems, []);
  });
});
