// The decision-tree walker in a real Chromium (SQLite): install the seed's example from the trees page,
// walk it one question at a time to a leaf, go back through the path, perform the escalate action;
// the editor shows the outline; script in node Markdown never executes.
// Needs a built UI (BALLAST_TEST_UI_DIR or dist/ui) and /usr/bin/chromium. Screenshots: prefix "tree-".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { browserSkip, openBrowserSession, seed, type BrowserSession } from '../support/browser.js';

describe('web UI: decision trees', { skip: browserSkip, timeout: 180_000 }, () => {
  let s: BrowserSession;

  before(async () => {
    s = await openBrowserSession({ prefix: 'tree' });
    await seed(s.t, [
      ['POST', '/api/v1/teams', { slug: 'platform', name: 'Platform' }],
      ['POST', '/api/v1/users', { email: 'lead@example.com', name: 'Lena Lead', password: 'lead password 1234' }],
      ['PUT', '/api/v1/teams/platform/members/lead@example.com', { role: 'manager' }],
    ]);
    await s.signIn();
  });
  after(async () => s?.close());

  test('installs the example and walks it to a leaf, with back and the escalate action', async () => {
    const { page } = s;
    await page.goto('/runbooks/trees');
    const ex = page.getByTestId('example-system-unavailable');
    await ex.getByRole('button', { name: 'Install example' }).click();
    await ex.getByText('Installed with placeholders').waitFor();
    await s.shot('list');
    await page.getByTestId('trees-table').getByRole('link', { name: 'System unavailable?' }).click();

    await page.getByTestId('tree-question').getByText('Is the system unavailable?').waitFor();
    await page.getByRole('button', { name: 'Yes', exact: true }).click();
    await page.getByText('Which check fails?').waitFor();
    await page.getByRole('button', { name: 'Database unavailable' }).click();
    // database-failover is not installed, so that leaf became an info leaf naming the template.
    const leaf = page.getByTestId('tree-leaf');
    await leaf.getByText('Runbook database-failover is not installed yet', { exact: false }).waitFor();
    assert.match(page.url(), /\?walk=[0-9a-f-]{36}/, 'the walk id is in the URL so a reload resumes it');

    await page.getByRole('button', { name: 'Back', exact: true }).click();
    await page.getByRole('button', { name: 'Network issues' }).click();
    await leaf.getByRole('button', { name: 'Page team Platform' }).waitFor();
    await s.shot('leaf');
    await leaf.getByRole('button', { name: 'Page team Platform' }).click();
    await leaf.getByText('Lena Lead', { exact: false }).waitFor();

    // Reload resumes the completed walk rather than starting another.
    await page.reload();
    await page.getByTestId('tree-leaf').getByText('Paged Platform').waitFor();
    const walks = await s.t.request('GET', '/api/v1/decision-trees/system-unavailable/walks');
    assert.equal(walks.body.data.length, 1);
    assert.deepEqual(walks.body.data[0].path.map((p: any) => p.answer), ['Yes', 'Network issues']);

    // The path's crumbs jump back to an earlier question.
    await page.getByRole('button', { name: /Issue reported Yes/ }).click();
    await page.getByTestId('tree-question').getByText('Is the system unavailable?').waitFor();
    await page.getByRole('button', { name: 'No', exact: true }).click();
    await page.getByRole('button', { name: 'Slow response time' }).click();
    await page.getByRole('button', { name: 'Yes', exact: true }).click();
    await page.getByTestId('tree-leaf').getByText('Saturated resources', { exact: false }).waitFor();
  });

  test('a walk opened from an incident is recorded on its timeline', async () => {
    const { page } = s;
    const [inc] = await seed(s.t, [['POST', '/api/v1/incidents', { title: 'Checkout is down', severity: 'SEV2' }]]);
    const ref = `INC-${inc.number}`;
    await page.goto(`/runbooks/trees/system-unavailable?incident=${ref}`);
    await page.getByText(`Recorded on`).waitFor();
    await page.getByRole('button', { name: 'Yes', exact: true }).click();
    await page.getByRole('button', { name: 'Kubernetes cluster down' }).click();
    const leaf = page.getByTestId('tree-leaf');
    await leaf.getByRole('button', { name: 'Declare SEV1: Kubernetes cluster down' }).waitFor();
    await leaf.getByRole('link', { name: `Back to ${ref}` }).waitFor();
    await s.shot('incident-leaf');
    const timeline = (await s.t.request('GET', `/api/v1/incidents/${ref}/timeline`)).body.data as any[];
    const entry = timeline.find((e) => e.kind === 'decision_tree_walk');
    assert.ok(entry, JSON.stringify(timeline.map((e) => e.kind)));
    assert.match(entry.summary, /Yes → Kubernetes cluster down ⇒ declare a SEV1 incident/);
  });

  test('the editor shows the outline and per-node problems', async () => {
    const { page } = s;
    await page.goto('/runbooks/trees/system-unavailable/edit');
    const outline = page.getByTestId('tree-outline');
    await outline.getByText('Check infrastructure').waitFor();
    await outline.getByText('Check application').waitFor();
    await s.shot('editor');
    // Point the root's "No" answer at a new, empty leaf and remove the old target: the server's
    // reachability error lands on the now-orphaned node.
    const root = page.getByTestId('node-0');
    await root.getByLabel('Answer 2 leads to').selectOption('+action');
    await page.getByRole('button', { name: 'Save tree' }).click();
    await page.getByText('Could not save').waitFor();
    await page.locator('.tree-node-editor.has-problems').first().waitFor();
    const problems = await page.locator('.tree-node-problems').allInnerTexts();
    assert.ok(problems.some((p) => /cannot be reached from the root|needs its resolution text/.test(p)), problems.join('\n'));
    // That refused save is the one expected HTTP failure of this suite.
    const i = s.problems.indexOf('response: PATCH /api/v1/decision-trees/system-unavailable 400');
    assert.ok(i >= 0);
    s.problems.splice(i, 1);
  });

  test('script in node Markdown never executes', async () => {
    const { page } = s;
    await seed(s.t, [
      [
        'POST',
        '/api/v1/decision-trees',
        {
          slug: 'xss',
          title: 'XSS probe',
          team: 'platform',
          root: 'q',
          nodes: [
            { id: 'q', type: 'question', text: 'Hello <script>window.__xss = 1</script> <img src=x onerror="window.__xss = 2"> [x](javascript:window.__xss=3)', answers: [{ label: 'Go', next: 'leaf' }] },
            { id: 'leaf', type: 'action', text: '<img src=y onerror="window.__xss = 4">done', action: { type: 'info' } },
          ],
        },
      ],
    ]);
    await page.goto('/runbooks/trees/xss');
    await page.getByTestId('tree-question').getByText('Hello', { exact: false }).waitFor();
    const inQuestion = await page.getByTestId('tree-question').evaluate((el) => ({ scripts: el.querySelectorAll('script').length, imgs: el.querySelectorAll('img[onerror]').length, js: el.querySelectorAll('a[href^="javascript"]').length }));
    assert.deepEqual(inQuestion, { scripts: 0, imgs: 0, js: 0 });
    await page.getByRole('button', { name: 'Go' }).click();
    await page.getByTestId('tree-leaf').getByText('done', { exact: false }).waitFor();
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.deepEqual(s.problems, []);
  });
});
