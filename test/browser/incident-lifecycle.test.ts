// The incident loop of issue 5 in one browser session (real Chromium, SQLite): declare → assign the
// commander → post a status update → resolve → write and publish the postmortem → its action item
// appears in the action-item list. Each step goes through the UI; the API is only read to confirm.
// Screenshots go to $BALLAST_SCREENSHOT_DIR (default /tmp/ballast-ui), prefixed "lifecycle-".

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_EMAIL } from '../support/app.js';
import { browserSkip, openBrowserSession, seed, type BrowserSession } from '../support/browser.js';

describe('web UI: incident lifecycle end to end', { skip: browserSkip, timeout: 240_000 }, () => {
  let s: BrowserSession;

  before(async () => {
    s = await openBrowserSession({ prefix: 'lifecycle' });
    await seed(s.t, [
      ['POST', '/api/v1/teams', { slug: 'payments', name: 'Payments' }],
      ['POST', '/api/v1/services', { slug: 'checkout', name: 'Checkout', team: 'payments' }],
    ]);
    await s.signIn();
  });
  after(async () => s?.close());

  test('declare → commander → update → resolve → postmortem published → action item listed', async () => {
    const { page } = s;
    const timeline = page.getByTestId('incident-timeline');

    // Declare.
    await page.goto('/incidents/new');
    await page.getByLabel('Title').fill('Card payments failing');
    await page.getByLabel('Severity').selectOption('SEV1');
    await page.getByRole('group', { name: 'Affected services' }).getByLabel('Checkout').check();
    await page.getByLabel('Incident commander').selectOption('');
    await page.getByRole('button', { name: 'Declare incident' }).click();
    await page.waitForURL(/\/incidents\/INC-\d+$/);
    const ref = page.url().split('/').pop()!;
    await timeline.getByText(`${ref} declared as SEV1`).waitFor();

    // Assign the commander.
    await page.getByLabel('Commander', { exact: true }).selectOption(ADMIN_EMAIL);
    await timeline.getByText(`${ADMIN_EMAIL} is now incident commander`).waitFor();

    // Post an internal update from a template.
    await page.getByRole('button', { name: 'Post update' }).click();
    await page.getByLabel('Template').selectOption({ index: 1 });
    const editor = page.getByLabel('Update text (Markdown)');
    await page.waitForFunction(() => ((document.querySelector('textarea.update-editor') as HTMLTextAreaElement | null)?.value ?? '').length > 0);
    await editor.fill(`${await editor.inputValue()}\n\nRolled back **v42**; watching error rates.`);
    await page.getByRole('button', { name: /^Post (internal|external) update$/ }).click();
    await page.locator('.update-item').first().getByText('watching error rates').waitFor();
    await timeline.locator('li[data-kind="update_posted"]').first().waitFor();
    await s.shot('01-update');

    // Resolve with the customer impact.
    await page.getByTestId('status-resolved').click();
    await page.getByLabel('Customer impact: what was affected, and who').fill('Card payments failed for EU customers for 40 minutes');
    await page.getByLabel('Users affected').fill('1200');
    await page.getByTestId('confirm-resolve').click();
    await timeline.getByText(/→ Resolved/).waitFor();

    // SEV1 requires a postmortem: the draft exists and the follow-up card links it.
    const followUp = page.getByTestId('incident-follow-up');
    await followUp.getByRole('link', { name: 'Postmortem' }).click();
    await page.waitForURL(/\/postmortems\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: new RegExp(`Postmortem: ${ref} Card payments failing`) }).waitFor();
    assert.match(await page.getByLabel('Impact (Markdown)').inputValue(), /Users affected: 1200/);

    // Write it, add an action item, review and publish.
    await page.getByLabel('Summary (Markdown)').fill('Card payments failed after a config push.');
    await page.getByLabel('Root cause (Markdown)').fill('A **config push** without a canary.');
    await page.getByTestId('preview-Root cause').locator('strong', { hasText: 'config push' }).waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('button', { name: 'Saved', exact: true }).waitFor();
    await page.getByLabel('Action item title').fill('Canary stage for config pushes');
    await page.getByLabel('Owner email').fill('me');
    await page.getByLabel('Due date').fill('2030-01-15');
    await page.getByLabel('Priority').selectOption('P1');
    await page.getByRole('button', { name: 'Add action item' }).click();
    await page.getByTestId('action-items-table').getByText('Canary stage for config pushes').waitFor();
    await page.getByRole('button', { name: 'Submit for review' }).click();
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Published', { exact: true }).first().waitFor();
    await s.shot('02-postmortem');

    // The action item is on the list of all action items, linked to the incident.
    await page.goto('/postmortems/action-items?view=list');
    const row = page.getByTestId('action-items-table').getByRole('row').filter({ hasText: 'Canary stage for config pushes' });
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(ref));
    await s.shot('03-action-items');

    // The incident's record agrees with what the pages showed.
    const inc = (await s.t.request('GET', `/api/v1/incidents/${ref}`)).body;
    assert.equal(inc.status, 'resolved');
    const kinds = new Set(((await s.t.request('GET', `/api/v1/incidents/${ref}/timeline`)).body.data as { kind: string }[]).map((e) => e.kind));
    for (const k of ['declared', 'role_assigned', 'update_posted', 'status_changed']) assert.ok(kinds.has(k), `timeline has ${k}: ${[...kinds].join(', ')}`);
    const pm = (await s.t.request('GET', `/api/v1/postmortems/${ref}`)).body;
    assert.equal(pm.status, 'published');
    assert.deepEqual(s.problems, []);
  });
});
