// `ballast runbook run` with answers piped into stdin, against a running server (BALLAST_URL) and
// directly on the database (local mode), on both databases.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { cli } from '../support/cli.js';
import { content, createIncident, createRunbook, step, timelineOf } from './runs-support.js';



forEachDatabase('cli: ballast runbook run', (kind) => {
  let t: TestApp;
  let remote: Record<string, string>;
  let local: Record<string, string>;
  let hits = 0;
  const receiver = http.createServer((_req, res) => {
    hits++;
    res.writeHead(hits === 1 ? 503 : 200).end(hits === 1 ? 'busy' : 'queued');
  });

  before(async () => {
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    t = await startTestApp(kind, { config: { outboundAllowlist: ['127.0.0.1/32'] } });
    remote = { BALLAST_URL: t.url, BALLAST_TOKEN: t.adminToken };
    const cfg = t.app.deps.config;
    local = kind === 'postgres' ? { DATABASE_URL: cfg.databaseUrl! } : { BALLAST_DATA_DIR: cfg.dataDir };
    await t.request('POST', '/api/v1/teams', { body: { slug: 'db', name: 'Database' } });
    await createRunbook(t, {
      slug: 'db-failover',
      teamSlug: 'db',
      title: 'Database failover',
      versions: [
        content([
          step('check', { title: 'Check replica lag', command: 'psql -c "select now() - pg_last_xact_replay_timestamp()"', expected: 'Lag under 5 s' }),
          step('promote', { title: 'Promote the replica', on_failure: 'Call the DBA on duty.' }),
          step('repoint', { title: 'Repoint the app' }),
        ]),
      ],
    });
  });
  after(async () => {
    await t.close();
    await new Promise((r) => receiver.close(r));
  });

  test('walks the steps with piped answers: done, fail (guidance, rollback, retry), skip; finishes with success; marks land on the incident', async () => {
    const inc = await createIncident(t);
    const answers = ['d', 'f', 'promote timed out', 'y', 'r', 'd', 's', 'app already points at the new primary'].join('\n') + '\n';
    const r = await cli(['runbook', 'run', 'db-failover', '--incident', inc.ref], remote, answers);
    assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`Running Database failover \\(v1\\) for ${inc.ref}`));
    assert.match(r.stdout, /Step 1\/3: Check replica lag/);
    assert.match(r.stdout, /\$ psql -c/);
    assert.match(r.stdout, /Expected: Lag under 5 s/);
    assert.match(r.stdout, /If this fails:\n\s+Call the DBA on duty\./);
    assert.match(r.stdout, /Rollback:\n\s+Restore the previous release/);
    assert.match(r.stdout, /: success after/);
    assert.match(r.stdout, /→ Repoint the app — skipped: app already points at the new primary/);

    const runs = (await t.request('GET', `/api/v1/runbook-runs?incident=${inc.ref}`)).body.data;
    assert.equal(runs.length, 1);
    assert.equal(runs[0].status, 'success');
    const run = (await t.request('GET', `/api/v1/runbook-runs/${runs[0].id}`)).body;
    assert.deepEqual(run.steps.map((s: any) => s.history.map((m: any) => m.outcome)), [['done'], ['failed', 'done'], ['skipped']]);
    assert.equal(run.steps[1].history[0].note, 'promote timed out');
    assert.equal(run.steps[1].history[0].by.label, 'admin@example.com', 'remote mode records the token user');
    const tl = await timelineOf(t, inc.id);
    assert.deepEqual(tl.map((e) => e.kind), ['runbook_run_started', 'runbook_step', 'runbook_step', 'runbook_step', 'runbook_step', 'runbook_run_finished']);
  });

  test('quitting (or input running out) aborts the run and exits non-zero; local mode works on the database directly', async () => {
    const r = await cli(['runbook', 'run', 'db-failover'], local, 'd\nq\n');
    assert.equal(r.code, 2, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.match(r.stdout, /: aborted after/);
    const eof = await cli(['runbook', 'run', 'db-failover'], remote, 'd\n');
    assert.equal(eof.code, 2, eof.stderr);
    const runs = (await t.request('GET', '/api/v1/runbook-runs?runbook=db-failover&status=aborted')).body.data;
    assert.equal(runs.length, 2);
    assert.deepEqual(runs.map((x: any) => x.progress.done), [1, 1]);
    assert.deepEqual(runs.map((x: any) => x.started_by.label).sort(), ['admin@example.com', 'system:cli']);
  });

  test('an HTTP action step is called after confirmation; a failed call offers retry', async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/jobs`;
    await createRunbook(t, { slug: 'deploy', teamSlug: 'db', versions: [content([step('trigger', { title: 'Trigger CI', http_action: { method: 'POST', url } })])] });
    // a, n: declined (nothing sent); a, y: 503 → failed, no rollback, retry; a, y: 200 → done.
    const r = await cli(['runbook', 'run', 'deploy'], remote, ['a', 'n', 'a', 'y', 'n', 'r', 'a', 'y'].join('\n') + '\n');
    assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.equal(hits, 2);
    assert.match(r.stdout, new RegExp(`✗ POST ${url} → 503`));
    assert.match(r.stdout, new RegExp(`✓ POST ${url} → 200`));
    assert.match(r.stdout, /: success after/);
  });

  test('an unknown runbook is a one-line error', async () => {
    const r = await cli(['runbook', 'run', 'nope'], remote, '');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: 404 not_found: Runbook 'nope' not found/);
  });
});
