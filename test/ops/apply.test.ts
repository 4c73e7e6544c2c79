// Ops-as-code over HTTP: POST /api/v1/apply {document, dry_run} and GET /api/v1/export.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import YAML from 'yaml';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';

/** Verbatim from the product spec. */
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

const specDoc = () => YAML.parse(SPEC_YAML) as any;

type Change = { kind: string; key: string; action: string; changes: Record<string, { from: unknown; to: unknown }> };

/** Everything apply could touch (credentials are left out: using a token records last_used_at). */
const TABLES = ['teams', 'users', 'team_members', 'services', 'service_dependencies', 'audit_log', 'events', 'engine_jobs'] as const;

forEachDatabase('ops apply', (kind) => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(kind);
  });
  after(async () => t.close());

  const apply = (document: unknown, opts: { dryRun?: boolean; token?: string | null } = {}) =>
    t.request('POST', '/api/v1/apply', {
      body: opts.dryRun === undefined ? { document } : { document, dry_run: opts.dryRun },
      token: opts.token,
    });

  async function snapshot(): Promise<string> {
    const out: Record<string, unknown[]> = {};
    for (const table of TABLES) {
      const rows = (await t.app.deps.db.selectFrom(table).selectAll().execute()) as Record<string, unknown>[];
      out[table] = rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();
    }
    return JSON.stringify(out);
  }
  const auditCount = async () => (await t.app.deps.db.selectFrom('audit_log').select('id').execute()).length;
  /** Change entries by `kind:key`; a missing entry fails the test. */
  const byKey = (changes: Change[]) => (key: string): Change => {
    const found = changes.find((c) => `${c.kind}:${c.key}` === key);
    assert.ok(found, `no change entry for ${key}: ${JSON.stringify(changes)}`);
    return found;
  };

  test('the spec document is accepted and the first apply creates everything (forward dependency included)', async () => {
    const audits = await auditCount();
    const r = await apply(specDoc());
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.dry_run, false);
    assert.deepEqual(r.body.summary, { created: 4, changed: 0, unchanged: 0 });
    assert.deepEqual(
      r.body.changes.map((c: Change) => [c.kind, c.key, c.action]),
      [
        ['team', 'payments', 'created'],
        ['user', 'ana@example.com', 'created'],
        ['service', 'checkout-api', 'created'],
        ['service', 'payments-db', 'created'],
      ],
    );

    const team = await t.request('GET', '/api/v1/teams/payments');
    assert.equal(team.status, 200);
    assert.equal(team.body.name, 'Payments');
    assert.deepEqual(
      team.body.members.map((m: { email: string; role: string }) => [m.email, m.role]),
      [['ana@example.com', 'manager']],
    );
    const ana = await t.request('GET', '/api/v1/users/ana@example.com');
    assert.equal(ana.status, 200);
    assert.equal(ana.body.name, 'Ana Silva');
    assert.equal(ana.body.timezone, 'Europe/Lisbon');
    assert.equal(ana.body.is_admin, false);
    assert.deepEqual(ana.body.teams, { payments: 'manager' });
    const checkout = await t.request('GET', '/api/v1/services/checkout-api');
    assert.equal(checkout.body.name, 'Checkout API');
    assert.equal(checkout.body.team.slug, 'payments');
    assert.equal(checkout.body.tier, 1);
    assert.deepEqual(checkout.body.depends_on.map((d: { slug: string }) => d.slug), ['payments-db']);
    const db = await t.request('GET', '/api/v1/services/payments-db');
    assert.equal(db.body.tier, 1);
    assert.deepEqual(db.body.dependents.map((d: { slug: string }) => d.slug), ['checkout-api']);

    // Every creation is audited, attributed to the admin who applied.
    const rows = await t.app.deps.db.selectFrom('audit_log').select(['action', 'actor_label']).orderBy('id').execute();
    const newRows = rows.slice(audits);
    for (const action of ['team.create', 'user.create', 'service.create']) {
      assert.ok(newRows.some((a) => a.action === action), `audit has ${action}: ${JSON.stringify(newRows)}`);
    }
    assert.ok(newRows.every((a) => a.actor_label === 'admin@example.com'));
  });

  test('applying the same document again reports everything unchanged and writes nothing', async () => {
    const before = await snapshot();
    const r = await apply(specDoc());
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.summary, { created: 0, changed: 0, unchanged: 4 });
    for (const c of r.body.changes as Change[]) {
      assert.equal(c.action, 'unchanged', `${c.kind} ${c.key}`);
      assert.deepEqual(c.changes, {});
    }
    assert.equal(await snapshot(), before, 'no rows written: no audit, no events, no updated_at bumps');
  });

  test('the document is matched by natural key: email case and list order do not matter', async () => {
    const doc = specDoc();
    doc.users[0].email = 'Ana@Example.COM';
    doc.services.reverse();
    const before = await snapshot();
    const r = await apply(doc);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.summary, { created: 0, changed: 0, unchanged: 4 });
    assert.equal(await snapshot(), before);
  });

  /** The spec document with changes in every section and one new service. */
  function modifiedDoc() {
    const doc = specDoc();
    doc.teams[0].name = 'Payments Team';
    doc.users[0].name = 'Ana M. Silva';
    doc.users[0].teams = { payments: 'responder' };
    doc.services[0].tier = 2;
    doc.services[0].depends_on = ['payments-db', 'ledger'];
    doc.services[1].description = 'Primary database';
    doc.services.push({ slug: 'ledger', name: 'Ledger', team: 'payments', tier: 2, depends_on: ['payments-db'] });
    return doc;
  }

  test('a dry run reports what would change and changes nothing', async () => {
    const before = await snapshot();
    const r = await apply(modifiedDoc(), { dryRun: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.dry_run, true);
    assert.deepEqual(r.body.summary, { created: 1, changed: 4, unchanged: 0 });
    assert.equal(byKey(r.body.changes)('service:ledger').action, 'created');
    assert.deepEqual(byKey(r.body.changes)('service:checkout-api').changes.tier, { from: 1, to: 2 });
    assert.equal(await snapshot(), before);
    assert.equal((await t.request('GET', '/api/v1/services/ledger')).status, 404);
  });

  test("a modified document reports 'changed' with field diffs and applies them", async () => {
    const audits = await auditCount();
    const r = await apply(modifiedDoc());
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.summary, { created: 1, changed: 4, unchanged: 0 });
    const c = byKey(r.body.changes);
    assert.deepEqual(c('team:payments'), {
      kind: 'team',
      key: 'payments',
      action: 'changed',
      changes: { name: { from: 'Payments', to: 'Payments Team' } },
    });
    assert.equal(c('user:ana@example.com').action, 'changed');
    assert.deepEqual(c('user:ana@example.com').changes, {
      name: { from: 'Ana Silva', to: 'Ana M. Silva' },
      teams: { from: { payments: 'manager' }, to: { payments: 'responder' } },
    });
    assert.equal(c('service:checkout-api').action, 'changed');
    assert.deepEqual(c('service:checkout-api').changes, {
      tier: { from: 1, to: 2 },
      depends_on: { from: ['payments-db'], to: ['payments-db', 'ledger'] },
    });
    assert.deepEqual(c('service:payments-db').changes, { description: { from: '', to: 'Primary database' } });
    assert.deepEqual(c('service:ledger'), { kind: 'service', key: 'ledger', action: 'created', changes: {} });

    const checkout = await t.request('GET', '/api/v1/services/checkout-api');
    assert.equal(checkout.body.tier, 2);
    assert.deepEqual(checkout.body.depends_on.map((d: { slug: string }) => d.slug).sort(), ['ledger', 'payments-db']);
    assert.equal((await t.request('GET', '/api/v1/services/payments-db')).body.description, 'Primary database');
    assert.equal((await t.request('GET', '/api/v1/teams/payments')).body.name, 'Payments Team');
    const ana = await t.request('GET', '/api/v1/users/ana@example.com');
    assert.equal(ana.body.name, 'Ana M. Silva');
    assert.deepEqual(ana.body.teams, { payments: 'responder' });
    assert.equal(ana.body.timezone, 'Europe/Lisbon', 'fields the document does not change are kept');

    const actions = (await t.app.deps.db.selectFrom('audit_log').select(['action', 'before', 'after']).orderBy('id').execute()).slice(audits);
    for (const a of ['team.update', 'user.update', 'service.update', 'service.create']) {
      assert.ok(actions.some((x) => x.action === a), `audit has ${a}`);
    }
    const teamUpdate = actions.find((x) => x.action === 'team.update')!;
    assert.equal(JSON.parse(teamUpdate.before!).name, 'Payments');
    assert.equal(JSON.parse(teamUpdate.after!).name, 'Payments Team');

    // …and is then a no-op itself.
    const before = await snapshot();
    const again = await apply(modifiedDoc());
    assert.deepEqual(again.body.summary, { created: 0, changed: 0, unchanged: 5 });
    assert.equal(await snapshot(), before);
  });

  test('omitted fields and sections are left alone', async () => {
    const before = await snapshot();
    // Only a service, without tier/description/depends_on: nothing to change.
    const r = await apply({ services: [{ slug: 'payments-db', name: 'Payments DB', team: 'payments' }] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.summary, { created: 0, changed: 0, unchanged: 1 });
    assert.equal(await snapshot(), before);
    // An empty document is valid and does nothing.
    const empty = await apply({});
    assert.equal(empty.status, 200, empty.text);
    assert.deepEqual(empty.body, { dry_run: false, summary: { created: 0, changed: 0, unchanged: 0 }, changes: [] });
    assert.equal(await snapshot(), before);
  });

  test('moving a service to another team, changing links and clearing dependencies are diffed and applied', async () => {
    const create = await apply({
      teams: [{ slug: 'platform', name: 'Platform' }],
      services: [{ slug: 'move-me', name: 'Move me', team: 'payments', tier: 3, links: { repo: 'https://git.example.com/move-me' }, depends_on: ['payments-db'] }],
    });
    assert.equal(create.status, 200, create.text);
    const r = await apply({
      services: [{ slug: 'move-me', name: 'Move me', team: 'platform', tier: 3, links: { docs: 'https://docs.example.com/move-me' }, depends_on: [] }],
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.changes, [
      {
        kind: 'service',
        key: 'move-me',
        action: 'changed',
        changes: {
          team: { from: 'payments', to: 'platform' },
          links: { from: { repo: 'https://git.example.com/move-me' }, to: { docs: 'https://docs.example.com/move-me' } },
          depends_on: { from: ['payments-db'], to: [] },
        },
      },
    ]);
    const svc = await t.request('GET', '/api/v1/services/move-me');
    assert.equal(svc.body.team.slug, 'platform');
    assert.deepEqual(svc.body.links, { docs: 'https://docs.example.com/move-me' });
    assert.deepEqual(svc.body.depends_on, []);
  });

  test('a slug repeated in depends_on is one dependency, and re-applying it is a no-op', async () => {
    const doc = { services: [{ slug: 'move-me', name: 'Move me', team: 'platform', depends_on: ['payments-db', 'payments-db'] }] };
    const first = await apply(doc);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body.changes[0].changes, { depends_on: { from: [], to: ['payments-db'] } });
    assert.deepEqual((await t.request('GET', '/api/v1/services/move-me')).body.depends_on.map((d: { slug: string }) => d.slug), ['payments-db']);
    const before = await snapshot();
    const again = await apply(doc);
    assert.deepEqual(again.body.summary, { created: 0, changed: 0, unchanged: 1 }, JSON.stringify(again.body.changes));
    assert.equal(await snapshot(), before);
  });

  test('reversing a dependency in one document works whatever the item order', async () => {
    const created = await apply({
      services: [
        { slug: 'rev-a', name: 'Rev A', team: 'platform', depends_on: ['rev-b'] },
        { slug: 'rev-b', name: 'Rev B', team: 'platform' },
      ],
    });
    assert.equal(created.status, 200, created.text);
    // The new edge is listed before the old one is removed: only the end state must be acyclic.
    const reversed = await apply({
      services: [
        { slug: 'rev-b', name: 'Rev B', team: 'platform', depends_on: ['rev-a'] },
        { slug: 'rev-a', name: 'Rev A', team: 'platform', depends_on: [] },
      ],
    });
    assert.equal(reversed.status, 200, reversed.text);
    assert.deepEqual((await t.request('GET', '/api/v1/services/rev-b')).body.depends_on.map((d: { slug: string }) => d.slug), ['rev-a']);
    assert.deepEqual((await t.request('GET', '/api/v1/services/rev-a')).body.depends_on, []);
    // A document whose end state is a cycle is still refused, atomically.
    const before = await snapshot();
    const cyclic = await apply({ services: [{ slug: 'rev-a', name: 'Rev A', team: 'platform', depends_on: ['rev-b'] }] });
    assert.equal(cyclic.status, 409, cyclic.text);
    assert.equal(await snapshot(), before);
  });

  /** Invalid documents that also contain valid new items: all or nothing. */
  const invalid: Array<[string, () => unknown, number, RegExp]> = [
    ['a service of an unknown team', () => withNew({ services: [{ slug: 'orphan', name: 'Orphan', team: 'no-such-team' }] }), 400, /services\/1\/team.*no-such-team/],
    ['a user in an unknown team', () => withNew({ users: [{ email: 'bob@example.com', name: 'Bob', teams: { 'no-such-team': 'viewer' } }] }), 400, /no-such-team/],
    ['a dependency on an unknown service', () => withNew({ services: [{ slug: 'lonely', name: 'Lonely', team: 'payments', depends_on: ['no-such-service'] }] }), 400, /no-such-service/],
    [
      'a dependency cycle',
      () =>
        withNew({
          services: [
            { slug: 'cyc-a', name: 'A', team: 'newteam', depends_on: ['cyc-b'] },
            { slug: 'cyc-b', name: 'B', team: 'newteam', depends_on: ['cyc-a'] },
          ],
        }),
      409,
      /cycle/,
    ],
    ['a cycle through existing services', () => withNew({ services: [{ slug: 'payments-db', name: 'Payments DB', team: 'payments', depends_on: ['checkout-api'] }] }), 409, /cycle/],
    ['a service depending on itself', () => withNew({ services: [{ slug: 'selfish', name: 'Selfish', team: 'payments', depends_on: ['selfish'] }] }), 409, /cycle/],
    ['a bad tier', () => withNew({ services: [{ slug: 'bad-tier', name: 'Bad', team: 'payments', tier: 7 }] }), 400, /tier/],
    ['a tier given as a string', () => withNew({ services: [{ slug: 'bad-tier', name: 'Bad', team: 'payments', tier: '1' }] }), 400, /tier/],
    [
      'a duplicate service slug',
      () =>
        withNew({
          services: [
            { slug: 'twin', name: 'Twin 1', team: 'payments' },
            { slug: 'twin', name: 'Twin 2', team: 'payments' },
          ],
        }),
      400,
      /Duplicate/,
    ],
    ['a duplicate team slug', () => ({ teams: [{ slug: 'payments', name: 'Payments Team' }, { slug: 'payments', name: 'Other' }] }), 400, /Duplicate/],
    ['a duplicate user email (case-insensitive)', () => ({ users: [{ email: 'x@example.com', name: 'X' }, { email: 'X@example.com', name: 'Y' }] }), 400, /Duplicate/],
    ['an unknown field', () => withNew({ services: [{ slug: 'typo', name: 'Typo', team: 'payments', teir: 1 }] }), 400, /teir|additional/i],
    ['a bad slug', () => withNew({ services: [{ slug: 'Not A Slug', name: 'Bad', team: 'payments' }] }), 400, /slug/],
    ['a bad time zone', () => withNew({ users: [{ email: 'tz@example.com', name: 'TZ', timezone: 'Mars/Olympus' }] }), 400, /timezone/],
    ['an unsupported version', () => ({ version: 2, teams: [{ slug: 'newteam', name: 'New' }] }), 400, /version/],
    ['a document that is not an object', () => ['teams'], 400, /document/],
  ];
  function withNew(extra: { users?: unknown[]; services?: unknown[] }) {
    return {
      teams: [{ slug: 'newteam', name: 'New team' }],
      users: [{ email: 'carol@example.com', name: 'Carol', teams: { newteam: 'manager' } }, ...(extra.users ?? [])],
      services: [{ slug: 'new-svc', name: 'New service', team: 'newteam', tier: 2 }, ...(extra.services ?? [])],
    };
  }

  for (const [what, doc, status, message] of invalid) {
    test(`a document with ${what} is rejected with 4xx and nothing is written`, async () => {
      const before = await snapshot();
      for (const dryRun of [false, true]) {
        const r = await apply(doc(), { dryRun });
        assert.equal(r.status, status, r.text);
        assert.ok(r.status >= 400 && r.status < 500, `${r.status}: ${r.text}`);
        assert.ok(r.body?.error?.code, r.text);
        assert.match(JSON.stringify(r.body.error), message);
        assert.equal(await snapshot(), before, 'atomic: nothing from the document was written');
      }
      assert.equal((await t.request('GET', '/api/v1/teams/newteam')).status, 404);
    });
  }

  test('export → apply round-trips as a no-op (also through YAML)', async () => {
    const exp = await t.request('GET', '/api/v1/export');
    assert.equal(exp.status, 200, exp.text);
    assert.equal(exp.body.version, 1);
    assert.deepEqual(exp.body.teams.map((x: { slug: string }) => x.slug), ['payments', 'platform']);
    assert.ok(exp.body.users.some((u: { email: string; is_admin?: boolean }) => u.email === 'admin@example.com' && u.is_admin === true));
    const checkout = exp.body.services.find((s: { slug: string }) => s.slug === 'checkout-api');
    assert.deepEqual(checkout, { slug: 'checkout-api', name: 'Checkout API', team: 'payments', tier: 2, depends_on: ['ledger', 'payments-db'] });

    const before = await snapshot();
    for (const document of [exp.body, YAML.parse(YAML.stringify(exp.body))]) {
      const r = await apply(document);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.summary.created, 0);
      assert.equal(r.body.summary.changed, 0, JSON.stringify(r.body.changes.filter((c: Change) => c.action !== 'unchanged')));
      assert.equal(r.body.summary.unchanged, r.body.changes.length);
    }
    assert.equal(await snapshot(), before);
    // And exporting again gives the same document.
    assert.deepEqual((await t.request('GET', '/api/v1/export')).body, exp.body);
  });

  test('a non-admin cannot create teams (or users) via apply, and nothing is written', async () => {
    const manager = await t.user({ teams: { payments: 'manager' } });
    const before = await snapshot();
    const newTeam = await apply(
      {
        teams: [{ slug: 'rogue', name: 'Rogue' }],
        services: [{ slug: 'payments-cache', name: 'Payments cache', team: 'payments', tier: 3 }],
      },
      { token: manager.token },
    );
    assert.equal(newTeam.status, 403, newTeam.text);
    assert.equal(newTeam.body.error.code, 'forbidden');
    const newUser = await apply({ users: [{ email: 'sneaky@example.com', name: 'Sneaky', is_admin: true }] }, { token: manager.token });
    assert.equal(newUser.status, 403, newUser.text);
    // Nor make themselves an admin or change memberships through their own user entry.
    const self = await apply({ users: [{ email: manager.email, name: 'Me', is_admin: true }] }, { token: manager.token });
    assert.equal(self.status, 403, self.text);
    // The dry run answers the same way.
    assert.equal((await apply({ teams: [{ slug: 'rogue', name: 'Rogue' }] }, { token: manager.token, dryRun: true })).status, 403);
    assert.equal(await snapshot(), before);
    assert.equal((await t.request('GET', '/api/v1/teams/rogue')).status, 404);
    assert.equal((await t.request('GET', '/api/v1/services/payments-cache')).status, 404);

    // What they are allowed to do (services of a team they manage) works through apply too.
    const own = await apply({ services: [{ slug: 'payments-cache', name: 'Payments cache', team: 'payments', tier: 3 }] }, { token: manager.token });
    assert.equal(own.status, 200, own.text);
    assert.deepEqual(own.body.summary, { created: 1, changed: 0, unchanged: 0 });
    // A plain viewer of the team cannot.
    const viewer = await t.user({ teams: { payments: 'viewer' } });
    const denied = await apply({ services: [{ slug: 'viewer-svc', name: 'Nope', team: 'payments' }] }, { token: viewer.token });
    assert.equal(denied.status, 403, denied.text);
  });

  test('apply and export need credentials', async () => {
    assert.equal((await apply(specDoc(), { token: null })).status, 401);
    assert.equal((await t.request('GET', '/api/v1/export', { token: null })).status, 401);
    assert.equal((await apply(specDoc(), { token: 'blt_not-a-real-token' })).status, 401);
  });

  test('a body that is not an apply request is a 400', async () => {
    const before = await snapshot();
    for (const body of [{}, { document: specDoc(), dry_run: 'yes' }, { document: specDoc(), extra: 1 }, specDoc()]) {
      const r = await t.request('POST', '/api/v1/apply', { body });
      assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 80)} → ${r.text}`);
      assert.equal(r.body.error.code, 'validation_failed');
    }
    assert.equal(await snapshot(), before);
  });
});
