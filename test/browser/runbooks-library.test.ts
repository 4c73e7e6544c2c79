// The runbook library in a real browser: create a runbook from a template, edit a step (a new
// version), see the diff between versions, and check that script in a step never runs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { browserSkip, openBrowserSession, seed, type BrowserSession } from '../support/browser.js';

const PAYLOAD = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> [x](javascript:window.__pwned=3)';

describe('web UI: runbook library', { skip: browserSkip, timeout: 180_000 }, () => {
  let s: BrowserSession;

  before(async () => {
    s = await openBrowserSession({ prefix: 'runbooks-library' });
    await seed(s.t, [
      ['POST', '/api/v1/teams', { slug: 'payments', name: 'Payments' }],
      ['POST', '/api/v1/services', { slug: 'checkout', name: 'Checkout', team: 'payments' }],
    ]);
    await s.signIn();
  });
  after(async () => s?.close());

  test('create from a template, edit a step, and see the version diff', async () => {
    const { page } = s;
    await page.goto('/runbooks');
    await page.getByRole('heading', { name: 'Runbooks', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'From template' }).click();
    await page.waitForURL(/\/runbooks\/new\?from=template/);
    await page.getByRole('button', { name: /Service restart/ }).click();
    const title = page.getByLabel('Title', { exact: true }).first();
    assert.equal(await title.inputValue(), 'Service restart');
    await title.fill('Restart checkout');
    assert.equal(await page.getByLabel('Slug').inputValue(), 'restart-checkout');
    await s.shot('01-new-from-template');
    await page.getByRole('button', { name: 'Create runbook' }).click();
    await page.waitForURL(/\/runbooks\/restart-checkout$/);
    await page.getByRole('heading', { name: 'Restart checkout', level: 1 }).waitFor();
    const rolling = page.getByTestId('step-rolling-restart');
    await rolling.getByRole('heading', { name: 'Rolling restart' }).waitFor();
    await rolling.getByRole('button', { name: 'Copy command' }).waitFor();
    assert.match(await rolling.locator('pre code').innerText(), /kubectl -n <namespace> rollout restart deployment\/<service>/);
    await s.shot('02-runbook');

    await page.getByRole('link', { name: 'Edit' }).click();
    await page.waitForURL(/\/runbooks\/restart-checkout\/edit$/);
    const step3 = page.getByRole('group', { name: 'Step 3' });
    await step3.getByLabel('Title').fill('Rolling restart of checkout');
    await step3.getByLabel('Command').fill('kubectl -n shop rollout restart deployment/checkout');
    await page.getByLabel('Change note').fill('Real namespace');
    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.waitForURL(/\/runbooks\/restart-checkout$/);
    await page.getByTestId('step-rolling-restart').getByRole('heading', { name: 'Rolling restart of checkout' }).waitFor();
    const versions = page.getByTestId('versions');
    await versions.getByText('Real namespace').waitFor();
    await versions.getByText('v2').waitFor();

    await page.getByRole('button', { name: 'Show diff' }).click();
    const diff = page.getByTestId('version-diff');
    await diff.getByText('Step changed: Rolling restart of checkout (title, command)').waitFor();
    await diff.locator('.rbl-add', { hasText: 'kubectl -n shop rollout restart deployment/checkout' }).waitFor();
    await diff.locator('.rbl-del', { hasText: 'kubectl -n <namespace> rollout restart deployment/<service>' }).first().waitFor();
    await s.shot('03-diff');

    // The library lists it and finds it by a word from a command.
    await page.goto('/runbooks?q=shop');
    await page.getByTestId('runbooks-table').getByRole('link', { name: 'Restart checkout' }).waitFor();
    assert.deepEqual(s.problems, []);
  });

  test('script and onerror payloads in a step never execute', async () => {
    const { page } = s;
    await seed(s.t, [
      [
        'POST',
        '/api/v1/runbooks',
        {
          slug: 'xss',
          title: 'XSS check',
          kind: 'troubleshooting',
          team: 'payments',
          content: {
            purpose: PAYLOAD,
            prerequisites: '',
            steps: [{ id: 'evil', title: '<img src=x onerror="window.__pwned = 4">', instruction: PAYLOAD, command: PAYLOAD, expected: PAYLOAD, on_failure: PAYLOAD }],
            verification: PAYLOAD,
            rollback: PAYLOAD,
            contacts: [{ role: '<b>x</b>', who: PAYLOAD }],
            related: [],
          },
        },
      ],
    ]);
    await page.goto('/runbooks/xss');
    await page.getByRole('heading', { name: 'XSS check', level: 1 }).waitFor();
    await page.getByTestId('step-evil').waitFor();
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.locator('.markdown script, .markdown img[onerror], a[href^="javascript:"]').count(), 0);
    // The payload is shown as text, not swallowed.
    assert.ok((await page.getByTestId('step-evil').innerText()).includes('<script>window.__pwned = 1</script>'));
    // The editor preview renders the same way.
    await page.goto('/runbooks/xss/edit');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByTestId('runbook-preview').waitFor();
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    await s.shot('04-xss');
    assert.deepEqual(s.problems, []);
  });

  test('the alert page shows the runbook its label names; the service page shows coverage and uncovered kinds', async () => {
    const { page, t } = s;
    const [integration] = await seed(t, [['POST', '/api/v1/services/checkout/integrations', { type: 'generic' }]]);
    for (const body of [
      { summary: 'Checkout pods wedged', dedup_key: 'wedged', labels: { alertname: 'PodsWedged', runbook: 'restart-checkout' } },
      { summary: 'Disk filling', dedup_key: 'disk', labels: { alertname: 'DiskFilling' } },
    ]) {
      const r = await t.request('POST', `/api/v1/integrations/${integration.key}/generic`, { token: null, body });
      assert.equal(r.status, 202, r.text);
    }
    await t.app.engine.drain();
    const alerts = (await t.request('GET', '/api/v1/alerts?limit=50')).body.data as any[];
    const wedged = alerts.find((a) => a.dedup_key === 'wedged');
    await page.goto(`/alerts/${wedged.id}`);
    const card = page.locator('.card', { has: page.getByRole('heading', { name: 'Runbooks' }) });
    await card.getByRole('link', { name: 'Restart checkout' }).waitFor();
    await card.getByText('alert label: label runbook=restart-checkout').waitFor();
    await card.getByRole('button', { name: 'Start run' }).waitFor();
    await s.shot('05-alert');

    await page.goto('/services/checkout');
    const cov = page.getByTestId('runbook-coverage');
    await cov.getByText('50%').waitFor();
    await cov.getByText('DiskFilling').waitFor();
    await s.shot('06-service');
    assert.deepEqual(s.problems, []);
  });
});
