// The error contract: every failure is `{"error":{"code","message","details"}}` with the right status.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { assertError, failingFields } from '../support/http.js';

forEachDatabase('errors', (kind) => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(kind);
    assert.equal((await t.request('POST', '/api/v1/teams', { body: { slug: 'core', name: 'Core' } })).status, 201);
  });
  after(async () => t?.close());

  describe('400 validation names the failing field', () => {
    const cases: Array<{ name: string; method: string; path: string; body: unknown; field: string }> = [
      { name: 'bad slug pattern', method: 'POST', path: '/api/v1/teams', body: { slug: 'Not A Slug', name: 'x' }, field: '/slug' },
      { name: 'missing required name', method: 'POST', path: '/api/v1/teams', body: { slug: 'ok-slug' }, field: '/name' },
      // Lookups take "id or slug"; a UUID-shaped slug could never be found by its slug again.
      { name: 'UUID-shaped team slug', method: 'POST', path: '/api/v1/teams', body: { slug: '01900000-0000-7000-8000-000000000000', name: 'x' }, field: '/slug' },
      { name: 'UUID-shaped service slug', method: 'POST', path: '/api/v1/services', body: { slug: '01900000-0000-7000-8000-000000000000', name: 'S', team: 'core' }, field: '/slug' },
      { name: 'apply: UUID-shaped service slug', method: 'POST', path: '/api/v1/apply', body: { document: { services: [{ slug: '01900000-0000-7000-8000-000000000000', name: 'S', team: 'core' }] } }, field: '/document/services/0/slug' },
      { name: 'empty name', method: 'POST', path: '/api/v1/teams', body: { slug: 'ok-slug', name: '' }, field: '/name' },
      { name: 'unknown property', method: 'POST', path: '/api/v1/teams', body: { slug: 'ok-slug', name: 'x', colour: 'red' }, field: '/colour' },
      { name: 'name too long', method: 'PATCH', path: '/api/v1/teams/core', body: { name: 'x'.repeat(201) }, field: '/name' },
      { name: 'invalid email', method: 'POST', path: '/api/v1/users', body: { email: 'not-an-email', name: 'x' }, field: '/email' },
      { name: 'short password', method: 'POST', path: '/api/v1/users', body: { email: 'a@example.com', name: 'x', password: 'short' }, field: '/password' },
      { name: 'unknown time zone', method: 'POST', path: '/api/v1/users', body: { email: 'a@example.com', name: 'x', timezone: 'Mars/Olympus' }, field: '/timezone' },
      { name: 'bad team role', method: 'POST', path: '/api/v1/users', body: { email: 'a@example.com', name: 'x', teams: { core: 'owner' } }, field: '/teams/core' },
      { name: 'unknown team in memberships', method: 'POST', path: '/api/v1/users', body: { email: 'b@example.com', name: 'x', teams: { 'no-such-team': 'viewer' } }, field: '/teams/no-such-team' },
      { name: 'tier out of range', method: 'POST', path: '/api/v1/services', body: { slug: 's1', name: 'S', team: 'core', tier: 9 }, field: '/tier' },
      { name: 'tier not an integer', method: 'POST', path: '/api/v1/services', body: { slug: 's1', name: 'S', team: 'core', tier: 1.5 }, field: '/tier' },
      { name: 'link is not a URL', method: 'POST', path: '/api/v1/services', body: { slug: 's1', name: 'S', team: 'core', links: { repo: 'javascript:alert(1)' } }, field: '/links/repo' },
      { name: 'unknown dependency', method: 'POST', path: '/api/v1/services', body: { slug: 's1', name: 'S', team: 'core', depends_on: ['ghost'] }, field: '/depends_on' },
      { name: 'token expiry out of range', method: 'POST', path: '/api/v1/tokens', body: { name: 't', expires_in_days: 0 }, field: '/expires_in_days' },
      { name: 'membership role missing', method: 'PUT', path: '/api/v1/teams/core/members/admin@example.com', body: {}, field: '/role' },
      { name: 'apply: nested item field', method: 'POST', path: '/api/v1/apply', body: { document: { teams: [{ slug: 'ok', name: 'ok' }, { slug: 'BAD', name: 'x' }] } }, field: '/document/teams/1/slug' },
      { name: 'apply: duplicate key', method: 'POST', path: '/api/v1/apply', body: { document: { teams: [{ slug: 'dup', name: 'a' }, { slug: 'dup', name: 'b' }] } }, field: '/teams/1' },
      { name: 'body is not an object', method: 'POST', path: '/api/v1/teams', body: [1, 2, 3], field: '/' },
      { name: 'login: email not a string', method: 'POST', path: '/api/v1/auth/login', body: { email: 5, password: 'x' }, field: '/email' },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        const res = await t.request(c.method, c.path, { body: c.body, token: c.path.endsWith('/login') ? null : undefined });
        const e = assertError(res, 400, 'validation_failed', c.name);
        assert.ok(failingFields(res).includes(c.field), `${c.field} in ${JSON.stringify(e.details)}`);
      });
    }

    test('NUL (U+0000) is a field error on both databases, wherever it appears', async () => {
      const cases: Array<[string, string, unknown, string]> = [
        ['POST', '/api/v1/teams', { slug: 'nul-team', name: 'a\u0000b' }, '/name'],
        ['POST', '/api/v1/services', { slug: 'nul-svc', name: 'S', team: 'core', depends_on: ['x\u0000'] }, '/depends_on/0'],
        ['POST', '/api/v1/users', { email: 'nul@example.com', name: 'N', teams: { core: 'viewer' }, timezone: 'UTC', password: 'twelve chars\u0000' }, '/password'],
        ['POST', '/api/v1/apply', { document: { teams: [{ slug: 'nul-apply', name: 'ok', description: '\u0000' }] } }, '/document/teams/0/description'],
        ['POST', '/api/v1/auth/login', { email: 'admin@example.com\u0000', password: 'x' }, '/email'],
        ['GET', '/api/v1/services/%00', undefined, '/id'],
        ['GET', '/api/v1/users/a%00b@example.com', undefined, '/id'],
        ['PUT', '/api/v1/teams/core/members/%00', { role: 'viewer' }, '/user'],
        ['DELETE', '/api/v1/tokens/%00', undefined, '/id'],
        ['GET', '/api/v1/services?team=%00', undefined, '/team'],
        ['GET', '/api/v1/users?q=a%00', undefined, '/q'],
        ['GET', '/api/v1/audit?action=%00', undefined, '/action'],
        ['GET', '/api/v1/tokens?user_id=%00', undefined, '/user_id'],
      ];
      for (const [method, path, body, field] of cases) {
        const res = await t.request(method, path, { body, token: path.endsWith('/login') ? null : undefined });
        assertError(res, 400, 'validation_failed', `${method} ${path}`);
        assert.deepEqual(failingFields(res), [field], `${method} ${path}`);
      }
      for (const slug of ['nul-team', 'nul-apply']) assertError(await t.request('GET', `/api/v1/teams/${slug}`), 404, 'not_found');
    });

    test('a rejected create stores nothing', async () => {
      await t.request('POST', '/api/v1/services', { body: { slug: 'never-stored', name: 'S', team: 'core', depends_on: ['ghost'] } });
      assertError(await t.request('GET', '/api/v1/services/never-stored'), 404, 'not_found');
    });

    test('query parameters: limit and cursor', async () => {
      for (const q of ['limit=0', 'limit=501', 'limit=abc', 'limit=1.5', 'limit=']) {
        const res = await t.request('GET', `/api/v1/services?${q}`);
        assertError(res, 400, 'validation_failed', q);
        assert.deepEqual(failingFields(res), ['/limit'], q);
      }
      for (const q of ['cursor=%25%25%25', `cursor=${Buffer.from("' or 1=1 --").toString('base64url')}`]) {
        const res = await t.request('GET', `/api/v1/teams?${q}`);
        assertError(res, 400, 'validation_failed', q);
        assert.deepEqual(failingFields(res), ['/cursor'], q);
      }
      const tier = await t.request('GET', '/api/v1/services?tier=7');
      assertError(tier, 400, 'validation_failed');
      assert.deepEqual(failingFields(tier), ['/tier']);
    });
  });

  describe('transport errors', () => {
    test('malformed JSON → 400 invalid_json', async () => {
      for (const raw of ['{"slug":', '{slug: "x"}', "{'a':1}", '{"a":1,}', 'nul', '\u0000']) {
        assertError(await t.request('POST', '/api/v1/teams', { raw }), 400, 'invalid_json', JSON.stringify(raw));
      }
    });

    test('empty body with a JSON content type → 400 invalid_json', async () => {
      assertError(await t.request('POST', '/api/v1/teams', { raw: '' }), 400, 'invalid_json');
    });

    test('prototype-poisoning keys → 400 invalid_json, nothing polluted', async () => {
      for (const raw of ['{"__proto__":{"isAdmin":true},"slug":"pp","name":"x"}', '{"constructor":{"prototype":{"isAdmin":true}},"slug":"pp","name":"x"}']) {
        assertError(await t.request('POST', '/api/v1/teams', { raw }), 400, 'invalid_json', raw);
      }
      assert.equal(({} as any).isAdmin, undefined);
    });

    test('wrong content type → 415 unsupported_media_type', async () => {
      const body = JSON.stringify({ slug: 'ct-team', name: 'x' });
      for (const ct of ['application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain', 'text/plain; charset=utf-8', 'application/octet-stream']) {
        assertError(await t.request('POST', '/api/v1/teams', { raw: body, headers: { 'content-type': ct } }), 415, 'unsupported_media_type', ct);
      }
      assertError(await t.request('GET', '/api/v1/teams/ct-team'), 404, 'not_found');
      // JSON with parameters is fine.
      const ok = await t.request('POST', '/api/v1/teams', { raw: body, headers: { 'content-type': 'application/json; charset=utf-8' } });
      assert.equal(ok.status, 201, ok.text);
    });

    test('body over the limit → 413 payload_too_large (per-route limits)', async () => {
      const big = JSON.stringify({ slug: 'big', name: 'x', description: 'y'.repeat(1024 * 1024) });
      assertError(await t.request('POST', '/api/v1/teams', { raw: big }), 413, 'payload_too_large', 'default 1 MiB limit');
      // Login has a 16 KiB limit.
      const login = JSON.stringify({ email: 'a@example.com', password: 'p'.repeat(20 * 1024) });
      assertError(await t.request('POST', '/api/v1/auth/login', { raw: login, token: null }), 413, 'payload_too_large', 'login 16 KiB');
      // apply accepts up to 10 MiB: a 2 MiB document gets past the size check (and fails validation instead).
      const doc = JSON.stringify({ document: { teams: [{ slug: 'big', name: 'x', description: 'y'.repeat(2 * 1024 * 1024) }] } });
      assertError(await t.request('POST', '/api/v1/apply', { raw: doc }), 400, 'validation_failed', 'apply 10 MiB');
    });

    test('unknown route → 404 not_found', async () => {
      for (const [method, path] of [['GET', '/api/v1/nope'], ['POST', '/api/v1/nope'], ['PUT', '/api/v1/services'], ['DELETE', '/api/v1/teams'], ['GET', '/v2/anything']]) {
        const e = assertError(await t.request(method!, path!), 404, 'not_found', `${method} ${path}`, { path });
        assert.match(e.message, /^Route /);
      }
      // Anonymous callers and browsers get the same JSON 404 under /api/ (the UI's HTML fallback,
      // when a UI is built, covers other paths only).
      assertError(await t.request('GET', '/api/v1/nope', { token: null }), 404, 'not_found');
      assertError(await t.request('GET', '/api/v1/nope', { token: null, headers: { accept: 'text/html' } }), 404, 'not_found');
    });

    test('malformed URLs keep the error shape', async () => {
      assertError(await t.request('GET', '/api/v1/services/%ZZ'), 400, 'bad_request', 'bad percent-encoding');
      assertError(await t.request('PATCH', '/api/v1/teams/%E0%A4%A', { body: {} }), 400, 'bad_request', 'truncated UTF-8 escape');
      assertError(await t.request('GET', `/api/v1/services/${'a'.repeat(300)}`), 414, 'uri_too_long', 'over-long path parameter');
    });

    test('bad Authorization header → 401 unauthenticated', async () => {
      for (const authorization of ['Basic YTpi', 'Bearer', 'Bearer a b', 'Bearer blt_not-a-real-token']) {
        assertError(await t.request('GET', '/api/v1/teams', { token: null, headers: { authorization } }), 401, 'unauthenticated', authorization);
      }
    });
  });

  describe('409 conflicts', () => {
    test('duplicate slugs and emails', async () => {
      const team = await t.request('POST', '/api/v1/teams', { body: { slug: 'core', name: 'Again' } });
      assert.equal(assertError(team, 409, 'conflict').details.field, 'slug');
      assert.equal((await t.request('POST', '/api/v1/services', { body: { slug: 'dup-svc', name: 'S', team: 'core' } })).status, 201);
      const svc = await t.request('POST', '/api/v1/services', { body: { slug: 'dup-svc', name: 'S2', team: 'core' } });
      assert.equal(assertError(svc, 409, 'conflict').details.field, 'slug');
      assert.equal((await t.request('GET', '/api/v1/services/dup-svc')).body.name, 'S', 'the original is untouched');
      assert.equal((await t.request('POST', '/api/v1/users', { body: { email: 'dup@example.com', name: 'A' } })).status, 201);
      const user = await t.request('POST', '/api/v1/users', { body: { email: 'DUP@Example.com', name: 'B' } });
      assert.equal(assertError(user, 409, 'conflict').details.field, 'email');
    });

    test('dependency cycle → 409 with details.cycle, nothing changed', async () => {
      for (const [slug, deps] of [['cyc-c', []], ['cyc-b', ['cyc-c']], ['cyc-a', ['cyc-b']]] as const) {
        const r = await t.request('POST', '/api/v1/services', { body: { slug, name: slug, team: 'core', depends_on: deps } });
        assert.equal(r.status, 201, r.text);
      }
      const res = await t.request('PATCH', '/api/v1/services/cyc-c', { body: { depends_on: ['cyc-a'] } });
      const e = assertError(res, 409, 'conflict');
      assert.deepEqual(e.details.cycle, ['cyc-c', 'cyc-a', 'cyc-b', 'cyc-c']);
      assert.match(e.message, /cycle/);
      assert.deepEqual((await t.request('GET', '/api/v1/services/cyc-c')).body.depends_on, []);

      const self = await t.request('PATCH', '/api/v1/services/cyc-a', { body: { depends_on: ['cyc-a'] } });
      assert.deepEqual(assertError(self, 409, 'conflict').details.cycle, ['cyc-a', 'cyc-a']);
      // The same through apply, in one document.
      const doc = { document: { services: [{ slug: 'cyc-c', name: 'cyc-c', team: 'core', depends_on: ['cyc-b'] }] } };
      assert.deepEqual(assertError(await t.request('POST', '/api/v1/apply', { body: doc }), 409, 'conflict').details.cycle, ['cyc-c', 'cyc-b', 'cyc-c']);
    });

    test('apply judges cycles on the final state, whatever the item order', async () => {
      const doc = (services: unknown[]) => ({ document: { services } });
      const svc = (slug: string, depends_on: string[]) => ({ slug, name: slug, team: 'core', depends_on });
      assert.equal((await t.request('POST', '/api/v1/apply', { body: doc([svc('rev-a', []), svc('rev-b', ['rev-a'])]) })).status, 200);
      // Reversing the edge is fine in either order: the end state has no cycle.
      const later = await t.request('POST', '/api/v1/apply', { body: doc([svc('rev-a', ['rev-b']), svc('rev-b', [])]) });
      assert.equal(later.status, 200, later.text);
      assert.deepEqual(later.body.summary, { created: 0, changed: 2, unchanged: 0 });
      const back = await t.request('POST', '/api/v1/apply', { body: doc([svc('rev-a', []), svc('rev-b', ['rev-a'])]) });
      assert.equal(back.status, 200, back.text);
      assert.deepEqual((await t.request('GET', '/api/v1/services/rev-b')).body.depends_on.map((d: { slug: string }) => d.slug), ['rev-a']);
      assert.deepEqual((await t.request('GET', '/api/v1/services/rev-a')).body.depends_on, []);
      // A document whose end state is cyclic is still refused, and nothing changes.
      const cyclic = await t.request('POST', '/api/v1/apply', { body: doc([svc('rev-a', ['rev-b']), svc('rev-b', ['rev-a'])]) });
      const e = assertError(cyclic, 409, 'conflict');
      assert.equal(e.details.cycle.length, 3);
      assert.equal(e.details.cycle[0], e.details.cycle[2], 'the cycle is closed');
      assert.deepEqual(new Set(e.details.cycle), new Set(['rev-a', 'rev-b']));
      assert.deepEqual((await t.request('GET', '/api/v1/services/rev-a')).body.depends_on, []);
    });

    test('deleting a team that owns services → 409, team kept', async () => {
      assert.equal((await t.request('POST', '/api/v1/teams', { body: { slug: 'owner', name: 'Owner' } })).status, 201);
      assert.equal((await t.request('POST', '/api/v1/services', { body: { slug: 'owned-1', name: 'S', team: 'owner' } })).status, 201);
      const e = assertError(await t.request('DELETE', '/api/v1/teams/owner'), 409, 'conflict');
      assert.deepEqual(e.details.services, ['owned-1']);
      assert.equal((await t.request('GET', '/api/v1/teams/owner')).status, 200);
      // Once the service is gone, the team can go.
      assert.equal((await t.request('DELETE', '/api/v1/services/owned-1')).status, 204);
      assert.equal((await t.request('DELETE', '/api/v1/teams/owner')).status, 204);
    });

    test('deleting a service others depend on → 409 with dependents', async () => {
      assert.equal((await t.request('POST', '/api/v1/services', { body: { slug: 'db-1', name: 'DB', team: 'core' } })).status, 201);
      assert.equal((await t.request('POST', '/api/v1/services', { body: { slug: 'api-1', name: 'API', team: 'core', depends_on: ['db-1'] } })).status, 201);
      assert.deepEqual(assertError(await t.request('DELETE', '/api/v1/services/db-1'), 409, 'conflict').details.dependents, ['api-1']);
    });

    test('an admin cannot deactivate themselves', async () => {
      const me = (await t.request('GET', '/api/v1/auth/me')).body.user;
      assertError(await t.request('DELETE', `/api/v1/users/${me.id}`), 409, 'conflict');
    });
  });

  test('cursor pagination walks every item exactly once (120 services, limit 50)', async () => {
    assert.equal((await t.request('POST', '/api/v1/teams', { body: { slug: 'pages', name: 'Pages' } })).status, 201);
    const created: string[] = [];
    for (let i = 0; i < 120; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, j) => t.request('POST', '/api/v1/services', { body: { slug: `page-${i + j}`, name: `Page ${i + j}`, team: 'pages' } })),
      );
      for (const r of batch) {
        assert.equal(r.status, 201, r.text);
        created.push(r.body.id);
      }
    }
    const walk = async (extra: () => Promise<void> = async () => {}) => {
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const res = await t.request('GET', `/api/v1/services?team=pages&limit=50${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.status, 200, res.text);
        sizes.push(res.body.data.length);
        seen.push(...res.body.data.map((s: { id: string }) => s.id));
        cursor = res.body.next_cursor;
        if (seen.length === 50) await extra();
        assert.ok(sizes.length < 10, 'pagination terminates');
      } while (cursor);
      return { seen, sizes };
    };
    const first = await walk();
    assert.deepEqual(first.sizes, [50, 50, 20]);
    assert.equal(new Set(first.seen).size, 120, 'no duplicates');
    assert.deepEqual([...first.seen].sort(), [...created].sort(), 'every created service, nothing else');
    assert.deepEqual(first.seen, [...first.seen].sort(), 'stable order by id');

    // An item created mid-walk appears exactly once, at the end; nothing is skipped or repeated.
    let late = '';
    const second = await walk(async () => {
      const r = await t.request('POST', '/api/v1/services', { body: { slug: 'page-late', name: 'Late', team: 'pages' } });
      assert.equal(r.status, 201);
      late = r.body.id;
    });
    assert.equal(second.seen.length, 121);
    assert.equal(new Set(second.seen).size, 121);
    assert.equal(second.seen.at(-1), late);

    // The last page's cursor is null, and an exact multiple of the page size ends cleanly too.
    const exact = await t.request('GET', '/api/v1/services?team=pages&limit=121');
    assert.equal(exact.body.data.length, 121);
    assert.equal(exact.body.next_cursor, null);
  });
});

forEachDatabase('errors: login rate limiting', (kind) => {
  let t: TestApp;
  const clock = new ManualClock(new Date());
  const password = 'a very good password';
  before(async () => {
    t = await startTestApp(kind, { clock, config: { loginRateLimit: 3 } });
    await t.user({ email: 'limited@example.com', password });
    await t.user({ email: 'other@example.com', password });
  });
  after(async () => t?.close());

  test('repeated failures → 429 with Retry-After; the window expires', async () => {
    const attempt = (email: string, pw: string) => t.request('POST', '/api/v1/auth/login', { token: null, body: { email, password: pw } });
    for (let i = 0; i < 3; i++) assertError(await attempt('limited@example.com', 'wrong password'), 401, 'unauthenticated', `attempt ${i + 1}`);

    const blocked = await attempt('limited@example.com', 'wrong password');
    const e = assertError(blocked, 429, 'rate_limited');
    const retryAfter = Number(blocked.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 15 * 60, `Retry-After: ${blocked.headers.get('retry-after')}`);
    assert.ok(e.details.retry_after_seconds > 0);
    // Even the right password is refused while blocked, and the email's case does not help.
    assertError(await attempt('limited@example.com', password), 429, 'rate_limited');
    assertError(await attempt('LIMITED@example.com', password), 429, 'rate_limited');
    assert.equal(blocked.headers.get('set-cookie'), null);

    // Another account from the same address is not locked out by this one.
    assert.equal((await attempt('other@example.com', password)).status, 200);

    // Retry-After counts down with the clock; after the window, the right password works again.
    clock.advance(10 * 60_000);
    const later = await attempt('limited@example.com', password);
    assertError(later, 429, 'rate_limited');
    assert.ok(Number(later.headers.get('retry-after')) <= 5 * 60);
    clock.advance(5 * 60_000 + 1000);
    assert.equal((await attempt('limited@example.com', password)).status, 200);
  });
});
