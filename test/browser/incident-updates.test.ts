// End-to-end (real Chromium, SQLite): the incident page's status updates and suspect changes. Stored
// XSS in an update body and in the incident title never executes; a template fills the editor through
// the preview endpoint, the Markdown preview renders it, posting shows it with its audience badge and the
// next-update countdown; the suspect-changes card lists a deploy from before the incident.
//
// Needs IncidentDetailPage to render <UpdatesPanel/> and <SuspectChangesCard/>, and the route
// `incidents/templates` → CommunicationTemplatesPage (ui/src/pages/incidents/updates-TemplatesPage.tsx).
// Build the UI first:
//   npx vite build --config ui/vite.config.ts --outDir /tmp/ui-h2 --emptyOutDir
//   BALLAST_TEST_UI_DIR=/tmp/ui-h2 npm test -- browser/incident-updates

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { browserSkip, openBrowserSession, seed, type BrowserSession } from '../support/browser.js';

describe('web UI: incident status updates', { skip: browserSkip, timeout: 180_000 }, () => {
  let s: BrowserSession;
  let ref: string;

  before(async () => {
    s = await openBrowserSession({ prefix: 'incident-updates' });
    const [, , integration] = await seed(s.t, [
      ['POST', '/api/v1/teams', { slug: 'payments', name: 'Payments' }],
      ['POST', '/api/v1/services', { slug: 'checkout', name: 'Checkout', team: 'payments' }],
      ['POST', '/api/v1/services/checkout/integrations', { type: 'pagerduty' }],
    ]);
    const deployAt = new Date(Date.now() - 45 * 60_000).toISOString();
    const change = await s.t.request('POST', '/v2/change/enqueue', {
      token: null,
      body: { routing_key: integration.key, payload: { summary: 'Deploy checkout v42', source: 'ci', timestamp: deployAt }, links: [{ href: 'https://ci.example.com/42', text: 'CI run' }] },
    });
    assert.equal(change.status, 202, change.text);
    const [inc] = await seed(s.t, [
      ['POST', '/api/v1/incidents', { title: 'Checkout <img src=x onerror="window.__pwned=1">', severity: 'SEV2', services: ['checkout'], page: { services: false } }],
    ]);
    ref = `INC-${inc.number}`;
    await seed(s.t, [
      [
        'POST',
        `/api/v1/incidents/${ref}/updates`,
        {
          audience: 'internal',
          body: 'Looking into it. <script>window.__pwned=2</script> <img src=x onerror="window.__pwned=3"> [click](javascript:window.__pwned=4) **bold**',
        },
      ],
    ]);
    await s.t.app.engine.drain();
    await s.signIn();
  });
  after(async () => s?.close());

  test('stored update bodies render as sanitized Markdown; no script runs', async () => {
    const { page } = s;
    await page.goto(`/incidents/${ref}`);
    const item = page.locator('.update-item').first();
    await item.waitFor();
    assert.match(await item.innerText(), /Looking into it\./);
    assert.equal(await item.locator('.update-body strong').innerText(), 'bold', 'Markdown is rendered');
    assert.equal(await item.locator('.update-body script, .update-body img').count(), 0, 'no script or img elements from user text');
    const hrefs = await item.locator('.update-body a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(hrefs.every((h) => !h || !/^javascript:/i.test(h)), JSON.stringify(hrefs));
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => (window as any).__pwned), undefined, 'no injected script executed');
    await page.getByTestId('next-update').waitFor();
    assert.match(await page.getByTestId('next-update').innerText(), /Next update\s+due in (59|60) min/);
  });

  test('post an external update from a template: preview fills the editor, Markdown preview, post', async () => {
    const { page } = s;
    await page.getByRole('button', { name: 'Post update' }).click();
    await page.getByLabel('Template').selectOption('external-investigating');
    const editor = page.getByLabel('Update text (Markdown)');
    await page.waitForFunction(() => (document.querySelector('textarea.update-editor') as HTMLTextAreaElement | null)?.value.includes('Checkout'));
    const text = await editor.inputValue();
    assert.match(text, /^\*\*Investigating\*\* — We are investigating reports of problems with Checkout/);
    assert.ok(await page.getByLabel(/External \(customers/).isChecked(), 'the template’s audience is selected');
    // Promising another time than the text was filled for is pointed out; a refill brings them in step.
    await page.getByLabel('Next update in (minutes)').fill('20');
    const warning = page.getByText('The text names a different next-update time');
    await warning.waitFor();
    await page.getByRole('button', { name: 'Refill from template' }).click();
    await warning.waitFor({ state: 'detached' });
    const refilled = await editor.inputValue();
    const timeIn = (x: string) => /by (.*) UTC/.exec(x)?.[1];
    assert.ok(timeIn(refilled) && timeIn(refilled) !== timeIn(text), `${timeIn(text)} → ${timeIn(refilled)}`);
    await editor.fill(`${refilled}\n\nWe have rolled back **v42**.`);
    await page.getByRole('tab', { name: 'Preview' }).click();
    assert.equal(await page.getByTestId('update-preview').locator('strong').last().innerText(), 'v42');
    await s.shot('composer-preview');
    await page.getByRole('button', { name: 'Post external update' }).click();
    const newest = page.locator('.update-item').first();
    await newest.getByText('We have rolled back').waitFor();
    assert.match(await newest.locator('.update-meta').innerText(), /External/);
    assert.match(await page.getByTestId('next-update').innerText(), /due in (19|20) min/);
    const feed = await s.t.request('GET', '/api/v1/incident-updates?audience=external');
    assert.equal(feed.body.data.length, 1);
    assert.equal(feed.body.data[0].template, 'external-investigating');
    assert.equal(await page.evaluate(() => (window as any).__pwned), undefined);
  });

  test('suspect changes list the deploy before the incident', async () => {
    const { page } = s;
    const card = page.locator('.suspect-changes');
    await card.getByText('Deploy checkout v42').waitFor();
    assert.match(await card.innerText(), /45m before/);
    assert.equal(await card.getByRole('link', { name: 'CI run' }).getAttribute('href'), 'https://ci.example.com/42');
    await s.shot('page');
    assert.deepEqual(s.problems, []);
  });

  test('templates page: an unknown variable is refused with its name; a valid template is created and previewed', async () => {
    const { page } = s;
    await page.goto('/incidents/templates');
    await page.getByText('Investigating (customer-facing)').waitFor();
    await page.getByRole('button', { name: 'New template' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Slug').fill('exec-brief');
    await dialog.getByLabel('Name').fill('Executive brief');
    await dialog.getByLabel('Body (Markdown)').fill('**{{incident}}** hits {{services}} for {{customer}} <script>window.__pwned=5</script>');
    await dialog.locator('.update-preview strong').getByText('INC-42').waitFor();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText(/\{\{customer\}\}/).first().waitFor();
    await dialog.getByLabel('Body (Markdown)').fill('**{{incident}}** hits {{services}}.');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByText('Executive brief').waitFor();
    await s.shot('templates');
    const created = await s.t.request('GET', '/api/v1/communication-templates/exec-brief');
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(created.body.variables, ['incident', 'services']);
    assert.equal(await page.evaluate(() => (window as any).__pwned), undefined);
    s.problems.splice(0, s.problems.length, ...s.problems.filter((p) => p !== 'response: POST /api/v1/communication-templates 400'));
    assert.deepEqual(s.problems, []);
  });
});
