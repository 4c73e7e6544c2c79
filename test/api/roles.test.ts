// Role × endpoint matrix: who may call what, as implemented by the services' authorization checks.
//
// Actors
//   anon   no credentials
//   viewA  viewer of team A        respA  responder of team A      mgrA  manager of team A
//   mgrB   manager of team B only  admin  global administrator (is_admin)
//
// Policy (viewer < responder < manager; admin passes every team check)
//   - Reading users, teams, services, your own tokens, and export: any signed-in user.
//   - Creating users and teams, deleting teams, changing someone else's profile, deactivating users: admin.
//   - Changing your own profile (name, timezone): yourself; is_admin/disabled/teams: admin only.
//   - Editing a team and its members: manager of that team.
//   - Creating/updating/deleting a service: manager of the owning team; moving it to another team
//     also needs manager of the receiving team.
//   - API tokens: everyone manages their own; listing/creating for others is admin-only; revoking
//     someone else's token answers 404 (so token ids cannot be probed), except for admins.
//   - Audit log: admin only.
//   - apply: any signed-in user may send a document; each item is authorized like the matching API call.
//   - Anonymous callers get 401 everywhere (before any 403/404).
//
// Each row below creates its own fixtures, so rows are independent and destructive calls are safe.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDatabase, startTestApp, type TestApp, type TestResponse } from '../support/app.js';
import { assertError, uniq } from '../support/http.js';

const ACTORS = ['anon', 'viewA', 'respA', 'mgrA', 'mgrB', 'admin'] as const;
type ActorName = (typeof ACTORS)[number];
type Expect = [anon: number, viewA: number, respA: number, mgrA: number, mgrB: number, admin: number];

interface Actor {
  name: ActorName;
  id: string;
  email: string;
  token: string | null;
}

interface World {
  t: TestApp;
  actors: Record<ActorName, Actor>;
  /** Requests as the given actor. */
  as(actor: Actor, method: string, path: string, body?: unknown): Promise<TestResponse>;
  /** Requests as the bootstrap administrator (fixtures and verification). */
  root(method: string, path: string, body?: unknown): Promise<TestResponse>;
}

interface Outcome {
  res: TestResponse;
  /** Checks the stored state afterwards; `ok` tells whether the call was allowed. */
  verify?: (ok: boolean) => Promise<void>;
}

interface Row {
  endpoint: string;
  expect: Expect;
  run(w: World, actor: Actor): Promise<Outcome>;
}

// ---- fixtures -------------------------------------------------------------------------------------

async function must(res: Promise<TestResponse>, status: number): Promise<any> {
  const r = await res;
  assert.equal(r.status, status, `fixture: ${r.text}`);
  return r.body;
}

const newUser = (w: World) => w.t.user();
const newServiceIn = (w: World, team: string) =>
  must(w.root('POST', '/api/v1/services', { slug: uniq('svc'), name: 'Fixture service', team }), 201);

/** A fresh team in which the team-A actors hold their team-A roles. */
async function teamLikeA(w: World): Promise<any> {
  const team = await must(w.root('POST', '/api/v1/teams', { slug: uniq('team'), name: 'Like A' }), 201);
  for (const [actor, role] of [['viewA', 'viewer'], ['respA', 'responder'], ['mgrA', 'manager']] as const) {
    await must(w.root('PUT', `/api/v1/teams/${team.slug}/members/${w.actors[actor].id}`, { role }), 200);
  }
  return team;
}

