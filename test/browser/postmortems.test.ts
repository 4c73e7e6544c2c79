// End-to-end check of the postmortem pages in a real Chromium against a real server (SQLite): a resolved
// SEV1 incident gets its draft postmortem; sections are edited with a live preview, an action item is
// added inline, the postmortem goes to review and is published; the action item shows on the action
// items page and its status changes inline; a stored <script>/onerror payload never executes.
// Build the UI into your own folder and point BALLAST_TEST_UI_DIR at it (see test/support/browser.ts).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { browserSkip, openBrowserSession, type BrowserSession } from '../support/browser.js';
import { declareIncident, resolveIncident, setupCatalog } from '../postmortems/support.js';

const XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> [click](javascript:window.__xss=3)';

describe('web UI: postmortems and action items', { skip: browserSkip, timeout: 180_000 }, () => {
  let s: BrowserSession;
  let incident: { id: string; ref: string };
  let pmId: string;

  before(async () => {
    s = await openBrowserSession({ prefix: 'postmortems' });
    await setupCatalog(s.t);
    incident = await declareIncident(s.t, { severity: 'SEV1', title: 'Checkout down', services: ['checkout'], keyEvents: [{ at: new Date().toISOString(), summary: 'Rolled back the deploy' }] });
    await resolveIncident(s.t, incident.id, { text: 'EU card payments', users: 340 });
    pmId = (await s.t.request('GET', `/api/v1/postmortems/${incident.ref}`)).body.id;
    assert.ok(pmId, 'draft created on resolution');
    await s.signIn();
  });
  after(async () => s?.close());

  test('the postmortems list shows the draft with its deadline', async () => {
    const { page } = s;
    await page.goto('/postmortems');
    const row = page.getByTestId('postmortems-table').getByRole('row').filter({ hasText: incident.ref });
    await row.waitFor();
    assert.match(await row.innerText(), /Draft/);
    assert.match(await row.innerText(), /Due \d{4}-\d{2}-\d{2}/);
    await s.shot('01-list');
    await row.getByRole('link').click();
    await page.waitForURL(`**/postmortems/${pmId}`);
  });

  test('edit sections with a live preview, add an action item, submit and publish', async () => {
    const { page } = s;
    await page.getByRole('heading', { name: /Postmortem: INC-1 Checkout down/ }).waitFor();
    const impact = await page.getByLabel('Impact (Markdown)').inputValue();
    assert.match(impact, /Users affected: 340/);
    assert.match(await page.getByLabel('Timeline (Markdown)').inputValue(), /Rolled back the deploy/);

    await page.getByLabel('Root cause (Markdown)').fill('A **bad** config push\n\n- no canary');
    const preview = page.getByTestId('preview-Root cause');
    await preview.locator('strong', { hasText: 'bad' }).waitFor();
    await preview.locator('li', { hasText: 'no canary' }).waitFor();
    await page.getByLabel('Summary (Markdown)').fill(`Checkout failed. ${XSS}`);
    await page.getByTestId('preview-Summary').getByText('Checkout failed.').waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('button', { name: 'Saved', exact: true }).waitFor();

    await page.getByLabel('Action item title').fill('Add a canary stage');
    await page.getByLabel('Owner email').fill('me');
    await page.getByLabel('Due date').fill('2030-01-15');
    await page.getByLabel('Priority').selectOption('P1');
    await page.getByRole('button', { name: 'Add action item' }).click();
    await page.getByTestId('action-items-table').getByText('Add a canary stage').waitFor();
    await s.shot('02-editor');

    await page.getByRole('button', { name: 'Submit for review' }).click();
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Published', { exact: true }).first().waitFor();
    // Published: read-only rendering of the saved Markdown.
    await page.getByTestId('section-root_cause').locator('strong', { hasText: 'bad' }).waitFor();
    const pm = (await s.t.request('GET', `/api/v1/postmortems/${pmId}`)).body;
    assert.equal(pm.status, 'published');
    assert.equal(pm.sections.root_cause, 'A **bad** config push\n\n- no canary');
    assert.equal(pm.action_items.length, 1);
    await s.shot('03-published');
  });

  test('a stored <script>/onerror payload is shown as text and never runs', async () => {
    const { page } = s;
    await page.reload();
    const summary = page.getByTestId('section-summary');
    await summary.waitFor();
    assert.ok((await summary.innerText()).includes('<script>window.__xss = 1</script>'), 'rendered literally');
    assert.equal(await summary.locator('script, img, a[href^="javascript"]').count(), 0);
    // Comments go through the same renderer.
    await page.getByLabel('Comment (Markdown)').fill(`Agreed ${XSS}`);
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    await page.locator('.pm-comment', { hasText: 'Agreed' }).waitFor();
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.equal(await page.locator('.pm-comment img, .pm-comment script').count(), 0);
  });

  test('the action item appears on the action items page; status changes inline', async () => {
    const { page } = s;
    await page.goto('/postmortems/action-items');
    const card = page.getByTestId('action-item-card').filter({ hasText: 'Add a canary stage' });
    await card.waitFor();
    assert.match(await card.innerText(), /INC-1/);
    assert.match(await card.innerText(), /P1/);
    await s.shot('04-board');
    await card.getByLabel('Status of Add a canary stage').selectOption('done');
    await page.getByRole('region', { name: 'Done' }).getByText('Add a canary stage').waitFor();
    const item = (await s.t.request('GET', '/api/v1/action-items')).body.data[0];
    assert.equal(item.status, 'done');
    assert.ok(item.completed_at);

    await page.goto('/postmortems/action-items?view=list&status=done');
    await page.getByTestId('action-items-table').getByText('Add a canary stage').waitFor();
    // The incident page's follow-up card links the published postmortem.
    await page.goto(`/incidents/${incident.ref}`);
    const card2 = page.getByTestId('incident-follow-up');
    await card2.getByRole('link', { name: 'Postmortem' }).waitFor();
    assert.match(await card2.innerText(), /Published/);
    await page.goto('/incidents/metrics');
    await page.getByTestId('metrics-kpis').getByText('Incidents').waitFor();
    await s.shot('05-metrics');
    assert.deepEqual(s.problems, []);
  });

  test('an incident without a postmortem offers "Start postmortem" and lists what earlier incidents left open', async () => {
    const { page } = s;
    // Reopen the earlier item so it counts as an unfinished promise on the same service.
    const item = (await s.t.request('GET', '/api/v1/action-items')).body.data[0];
    await s.t.request('PATCH', `/api/v1/action-items/${item.id}`, { body: { status: 'open' } });
    const minor = await declareIncident(s.t, { severity: 'SEV3', title: 'Checkout slow again', services: ['checkout'] });
    await page.goto(`/incidents/${minor.ref}`);
    const card = page.getByTestId('incident-follow-up');
    await card.getByText('We said we’d fix this').waitFor();
    assert.match(await card.innerText(), /Add a canary stage/);
    await card.getByRole('button', { name: 'Start postmortem' }).click();
    await page.waitForURL(/\/postmortems\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: /Postmortem: INC-2 Checkout slow again/ }).waitFor();
    await s.shot('06-started');
    assert.deepEqual(s.problems, []);
  });
});
