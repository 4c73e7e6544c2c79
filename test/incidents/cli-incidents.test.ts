// `ballast incident …` as a child process: remote mode (BALLAST_URL/BALLAST_TOKEN) against a test server
// on each database, and local mode straight on a SQLite data dir.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { tempDir } from '../support/db.js';
import { cli as runCli, type CliResult } from '../support/cli.js';
import { seedWorld, timeline, type World } from './core-support.js';



const cli = (args: string[], extra: Record<string, string>) => runCli(args, extra);
const ok = (r: CliResult) => {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
};
const fails = (r: CliResult, re: RegExp) => {
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stderr, /^error: /);
  assert.match(r.stderr.split('\n')[0]!, re);
};

forEachDatabase('cli: ballast incident (remote)', (kind) => {
  let t: TestApp;
  let w: World;
  let env: Record<string, string>;
  before(async () => {
    t = await startTestApp(kind);
    w = await seedWorld(t);
    env = { BALLAST_URL: t.url, BALLAST_TOKEN: w.ana.token };
  });
  after(async () => t.close());

  test('declare → update → resolve → list → show, as a responder', async () => {
    const d = JSON.parse(ok(await cli(['incident', 'declare', '--sev', '2', '--title', 'Checkout 500s', '--service', 'checkout', '--page', `user:${w.bo.email}`, '--no-page-services', '--json'], env)).stdout);
    assert.equal(d.severity, 'SEV2');
    assert.deepEqual(d.services.map((s: any) => s.slug), ['checkout']);
    const ref = d.ref as string;
    const notes = await t.app.deps.db.selectFrom('notifications').select('user_id').where('incident_id', '=', d.id).execute();
    assert.ok(notes.some((n) => n.user_id === w.bo.id), '--page user: paged bo');
    const [upd, note] = await Promise.all([
      cli(['incident', 'update', ref, '--status', 'identified', '--sev', '1', '--note', 'bad deploy', '--commander', w.ana.email], env),
      Promise.resolve(null),
    ]);
    assert.match(ok(upd).stdout, new RegExp(`${ref} \\[SEV1\\] Checkout 500s\\n  status:   identified`));
    assert.equal(note, null);
    ok(await cli(['incident', 'update', ref, '--note', 'rolling back'], env));
    fails(await cli(['incident', 'update', ref, '--status', 'identified'], env), /already identified/);
    fails(await cli(['incident', 'update', ref], env), /Nothing to update/);
    const res = ok(await cli(['incident', 'resolve', ref, '--impact', 'Checkout failed for 20% of EU users', '--users-affected', '4000'], env));
    assert.match(res.stdout, new RegExp(`Resolved ${ref}`));
    fails(await cli(['incident', 'update', ref, '--status', 'mitigated'], env), /reopen/);
    const [list, show, showJson] = await Promise.all([
      cli(['incident', 'list', '--status', 'resolved'], env),
      cli(['incident', 'show', ref], env),
      cli(['incident', 'show', String(d.number), '--json'], env),
    ]);
    assert.match(ok(list).stdout, /^REF\s+SEV\s+STATUS\s+TITLE/);
    assert.match(list.stdout, new RegExp(`${ref}\\s+SEV1\\s+resolved\\s+Checkout 500s\\s+checkout\\s+${w.ana.email.replace('.', '\\.')}`));
    const s = ok(show).stdout;
    assert.match(s, /impact:   Checkout failed for 20% of EU users \(4000 users\)/);
    assert.match(s, /Status: Investigating → Identified/);
    assert.match(s, /\* Status: Identified → Resolved/);
    assert.match(s, /rolling back/);
    const j = JSON.parse(ok(showJson).stdout);
    assert.equal(j.id, d.id);
    assert.ok(j.timeline.some((e: any) => e.kind === 'severity_changed'));
    const tl = await timeline(t, ref);
    assert.ok(tl.every((e) => e.kind === 'declared' || e.actor.label === w.ana.email || e.kind === 'page_sent' || e.actor.label.startsWith('system')));
  });

  test('errors: viewers cannot declare; bad severity; bad --page', async () => {
    fails(await cli(['incident', 'declare', '--sev', '2', '--title', 'x', '--service', 'checkout'], { ...env, BALLAST_TOKEN: w.viewer.token }), /403|responder/);
    fails(await cli(['incident', 'declare', '--sev', '7', '--title', 'x'], env), /Unknown severity 'SEV7'/);
    fails(await cli(['incident', 'declare', '--sev', '2', '--title', 'x', '--page', 'bo'], env), /--page/);
    fails(await cli(['incident', 'show', 'INC-9999'], env), /not found/);
  });
});

describe('cli: ballast incident (local mode, SQLite)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let env: Record<string, string>;
  before(async () => {
    dir = await tempDir('ballast-cli-inc-');
    env = { BALLAST_DATA_DIR: path.join(dir.path, 'data') };
  });
  after(async () => dir.remove());

  test('declare and list straight on the database', async () => {
    const d = ok(await cli(['incident', 'declare', '--sev', 'sev3', '--title', 'Local one'], env));
    assert.match(d.stdout, /^Declared INC-1 \[SEV3\] Local one/);
    const l = ok(await cli(['incident', 'list', '--json'], env));
    assert.deepEqual(JSON.parse(l.stdout).map((i: any) => i.ref), ['INC-1']);
  });
});