async function newTokenFor(w: World, userToken: string): Promise<any> {
  const r = await w.t.request('POST', '/api/v1/tokens', { token: userToken, body: { name: uniq('tok') } });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

/** Who the request is "about" when the anonymous caller needs a target: team A's viewer. */
const selfOf = (w: World, a: Actor) => (a.name === 'anon' ? w.actors.viewA : a);

// ---- the matrix ---------------------------------------------------------------------------------

const ROWS: Row[] = [
  //                                                                anon viewA respA mgrA mgrB admin
  // auth
  { endpoint: 'GET /api/v1/auth/me', expect: [401, 200, 200, 200, 200, 200],
    run: async (w, a) => {
      const res = await w.as(a, 'GET', '/api/v1/auth/me');
      return { res, verify: async (ok) => { if (ok) assert.equal(res.body.user.id, a.id); } };
    } },

  // users
  { endpoint: 'GET /api/v1/users', expect: [401, 200, 200, 200, 200, 200],
    run: async (w, a) => ({ res: await w.as(a, 'GET', '/api/v1/users') }) },
  { endpoint: 'GET /api/v1/users/:id (another user)', expect: [401, 200, 200, 200, 200, 200],
    run: async (w, a) => {
      const u = await newUser(w);
      const res = await w.as(a, 'GET', `/api/v1/users/${u.id}`);
      return { res, verify: async (ok) => { if (ok) assert.equal(res.body.email, u.email); } };
    } },
  { endpoint: 'GET /api/v1/users/:id (unknown)', expect: [401, 404, 404, 404, 404, 404],
    run: async (w, a) => ({ res: await w.as(a, 'GET', '/api/v1/users/01900000-0000-7000-8000-000000000000') }) },
  { endpoint: 'POST /api/v1/users', expect: [401, 403, 403, 403, 403, 201],
    run: async (w, a) => {
      const email = `${uniq('new')}@example.com`;
      const res = await w.as(a, 'POST', '/api/v1/users', { email, name: 'New' });
      return { res, verify: async (ok) => assert.equal((await w.root('GET', `/api/v1/users/${email}`)).status, ok ? 200 : 404) };
    } },
  { endpoint: 'PATCH /api/v1/users/:id (self: name)', expect: [401, 200, 200, 200, 200, 200],
    run: async (w, a) => {
      const self = selfOf(w, a);
      const name = uniq('Name');
      const res = await w.as(a, 'PATCH', `/api/v1/users/${self.id}`, { name });
      return { res, verify: async (ok) => assert.equal((await w.root('GET', `/api/v1/users/${self.id}`)).body.name === name, ok) };
    } },
  { endpoint: 'PATCH /api/v1/users/:id (self: is_admin=true)', expect: [401, 403, 403, 403, 403, 200],
    run: async (w, a) => {
      const self = selfOf(w, a);
      const res = await w.as(a, 'PATCH', `/api/v1/users/${self.id}`, { is_admin: true });
      return { res, verify: async () => assert.equal((await w.root('GET', `/api/v1/users/${self.id}`)).body.is_admin, a.name === 'admin') };
    } },
  { endpoint: 'PATCH /api/v1/users/:id (another user)', expect: [401, 403, 403, 403, 403, 200],
    run: async (w, a) => {
      const u = await newUser(w);
      const res = await w.as(a, 'PATCH', `/api/v1/users/${u.id}`, { name: 'Renamed by someone' });
      return { res, verify: async (ok) => assert.equal((await w.root('GET', `/api/v1/users/${u.id}`)).body.name === 'Renamed by someone', ok) };
    } },
  { endpoint: 'DELETE /api/v1/users/:id (another user)', expect: [401, 403, 403, 403, 403, 200],
    run: async (w, a) => {
      const u = await newUser(w);
      const res = await w.as(a, 'DELETE', `/api/v1/users/${u.id}`);
      return { res, verify: async (ok) => {
        assert.equal((await w.root('GET', `/api/v1/users/${u.id}`)).body.disabled, ok);
        // A deactivated user's token stops working; otherwise it still works.
        assert.equal((await w.t.request('GET', '/api/v1/auth/me', { token: u.token })).status, ok ? 401 : 200);
      } };
    } },

  // teams
  { endpoint: 'GET /api/v1/teams', expect: [401, 200, 200, 200, 200, 200],
    run: async (w, a) => ({ res: await w.as(a, 'GET', '/api/v1/teams') }) },
  { endpoint: 'GET /api/v1/teams/:id (team A)', expect: [401, 200, 200, 200, 200, 200],
    run: async (w, a) => ({ res: await w.as(a, 'GET', '/api/v1/teams/team-a') }) },
  { endpoint: 'GET /api/v1/teams/:id (unknown)', expect: [401, 404, 404, 404, 404, 404],
    run: async (w, a) => ({ res: await w.as(a, 'GET', '/api/v1/teams/no-such-team') }) },
  { endpoint: 'POST /api/v1/teams', expect: [401, 403, 403, 403, 403, 201],
    run: async (w, a) => {
      const slug = uniq('team');
      const res = await w.as(a, 'POST', '/api/v1/teams', { slug, name: 'New team' });
      return { res, verify: async (ok) => assert.equal((await w.root('GET', `/api/v1/teams/${slug}`)).status, ok ? 200 : 404) };
    } },
  { endpoint: 'PATCH /api/v1/teams/:id (team A)', expect: [401, 403, 403, 200, 403, 200],
    run: async (w, a) => {
      const description = uniq('desc');
      const res = await w.as(a, 'PATCH', '/api/v1/teams/team-a', { description });
      return { res, verify: async (ok) => assert.equal((await w.root('GET', '/api/v1/teams/team-a')).body.description === description, ok) };
    } },
  { endpoint: 'PATCH /api/v1/teams/:id (team B)', expect: [401, 403, 403, 403, 200, 200],
    run: async (w, a) => ({ res: await w.as(a, 'PATCH', '/api/v1/teams/team-b', { description: uniq('desc') }) }) },
  { endpoint: 'DELETE /api/v1/teams/:id (empty team; A roles)', expect: [401, 403, 403, 403, 403, 204],
    run: async (w, a) => {
      const team = await teamLikeA(w);
      const res = await w.as(a, 'DELETE', `/api/v1/teams/${team.slug}`);
      return { res, verify: async (ok) => assert.equal((await w.root('GET', `/api/v1/teams/${team.slug}`)).status, ok ? 404 : 200) };
    } },
  { endpoint: 'PUT /api/v1/teams/:id/members/:user (add)', expect: [401, 403, 403, 200, 403, 200],
    run: async (w, a) => {
      const team = await teamLikeA(w);
      const u = await newUser(w);
      const res = await w.as(a, 'PUT', `/api/v1/teams/${team.slug}/members/${u.id}`, { role: 'responder' });
      return { res, verify: async (ok) => {
        const members = (await w.root('GET', `/api/v1/teams/${team.slug}`)).body.members;
        assert.equal(members.some((m: any) => m.user_id === u.id && m.role === 'responder'), ok);
      } };
    } },
  { endpoint: 'PUT /api/v1/teams/:id/members/:user (promote self to manager)', expect: [401, 403, 403, 200, 403, 200],
    run: async (w, a) => {
      const team = await teamLikeA(w);
      const self = selfOf(w, a);
      const res = await w.as(a, 'PUT', `/api/v1/teams/${team.slug}/members/${self.id}`, { role: 'manager' });
      return { res, verify: async (ok) => {
        const members = (await w.root('GET', `/api/v1/teams/${team.slug}`)).body.members;
        const role = members.find((m: any) => m.user_id === self.id)?.role;
        if (!ok) assert.notEqual(role, 'manager', 'a refused self-promotion must not take effect');
        else assert.equal(role, 'manager');
      } };
    } },
  { endpoint: 'DELETE /api/v1/teams/:id/members/:user', expect: [401, 403, 403, 200, 403, 200],
    run: async (w, a) => {
      const team = await teamLikeA(w);
      const u = await newUser(w);
      await must(w.root('PUT', `/api/v1/teams/${team.slug}/members/${u.id}`, { role: 'viewer' }), 200);
      const res = await w.as(a, 'DELETE', `/api/v1/teams/${team.slug}/members/${u.email}`);
      return { res, verify: async (ok) => {
        const members = (await w.root('GET', `/api/v1/teams/${team.slug}`)).body.members;
        assert.equal(members.some((m: any) => m.user_id === u.id), !ok);
      } };
    } },

  // services
  { endpoint: 'GET /api/v1/services', expect: [401, 200, 200, 200, 200, 200],
    run: async (w, a) => ({ res: await w.as(a, 'GET', '/api/v1/services') }) },
  { endpoint: 'GET /api/v1/services/:id (in team A)', expect: [401, 200, 200, 200, 200, 200],
    run: async (w, a) => {
      const s = await newServiceIn(w, 'team-a');
      const res = await w.as(a, 'GET', `/api/v1/services/${s.id}`);
      return { res, verify: async (ok) => { if (ok) assert.equal(res.body.slug, s.slug); } };
    } },
  { endpoint: 'GET /api/v1/services/:id (unknown)', expect: [401, 404, 404, 404, 404, 404],
    run: async (w, a) => ({ res: await w.as(a, 'GET', '/api/v1/services/no-such-service') }) },
  { endpoint: 'POST /api/v1/services (team A)', expect: [401, 403, 403, 201, 403, 201],
    run: async (w, a) => {
      const slug = uniq('svc');
      const res = await w.as(a, 'POST', '/api/v1/services', { slug, name: 'S', team: 'team-a' });
      return { res, verify: async (ok) => assert.equal((await w.root('GET', `/api/v1/services/${slug}`)).status, ok ? 200 : 404) };
    } },
  { endpoint: 'POST /api/v1/services (team B)', expect: [401, 403, 403, 403, 201, 201],
    run: async (w, a) => ({ res: await w.as(a, 'POST', '/api/v1/services', { slug: uniq('svc'), name: 'S', team: 'team-b' }) }) },
  { endpoint: 'PATCH /api/v1/services/:id (in team A)', expect: [401, 403, 403, 200, 403, 200],
    run: async (w, a) => {
      const s = await newServiceIn(w, 'team-a');
      const res = await w.as(a, 'PATCH', `/api/v1/services/${s.slug}`, { tier: 1 });
      return { res, verify: async (ok) => assert.equal((await w.root('GET', `/api/v1/services/${s.slug}`)).body.tier, ok ? 1 : 3) };
    } },
  { endpoint: 'PATCH /api/v1/services/:id (move team A → team B)', expect: [401, 403, 403, 403, 403, 200],
    run: async (w, a) => {
      const s = await newServiceIn(w, 'team-a');
      const res = await w.as(a, 'PATCH', `/api/v1/services/${s.id}`, { team: 'team-b' });
      return { res, verify: async (ok) => assert.equal((await w.root('GET', `/api/v1/services/${s.id}`)).body.team.slug, ok ? 'team-b' : 'team-a') };
    } },
  { endpoint: 'DELETE /api/v1/services/:id (in team A)', expect: [401, 403, 403, 204, 403, 204],
    run: async (w, a) => {
      const s = await newServiceIn(w, 'team-a');
      const res = await w.as(a, 'DELETE', `/api/v1/services/${s.id}`);
      return { res, verify: async (ok) => assert.equal((await w.root('GET', `/api/v1/services/${s.id}`)).status, ok ? 404 : 200) };
    } },

  // tokens
  { endpoint: 'GET /api/v1/tokens (own)', expect: [401, 200, 200, 200, 200, 200],
    run: async (w, a) => {
      const res = await w.as(a, 'GET', '/api/v1/tokens');
      return { res, verify: async (ok) => {
        if (!ok) return;
        assert.ok(res.body.data.length >= 1);
        for (const tok of res.body.data) assert.equal(tok.user_id, a.id, 'only own tokens are listed');
      } };
    } },
  { endpoint: 'GET /api/v1/tokens?user_id=all', expect: [401, 403, 403, 403, 403, 200],
    run: async (w, a) => ({ res: await w.as(a, 'GET', '/api/v1/tokens?user_id=all') }) },
  { endpoint: 'GET /api/v1/tokens?user_id=<someone else>', expect: [401, 403, 403, 403, 403, 200],
    run: async (w, a) => ({ res: await w.as(a, 'GET', `/api/v1/tokens?user_id=${w.actors.mgrB.id === a.id ? w.actors.viewA.id : w.actors.mgrB.id}`) }) },
  { endpoint: 'POST /api/v1/tokens (own)', expect: [401, 201, 201, 201, 201, 201],
    run: async (w, a) => {
      const res = await w.as(a, 'POST', '/api/v1/tokens', { name: 'mine' });
      return { res, verify: async (ok) => { if (ok) assert.equal(res.body.user_id, a.id); } };
    } },
  { endpoint: 'POST /api/v1/tokens (for another user)', expect: [401, 403, 403, 403, 403, 201],
    run: async (w, a) => {
      const u = await newUser(w);
      const res = await w.as(a, 'POST', '/api/v1/tokens', { name: 'theirs', user_id: u.id });
      return { res, verify: async (ok) => {
        const list = (await w.root('GET', `/api/v1/tokens?user_id=${u.id}`)).body.data;
        assert.equal(list.length, ok ? 2 : 1);
      } };
    } },
  { endpoint: 'DELETE /api/v1/tokens/:id (own)', expect: [401, 200, 200, 200, 200, 200],
    run: async (w, a) => {
      const owner = selfOf(w, a);
      const tok = await newTokenFor(w, owner.token!);
      const res = await w.as(a, 'DELETE', `/api/v1/tokens/${tok.id}`);
      return { res, verify: async (ok) => assert.equal((await w.t.request('GET', '/api/v1/auth/me', { token: tok.token })).status, ok ? 401 : 200) };
    } },
  { endpoint: "DELETE /api/v1/tokens/:id (someone else's)", expect: [401, 404, 404, 404, 404, 200],
    run: async (w, a) => {
      const u = await newUser(w);
      const tok = await newTokenFor(w, u.token);
      const res = await w.as(a, 'DELETE', `/api/v1/tokens/${tok.id}`);
      return { res, verify: async (ok) => assert.equal((await w.t.request('GET', '/api/v1/auth/me', { token: tok.token })).status, ok ? 401 : 200) };
    } },
  { endpoint: 'DELETE /api/v1/tokens/:id (unknown)', expect: [401, 404, 404, 404, 404, 404],
    run: async (w, a) => ({ res: await w.as(a, 'DELETE', '/api/v1/tokens/01900000-0000-7000-8000-000000000000') }) },

  // audit
  { endpoint: 'GET /api/v1/audit', expect: [401, 403, 403, 403, 403, 200],
    run: async (w, a) => ({ res: await w.as(a, 'GET', '/api/v1/audit') }) },

  // ops-as-code
  { endpoint: 'GET /api/v1/export', expect: [401, 200, 200, 200, 200, 200],
    run: async (w, a) => {
      const res = await w.as(a, 'GET', '/api/v1/export');
      return { res, verify: async (ok) => { if (ok) assert.ok(res.body.teams.some((x: any) => x.slug === 'team-a')); } };
    } },
  { endpoint: 'POST /api/v1/apply (empty document)', expect: [401, 200, 200, 200, 200, 200],
    run: async (w, a) => ({ res: await w.as(a, 'POST', '/api/v1/apply', { document: {} }) }) },
  { endpoint: 'POST /api/v1/apply (create a team)', expect: [401, 403, 403, 403, 403, 200],
    run: async (w, a) => {
      const slug = uniq('team');
      const res = await w.as(a, 'POST', '/api/v1/apply', { document: { teams: [{ slug, name: 'Applied' }] } });
      return { res, verify: async (ok) => assert.equal((await w.root('GET', `/api/v1/teams/${slug}`)).status, ok ? 200 : 404) };
    } },
  { endpoint: 'POST /api/v1/apply (change a service of team A)', expect: [401, 403, 403, 200, 403, 200],
    run: async (w, a) => {
      const s = await newServiceIn(w, 'team-a');
      const res = await w.as(a, 'POST', '/api/v1/apply', { document: { services: [{ slug: s.slug, name: 'Applied name', team: 'team-a' }] } });
      return { res, verify: async (ok) => {
        assert.equal((await w.root('GET', `/api/v1/services/${s.slug}`)).body.name, ok ? 'Applied name' : 'Fixture service');
        if (ok) assert.deepEqual(res.body.summary, { created: 0, changed: 1, unchanged: 0 });
      } };
    } },
];

const ERROR_CODE: Record<number, string> = { 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found' };

forEachDatabase('roles', (kind) => {
  let w: World;

  before(async () => {
    const t = await startTestApp(kind);
    const root = (method: string, path: string, body?: unknown) => t.request(method, path, { body });
    assert.equal((await root('POST', '/api/v1/teams', { slug: 'team-a', name: 'Team A' })).status, 201);
    assert.equal((await root('POST', '/api/v1/teams', { slug: 'team-b', name: 'Team B' })).status, 201);
    const mk = async (name: ActorName, spec: Parameters<TestApp['user']>[0]): Promise<Actor> => ({ name, ...(await t.user(spec)) });
    const actors: Record<ActorName, Actor> = {
      anon: { name: 'anon', id: '', email: '', token: null },
      viewA: await mk('viewA', { teams: { 'team-a': 'viewer' } }),
      respA: await mk('respA', { teams: { 'team-a': 'responder' } }),
      mgrA: await mk('mgrA', { teams: { 'team-a': 'manager' } }),
      mgrB: await mk('mgrB', { teams: { 'team-b': 'manager' } }),
      admin: await mk('admin', { admin: true }),
    };
    w = {
      t,
      actors,
      root,
      as: (actor, method, path, body) => t.request(method, path, { token: actor.token, body }),
    };
  });
  after(async () => w?.t.close());

  test('the matrix covers every actor for every row', () => {
    assert.ok(ROWS.length >= 35);
    for (const r of ROWS) assert.equal(r.expect.length, ACTORS.length, r.endpoint);
  });

  for (const row of ROWS) {
    ACTORS.forEach((actorName, i) => {
      const expected = row.expect[i]!;
      test(`${row.endpoint} as ${actorName} → ${expected}`, async () => {
        const { res, verify } = await row.run(w, w.actors[actorName]);
        if (expected >= 400) {
          assertError(res, expected, ERROR_CODE[expected]!, `${row.endpoint} as ${actorName}`);
        } else {
          assert.equal(res.status, expected, `${row.endpoint} as ${actorName}: ${res.text.slice(0, 300)}`);
          if (expected === 204) assert.equal(res.text, '');
          else assert.ok(res.body && typeof res.body === 'object', 'success responses are JSON objects');
        }
        await verify?.(expected < 400);
      });
    });
  }
});
