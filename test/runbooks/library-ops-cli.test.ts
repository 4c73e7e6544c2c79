import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { tempDir } from '../support/db.js';
import { content, step } from './library-support.js';
import { cli } from '../support/cli.js';


const doc = (title = 'Restart checkout') => ({
  teams: [{ slug: 'payments', name: 'Payments' }],
  services: [{ slug: 'checkout', name: 'Checkout', team: 'payments' }],
  runbooks: [
    {
      slug: 'checkout-restart',
      title,
      kind: 'incident_response',
      team: 'payments',
      services: ['checkout'],
      tags: ['restart'],
      review_cadence_days: 30,
      content: content([step('drain', { command: 'kubectl drain' }), step('restart')]),
    },
    { slug: 'checkout-deploy', title: 'Deploy checkout', kind: 'sop', subkind: 'deployment', team: 'payments', content: content([step('ship')]) },
  ],
});

forEachDatabase('runbooks as code', (kind) => {
  let t: TestApp;
  const apply = async (document: unknown) => {
    const r = await t.request('POST', '/api/v1/apply', { body: { document } });
    assert.equal(r.status, 200, r.text);
    return r.body;
  };
  const versions = async () => (await t.request('GET', '/api/v1/runbooks/checkout-restart/versions')).body.data.length;

  before(async () => {
    t = await startTestApp(kind);
  });
  after(async () => t.close());

  test('apply creates; re-applying is unchanged and makes no version; a change makes one', async () => {
    const first = await apply(doc());
    assert.deepEqual(first.changes.filter((c: any) => c.kind === 'runbook').map((c: any) => [c.key, c.action]), [['checkout-restart', 'created'], ['checkout-deploy', 'created']]);
    const again = await apply(doc());
    assert.deepEqual(again.changes.filter((c: any) => c.kind === 'runbook').map((c: any) => c.action), ['unchanged', 'unchanged']);
    assert.equal(await versions(), 1);
    const changed = await apply(doc('Restart the checkout service'));
    const c = changed.changes.find((x: any) => x.key === 'checkout-restart');
    assert.equal(c.action, 'changed');
    assert.deepEqual(c.changes.title, { from: 'Restart checkout', to: 'Restart the checkout service' });
    assert.equal(await versions(), 2);
    const bad = await t.request('POST', '/api/v1/apply', { body: { document: { runbooks: [{ ...doc().runbooks[1], slug: 'new-sop', subkind: undefined }] } } });
    assert.equal(bad.status, 400, 'an SOP without subkind is refused');
  });

  test('export round-trips: applying the export changes nothing', async () => {
    const exp = await t.request('GET', '/api/v1/export');
    assert.equal(exp.status, 200);
    const rbs = exp.body.runbooks;
    assert.deepEqual(rbs.map((r: any) => r.slug), ['checkout-deploy', 'checkout-restart']);
    assert.deepEqual(rbs[1].content.steps.map((s: any) => s.id), ['drain', 'restart']);
    assert.equal(rbs[0].subkind, 'deployment');
    const again = await apply(exp.body);
    assert.ok(again.changes.every((x: any) => x.action === 'unchanged'), JSON.stringify(again.changes.filter((x: any) => x.action !== 'unchanged')));
  });
});


function checkShow(stdout: string) {
  for (const s of ['Restart checkout  (checkout-restart, version 1)', '## Purpose', '## Prerequisites', '## Steps', '  1. Step drain  [drain]', '     $ kubectl drain', '     Expected: drain done', '     If it fails: Escalate drain', '  2. Step restart  [restart]', '## Verification', '## Rollback', '## Contacts']) {
    assert.ok(stdout.includes(s), `${s}\n${stdout}`);
  }
}

describe('ballast runbook list|show', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let t: TestApp;
  before(async () => {
    dir = await tempDir('ballast-rb-cli-');
    await writeFile(path.join(dir.path, 'ops.yaml'), YAML.stringify(doc()));
    t = await startTestApp('sqlite');
    assert.equal((await t.request('POST', '/api/v1/apply', { body: { document: doc() } })).status, 200);
  });
  after(async () => {
    await t.close();
    await dir.remove();
  });

  test('local mode: list (filters, --json) and show (sections, numbered steps, --version)', async () => {
    const env = { BALLAST_DATA_DIR: path.join(dir.path, 'data') };
    const applied = await cli(['apply', '-f', path.join(dir.path, 'ops.yaml')], env);
    assert.equal(applied.code, 0, applied.stderr);
    const [list, json, stale, show] = await Promise.all([
      cli(['runbook', 'list'], env),
      cli(['runbook', 'list', '--json', '--q', 'drain'], env),
      cli(['runbook', 'list', '--stale'], env),
      cli(['runbook', 'show', 'checkout-restart'], env),
    ]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^SLUG\s+TITLE\s+KIND\s+TEAM\s+SERVICES\s+STEPS\s+VERSION\s+REVIEWED/);
    assert.match(list.stdout, /checkout-deploy\s+Deploy checkout\s+sop\/deployment\s+payments\s+-\s+1\s+1/);
    assert.match(list.stdout, /checkout-restart\s+Restart checkout\s+incident_response\s+payments\s+checkout\s+2\s+1/);
    assert.deepEqual(JSON.parse(json.stdout).data.map((r: any) => r.slug), ['checkout-restart']);
    assert.equal(stale.stdout.trim(), 'No runbooks.');
    assert.equal(show.code, 0, show.stderr);
    checkShow(show.stdout);
    const missing = await cli(['runbook', 'show', 'nope'], env);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /not found/);
  });

  test('remote mode: the same through the API, including an older version', async () => {
    await t.request('PATCH', '/api/v1/runbooks/checkout-restart', { body: { base_version: 1, content: content([step('only')]) } });
    const env = { BALLAST_URL: t.url, BALLAST_TOKEN: t.adminToken };
    const [v1, cur, json, list] = await Promise.all([
      cli(['runbook', 'show', 'checkout-restart', '--version', '1'], env),
      cli(['runbook', 'show', 'checkout-restart'], env),
      cli(['runbook', 'show', 'checkout-restart', '--json'], env),
      cli(['runbook', 'list', '--service', 'checkout'], env),
    ]);
    assert.equal(v1.code, 0, v1.stderr);
    assert.ok(v1.stdout.includes('(checkout-restart, version 1, current 2)'), v1.stdout);
    assert.ok(v1.stdout.includes('  2. Step restart  [restart]'));
    assert.ok(cur.stdout.includes('  1. Step only  [only]') && !cur.stdout.includes('[restart]'), cur.stdout);
    assert.equal(JSON.parse(json.stdout).current_version, 2);
    assert.ok(list.stdout.includes('checkout-restart') && !list.stdout.includes('checkout-deploy'), list.stdout);
  });
});
