// The real `ballast` CLI as a child process (node --import tsx src/cli/main.ts …), in both modes:
// local (straight at a SQLite data dir) and remote (BALLAST_URL + BALLAST_TOKEN against a running server).
// Each spawn costs a couple of seconds (tsx + loading the app), so independent calls run in parallel.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { createApp } from '../../src/app.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { pgAdminUrl, tempDir } from '../support/db.js';
import { cli, type CliResult } from '../support/cli.js';


const SPEC_YAML = `teams:
  - slug: payments
    name: Payments
users:
  - email: ana@example.com
    name: Ana Silva
    timezone: Europe/Lisbon
    teams: { payments: manager }
services:
  - slug: checkout-api
    name: Checkout API
    team: payments
    tier: 1
    depends_on: [payments-db]
  - slug: payments-db
    name: Payments DB
    team: payments
    tier: 1
`;
const MODIFIED_YAML = SPEC_YAML.replace('    tier: 1\n    depends_on', '    tier: 2\n    depends_on');
const INVALID_YAML = SPEC_YAML.replace('tier: 1', 'tier: 9');
const BROKEN_YAML = 'teams:\n  - slug: payments\n    name: [unclosed\n';

const CREATED_OUTPUT = [
  '+ team payments (created)',
  '+ user ana@example.com (created)',
  '+ service checkout-api (created)',
  '+ service payments-db (created)',
  'Applied: 4 created, 0 changed, 0 unchanged',
  '',
].join('\n');
const UNCHANGED_OUTPUT = [
  '= team payments (unchanged)',
  '= user ana@example.com (unchanged)',
  '= service checkout-api (unchanged)',
  '= service payments-db (unchanged)',
  'Applied: 0 created, 0 changed, 4 unchanged',
  '',
].join('\n');
const DRY_RUN_OUTPUT = [
  '= team payments (unchanged)',
  '= user ana@example.com (unchanged)',
  '~ service checkout-api (changed)',
  '    tier: 1 → 2',
  '= service payments-db (unchanged)',
  'Dry run: would apply: 0 created, 1 changed, 3 unchanged',
  '',
].join('\n');
const SERVICES_TABLE = [
  'SLUG          NAME          TEAM      TIER  DEPENDS_ON',
  'checkout-api  Checkout API  payments  1     payments-db',
  'payments-db   Payments DB   payments  1     -',
  '',
].join('\n');




