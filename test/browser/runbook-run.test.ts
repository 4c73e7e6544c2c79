// End-to-end: a runbook run attached to an incident, worked in a real Chromium (SQLite): a step marked
// done with the keyboard, a step failed through the dialog shows its "if this fails" guidance and the
// rollback section, a mark made by someone else through the API appears live, the run is finished with
// its outcome and duration, and the incident timeline shows the run. Script in step Markdown never runs.
//
// Build the UI first (own folder when working in parallel):
//   npx vite build --config ui/vite.config.ts --outDir /tmp/ui-h6 --emptyOutDir
//   BALLAST_TEST_UI_DIR=/tmp/ui-h6 npm test -- browser/runbook-run

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { browserSkip, openBrowserSession, seed, type BrowserSession } from '../support/browser.js';
import { content, createIncident, createRunbook, step } from '../runbooks/runs-support.js';

describe('web UI: runbook run', { skip: browserSkip, timeout: 180_000 }, () => {
  let s: BrowserSession;
  let incident: { id: string; ref: string };
  let runId: string;
  let other: { id: string; token: string };
  const received: string[] = [];
  const receiver = http.createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"pipeline":"started"}');
  });

  before(async () => {
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    // The test's CI endpoint is on loopback, so it is allowed explicitly, as an operator would.
    s = await openBrowserSession({ prefix: 'runbook-run', config: { outboundAllowlist: ['127.0.0.1/32'] } });
    await seed(s.t, [['POST', '/api/v1/teams', { slug: 'db', name: 'Database' }]]);
    other = await s.t.user({ email: 'olga@example.com', teams: { db: 'responder' } });
    await createRunbook(s.t, {
      slug: 'db-failover',
      teamSlug: 'db',
      title: 'Database failover',
      versions: [
        content(
          [
            step('check-lag', { title: 'Check replica lag', command: 'psql -c "select 1"', instruction: 'Look at the lag. <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">' }),
            step('promote', { title: 'Promote the replica', on_failure: 'Page the **DBA on duty** and stop here.' }),
            step('repoint', { title: 'Repoint the app' }),
          ],
          { rollback: 'Demote the new primary and repoint the app back.' },
        ),
      ],
    });
    incident = await createIncident(s.t, 'Orders failing');
    const started = await s.t.request('POST', '/api/v1/runbook-runs', { body: { runbook: 'db-failover', incident: incident.ref } });
    assert.equal(started.status, 201, started.text);
    runId = started.body.id;
    await s.signIn();
  });
  after(async () => {
    await s?.close();
    await new Promise((r) => receiver.close(r));
  });

  test('work the run: keyboard mark, failure guidance and rollback, live update, finish; the incident timeline shows it', async () => {
    const { page } = s;
    await page.goto(`/runbooks/runs/${runId}`);
    const first = page.getByTestId('step-check-lag');
    await first.waitFor();
    assert.equal(await first.getAttribute('aria-current'), 'step', 'the first step is current');
    assert.match((await page.locator('.page-subtitle').innerText()), new RegExp(`${incident.ref}: Orders failing`));

    // Keyboard: d marks the selected (current) step done; the next step becomes current.
    await page.keyboard.press('d');
    await first.getByText(/Done by/).waitFor();
    await page.getByTestId('step-promote').and(page.locator('[aria-current="step"]')).waitFor();
    await s.shot('after-done');

    // f on the current step asks what went wrong, then shows the guidance and offers the rollback.
    await page.keyboard.press('f');
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('What happened').fill('promotion timed out');
    await dialog.getByRole('button', { name: 'Mark failed' }).click();
    await dialog.waitFor({ state: 'detached' });
    const guidance = page.getByTestId('step-promote').getByTestId('failure-guidance');
    await guidance.waitFor();
    assert.match(await guidance.innerText(), /Page the DBA on duty and stop here\./);
    assert.equal(await guidance.locator('strong').innerText(), 'DBA on duty', 'guidance is rendered Markdown');
    await guidance.getByRole('button', { name: 'Show rollback' }).click();
    assert.match(await page.getByTestId('rollback-panel').innerText(), /Demote the new primary/);
    await s.shot('failed-guidance');

    // Someone else marks a step through the API: the page shows it without a reload.
    const marked = await s.t.request('POST', `/api/v1/runbook-runs/${runId}/steps/repoint`, { token: other.token, body: { outcome: 'skipped', note: 'already repointed' } });
    assert.equal(marked.status, 200, marked.text);
    const repoint = page.getByTestId('step-repoint');
    await repoint.getByText('already repointed').waitFor({ timeout: 5_000 });
    assert.match(await repoint.innerText(), /Skipped by olga/);

    // ? shows the shortcuts.
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('Escape');

    // Finish: success is not possible with a failed step; finish as failed.
    await page.getByRole('button', { name: 'Finish run…' }).click();
    const finish = page.getByRole('dialog', { name: 'Finish run' });
    assert.equal(await finish.getByLabel(/Success/).isDisabled(), true);
    await finish.getByLabel('Failed').check();
    await finish.getByLabel(/Note/).fill('handing over to the DBA');
    await finish.getByRole('button', { name: 'Finish run' }).click();
    const done = page.getByTestId('run-finished');
    await done.waitFor();
    assert.match(await done.innerText(), /after \d+s — handing over to the DBA/);
    assert.equal(await page.getByRole('button', { name: 'Done' }).count(), 0, 'a finished run is read-only');
    await s.shot('finished');

    const run = (await s.t.request('GET', `/api/v1/runbook-runs/${runId}`)).body;
    assert.equal(run.status, 'failed');
    assert.deepEqual(run.steps.map((x: any) => x.state?.outcome), ['done', 'failed', 'skipped']);

    const tl = await s.t.request('GET', `/api/v1/incidents/${incident.id}/timeline`);
    assert.equal(tl.status, 200, tl.text);
    const entries: any[] = Array.isArray(tl.body) ? tl.body : tl.body.data;
    const ours = entries.filter((e) => e.subject_type === 'runbook_run' || e.subject?.type === 'runbook_run' || String(e.kind).startsWith('runbook'));
    assert.deepEqual(ours.map((e) => e.kind), ['runbook_run_started', 'runbook_step', 'runbook_step', 'runbook_step', 'runbook_run_finished']);

    assert.equal(await page.evaluate(() => (window as any).__pwned), undefined, 'script in Markdown never runs');
    assert.deepEqual(s.problems, []);
  });

  test('an HTTP action step asks for confirmation, calls the endpoint and shows the recorded response', async () => {
    const { page } = s;
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/pipelines`;
    await createRunbook(s.t, { slug: 'ci-deploy', teamSlug: 'db', title: 'Deploy', versions: [content([step('trigger', { title: 'Trigger the pipeline', http_action: { method: 'POST', url } })])] });
    const run = (await s.t.request('POST', '/api/v1/runbook-runs', { body: { runbook: 'ci-deploy' } })).body;
    await page.goto(`/runbooks/runs/${run.id}`);
    await page.getByRole('button', { name: 'Call endpoint…' }).click();
    const dialog = page.getByRole('dialog', { name: "Call the step's endpoint?" });
    assert.match(await dialog.innerText(), new RegExp(`POST to ${url.replace(/[.]/g, '\\.')}`));
    assert.deepEqual(received, [], 'nothing is sent before confirming');
    await dialog.getByRole('button', { name: 'Send POST' }).click();
    const record = page.getByTestId('http-action-record');
    await record.waitFor();
    assert.match(await record.innerText(), /succeeded[\s\S]*→ 200 in \d+ ms[\s\S]*"pipeline":"started"/);
    assert.deepEqual(received, ['POST /pipelines']);
    assert.match(await page.getByTestId('step-trigger').innerText(), /Done by Administrator/);
    await s.shot('http-action');
    assert.deepEqual(s.problems, []);
  });

  test('the runbook page shows the run statistics and starts a run', async () => {
    const { page } = s;
    await page.goto('/runbooks/db-failover');
    const stats = page.getByTestId('run-stats');
    await stats.waitFor();
    const text = await stats.innerText();
    assert.match(text, /Runs\s+1/);
    assert.match(text, /Success rate\s+0%/);
    assert.match(await page.locator('.run-failing-steps').innerText(), /Promote the replica — failed in 1 of 1 runs/);
    await page.locator('.runbook-run-stats').getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runbooks\/runs\/[0-9a-f-]{36}$/);
    await page.getByTestId('step-check-lag').waitFor();
    const runs = (await s.t.request('GET', '/api/v1/runbook-runs?runbook=db-failover&status=running')).body.data;
    assert.equal(runs.length, 1);
    assert.deepEqual(s.problems, []);
  });
});
