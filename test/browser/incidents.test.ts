// End-to-end (real Chromium, SQLite): declare an incident in the UI → assign the commander → change the
// status → resolve with the customer impact; the timeline shows each step. A stored-XSS note renders as
// text and runs nothing. Build the UI first:
//   npx vite build --config ui/vite.config.ts --outDir /tmp/ui-h1 --emptyOutDir
//   BALLAST_TEST_UI_DIR=/tmp/ui-h1 npm test -- browser/incidents
// Screenshots go to $BALLAST_SCREENSHOT_DIR (default /tmp/ballast-ui), prefixed "incidents-".

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_EMAIL } from '../support/app.js';
import { browserSkip, openBrowserSession, seed, type BrowserSession } from '../support/browser.js';

describe('web UI: incidents', { skip: browserSkip, timeout: 180_000 }, () => {
  let s: BrowserSession;
  let ref = '';

  before(async () => {
    s = await openBrowserSession({ prefix: 'incidents' });
    await seed(s.t, [
      ['POST', '/api/v1/teams', { slug: 'payments', name: 'Payments' }],
      ['POST', '/api/v1/services', { slug: 'checkout', name: 'Checkout', team: 'payments' }],
    ]);
    await s.signIn();
  });
  after(async () => s?.close());

  test('declare → assign commander → change status → resolve with impact; the timeline shows it', async () => {
    const { page } = s;
    await page.goto('/incidents');
    await page.getByRole('link', { name: 'Declare incident' }).first().click();
    await page.waitForURL('**/incidents/new');
    await page.getByLabel('Title').fill('Checkout payments failing');
    await page.getByLabel('Severity').selectOption('SEV2');
    assert.match(await page.getByTestId('severity-definition').innerText(), /Major, significant impact[\s\S]*Core feature broken[\s\S]*Acknowledge within 30 min/);
    await page.getByRole('group', { name: 'Affected services' }).getByLabel('Checkout').check();
    await page.getByLabel('Incident commander').selectOption('');
    await s.shot('declare');
    await page.getByRole('button', { name: 'Declare incident' }).click();
    await page.waitForURL(/\/incidents\/INC-\d+$/);
    ref = page.url().split('/').pop()!;
    await page.getByTestId('incident-timeline').getByText(`${ref} declared as SEV2`).waitFor();
    assert.match(await page.getByTestId('incident-status').innerText(), /Investigating/);

    await page.getByLabel('Commander', { exact: true }).selectOption(ADMIN_EMAIL);
    await page.getByTestId('incident-timeline').getByText(`${ADMIN_EMAIL} is now incident commander`).waitFor();

    await page.getByTestId('status-identified').click();
    await page.getByTestId('incident-timeline').getByText('Status: Investigating → Identified').waitFor();
    assert.match(await page.getByTestId('incident-status').innerText(), /Identified/);

    await page.getByTestId('status-resolved').click();
    await page.getByTestId('confirm-resolve').click();
    await page.getByText('Resolving records the customer impact').first().waitFor();
    await page.getByLabel('Customer impact: what was affected, and who').fill('Card payments failed for EU customers');
    await page.getByLabel('Users affected').fill('1200');
    await page.getByTestId('confirm-resolve').click();
    await page.getByTestId('incident-timeline').getByText('Status: Identified → Resolved').waitFor();
    assert.match(await page.getByTestId('incident-status').innerText(), /Resolved/);
    await page.getByText('Card payments failed for EU customers').waitFor();

    const kinds = await page.getByTestId('incident-timeline').locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-kind')));
    for (const k of ['declared', 'role_assigned', 'status_changed', 'acknowledged']) assert.ok(kinds.includes(k), `${k} in ${kinds.join(',')}`);
    const text = await page.getByTestId('incident-timeline').innerText();
    assert.ok(text.indexOf('Investigating → Identified') < text.indexOf('Identified → Resolved'), 'in order');
    await s.shot('resolved');

    await page.goto('/incidents?status=resolved');
    const row = page.locator(`tr[data-incident="${ref}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /SEV2[\s\S]*Checkout payments failing[\s\S]*Resolved/);
  });

  test('stored XSS in a timeline note renders as text and does not execute', async () => {
    const { page } = s;
    await page.goto(`/incidents/${ref}`);
    const payload = '<img src=x onerror="window.__h1pwned=1"> <script>window.__h1pwned=2</script> [x](javascript:window.__h1pwned=3) **bold**';
    await page.getByLabel('Timeline note').fill(payload);
    await page.getByRole('button', { name: 'Add note' }).click();
    const note = page.getByTestId('incident-timeline').locator('li[data-kind="note"]').last();
    await note.locator('strong').waitFor();
    assert.equal(await note.locator('strong').innerText(), 'bold');
    assert.match(await note.innerText(), /<img src=x onerror="window\.__h1pwned=1">/, 'HTML shows as text');
    assert.equal(await note.locator('img, script').count(), 0);
    const hrefs = await note.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(hrefs.every((h) => !h || !h.startsWith('javascript:')), JSON.stringify(hrefs));
    await page.reload();
    await page.getByTestId('incident-timeline').waitFor();
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => (window as unknown as { __h1pwned?: number }).__h1pwned), undefined);
    // Key-event star toggles on the note.
    const star = page.getByTestId('incident-timeline').locator('li[data-kind="note"]').last().getByRole('button', { name: 'Mark as key event' });
    await star.click();
    await page.getByTestId('incident-timeline').locator('li[data-kind="note"]').last().getByRole('button', { name: 'Unmark key event' }).waitFor();
    // The one refusal provoked on purpose: resolving without the impact (the form showed the field error).
    assert.deepEqual(s.problems.filter((p) => !/^response: POST \/api\/v1\/incidents\/[\w-]+\/status 400$/.test(p)), []);
    assert.equal(s.problems.length, 1, s.problems.join('\n'));
  });
});