function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** Non-zero exit, one readable `error:` line first, and no stack trace. */
function fails(r: CliResult, message: RegExp): void {
  assert.notEqual(r.code, 0, `expected failure\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.match(r.stderr, /^error: /, r.stderr);
  assert.match(r.stderr.split('\n')[0]!, message);
  assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, `no stack trace:\n${r.stderr}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('cli, local mode (BALLAST_DATA_DIR, SQLite)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let env: Record<string, string>;
  const file = (name: string) => path.join(dir.path, name);

  before(async () => {
    dir = await tempDir('ballast-cli-');
    env = { BALLAST_DATA_DIR: path.join(dir.path, 'data') };
    await writeFile(file('ops.yaml'), SPEC_YAML);
    await writeFile(file('modified.yaml'), MODIFIED_YAML);
    await writeFile(file('invalid.yaml'), INVALID_YAML);
    await writeFile(file('broken.yaml'), BROKEN_YAML);
  });
  after(async () => dir.remove());

  test('migrate creates the database and says where it is', async () => {
    const r = ok(await cli(['migrate'], env));
    assert.match(r.stdout, new RegExp(`Database is up to date \\(sqlite:${path.join(dir.path, 'data', 'ballast.sqlite').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)`));
  });

  test('user create makes an administrator', async () => {
    const r = ok(await cli(['user', 'create', '--email', 'admin@example.com', '--name', 'Admin', '--password', 'correct horse battery staple', '--admin'], env));
    assert.match(r.stdout, /^Created user admin@example\.com \([0-9a-f-]{36}\)\n$/);
  });

  test('apply prints a created diff, then unchanged on the second run', async () => {
    assert.equal(ok(await cli(['apply', '-f', file('ops.yaml')], env)).stdout, CREATED_OUTPUT);
    assert.equal(ok(await cli(['apply', '-f', file('ops.yaml')], env)).stdout, UNCHANGED_OUTPUT);
  });

  test('apply --dry-run shows the change and changes nothing', async () => {
    const r = ok(await cli(['apply', '--dry-run', '--json', '-f', file('modified.yaml')], env));
    const json = JSON.parse(r.stdout);
    assert.equal(json.dry_run, true);
    assert.deepEqual(json.summary, { created: 0, changed: 1, unchanged: 3 });
    assert.deepEqual(json.changes[2].changes, { tier: { from: 1, to: 2 } });
    // (The human-readable dry-run output is checked in remote mode; both modes print the same.)
  });

  test('export prints YAML that re-applies (from stdin) as unchanged; services list/show', async () => {
    const [exported, list, listJson, show] = await Promise.all([
      cli(['export'], env),
      cli(['services', 'list'], env),
      cli(['services', 'list', '--json'], env),
      cli(['services', 'show', 'checkout-api'], env),
    ]);
    const doc = YAML.parse(ok(exported).stdout);
    assert.equal(doc.version, 1);
    assert.deepEqual(doc.teams, [{ slug: 'payments', name: 'Payments' }]);
    assert.deepEqual(
      doc.users.map((u: { email: string }) => u.email),
      ['admin@example.com', 'ana@example.com'],
    );
    assert.deepEqual(doc.services[0], { slug: 'checkout-api', name: 'Checkout API', team: 'payments', tier: 1, depends_on: ['payments-db'] });

    const reapplied = ok(await cli(['apply', '-f', '-'], env, exported.stdout));
    // 5 from the document above, plus what every installation ships: 4 severities and 9 communication templates.
    assert.match(reapplied.stdout, /^Applied: 0 created, 0 changed, 18 unchanged$/m);
    assert.doesNotMatch(reapplied.stdout, /\((created|changed)\)/);

    assert.equal(ok(list).stdout, SERVICES_TABLE);
    const services = JSON.parse(ok(listJson).stdout);
    assert.deepEqual(
      services.map((s: { slug: string; tier: number; depends_on: { slug: string }[] }) => [s.slug, s.tier, s.depends_on.map((d) => d.slug)]),
      [
        ['checkout-api', 1, ['payments-db']],
        ['payments-db', 1, []],
      ],
    );
    const lines = ok(show).stdout.split('\n');
    assert.equal(lines[0], 'Checkout API (checkout-api)');
    assert.match(lines[1]!, /^ {2}id: {10}[0-9a-f-]{36}$/);
    assert.deepEqual(lines.slice(2, 7), ['  team:        payments', '  tier:        1', '  description: -', '  depends on:  payments-db', '  dependents:  -']);
  });

  test('token create --user prints a token that authenticates against a server on the same data', async () => {
    const r = ok(await cli(['token', 'create', '--user', 'admin@example.com', '--name', 'ci'], env));
    const [token, note] = r.stdout.split('\n');
    assert.match(token!, /^blt_\S{20,}$/);
    assert.match(note!, /store it now/);

    const app = await createApp({
      startEngine: false,
      config: { port: 0, host: '127.0.0.1', dataDir: env.BALLAST_DATA_DIR!, databaseUrl: undefined, logLevel: 'silent', adminEmail: undefined, adminPassword: undefined },
    });
    try {
      const url = await app.listen();
      const me = await fetch(`${url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(me.status, 200);
      assert.equal(((await me.json()) as { user: { email: string } }).user.email, 'admin@example.com');
    } finally {
      await app.close();
    }
  });

  test('errors exit non-zero with a readable message', async () => {
    const [broken, invalid, missing, noUser] = await Promise.all([
      cli(['apply', '-f', file('broken.yaml')], env),
      cli(['apply', '-f', file('invalid.yaml')], env),
      cli(['apply', '-f', file('nope.yaml')], env),
      cli(['token', 'create', '--name', 'x'], env),
    ]);
    fails(broken, /broken\.yaml is not valid YAML/);
    fails(invalid, /^error: Invalid field \/document\/services\/0\/tier/);
    assert.match(invalid.stderr, /"path": "\/document\/services\/0\/tier"/, 'details follow the message');
    fails(missing, /cannot read .*nope\.yaml: ENOENT/);
    fails(noUser, /say whose token it is: --user <email>/);
  });
});

describe('cli, remote mode (BALLAST_URL + BALLAST_TOKEN)', () => {
  let t: TestApp;
  let env: Record<string, string>;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const file = (name: string) => path.join(dir.path, name);

  before(async () => {
    // Local mode above covers SQLite; the server here uses PostgreSQL when there is one.
    t = await startTestApp(pgAdminUrl ? 'postgres' : 'sqlite');
    env = { BALLAST_URL: t.url, BALLAST_TOKEN: t.adminToken };
    dir = await tempDir('ballast-cli-remote-');
    await writeFile(file('ops.yaml'), SPEC_YAML);
    await writeFile(file('modified.yaml'), MODIFIED_YAML);
    await writeFile(file('invalid.yaml'), INVALID_YAML);
  });
  after(async () => {
    await t.close();
    await dir.remove();
  });

  test('apply prints a created diff, then unchanged; --dry-run changes nothing', async () => {
    assert.equal(ok(await cli(['apply', '-f', file('ops.yaml')], env)).stdout, CREATED_OUTPUT);
    const [again, dry] = await Promise.all([cli(['apply', '-f', file('ops.yaml')], env), cli(['apply', '--dry-run', '-f', file('modified.yaml')], env)]);
    assert.equal(ok(again).stdout, UNCHANGED_OUTPUT);
    assert.equal(ok(dry).stdout, DRY_RUN_OUTPUT);
    assert.equal((await t.request('GET', '/api/v1/services/checkout-api')).body.tier, 1);
    // Changes made through the API are attributed to the token's user.
    const audit = await t.app.deps.db.selectFrom('audit_log').select('actor_label').where('action', '=', 'service.create').execute();
    assert.deepEqual([...new Set(audit.map((a) => a.actor_label))], ['admin@example.com']);
  });

  test('export re-applies as unchanged; services list and show work the same', async () => {
    const [exported, list, listJson, show] = await Promise.all([
      cli(['export'], env),
      cli(['services', 'list'], env),
      cli(['services', 'list', '--json'], env),
      cli(['services', 'show', 'checkout-api'], env),
    ]);
    const doc = YAML.parse(ok(exported).stdout);
    assert.deepEqual(doc, (await t.request('GET', '/api/v1/export')).body);
    const reapplied = ok(await cli(['apply', '-f', '-'], env, exported.stdout));
    assert.match(reapplied.stdout, /^Applied: 0 created, 0 changed, \d+ unchanged$/m);
    assert.doesNotMatch(reapplied.stdout, /\((created|changed)\)/);

    assert.equal(ok(list).stdout, SERVICES_TABLE);
    assert.deepEqual(
      JSON.parse(ok(listJson).stdout).map((s: { slug: string }) => s.slug),
      ['checkout-api', 'payments-db'],
    );
    assert.match(ok(show).stdout, /^Checkout API \(checkout-api\)\n {2}id: .*\n {2}team: {8}payments\n {2}tier: {8}1\n/);
  });

  test('token create --user (as admin) prints a working token for that user', async () => {
    const r = ok(await cli(['token', 'create', '--user', 'ana@example.com', '--name', 'ana-cli', '--json'], env));
    const created = JSON.parse(r.stdout);
    const me = await t.request('GET', '/api/v1/auth/me', { token: created.token });
    assert.equal(me.status, 200);
    assert.equal(me.body.user.email, 'ana@example.com');
  });

  test('errors exit non-zero with a readable message', async () => {
    const nonAdmin = await t.user({ teams: { payments: 'viewer' } });
    const closedPort = await freePort();
    const [badToken, noToken, invalid, forbidden, unreachable] = await Promise.all([
      cli(['services', 'list'], { ...env, BALLAST_TOKEN: 'blt_not-a-real-token' }),
      cli(['apply', '-f', file('ops.yaml')], { BALLAST_URL: t.url }),
      cli(['apply', '-f', file('invalid.yaml')], env),
      cli(['apply', '-f', file('modified.yaml')], { ...env, BALLAST_TOKEN: nonAdmin.token }),
      cli(['export'], { ...env, BALLAST_URL: `http://127.0.0.1:${closedPort}` }),
    ]);
    fails(badToken, /^error: 401 unauthenticated: API token is invalid, expired or revoked$/);
    fails(noToken, /^error: 401 unauthenticated: Authentication required$/);
    fails(invalid, /^error: 400 validation_failed: Invalid field \/document\/services\/0\/tier/);
    fails(forbidden, /^error: 403 forbidden: /);
    fails(unreachable, new RegExp(`^error: cannot reach Ballast at http://127\\.0\\.0\\.1:${closedPort}: ECONNREFUSED$`));
    assert.equal((await t.request('GET', '/api/v1/services/checkout-api')).body.tier, 1, 'nothing changed');
  });
});
