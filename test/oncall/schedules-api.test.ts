// On-call schedules over HTTP: CRUD, validation, authorization, overrides, gaps, timeline, iCal feeds, ops-as-code.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import YAML from 'yaml';
import { ManualClock } from '../../src/core/clock.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';

// Monday 2026-01-05 12:00 UTC.
const NOW = '2026-01-05T12:00:00.000Z';

const EXAMPLE_YAML = `teams:
  - slug: platform
    name: Platform
users:
  - email: ana@example.com
    name: Ana Silva
    teams: { platform: responder }
  - email: bo@example.com
    name: Bo Chen
    teams: { platform: responder }
schedules:
  - slug: platform-primary
    name: Platform primary
    team: platform
    timezone: Europe/Lisbon
    layers:
      - rotation: weekly
        handoff: "2026-01-05T09:00"
        users: [ana@example.com, bo@example.com]
`;

forEachDatabase('on-call schedules API', (kind) => {
  let t: TestApp;
  const clock = new ManualClock(NOW);
  let manager: { id: string; email: string; token: string };
  let viewer: { id: string; email: string; token: string };
  let responder: { id: string; email: string; token: string };
  let outsider: { id: string; email: string; token: string };
  let alice: { id: string; email: string; token: string };
  let bob: { id: string; email: string; token: string };

  before(async () => {
    t = await startTestApp(kind, { clock });
    const team = await t.request('POST', '/api/v1/teams', { body: { slug: 'payments', name: 'Payments' } });
    assert.equal(team.status, 201, team.text);
    manager = await t.user({ teams: { payments: 'manager' } });
    viewer = await t.user({ teams: { payments: 'viewer' } });
    responder = await t.user({ teams: { payments: 'responder' } });
    outsider = await t.user();
    alice = await t.user({ email: `alice-${kind}@example.com`, teams: { payments: 'viewer' } });
    bob = await t.user({ email: `bob-${kind}@example.com` });
  });
  after(async () => t.close());

  const weekly = (slug: string, extra: Record<string, unknown> = {}) => ({
    slug,
    name: `Schedule ${slug}`,
    team: 'payments',
    time_zone: 'UTC',
    layers: [{ name: 'primary', rotation: 'weekly', handoff: '2026-01-05T09:00', participants: [alice.email, bob.id] }],
    ...extra,
  });

  test('CRUD: participants by email or id, stored as ids and returned with user info', async () => {
    const created = await t.request('POST', '/api/v1/schedules', { token: manager.token, body: weekly('crud') });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body.layers[0].participants.map((p: any) => p.id), [alice.id, bob.id]);
    assert.equal(created.body.layers[0].participants[0].email, alice.email);
    assert.equal(created.body.layers[0].participants[0].name, alice.email.split('@')[0]);
    assert.equal(created.body.team.slug, 'payments');

    const bySlug = await t.request('GET', '/api/v1/schedules/crud', { token: viewer.token });
    const byId = await t.request('GET', `/api/v1/schedules/${created.body.id}`, { token: outsider.token });
    assert.equal(bySlug.status, 200);
    assert.deepEqual(bySlug.body, byId.body);

    const list = await t.request('GET', '/api/v1/schedules');
    assert.ok(list.body.data.some((s: any) => s.slug === 'crud'));

    const patched = await t.request('PATCH', '/api/v1/schedules/crud', {
      token: manager.token,
      body: { name: 'Renamed', layers: [{ rotation: 'daily', handoff: '2026-01-05T09:00', participants: [bob.email] }] },
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.name, 'Renamed');
    assert.deepEqual(patched.body.layers[0].participants.map((p: any) => p.id), [bob.id]);

    const audit = await t.app.deps.db.selectFrom('audit_log').select('action').where('target_id', '=', created.body.id).execute();
    const actions = audit.map((a) => a.action);
    assert.ok(actions.includes('schedule.create') && actions.includes('schedule.update'), JSON.stringify(actions));

    assert.equal((await t.request('DELETE', '/api/v1/schedules/crud', { token: manager.token })).status, 204);
    assert.equal((await t.request('GET', '/api/v1/schedules/crud')).status, 404);
  });

  test('validation: 400 with field paths from the schedule checks and unknown users', async () => {
    const r = await t.request('POST', '/api/v1/schedules', {
      token: manager.token,
      body: weekly('bad', {
        layers: [
          { rotation: 'weekly', handoff: '2026-02-30T09:00', participants: [alice.email, 'nobody@example.com'] },
          { rotation: 'daily', handoff: '2026-01-05T09:00', participants: [bob.id], restrictions: [{ day_of_week: 1, start: '25:00', end: '17:00' }] },
        ],
      }),
    });
    assert.equal(r.status, 400, r.text);
    const paths = r.body.error.details.fields.map((f: any) => f.path);
    assert.ok(paths.includes('/layers/0/handoff'), JSON.stringify(paths));
    assert.ok(paths.includes('/layers/0/participants/1'), JSON.stringify(paths));
    assert.ok(paths.includes('/layers/1/restrictions/0/start'), JSON.stringify(paths));

    const tz = await t.request('POST', '/api/v1/schedules', { token: manager.token, body: weekly('bad-tz', { time_zone: 'Mars/Olympus' }) });
    assert.equal(tz.status, 400);
    assert.equal(tz.body.error.details.fields[0].path, '/time_zone');
  });

  test('authorization: viewer and outsider get 403 on create; manager may', async () => {
    assert.equal((await t.request('POST', '/api/v1/schedules', { token: viewer.token, body: weekly('authz') })).status, 403);
    assert.equal((await t.request('POST', '/api/v1/schedules', { token: outsider.token, body: weekly('authz') })).status, 403);
    assert.equal((await t.request('POST', '/api/v1/schedules', { token: null, body: weekly('authz') })).status, 401);
    assert.equal((await t.request('POST', '/api/v1/schedules', { token: manager.token, body: weekly('authz') })).status, 201);
    assert.equal((await t.request('PATCH', '/api/v1/schedules/authz', { token: responder.token, body: { name: 'x' } })).status, 403);
    assert.equal((await t.request('DELETE', '/api/v1/schedules/authz', { token: outsider.token })).status, 403);
  });

  test('an override changes who is on call; outsiders may only cover themselves', async () => {
    clock.set(NOW);
    assert.equal((await t.request('POST', '/api/v1/schedules', { token: manager.token, body: weekly('ovr') })).status, 201);
    const before = await t.request('GET', '/api/v1/schedules/ovr/oncall');
    assert.equal(before.status, 200, before.text);
    assert.deepEqual(before.body.on_call.map((u: any) => u.id), [alice.id]);
    assert.equal(before.body.until, '2026-01-12T09:00:00.000Z');
    assert.equal(before.body.next.user.id, bob.id);

    const body = { user: bob.email, start: '2026-01-05T11:00:00Z', end: '2026-01-05T14:00:00Z', note: 'swap' };
    assert.equal((await t.request('POST', '/api/v1/schedules/ovr/overrides', { token: outsider.token, body })).status, 403);
    assert.equal((await t.request('POST', '/api/v1/schedules/ovr/overrides', { token: viewer.token, body })).status, 403);
    const bad = await t.request('POST', '/api/v1/schedules/ovr/overrides', { token: responder.token, body: { ...body, end: body.start } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.fields[0].path, '/end');

    const own = await t.request('POST', '/api/v1/schedules/ovr/overrides', { token: bob.token, body });
    assert.equal(own.status, 201, own.text);
    assert.equal(own.body.user.id, bob.id);
    const during = await t.request('GET', '/api/v1/schedules/ovr/oncall');
    assert.deepEqual(during.body.on_call.map((u: any) => u.id), [bob.id]);
    assert.equal(during.body.until, '2026-01-05T14:00:00.000Z');
    const later = await t.request('GET', '/api/v1/schedules/ovr/oncall?at=2026-01-05T15:00:00Z');
    assert.deepEqual(later.body.on_call.map((u: any) => u.id), [alice.id]);

    clock.set('2026-01-05T13:00:00Z');
    const now = await t.request('GET', '/api/v1/oncall/now');
    const entry = now.body.schedules.find((s: any) => s.schedule.slug === 'ovr');
    assert.deepEqual(entry.on_call.map((u: any) => u.id), [bob.id]);

    const shown = await t.request('GET', '/api/v1/schedules/ovr');
    assert.equal(shown.body.overrides.length, 1);

    assert.equal((await t.request('DELETE', `/api/v1/schedules/ovr/overrides/${own.body.id}`, { token: outsider.token })).status, 403);
    assert.equal((await t.request('DELETE', `/api/v1/schedules/ovr/overrides/${own.body.id}`, { token: responder.token })).status, 204);
    const afterDelete = await t.request('GET', '/api/v1/schedules/ovr/oncall');
    assert.deepEqual(afterDelete.body.on_call.map((u: any) => u.id), [alice.id]);

    const events = await t.app.deps.db.selectFrom('events').select('type').where('type', 'like', 'schedule.%').execute();
    const types = new Set(events.map((e) => e.type));
    for (const ty of ['schedule.created', 'schedule.override_created', 'schedule.override_deleted']) assert.ok(types.has(ty), ty);
    clock.set(NOW);
  });

  test('a business-hours layer leaves nights as gaps', async () => {
    clock.set(NOW);
    const body = weekly('biz', {
      layers: [{ rotation: 'weekly', handoff: '2026-01-05T00:00', participants: [alice.id], restrictions: [{ day_of_week: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }] }],
    });
    assert.equal((await t.request('POST', '/api/v1/schedules', { token: manager.token, body })).status, 201);
    const r = await t.request('GET', '/api/v1/schedules/biz/gaps?days=2');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.gaps, [
      { start: '2026-01-05T17:00:00.000Z', end: '2026-01-06T09:00:00.000Z' },
      { start: '2026-01-06T17:00:00.000Z', end: '2026-01-07T09:00:00.000Z' },
    ]);
    assert.equal((await t.request('GET', '/api/v1/schedules/biz/gaps?days=91')).status, 400);
    const night = await t.request('GET', '/api/v1/schedules/biz/oncall?at=2026-01-05T20:00:00Z');
    assert.deepEqual(night.body.on_call, []);
  });

  test('timeline: layers, overrides, final and gaps with user info; window capped at 93 days', async () => {
    clock.set(NOW);
    const r = await t.request('GET', '/api/v1/schedules/biz/timeline?from=2026-01-05T00:00:00Z&to=2026-01-06T00:00:00Z');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.from, '2026-01-05T00:00:00.000Z');
    assert.equal(r.body.layers.length, 1);
    assert.deepEqual(r.body.layers[0].entries.map((e: any) => [e.start, e.end, e.user.email]), [['2026-01-05T09:00:00.000Z', '2026-01-05T17:00:00.000Z', alice.email]]);
    assert.deepEqual(r.body.final.map((e: any) => [e.start, e.end, e.user.id, e.source]), [['2026-01-05T09:00:00.000Z', '2026-01-05T17:00:00.000Z', alice.id, 0]]);
    assert.equal(r.body.gaps.length, 2);
    assert.deepEqual(r.body.overrides, []);
    const def = await t.request('GET', '/api/v1/schedules/biz/timeline');
    assert.equal(def.body.from, NOW);
    assert.equal(def.body.to, '2026-01-19T12:00:00.000Z');
    const wide = await t.request('GET', '/api/v1/schedules/biz/timeline?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z');
    assert.equal(wide.body.to, new Date(Date.parse('2026-01-01T00:00:00Z') + 93 * 86_400_000).toISOString());
    assert.equal((await t.request('GET', '/api/v1/schedules/biz/timeline?from=nonsense')).status, 400);
  });

  test('iCal feeds: valid text/calendar for the schedule and for a user; wrong token is 404', async () => {
    clock.set(NOW);
    await t.request('POST', '/api/v1/schedules', { token: manager.token, body: weekly('cal') });
    const feed = await t.request('GET', '/api/v1/schedules/cal/feed');
    assert.equal(feed.status, 200, feed.text);
    assert.match(feed.body.path, /^\/ical\/schedules\/[A-Za-z0-9_-]+\.ics$/);
    const ics = await t.request('GET', feed.body.path, { token: null });
    assert.equal(ics.status, 200, ics.text);
    assert.match(ics.headers.get('content-type')!, /^text\/calendar/);
    assert.ok(ics.text.startsWith('BEGIN:VCALENDAR\r\n') && ics.text.endsWith('END:VCALENDAR\r\n'));
    const summaries = [...ics.text.matchAll(/^SUMMARY:(.*)$/gm)].map((m) => m[1]!.trim());
    assert.ok(summaries.some((s) => s.includes(alice.email.split('@')[0]!)), summaries.join('|'));
    assert.ok(summaries.some((s) => s.includes(bob.email.split('@')[0]!)), summaries.join('|'));
    assert.equal((ics.text.match(/BEGIN:VEVENT/g) ?? []).length, (ics.text.match(/END:VEVENT/g) ?? []).length);

    assert.equal((await t.request('GET', '/ical/schedules/wrong-token-wrong-token.ics', { token: null })).status, 404);
    assert.equal((await t.request('GET', '/ical/users/wrong-token-wrong-token.ics', { token: null })).status, 404);

    const rotated = await t.request('POST', '/api/v1/schedules/cal/feed/rotate', { token: manager.token });
    assert.equal(rotated.status, 200, rotated.text);
    assert.notEqual(rotated.body.path, feed.body.path);
    assert.equal((await t.request('GET', feed.body.path, { token: null })).status, 404);
    assert.equal((await t.request('POST', '/api/v1/schedules/cal/feed/rotate', { token: viewer.token })).status, 403);

    const mine = await t.request('GET', '/api/v1/users/me/feed', { token: bob.token });
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual((await t.request('GET', '/api/v1/users/me/feed', { token: bob.token })).body, mine.body);
    const userIcs = await t.request('GET', mine.body.path, { token: null });
    assert.equal(userIcs.status, 200);
    assert.match(userIcs.headers.get('content-type')!, /^text\/calendar/);
    assert.ok(userIcs.text.includes('SUMMARY:On call: Schedule cal'), userIcs.text.slice(0, 2000));
    assert.ok(!userIcs.text.includes('SUMMARY:On call: Schedule biz'), 'bob is not on the biz schedule');
    const newMine = await t.request('POST', '/api/v1/users/me/feed', { token: bob.token });
    assert.notEqual(newMine.body.path, mine.body.path);
    assert.equal((await t.request('GET', mine.body.path, { token: null })).status, 404);
  });

  test('ops-as-code: the example YAML creates the schedule, re-apply and export round-trip are unchanged', async () => {
    const doc = YAML.parse(EXAMPLE_YAML);
    const first = await t.request('POST', '/api/v1/apply', { body: { document: doc } });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body.changes.find((c: any) => c.kind === 'schedule'), { kind: 'schedule', key: 'platform-primary', action: 'created', changes: {} });
    const s = await t.request('GET', '/api/v1/schedules/platform-primary');
    assert.equal(s.body.time_zone, 'Europe/Lisbon');
    assert.deepEqual(s.body.layers[0].participants.map((p: any) => p.email), ['ana@example.com', 'bo@example.com']);

    const again = await t.request('POST', '/api/v1/apply', { body: { document: doc } });
    assert.deepEqual(again.body.summary, { created: 0, changed: 0, unchanged: 4 }, JSON.stringify(again.body.changes));

    const exported = await t.request('GET', '/api/v1/export');
    const sched = exported.body.schedules.find((x: any) => x.slug === 'platform-primary');
    assert.deepEqual(sched, YAML.parse(EXAMPLE_YAML).schedules[0]);
    const roundTrip = await t.request('POST', '/api/v1/apply', { body: { document: exported.body } });
    assert.equal(roundTrip.status, 200, roundTrip.text);
    assert.equal(roundTrip.body.summary.changed, 0, JSON.stringify(roundTrip.body.changes));

    const swapped = structuredClone(doc);
    swapped.schedules[0].layers[0].users.reverse();
    const changed = await t.request('POST', '/api/v1/apply', { body: { document: swapped, dry_run: true } });
    const entry = changed.body.changes.find((c: any) => c.kind === 'schedule');
    assert.equal(entry.action, 'changed');
    assert.deepEqual(Object.keys(entry.changes), ['layers']);

    const badUser = structuredClone(doc);
    badUser.schedules[0].layers[0].users.push('ghost@example.com');
    const bad = await t.request('POST', '/api/v1/apply', { body: { document: badUser } });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.body.error.details.fields[0].path, '/document/schedules/0/layers/0/users/2');
  });
});
