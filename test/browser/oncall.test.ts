// End-to-end check of the on-call pages in a real Chromium against a real server (SQLite): a schedule is
// created through the form with two people, the 14-day timeline's final row shows the first one on call
// now, an override added through the form switches it to the second; an escalation policy is built in
// the editor and assigned to a service from the service page; contact methods on the profile page.
// Needs dist/ui (npm run build:ui) and Debian's /usr/bin/chromium.
//
// Screenshots go to $BALLAST_SCREENSHOT_DIR (default /tmp/ballast-ui), prefixed "oncall-".

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type TestApp } from '../support/app.js';
import { browserSkip, openBrowserSession, type BrowserSession } from '../support/browser.js';


const ALICE = { email: 'alice@example.com', name: 'Alice Primary' };
const BOB = { email: 'bob@example.com', name: 'Bob Secondary' };

/** `YYYY-MM-DDTHH:MM` in UTC (the schedule's and the browser's zone in this test). */
const utcInput = (d: Date) => d.toISOString().slice(0, 16);

describe('web UI: on-call', { skip: browserSkip, timeout: 180_000 }, () => {
  let s: BrowserSession;
  let t: TestApp;
  let page: Page;
  let problems: string[] = [];

  const shot = (name: string) => s.shot(name);

  before(async () => {
    s = await openBrowserSession({ prefix: 'oncall' });
    ({ t, page, problems } = s);
    for (const [method, url, body] of [
      ['POST', '/api/v1/teams', { slug: 'platform', name: 'Platform' }],
      ['POST', '/api/v1/services', { slug: 'checkout', name: 'Checkout', team: 'platform', tier: 1 }],
      ['POST', '/api/v1/users', { ...ALICE, password: 'alice password 123' }],
      ['POST', '/api/v1/users', { ...BOB, password: 'bob password 1234' }],
    ] as const) {
      const r = await t.request(method, url, { body });
      assert.equal(r.status, 201, `${url}: ${r.text}`);
    }

  });

  after(async () => s?.close());

  test('signs in and opens On-call from the sidebar', async () => {
    await page.goto('/login');
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/services$/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'On-call', exact: true }).click();
    await page.waitForURL(/\/oncall$/);
    await page.getByRole('heading', { name: 'On-call', level: 1 }).waitFor();
    await page.getByText('No schedules yet').waitFor();
  });

  test('creates a schedule with two people; the final row shows the first on call now', async () => {
    await page.getByRole('link', { name: 'New schedule' }).click();
    await page.waitForURL(/\/oncall\/schedules\/new$/);
    await page.getByLabel('Name', { exact: true }).fill('Platform primary');
    assert.equal(await page.getByLabel('Slug').inputValue(), 'platform-primary');
    await page.getByLabel('Owning team').selectOption('platform');
    await page.getByLabel('Time zone').fill('UTC');
    await page.getByLabel('Rotation').selectOption('weekly');
    await page.getByLabel('Handoff').fill(utcInput(new Date(Date.now() - 3600_000)));
    const add = page.getByLabel('Add participant');
    await add.selectOption({ label: `${ALICE.name} (${ALICE.email})` });
    await add.selectOption({ label: `${BOB.name} (${BOB.email})` });
    const order = page.getByRole('list', { name: 'Layer 1 participants' }).locator('.participant-name');
    assert.deepEqual(await order.allTextContents(), [ALICE.name, BOB.name]);
    await shot('schedule-form');
    await page.getByRole('button', { name: 'Create schedule' }).click();

    await page.waitForURL(/\/oncall\/schedules\/platform-primary$/);
    await page.getByRole('heading', { name: 'Platform primary', level: 1 }).waitFor();
    const nowFinal = page.locator('[data-testid=timeline-final] .sched-seg[data-now=true]');
    await nowFinal.waitFor();
    assert.equal(await nowFinal.getAttribute('data-user'), ALICE.email);
    assert.match((await nowFinal.textContent()) ?? '', /Alice Primary/);
    // The layer row has both people over two weeks; no gaps → no warning.
    assert.ok((await page.locator('[data-testid=timeline-layer-0] .sched-seg[data-user="bob@example.com"]').count()) >= 1);
    assert.equal(await page.getByText('Coverage gaps in the next 14 days').count(), 0);
    // The iCal feed URL is shown, with a copy button.
    assert.match((await page.getByTestId('ical-url').textContent()) ?? '', /\/ical\/schedules\//);
    await page.getByRole('button', { name: 'Copy URL' }).waitFor();
    await shot('schedule-detail');
  });

  test('an override for the second person covering now changes the final row', async () => {
    const form = page.getByRole('form', { name: 'Add override' });
    await form.getByLabel('Who covers').selectOption({ label: `${BOB.name} (${BOB.email})` });
    // Defaults: from now (to the minute) for 8 hours.
    await form.getByRole('button', { name: 'Add override' }).click();
    await page.getByText('Override added').waitFor();
    const nowFinal = page.locator('[data-testid=timeline-final] .sched-seg[data-now=true]');
    await page.waitForFunction(() => document.querySelector('[data-testid=timeline-final] .sched-seg[data-now=true]')?.getAttribute('data-user') === 'bob@example.com');
    assert.match((await nowFinal.textContent()) ?? '', /Bob Secondary/);
    assert.equal(await page.locator('[data-testid=timeline-overrides] .sched-seg').count(), 1);
    await page.getByTestId('overrides-table').getByText(BOB.name).waitFor();
    await shot('schedule-override');

    const oncall = await t.request('GET', '/api/v1/schedules/platform-primary/oncall');
    assert.equal(oncall.body.on_call[0].email, BOB.email);

    // The On-call page's "now" list agrees.
    await page.getByRole('link', { name: 'On-call', exact: true }).first().click();
    await page.waitForURL(/\/oncall$/);
    await page.getByTestId('oncall-now').getByText(BOB.name).waitFor();
    await shot('overview');
  });

  test('deleting the override puts the rotation back', async () => {
    await page.getByRole('link', { name: 'Platform primary' }).first().click();
    await page.getByRole('button', { name: `Delete override for ${BOB.name}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete override' }).click();
    await page.getByText('Override deleted').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=timeline-final] .sched-seg[data-now=true]')?.getAttribute('data-user') === 'alice@example.com');
  });

  test('dragging across the overrides row fills the override form with the range; saving changes the final row', async () => {
    await page.goto('/oncall/schedules/platform-primary');
    const track = page.getByTestId('override-drag-track');
    const box = (await track.boundingBox())!;
    const bobBefore = await page.locator('[data-testid=timeline-final] .sched-seg[data-user="bob@example.com"]').count();
    const from = new Date();
    from.setUTCHours(0, 0, 0, 0);
    const span = 14 * 86_400_000;
    const xAt = (ms: number) => box.x + ((ms - from.getTime()) / span) * box.width;
    const y = box.y + box.height / 2;
    // In the future, so the drag starts inside the 14-day track whatever the time of day.
    const start = Date.now() + 2 * 3600_000;
    const end = Date.now() + 20 * 3600_000;
    await page.mouse.move(xAt(start), y);
    await page.mouse.down();
    await page.mouse.move(xAt((start + end) / 2), y, { steps: 5 });
    await page.getByTestId('override-drag-selection').waitFor();
    await page.mouse.move(xAt(end), y, { steps: 5 });
    await page.mouse.up();

    const form = page.getByRole('form', { name: 'Add override' });
    const half = 30 * 60_000;
    const startValue = await form.getByLabel('Start').inputValue();
    const endValue = await form.getByLabel('End').inputValue();
    // The pixel grid is ~20 minutes wide here; the range snaps to half hours within a pixel or two of the drag.
    const startMs = Date.parse(`${startValue}:00Z`);
    const endMs = Date.parse(`${endValue}:00Z`);
    assert.equal(startMs % half, 0, `start ${startValue} is on a half hour`);
    assert.equal(endMs % half, 0, `end ${endValue} is on a half hour`);
    assert.ok(Math.abs(startMs - start) <= 2 * half, `start ${startValue} is near the drag start`);
    assert.ok(Math.abs(endMs - end) <= 2 * half, `end ${endValue} is near the drag end`);
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'SELECT', 'the person picker has focus: it is the one thing left to choose');

    await form.getByLabel('Who covers').selectOption({ label: `${BOB.name} (${BOB.email})` });
    await form.getByRole('button', { name: 'Add override' }).click();
    await page.getByText('Override added').waitFor();
    await page.locator('[data-testid=timeline-overrides] .sched-seg[data-user="bob@example.com"]').waitFor();
    const saved = (await t.request('GET', '/api/v1/schedules/platform-primary')).body.overrides;
    assert.equal(saved.length, 1);
    assert.equal(Date.parse(saved[0].start), startMs);
    assert.equal(Date.parse(saved[0].end), endMs);
    const oncall = await t.request('GET', `/api/v1/schedules/platform-primary/oncall?at=${new Date(startMs + 60_000).toISOString()}`);
    assert.equal(oncall.body.on_call[0].email, BOB.email, 'the final schedule has Bob on call in the dragged range');
    // The final row gains a Bob stretch inside Alice's week (the timeline reloads after saving).
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=timeline-final] .sched-seg[data-user="bob@example.com"]').length > n, bobBefore);
    await shot('schedule-drag-override');

    await page.getByRole('button', { name: `Delete override for ${BOB.name}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete override' }).click();
    await page.getByText('Override deleted').waitFor();
  });

  test('builds an escalation policy in the editor and assigns it to a service', async () => {
    await page.goto('/oncall/policies');
    await page.getByText('No escalation policies yet').waitFor();
    await page.getByRole('link', { name: 'New policy' }).click();
    await page.waitForURL(/\/oncall\/policies\/new$/);
    await page.getByLabel('Name', { exact: true }).fill('Checkout paging');
    await page.getByLabel('Owning team').selectOption('platform');
    await page.getByLabel('Repeat').fill('2');
    const level1 = page.getByRole('group', { name: 'Level 1' });
    await level1.getByLabel('Add target').selectOption({ label: 'Platform primary' });
    await level1.getByLabel('Escalate after (minutes)').fill('10');
    await page.getByRole('button', { name: 'Add level' }).click();
    const level2 = page.getByRole('group', { name: 'Level 2' });
    await level2.getByLabel('Add target').selectOption({ label: `${BOB.name} (${BOB.email})` });
    await shot('policy-editor');
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.waitForURL(/\/oncall\/policies$/);
    const table = page.getByTestId('policies-table');
    await table.getByRole('link', { name: 'Checkout paging' }).waitFor();
    await table.getByText('after 10m').waitFor();

    const saved = await t.request('GET', '/api/v1/escalation-policies/checkout-paging');
    assert.equal(saved.status, 200, saved.text);
    assert.equal(saved.body.repeat, 2);
    assert.deepEqual(
      saved.body.levels.map((l: { delay_minutes: number; targets: { ref: string }[] }) => [l.delay_minutes, l.targets.map((x) => x.ref)]),
      [
        [10, ['schedule:platform-primary']],
        [15, [`user:${BOB.email}`]],
      ],
    );

    await page.goto('/services/checkout');
    await page.getByText('No escalation policy: alerts for this service page nobody.').waitFor();
    await page.getByLabel('Escalation policy').selectOption({ label: 'Checkout paging' });
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Escalation policy set').waitFor();
    await page.getByTestId('service-policy').getByRole('link', { name: 'Checkout paging' }).waitFor();
    await shot('service-policy');
    const svc = await t.request('GET', '/api/v1/services/checkout/escalation-policy');
    assert.equal(svc.body.policy?.slug, 'checkout-paging');
  });

  test('profile: adds a contact method, sends a test and a rule', async () => {
    await page.locator('.topbar-profile').click();
    await page.waitForURL(/\/profile$/);
    const add = page.getByRole('form', { name: 'Add contact method' });
    await add.getByLabel('Type').selectOption('email');
    await add.getByLabel('Address').fill('admin-pager@example.com');
    await add.getByRole('button', { name: 'Add' }).click();
    await page.getByText('Contact method added').waitFor();
    await page.getByTestId('contact-methods').getByText('admin-pager@example.com').waitFor();
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.getByTestId('test-result').getByText('Test notification from Ballast').waitFor();
    const rule = page.getByRole('form', { name: 'Add notification rule' });
    await rule.getByLabel('Minutes into the page').fill('5');
    await rule.getByRole('button', { name: 'Add rule' }).click();
    await page.getByTestId('notification-rules').getByText('5m', { exact: true }).waitFor();
    await shot('profile');
  });

  test('no page errors, console errors or failed API calls', () => {
    assert.deepEqual(problems, []);
  });
});
