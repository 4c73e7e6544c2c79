// Every change leaves an audit row (actor, action, target, before/after), readable by admins only.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { assertError, uniq } from '../support/http.js';

interface AuditRow {
  id: string;
  at: string;
  actor: { type: string; id: string | null; label: string };
  action: string;
  target_type: string;
  target_id: string;
  before: any;
  after: any;
  request_id: string | null;
}

forEachDatabase('audit', (kind) => {
  let t: TestApp;
  /** The acting administrator (a user created for this suite, so its id is known). */
  let admin: { id: string; email: string; token: string };
  let manager: { id: string; email: string; token: string };

  const as = (who: { token: string }, method: string, path: string, body?: unknown) => t.request(method, path, { token: who.token, body });

  async function auditFor(query: Record<string, string>): Promise<AuditRow[]> {
    const qs = new URLSearchParams({ limit: '500', ...query });
    const res = await t.request('GET', `/api/v1/audit?${qs}`);
    assert.equal(res.status, 200, res.text);
    return res.body.data;
  }

  /** Exactly one row for (action, target), checked for the common fields. */
  async function one(action: string, targetType: string, targetId: string, actor = admin): Promise<AuditRow> {
    const rows = await auditFor({ action, target_id: targetId });
    assert.equal(rows.length, 1, `one ${action} row for ${targetId}: ${JSON.stringify(rows)}`);
    const row = rows[0]!;
    assert.equal(row.action, action);
    assert.equal(row.target_type, targetType);
    assert.equal(row.target_id, targetId);
    assert.deepEqual(row.actor, { type: 'user', id: actor.id, label: actor.email });
    assert.ok(Math.abs(Date.parse(row.at) - Date.now()) < 60_000, `at is now-ish: ${row.at}`);
    assert.match(row.request_id ?? '', /^[0-9a-f-]{36}$/, 'request id ties the row to the request log');
    return row;
  }

  before(async () => {
    t = await startTestApp(kind);
    admin = await t.user({ admin: true });
    assert.equal((await t.request('POST', '/api/v1/teams', { body: { slug: 'ops', name: 'Ops' } })).status, 201);
    manager = await t.user({ teams: { ops: 'manager' } });
  });
  after(async () => t?.close());

  describe('teams', () => {
    test('create, update, member put/remove, delete', async () => {
      const slug = uniq('team');
      const created = (await as(admin, 'POST', '/api/v1/teams', { slug, name: 'First', description: 'd' })).body;
      let row = await one('team.create', 'team', created.id);
      assert.equal(row.before, null);
      assert.deepEqual(row.after, created);

      const updated = (await as(admin, 'PATCH', `/api/v1/teams/${slug}`, { name: 'Second' })).body;
      row = await one('team.update', 'team', created.id);
      assert.equal(row.before.name, 'First');
      assert.equal(row.after.name, 'Second');
      assert.deepEqual(row.after, updated);

      const member = await t.user();
      const put = (await as(admin, 'PUT', `/api/v1/teams/${slug}/members/${member.id}`, { role: 'responder' })).body;
      row = await one('team.member_put', 'team', created.id);
      assert.deepEqual(row.before.members, []);
      assert.deepEqual(row.after.members, put.members);
      assert.equal(row.after.members[0].role, 'responder');

      await as(admin, 'DELETE', `/api/v1/teams/${slug}/members/${member.id}`);
      row = await one('team.member_remove', 'team', created.id);
      assert.equal(row.before.members.length, 1);
      assert.deepEqual(row.after.members, []);

      assert.equal((await as(admin, 'DELETE', `/api/v1/teams/${slug}`)).status, 204);
      row = await one('team.delete', 'team', created.id);
      assert.equal(row.before.slug, slug);
      assert.equal(row.after, null);
    });

    test('a team manager is recorded as the actor of their own edits', async () => {
      const res = await as(manager, 'PATCH', '/api/v1/teams/ops', { description: 'managed' });
      assert.equal(res.status, 200);
      const row = await one('team.update', 'team', res.body.id, manager);
      assert.equal(row.after.description, 'managed');
    });
  });

  describe('users', () => {
    test('create, update, deactivate (no password material in audit rows)', async () => {
      const email = `${uniq('audited')}@example.com`;
      const password = 'audited user password';
      const created = (await as(admin, 'POST', '/api/v1/users', { email, name: 'Audited', password, teams: { ops: 'viewer' } })).body;
      let row = await one('user.create', 'user', created.id);
      assert.equal(row.before, null);
      assert.deepEqual(row.after, created);
      assert.deepEqual(row.after.teams, { ops: 'viewer' });

      await as(admin, 'PATCH', `/api/v1/users/${created.id}`, { name: 'Renamed', timezone: 'Europe/Lisbon' });
      row = await one('user.update', 'user', created.id);
      assert.deepEqual([row.before.name, row.before.timezone], ['Audited', 'UTC']);
      assert.deepEqual([row.after.name, row.after.timezone], ['Renamed', 'Europe/Lisbon']);

      await as(admin, 'DELETE', `/api/v1/users/${created.id}`);
      const updates = await auditFor({ action: 'user.update', target_id: created.id });
      assert.equal(updates.length, 2, 'deactivation is recorded as an update');
      assert.equal(updates[0]!.before.disabled, false);
      assert.equal(updates[0]!.after.disabled, true);

      const all = await t.request('GET', `/api/v1/audit?target_id=${created.id}&limit=500`);
      assert.ok(!all.text.includes(password) && !/password_hash|scrypt\$/.test(all.text), 'no password or hash in audit');
    });

    test('a password change is recorded without the password', async () => {
      const u = await t.user({ password: 'first password here' });
      const res = await as(u, 'POST', `/api/v1/users/${u.id}/password`, { current_password: 'first password here', new_password: 'second password here' });
      assert.equal(res.status, 204, res.text);
      const row = await one('user.password_change', 'user', u.id, u);
      assert.equal(row.before, null);
      assert.equal(row.after, null);
    });

    test('a self-service profile edit names the user as actor', async () => {
      const u = await t.user();
      await as(u, 'PATCH', `/api/v1/users/${u.id}`, { name: 'Self edited' });
      assert.equal((await one('user.update', 'user', u.id, u)).after.name, 'Self edited');
    });
  });

  describe('services', () => {
    test('create, update, delete', async () => {
      const slug = uniq('svc');
      const created = (await as(manager, 'POST', '/api/v1/services', { slug, name: 'Svc', team: 'ops', tier: 2, links: { repo: 'https://example.com/r' } })).body;
      let row = await one('service.create', 'service', created.id, manager);
      assert.equal(row.before, null);
      assert.deepEqual(row.after, created);

      const updated = (await as(manager, 'PATCH', `/api/v1/services/${slug}`, { tier: 1, description: 'now critical' })).body;
      row = await one('service.update', 'service', created.id, manager);
      assert.deepEqual([row.before.tier, row.before.description], [2, '']);
      assert.deepEqual([row.after.tier, row.after.description], [1, 'now critical']);
      assert.deepEqual(row.after, updated);

      assert.equal((await as(manager, 'DELETE', `/api/v1/services/${slug}`)).status, 204);
      row = await one('service.delete', 'service', created.id, manager);
      assert.equal(row.before.tier, 1);
      assert.equal(row.after, null);
    });

    test('dependency changes are visible in before/after', async () => {
      const base = uniq('dep');
      await as(admin, 'POST', '/api/v1/services', { slug: base, name: 'Base', team: 'ops' });
      const top = (await as(admin, 'POST', '/api/v1/services', { slug: `${base}-top`, name: 'Top', team: 'ops' })).body;
      await as(admin, 'PATCH', `/api/v1/services/${top.id}`, { depends_on: [base] });
      const row = await one('service.update', 'service', top.id);
      assert.deepEqual(row.before.depends_on, []);
      assert.deepEqual(row.after.depends_on.map((d: { slug: string }) => d.slug), [base]);
    });
  });

  describe('tokens', () => {
    test('create and revoke; the secret is never in the audit log', async () => {
      const created = (await as(manager, 'POST', '/api/v1/tokens', { name: 'audited token' })).body;
      let row = await one('token.create', 'api_token', created.id, manager);
      const { token: secret, ...publicPart } = created;
      assert.deepEqual(row.after, publicPart);
      assert.equal(row.after.token, undefined);

      await as(manager, 'DELETE', `/api/v1/tokens/${created.id}`);
      row = await one('token.revoke', 'api_token', created.id, manager);
      assert.equal(row.before.revoked_at, null);
      assert.ok(row.after.revoked_at);

      const all = await t.request('GET', '/api/v1/audit?target_type=api_token&limit=500');
      assert.ok(!all.text.includes(secret));
    });

    test('an admin revoking somebody else’s token is the recorded actor', async () => {
      const u = await t.user();
      const created = (await as(u, 'POST', '/api/v1/tokens', { name: 'theirs' })).body;
      await as(admin, 'DELETE', `/api/v1/tokens/${created.id}`);
      await one('token.revoke', 'api_token', created.id, admin);
    });
  });

  describe('what is not recorded', () => {
    test('refused, failed and no-op changes leave no row', async () => {
      const viewer = await t.user({ teams: { ops: 'viewer' } });
      const svc = (await as(admin, 'POST', '/api/v1/services', { slug: uniq('quiet'), name: 'Quiet', team: 'ops' })).body;
      const countFor = async (id: string) => (await auditFor({ target_id: id })).length;
      const start = await countFor(svc.id);
      assert.equal(start, 1);

      assert.equal((await as(viewer, 'PATCH', `/api/v1/services/${svc.id}`, { tier: 1 })).status, 403);
      assert.equal((await as(admin, 'PATCH', `/api/v1/services/${svc.id}`, { tier: 99 })).status, 400);
      assert.equal((await as(admin, 'PATCH', `/api/v1/services/${svc.id}`, { depends_on: [svc.slug] })).status, 409);
      assert.equal((await as(admin, 'PATCH', `/api/v1/services/${svc.id}`, { name: 'Quiet' })).status, 200, 'no-op');
      assert.equal((await as(admin, 'PATCH', '/api/v1/teams/ops', { name: 'Ops' })).status, 200, 'no-op');
      assert.equal(await countFor(svc.id), start);
    });

    test('a dry-run apply records nothing; a real apply records each change', async () => {
      const slug = uniq('applied');
      const doc = { teams: [{ slug, name: 'Applied' }], services: [{ slug: `${slug}-svc`, name: 'Applied svc', team: slug }] };
      const dry = await as(admin, 'POST', '/api/v1/apply', { document: doc, dry_run: true });
      assert.equal(dry.status, 200, dry.text);
      assert.equal(dry.body.summary.created, 2);
      assert.equal((await auditFor({ actor_id: admin.id, action: 'team.create' })).filter((r) => r.after.slug === slug).length, 0);

      assert.equal((await as(admin, 'POST', '/api/v1/apply', { document: doc })).status, 200);
      const team = (await t.request('GET', `/api/v1/teams/${slug}`)).body;
      const svc = (await t.request('GET', `/api/v1/services/${slug}-svc`)).body;
      const a = await one('team.create', 'team', team.id);
      const b = await one('service.create', 'service', svc.id);
      assert.equal(a.request_id, b.request_id, 'one apply, one request id');
    });
  });

  describe('GET /api/v1/audit', () => {
    test('filters by actor, action, target type and target id', async () => {
      const actor = await t.user({ teams: { ops: 'manager' } });
      const s1 = (await as(actor, 'POST', '/api/v1/services', { slug: uniq('f'), name: 'F1', team: 'ops' })).body;
      const s2 = (await as(actor, 'POST', '/api/v1/services', { slug: uniq('f'), name: 'F2', team: 'ops' })).body;
      await as(actor, 'PATCH', `/api/v1/services/${s1.id}`, { tier: 4 });
      await as(actor, 'POST', '/api/v1/tokens', { name: 'filtered' });

      const byActor = await auditFor({ actor_id: actor.id });
      assert.deepEqual(byActor.map((r) => r.action), ['token.create', 'service.update', 'service.create', 'service.create'], 'newest first');
      assert.ok(byActor.every((r) => r.actor.id === actor.id));

      const creates = await auditFor({ actor_id: actor.id, action: 'service.create' });
      assert.deepEqual(creates.map((r) => r.target_id), [s2.id, s1.id]);
      assert.deepEqual((await auditFor({ actor_id: actor.id, target_type: 'api_token' })).map((r) => r.action), ['token.create']);
      assert.deepEqual((await auditFor({ target_id: s1.id })).map((r) => r.action), ['service.update', 'service.create']);
      assert.deepEqual(await auditFor({ actor_id: actor.id, action: 'team.delete' }), []);
      assert.deepEqual(await auditFor({ target_id: 'no-such-target' }), []);
    });

    test('pages newest first without gaps or repeats', async () => {
      const all = await auditFor({});
      assert.ok(all.length > 20);
      const ids = all.map((r) => r.id);
      assert.deepEqual(ids, [...ids].sort().reverse(), 'ids descend');
      const walked: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await t.request('GET', `/api/v1/audit?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.status, 200);
        assert.ok(res.body.data.length <= 7);
        walked.push(...res.body.data.map((r: AuditRow) => r.id));
        cursor = res.body.next_cursor;
      } while (cursor);
      // Reads are not audited, so the log did not change while walking it.
      assert.deepEqual(walked, ids);
    });

    test('admins only: 403 for team members, 401 anonymous', async () => {
      assertError(await as(manager, 'GET', '/api/v1/audit'), 403, 'forbidden');
      assertError(await as(manager, 'GET', `/api/v1/audit?actor_id=${manager.id}`), 403, 'forbidden', 'not even their own rows');
      const viewer = await t.user({ teams: { ops: 'viewer' } });
      assertError(await as(viewer, 'GET', '/api/v1/audit'), 403, 'forbidden');
      assertError(await t.request('GET', '/api/v1/audit', { token: null }), 401, 'unauthenticated');
    });
  });
});
