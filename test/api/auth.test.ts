// Authentication: session cookies + CSRF, API tokens, password storage, disabled users, expiry.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { assertError, login, type Session } from '../support/http.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const PASSWORD = 'a perfectly fine password';

/** Every row of the given tables, as JSON text, for "no plaintext secret stored" checks. */
async function dump(t: TestApp, tables: Array<'api_tokens' | 'sessions' | 'users' | 'audit_log' | 'events'>): Promise<string> {
  const parts: string[] = [];
  for (const table of tables) parts.push(JSON.stringify(await t.app.deps.db.selectFrom(table).selectAll().execute()));
  return parts.join('\n');
}

/** Request helpers for a cookie session. */
function withSession(t: TestApp, s: Session) {
  return (method: string, path: string, o: { body?: unknown; csrf?: string | null } = {}) => {
    const headers: Record<string, string> = { cookie: s.cookie };
    const csrf = o.csrf === undefined ? s.csrf : o.csrf;
    if (csrf !== null) headers['x-csrf-token'] = csrf;
    return t.request(method, path, { token: null, body: o.body, headers });
  };
}

forEachDatabase('auth', (kind) => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(kind);
  });
  after(async () => t?.close());

  describe('login and the session cookie', () => {
    test('sets an HttpOnly, SameSite=Lax, path-wide cookie; no Secure over plain HTTP', async () => {
      const s = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD);
      assert.match(s.setCookie, /^ballast_session=[^;]{20,};/);
      assert.match(s.setCookie, /;\s*HttpOnly(;|$)/i);
      assert.match(s.setCookie, /;\s*SameSite=Lax(;|$)/i);
      assert.match(s.setCookie, /;\s*Path=\/(;|$)/i);
      assert.doesNotMatch(s.setCookie, /;\s*Secure(;|$)/i);
      // Expires ≈ now + the 7-day default session lifetime.
      const expires = Date.parse(/;\s*Expires=([^;]+)/i.exec(s.setCookie)![1]!);
      assert.ok(Math.abs(expires - (Date.now() + 7 * 86400_000)) < 60_000, s.setCookie);
      assert.equal(s.res.body.user.email, ADMIN_EMAIL);
      assert.equal(s.res.body.user.is_admin, true);
      assert.match(s.csrf, /^[\w-]{20,}$/);
      assert.ok(!/password/i.test(s.res.text), 'no password material in the response');
    });

    test('email is matched case-insensitively and trimmed', async () => {
      await login(t, `  ${ADMIN_EMAIL.toUpperCase()} `, ADMIN_PASSWORD);
    });

    test('a forwarded https header alone does not make the cookie Secure (trustProxy off)', async () => {
      const s = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD, { 'x-forwarded-proto': 'https' });
      assert.doesNotMatch(s.setCookie, /;\s*Secure(;|$)/i);
    });

    test('wrong password and unknown email → identical 401, no cookie', async () => {
      const wrong = await t.request('POST', '/api/v1/auth/login', { token: null, body: { email: ADMIN_EMAIL, password: 'not the password' } });
      const unknown = await t.request('POST', '/api/v1/auth/login', { token: null, body: { email: 'nobody@example.com', password: 'not the password' } });
      const a = assertError(wrong, 401, 'unauthenticated');
      const b = assertError(unknown, 401, 'unauthenticated');
      assert.equal(a.message, b.message, 'responses do not reveal which accounts exist');
      assert.equal(wrong.headers.get('set-cookie'), null);
      assert.equal(unknown.headers.get('set-cookie'), null);
    });

    test('the session is stored hashed', async () => {
      const s = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD);
      const rows = await t.app.deps.db.selectFrom('sessions').selectAll().where('token_hash', '=', sha256(s.token)).execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.csrf_token, s.csrf);
      assert.ok(!(await dump(t, ['sessions', 'audit_log', 'events'])).includes(s.token), 'the cookie value is not stored');
    });
  });

  describe('cookie-authenticated requests and CSRF', () => {
    let s: Session;
    let as: ReturnType<typeof withSession>;
    before(async () => {
      s = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD);
      as = withSession(t, s);
    });

    test('GET works with the cookie alone', async () => {
      const me = await as('GET', '/api/v1/auth/me', { csrf: null });
      assert.equal(me.status, 200, me.text);
      assert.equal(me.body.user.email, ADMIN_EMAIL);
      assert.equal(me.body.csrf_token, s.csrf, '/auth/me hands the UI its CSRF token');
      assert.equal((await as('GET', '/api/v1/teams', { csrf: null })).status, 200);
    });

    test('writes without X-CSRF-Token → 403 csrf_failed and no change', async () => {
      assertError(await as('POST', '/api/v1/teams', { body: { slug: 'csrf-none', name: 'x' }, csrf: null }), 403, 'csrf_failed');
      assertError(await as('POST', '/api/v1/teams', { body: { slug: 'csrf-wrong', name: 'x' }, csrf: 'guess' }), 403, 'csrf_failed');
      assertError(await as('POST', '/api/v1/teams', { body: { slug: 'csrf-empty', name: 'x' }, csrf: '' }), 403, 'csrf_failed');
      for (const slug of ['csrf-none', 'csrf-wrong', 'csrf-empty']) assertError(await t.request('GET', `/api/v1/teams/${slug}`), 404, 'not_found');
    });

    test("another session's CSRF token is refused", async () => {
      const other = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD);
      assert.notEqual(other.csrf, s.csrf);
      assertError(await as('POST', '/api/v1/teams', { body: { slug: 'csrf-other', name: 'x' }, csrf: other.csrf }), 403, 'csrf_failed');
    });

    test('with the right X-CSRF-Token, POST/PATCH/PUT/DELETE succeed', async () => {
      const created = await as('POST', '/api/v1/teams', { body: { slug: 'csrf-ok', name: 'x' } });
      assert.equal(created.status, 201, created.text);
      const audit = await t.request('GET', `/api/v1/audit?target_id=${created.body.id}&action=team.create`);
      assert.equal(audit.body.data[0].actor.label, ADMIN_EMAIL, 'attributed to the session user');

      assertError(await as('PATCH', '/api/v1/teams/csrf-ok', { body: { name: 'y' }, csrf: null }), 403, 'csrf_failed');
      assert.equal((await as('PATCH', '/api/v1/teams/csrf-ok', { body: { name: 'y' } })).status, 200);
      const me = (await as('GET', '/api/v1/auth/me')).body.user;
      assertError(await as('PUT', `/api/v1/teams/csrf-ok/members/${me.id}`, { body: { role: 'viewer' }, csrf: null }), 403, 'csrf_failed');
      assert.equal((await as('PUT', `/api/v1/teams/csrf-ok/members/${me.id}`, { body: { role: 'viewer' } })).status, 200);
      assertError(await as('DELETE', '/api/v1/teams/csrf-ok', { csrf: null }), 403, 'csrf_failed');
      assert.equal((await as('DELETE', '/api/v1/teams/csrf-ok')).status, 204);
    });

    test('bearer tokens need no CSRF token, even with a cookie present', async () => {
      const r = await t.request('POST', '/api/v1/teams', { body: { slug: 'bearer-ok', name: 'x' }, headers: { cookie: s.cookie } });
      assert.equal(r.status, 201, r.text);
    });

    test('a garbage or unknown cookie is anonymous', async () => {
      for (const cookie of ['ballast_session=nope', 'ballast_session=', `ballast_session=${s.token}x`]) {
        assertError(await t.request('GET', '/api/v1/auth/me', { token: null, headers: { cookie } }), 401, 'unauthenticated', cookie);
      }
    });
  });

  describe('logout', () => {
    test('ends the session and clears the cookie', async () => {
      const s = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD);
      const as = withSession(t, s);
      assert.equal((await as('GET', '/api/v1/auth/me')).status, 200);
      // Logging out is a write: without the CSRF token a cross-site page could sign people out.
      assertError(await as('POST', '/api/v1/auth/logout', { csrf: null }), 403, 'csrf_failed');
      assert.equal((await as('GET', '/api/v1/auth/me')).status, 200);

      const out = await as('POST', '/api/v1/auth/logout');
      assert.equal(out.status, 204, out.text);
      const cleared = out.headers.get('set-cookie') ?? '';
      assert.match(cleared, /^ballast_session=;/);
      assert.match(cleared, /Expires=Thu, 01 Jan 1970|Max-Age=0/i);
      assertError(await as('GET', '/api/v1/auth/me'), 401, 'unauthenticated');
      assert.equal((await t.app.deps.db.selectFrom('sessions').select('id').where('token_hash', '=', sha256(s.token)).execute()).length, 0);
      // Logging out again, or without any session, is harmless.
      assert.equal((await as('POST', '/api/v1/auth/logout')).status, 204);
      assert.equal((await t.request('POST', '/api/v1/auth/logout', { token: null })).status, 204);
    });

    test('ends only that session', async () => {
      const a = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD);
      const b = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD);
      assert.equal((await withSession(t, a)('POST', '/api/v1/auth/logout')).status, 204);
      assert.equal((await withSession(t, b)('GET', '/api/v1/auth/me')).status, 200);
    });
  });

  describe('API tokens', () => {
    test('the secret is shown once and stored only as a hash', async () => {
      const created = await t.request('POST', '/api/v1/tokens', { body: { name: 'ci' } });
      assert.equal(created.status, 201, created.text);
      const secret: string = created.body.token;
      assert.match(secret, /^blt_[\w-]{40,}$/);
      assert.equal(created.body.prefix, secret.slice(0, 10));
      assert.equal(created.body.last_used_at, null);

      const row = await t.app.deps.db.selectFrom('api_tokens').selectAll().where('id', '=', created.body.id).executeTakeFirstOrThrow();
      assert.equal(row.token_hash, sha256(secret));
      for (const [col, value] of Object.entries(row)) {
        assert.ok(typeof value !== 'string' || !value.includes(secret.slice(10)), `column ${col} holds no plaintext`);
      }
      assert.ok(!(await dump(t, ['api_tokens', 'audit_log', 'events'])).includes(secret), 'no table holds the secret');

      const list = await t.request('GET', '/api/v1/tokens');
      const listed = list.body.data.find((x: { id: string }) => x.id === created.body.id);
      assert.ok(listed);
      assert.equal(listed.token, undefined);
      assert.ok(!list.text.includes(secret), 'listing never shows the secret again');
    });

    test('use records last_used_at; revoke → 401', async () => {
      const user = await t.user({ teams: {} });
      const created = (await t.request('POST', '/api/v1/tokens', { token: user.token, body: { name: 'laptop' } })).body;
      const before = Date.now();
      const me = await t.request('GET', '/api/v1/auth/me', { token: created.token });
      assert.equal(me.status, 200);
      assert.equal(me.body.user.id, user.id);
      const row = await t.app.deps.db.selectFrom('api_tokens').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
      assert.ok(row.last_used_at && Date.parse(row.last_used_at) >= before - 1000, `last_used_at: ${row.last_used_at}`);
      const listed = (await t.request('GET', '/api/v1/tokens', { token: user.token })).body.data.find((x: { id: string }) => x.id === created.id);
      assert.equal(listed.last_used_at, row.last_used_at);

      const revoked = await t.request('DELETE', `/api/v1/tokens/${created.id}`, { token: user.token });
      assert.equal(revoked.status, 200, revoked.text);
      assert.ok(revoked.body.revoked_at);
      assertError(await t.request('GET', '/api/v1/auth/me', { token: created.token }), 401, 'unauthenticated');
      // Revoking is idempotent; the user's other token is unaffected.
      assert.equal((await t.request('DELETE', `/api/v1/tokens/${created.id}`, { token: user.token })).body.revoked_at, revoked.body.revoked_at);
      assert.equal((await t.request('GET', '/api/v1/auth/me', { token: user.token })).status, 200);
    });

    test('a token cannot be used as a session cookie, nor a session as a bearer token', async () => {
      const s = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD);
      assertError(await t.request('GET', '/api/v1/auth/me', { token: s.token }), 401, 'unauthenticated');
      assertError(await t.request('GET', '/api/v1/auth/me', { token: null, headers: { cookie: `ballast_session=${t.adminToken}` } }), 401, 'unauthenticated');
    });
  });

  describe('passwords', () => {
    test('stored as salted scrypt hashes', async () => {
      const a = await t.user({ password: PASSWORD });
      const b = await t.user({ password: PASSWORD });
      const rows = await t.app.deps.db.selectFrom('users').select(['id', 'password_hash']).where('id', 'in', [a.id, b.id]).execute();
      assert.equal(rows.length, 2);
      for (const r of rows) {
        assert.match(r.password_hash ?? '', /^scrypt\$\d+\$\d+\$\d+\$[\w-]{22}\$[\w-]{43}$/);
        const [, n, r8, p] = r.password_hash!.split('$');
        assert.ok(Number(n) >= 2 ** 14 && Number(r8) >= 8 && Number(p) >= 1, 'work factors are not trivial');
      }
      assert.notEqual(rows[0]!.password_hash, rows[1]!.password_hash, 'salted: same password, different hashes');
      assert.ok(!(await dump(t, ['users', 'audit_log', 'events'])).includes(PASSWORD));
      await login(t, a.email, PASSWORD);
      // A user created without a password cannot log in with an empty one.
      const c = await t.user();
      assertError(await t.request('POST', '/api/v1/auth/login', { token: null, body: { email: c.email, password: '' } }), 401, 'unauthenticated');
    });

    test('changing a password checks the current one and ends existing sessions', async () => {
      const u = await t.user({ password: PASSWORD });
      const s = await login(t, u.email, PASSWORD);
      const as = withSession(t, s);
      const wrong = await as('POST', `/api/v1/users/${u.id}/password`, { body: { current_password: 'not it', new_password: 'another fine password' } });
      assertError(wrong, 400, 'validation_failed');
      assert.deepEqual(wrong.body.error.details.fields.map((f: { path: string }) => f.path), ['/current_password']);
      const other = await t.user();
      assertError(await as('POST', `/api/v1/users/${other.id}/password`, { body: { new_password: 'another fine password' } }), 403, 'forbidden');

      assert.equal((await as('POST', `/api/v1/users/${u.id}/password`, { body: { current_password: PASSWORD, new_password: 'another fine password' } })).status, 204);
      assertError(await as('GET', '/api/v1/auth/me'), 401, 'unauthenticated');
      assertError(await t.request('POST', '/api/v1/auth/login', { token: null, body: { email: u.email, password: PASSWORD } }), 401, 'unauthenticated');
      await login(t, u.email, 'another fine password');
    });
  });

  describe('disabled users', () => {
    for (const how of ['DELETE /users/:id', 'PATCH disabled=true'] as const) {
      test(`after ${how}: no login, tokens and sessions stop working`, async () => {
        const u = await t.user({ password: PASSWORD });
        const s = await login(t, u.email, PASSWORD);
        const extra = (await t.request('POST', '/api/v1/tokens', { token: u.token, body: { name: 'second' } })).body;
        const res = how === 'DELETE /users/:id'
          ? await t.request('DELETE', `/api/v1/users/${u.id}`)
          : await t.request('PATCH', `/api/v1/users/${u.id}`, { body: { disabled: true } });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.disabled, true);

        const refused = await t.request('POST', '/api/v1/auth/login', { token: null, body: { email: u.email, password: PASSWORD } });
        assert.equal(assertError(refused, 401, 'unauthenticated').message, 'Email or password is incorrect', 'same answer as a wrong password');
        for (const token of [u.token, extra.token]) assertError(await t.request('GET', '/api/v1/auth/me', { token }), 401, 'unauthenticated');
        assertError(await withSession(t, s)('GET', '/api/v1/auth/me'), 401, 'unauthenticated');
        const tokens = await t.app.deps.db.selectFrom('api_tokens').select('revoked_at').where('user_id', '=', u.id).execute();
        assert.ok(tokens.length === 2 && tokens.every((x) => x.revoked_at), 'tokens are revoked');
        // An admin can still mint a token for a disabled user; it must not work while they are disabled.
        const minted = await t.request('POST', '/api/v1/tokens', { body: { name: 'for disabled', user_id: u.id } });
        assert.equal(minted.status, 201, minted.text);
        assertError(await t.request('GET', '/api/v1/auth/me', { token: minted.body.token }), 401, 'unauthenticated', 'token of a disabled user');

        // Re-enabling lets them sign in again, but revoked tokens stay revoked.
        assert.equal((await t.request('PATCH', `/api/v1/users/${u.id}`, { body: { disabled: false } })).status, 200);
        await login(t, u.email, PASSWORD);
        assertError(await t.request('GET', '/api/v1/auth/me', { token: u.token }), 401, 'unauthenticated');
      });
    }
  });
});

