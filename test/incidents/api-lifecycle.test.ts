import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { seedWorld, timeline, type World } from './core-support.js';

forEachDatabase('incidents: lifecycle API', (kind) => {
  let t: TestApp;
  let w: World;
  const clock = new ManualClock('2026-11-23T10:00:00.000Z');

  before(async () => {
    t = await startTestApp(kind, { clock });
    w = await seedWorld(t);
  });
  after(async () => t.close());

  const declare = (body: Record<string, unknown>, token?: string) => t.request('POST', '/api/v1/incidents', { body, token });

  test('severities are seeded from the seeds’ table', async () => {
    const r = await t.request('GET', '/api/v1/incident-severities', { token: w.viewer.token });
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.data.map((s: any) => [s.key, s.ack_target_minutes, s.requires_postmortem]),
      [['SEV1', 15, true], ['SEV2', 30, true], ['SEV3', 240, false], ['SEV4', 1440, false]],
    );
    assert.match(r.body.data[0].description, /Critical, widespread impact/);
    assert.equal(r.body.data[0].examples, 'System down, data loss');
  });

  test('declare from scratch: INC numbers, lookup by id, INC-n and n, audit', async () => {
    const a = await declare({ title: 'Checkout errors', severity: 'sev2', services: ['checkout'], page: { services: false } }, w.ana.token);
    assert.equal(a.status, 201, a.text);
    assert.match(a.body.ref, /^INC-\d+$/);
    assert.equal(a.body.severity, 'SEV2');
    assert.equal(a.body.status, 'investigating');
    assert.equal(a.body.declared_by.email, w.ana.email);
    assert.deepEqual(a.body.services.map((s: any) => s.slug), ['checkout']);
    assert.equal(a.body.ack_due_at, new Date(Date.parse(a.body.declared_at) + 30 * 60_000).toISOString());
    const b = await declare({ title: 'Second', severity: 'SEV4' }, w.ana.token);
    assert.equal(b.body.number, a.body.number + 1);
    for (const ref of [a.body.id, a.body.ref, a.body.ref.toLowerCase(), String(a.body.number)]) {
      const g = await t.request('GET', `/api/v1/incidents/${ref}`, { token: w.viewer.token });
      assert.equal(g.status, 200, `${ref}: ${g.text}`);
      assert.equal(g.body.id, a.body.id);
      assert.equal(g.body.can_edit, false, 'viewer cannot edit');
    }
    assert.equal((await t.request('GET', '/api/v1/incidents/INC-99999')).status, 404);
    assert.equal((await t.request('GET', '/api/v1/incidents/nonsense')).status, 404);
    const audit = await t.app.deps.db.selectFrom('audit_log').select('action').where('target_id', '=', a.body.id).execute();
    assert.ok(audit.some((x) => x.action === 'incident.declare'));
    const tl = await timeline(t, a.body.ref);
    assert.equal(tl[0]!.kind, 'declared');
    assert.ok(tl[0]!.key_event);
  });

  test('status transitions: forward skips, regression, 409 on resolved without reopen, impact required', async () => {
    const inc = (await declare({ title: 'Latency', severity: 'SEV3', services: ['checkout'], page: { services: false } }, w.ana.token)).body;
    const status = (body: Record<string, unknown>, token = w.ana.token) => t.request('POST', `/api/v1/incidents/${inc.ref}/status`, { body, token });
    clock.advance(60_000);
    const m = await status({ status: 'mitigated', note: 'rolled back' });
    assert.equal(m.status, 200, m.text);
    assert.ok(m.body.mitigated_at);
    assert.equal(m.body.identified_at, null);
    assert.ok(m.body.acknowledged_at, 'working the incident acknowledges it');
    const same = await status({ status: 'mitigated' });
    assert.equal(same.status, 409);
    assert.match(same.body.error.message, /already mitigated/);
    clock.advance(60_000);
    const back = await status({ status: 'identified' });
    assert.equal(back.status, 200, 'regression from mitigated to identified is allowed');
    assert.ok(back.body.identified_at);
    const noImpact = await status({ status: 'resolved' });
    assert.equal(noImpact.status, 400);
    assert.equal(noImpact.body.error.details.fields[0].path, '/impact');
    const r = await status({ status: 'resolved', impact: 'Checkout slow for EU customers', users_affected: 1200 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.impact, 'Checkout slow for EU customers');
    assert.equal(r.body.users_affected, 1200);
    assert.ok(r.body.resolved_at);
    const bad = await status({ status: 'identified' });
    assert.equal(bad.status, 409);
    assert.match(bad.body.error.message, /reopen/i);
    assert.deepEqual(bad.body.error.details, { from: 'resolved', to: 'identified' });
    assert.equal((await t.request('POST', `/api/v1/incidents/${inc.ref}/reopen`, { body: { reason: 'came back' }, token: w.bo.token })).status, 200);
    assert.equal((await t.request('POST', `/api/v1/incidents/${inc.ref}/reopen`, { body: {}, token: w.bo.token })).status, 409, 'only resolved incidents reopen');
    const tl = await timeline(t, inc.ref);
    const kinds = tl.filter((e) => e.kind === 'status_changed' || e.kind === 'reopened').map((e) => e.summary);
    assert.deepEqual(kinds, ['Status: Investigating → Mitigated', 'Status: Mitigated → Identified', 'Status: Identified → Resolved', 'Incident reopened: Resolved → Investigating']);
    assert.equal(tl.find((e) => e.kind === 'status_changed')!.body, 'rolled back');
    const events = await t.app.deps.db.selectFrom('events').select(['type', 'payload']).where('subject_id', '=', inc.id).where('type', 'like', 'incident.%').orderBy('seq').execute();
    const types = events.map((e) => e.type);
    for (const ty of ['incident.declared', 'incident.status_changed', 'incident.resolved', 'incident.reopened']) assert.ok(types.includes(ty), ty);
    assert.deepEqual(JSON.parse(events.find((e) => e.type === 'incident.status_changed')!.payload).from, 'investigating');
  });

  test('roles: assignment and hand-over history, timeline and events; clearing', async () => {
    const inc = (await declare({ title: 'Roles', severity: 'SEV3', services: ['checkout'], page: { services: false } }, w.ana.token)).body;
    const assign = (role: string, user: string | null) => t.request('POST', `/api/v1/incidents/${inc.ref}/roles`, { body: { role, user }, token: w.ana.token });
    assert.equal((await assign('commander', w.ana.email)).body.roles.commander.email, w.ana.email);
    clock.advance(60_000);
    const handed = await assign('commander', w.bo.email);
    assert.equal(handed.body.roles.commander.email, w.bo.email);
    assert.equal((await assign('commander', w.bo.email)).status, 409);
    assert.equal((await assign('scribe', w.viewer.email)).status, 200, 'any user can be scribe');
    assert.equal((await assign('scribe', null)).body.roles.scribe, null);
    assert.equal((await assign('communications', 'nobody@example.com')).status, 400);
    assert.equal((await assign('king', w.bo.email)).status, 400);
    const detail = (await t.request('GET', `/api/v1/incidents/${inc.ref}`)).body;
    const cmd = detail.role_history.filter((h: any) => h.role === 'commander');
    assert.deepEqual(cmd.map((h: any) => [h.user.email, h.ended_at === null]), [[w.ana.email, false], [w.bo.email, true]]);
    const tl = await timeline(t, inc.ref);
    assert.ok(tl.some((e) => e.kind === 'role_assigned' && e.summary === `${w.bo.email} is now incident commander (handed over from ${w.ana.email})`));
    assert.ok(tl.some((e) => e.kind === 'role_assigned' && /Scribe unassigned/.test(e.summary)));
    const ev = await t.app.deps.db.selectFrom('events').select('type').where('subject_id', '=', inc.id).where('type', '=', 'incident.role_assigned').execute();
    assert.equal(ev.length, 4);
  });

  test('authorization: viewers read but cannot change; responders of another team cannot change', async () => {
    const inc = (await declare({ title: 'Authz', severity: 'SEV3', services: ['checkout'], page: { services: false } }, w.ana.token)).body;
    for (const token of [w.viewer.token, w.outsider.token]) {
      assert.equal((await t.request('GET', `/api/v1/incidents/${inc.ref}`, { token })).status, 200);
      assert.equal((await t.request('GET', `/api/v1/incidents/${inc.ref}/timeline`, { token })).status, 200);
      assert.equal((await t.request('POST', `/api/v1/incidents/${inc.ref}/status`, { body: { status: 'identified' }, token })).status, 403);
      assert.equal((await t.request('PATCH', `/api/v1/incidents/${inc.ref}`, { body: { title: 'x' }, token })).status, 403);
      assert.equal((await t.request('POST', `/api/v1/incidents/${inc.ref}/timeline`, { body: { body: 'hi' }, token })).status, 403);
      assert.equal((await t.request('POST', `/api/v1/incidents/${inc.ref}/roles`, { body: { role: 'scribe', user: w.ana.email }, token })).status, 403);
      assert.equal((await t.request('POST', `/api/v1/incidents/${inc.ref}/acknowledge`, { token })).status, 403);
    }
    assert.equal((await declare({ title: 'x', severity: 'SEV3', services: ['checkout'] }, w.viewer.token)).status, 403, 'viewer cannot declare');
    assert.equal((await declare({ title: 'x', severity: 'SEV3', services: ['checkout'] }, w.outsider.token)).status, 403, 'other team cannot declare on checkout');
    assert.equal((await declare({ title: 'x', severity: 'SEV3' }, w.viewer.token)).status, 403, 'a viewer is no responder anywhere');
    assert.equal((await t.request('GET', `/api/v1/incidents/${inc.ref}`, { token: null })).status, 401);
    // Adding search (outsider's team) makes outsider an editor too: ANY affected service's team.
    assert.equal((await t.request('PATCH', `/api/v1/incidents/${inc.ref}`, { body: { services: ['checkout', 'search'] }, token: w.ana.token })).status, 200);
    assert.equal((await t.request('POST', `/api/v1/incidents/${inc.ref}/status`, { body: { status: 'identified' }, token: w.outsider.token })).status, 200);
  });

  test('severity change: timeline, event, audit; unknown severity 400', async () => {
    const inc = (await declare({ title: 'Sev', severity: 'SEV3', services: ['checkout'], page: { services: false } }, w.ana.token)).body;
    const r = await t.request('PATCH', `/api/v1/incidents/${inc.ref}`, { body: { severity: 'SEV1', summary: 'worse' }, token: w.bo.token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.severity, 'SEV1');
    assert.equal(r.body.ack_due_at, new Date(Date.parse(inc.declared_at) + 15 * 60_000).toISOString());
    assert.equal((await t.request('PATCH', `/api/v1/incidents/${inc.ref}`, { body: { severity: 'SEV9' } })).status, 400);
    const tl = await timeline(t, inc.ref);
    assert.ok(tl.some((e) => e.kind === 'severity_changed' && e.summary === 'Severity raised: SEV3 → SEV1' && e.key_event));
    const ev = await t.app.deps.db.selectFrom('events').select('payload').where('subject_id', '=', inc.id).where('type', '=', 'incident.severity_changed').executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(ev.payload), { from: 'SEV3', to: 'SEV1' });
  });

  test('timeline notes (Markdown kept raw) and key events; other incident’s entry is 404', async () => {
    const inc = (await declare({ title: 'Notes', severity: 'SEV4', services: ['checkout'], page: { services: false } }, w.ana.token)).body;
    const other = (await declare({ title: 'Other', severity: 'SEV4', services: ['checkout'], page: { services: false } }, w.ana.token)).body;
    const n = await t.request('POST', `/api/v1/incidents/${inc.ref}/timeline`, { body: { body: '**Rolled back** <img src=x onerror=alert(1)>' }, token: w.bo.token });
    assert.equal(n.status, 201, n.text);
    assert.equal(n.body.body, '**Rolled back** <img src=x onerror=alert(1)>');
    assert.equal(n.body.key_event, false);
    assert.equal(n.body.actor.label, w.bo.email);
    const k = await t.request('PATCH', `/api/v1/incidents/${inc.ref}/timeline/${n.body.id}`, { body: { key_event: true }, token: w.bo.token });
    assert.equal(k.body.key_event, true);
    const keyOnly = (await t.request('GET', `/api/v1/incidents/${inc.ref}/timeline?key_events=true`)).body.data;
    assert.ok(keyOnly.some((e: any) => e.id === n.body.id));
    assert.ok(keyOnly.every((e: any) => e.key_event));
    assert.equal((await t.request('PATCH', `/api/v1/incidents/${other.ref}/timeline/${n.body.id}`, { body: { key_event: true } })).status, 404);
    const unk = await t.request('PATCH', `/api/v1/incidents/${inc.ref}/timeline/${n.body.id}`, { body: { key_event: false } });
    assert.equal(unk.body.key_event, false);
  });

  test('list: filters and cursor pagination', async () => {
    const all = (await t.request('GET', '/api/v1/incidents?limit=500')).body.data;
    assert.ok(all.length >= 6);
    const numbers = all.map((i: any) => i.number);
    assert.deepEqual(numbers, [...numbers].sort((a: number, b: number) => b - a));
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: any = (await t.request('GET', `/api/v1/incidents?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body;
      seen.push(...page.data.map((i: any) => i.number));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, numbers);
    const open = (await t.request('GET', '/api/v1/incidents?status=open&limit=500')).body.data;
    assert.ok(open.every((i: any) => i.status !== 'resolved'));
    const sev4 = (await t.request('GET', '/api/v1/incidents?severity=SEV4&limit=500')).body.data;
    assert.ok(sev4.length >= 2 && sev4.every((i: any) => i.severity === 'SEV4'));
    const search = (await t.request('GET', '/api/v1/incidents?service=search&limit=500')).body.data;
    assert.deepEqual(search.map((i: any) => i.title), ['Authz']);
    assert.deepEqual((await t.request('GET', '/api/v1/incidents?team=search&limit=500')).body.data.map((i: any) => i.title), ['Authz']);
    assert.deepEqual((await t.request('GET', '/api/v1/incidents?q=latenc')).body.data.map((i: any) => i.title), ['Latency']);
    const byRef = (await t.request('GET', `/api/v1/incidents?q=${all[0].ref}`)).body.data;
    assert.equal(byRef[0].id, all[0].id);
    assert.equal((await t.request('GET', '/api/v1/incidents?status=bogus')).status, 400);
    assert.equal((await t.request('GET', '/api/v1/incidents?service=nope')).status, 404);
    assert.equal((await t.request('GET', '/api/v1/incidents?cursor=%%%')).status, 400);
  });
});