forEachDatabase('auth behind a TLS-terminating proxy (trustProxy)', (kind) => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(kind, { config: { trustProxy: true } });
  });
  after(async () => t?.close());

  test('X-Forwarded-Proto: https → Secure cookie; plain http → not Secure', async () => {
    const secure = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD, { 'x-forwarded-proto': 'https' });
    assert.match(secure.setCookie, /;\s*Secure(;|$)/i);
    assert.match(secure.setCookie, /;\s*HttpOnly(;|$)/i);
    assert.match(secure.setCookie, /;\s*SameSite=Lax(;|$)/i);
    const plain = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD, { 'x-forwarded-proto': 'http' });
    assert.doesNotMatch(plain.setCookie, /;\s*Secure(;|$)/i);
  });

  test('the session records the forwarded client address', async () => {
    const s = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD, { 'x-forwarded-for': '203.0.113.7' });
    const row = await t.app.deps.db.selectFrom('sessions').select('ip').where('token_hash', '=', sha256(s.token)).executeTakeFirstOrThrow();
    assert.equal(row.ip, '203.0.113.7');
  });
});

forEachDatabase('auth expiry (manual clock)', (kind) => {
  let t: TestApp;
  const clock = new ManualClock(new Date());
  before(async () => {
    t = await startTestApp(kind, { clock, config: { sessionTtlHours: 24 } });
  });
  after(async () => t?.close());

  test('tokens with expires_in_days stop working when they expire', async () => {
    const created = (await t.request('POST', '/api/v1/tokens', { body: { name: 'short', expires_in_days: 1 } })).body;
    assert.equal(Date.parse(created.expires_at) - Date.parse(created.created_at), 86400_000);
    assert.equal((await t.request('GET', '/api/v1/auth/me', { token: created.token })).status, 200);
    clock.advance(86400_000 - 1000);
    assert.equal((await t.request('GET', '/api/v1/auth/me', { token: created.token })).status, 200);
    clock.advance(2000);
    assertError(await t.request('GET', '/api/v1/auth/me', { token: created.token }), 401, 'unauthenticated');
  });

  test('last_used_at is refreshed at most once a minute', async () => {
    const created = (await t.request('POST', '/api/v1/tokens', { body: { name: 'touch' } })).body;
    const lastUsed = async () =>
      (await t.app.deps.db.selectFrom('api_tokens').select('last_used_at').where('id', '=', created.id).executeTakeFirstOrThrow()).last_used_at;
    assert.equal(await lastUsed(), null);
    const first = clock.now().toISOString();
    await t.request('GET', '/api/v1/teams', { token: created.token });
    assert.equal(await lastUsed(), first);
    clock.advance(30_000);
    await t.request('GET', '/api/v1/teams', { token: created.token });
    assert.equal(await lastUsed(), first);
    clock.advance(60_000);
    await t.request('GET', '/api/v1/teams', { token: created.token });
    assert.equal(await lastUsed(), clock.now().toISOString());
  });

  test('sessions expire after the configured lifetime', async () => {
    const s = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD);
    const expires = Date.parse(/;\s*Expires=([^;]+)/i.exec(s.setCookie)![1]!);
    assert.ok(Math.abs(expires - (clock.now().getTime() + 24 * 3600_000)) < 2000, 'cookie lifetime follows sessionTtlHours');
    const as = withSession(t, s);
    clock.advance(23 * 3600_000);
    assert.equal((await as('GET', '/api/v1/auth/me')).status, 200);
    clock.advance(3600_000 + 1000);
    assertError(await as('GET', '/api/v1/auth/me'), 401, 'unauthenticated');
    assertError(await as('POST', '/api/v1/teams', { body: { slug: 'late', name: 'x' } }), 401, 'unauthenticated');
  });
});
