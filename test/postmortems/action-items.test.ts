import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { assertError, failingFields } from '../support/http.js';
import { declareIncident, resolveIncident, setupCatalog } from './support.js';

type U = { id: string; email: string; token: string };
const DAY = 86_400_000;

forEachDatabase('action items', (kind) => {
  let t: TestApp;
  let ana: U;
  let vic: U;
  let sam: U;
  let inc: { id: string; ref: string };
  let other: { id: string; ref: string };
  const clock = new ManualClock('2026-11-23T10:00:00.000Z');
  const list = async (qs: string, token?: string) => {
    const r = await t.request('GET', `/api/v1/action-items?${qs}`, { token });
    assert.equal(r.status, 200, r.text);
    return r.body.data as any[];
  };
  const create = async (body: Record<string, unknown>, token = ana.token) => {
    const r = await t.request('POST', '/api/v1/action-items', { token, body: { incident: inc.ref, ...body } });
    assert.equal(r.status, 201, r.text);
    return r.body;
  };
  const reminders = async (id: string) =>
    (await t.app.deps.db.selectFrom('notifications').select(['user_id', 'dedupe_key']).where('dedupe_key', 'like', `action_item:${id}:%`).execute());

  before(async () => {
    t = await startTestApp(kind, { clock });
    ({ responder: ana, viewer: vic, outsider: sam } = await setupCatalog(t));
    for (const u of [ana, vic]) {
      const cm = await t.request('POST', `/api/v1/users/${u.id}/contact-methods`, { token: u.token, body: { type: 'email', address: u.email } });
      assert.equal(cm.status, 201, cm.text);
    }
    inc = await declareIncident(t, { severity: 'SEV2', services: ['checkout'] });
    other = await declareIncident(t, { severity: 'SEV3', services: ['search-api'] });
    await resolveIncident(t, inc.id);
  });
  after(async () => t.close());

  test('create with owner, due date and priority; validation names the field', async () => {
    const item = await create({ title: 'Add a circuit breaker', description: 'On the **card** API', owner: 'me', due_date: '2026-12-01', priority: 'P1' });
    assert.equal(item.owner.id, ana.id);
    assert.equal(item.priority, 'P1');
    assert.equal(item.status, 'open');
    assert.equal(item.incident.ref, inc.ref);
    assert.ok(item.postmortem_id, 'linked to the auto-created postmortem');
    assert.equal(item.completed_at, null);
    assert.equal(item.overdue, false);
    const defaults = await create({ title: 'Defaults' });
    assert.equal(defaults.priority, 'P3');
    assert.equal(defaults.owner, null);

    const bad = async (body: Record<string, unknown>, field: string) => {
      const r = await t.request('POST', '/api/v1/action-items', { token: ana.token, body: { incident: inc.ref, title: 'x', ...body } });
      assertError(r, 400, 'validation_failed');
      assert.ok(failingFields(r).some((f) => f.startsWith(field)), `${field}: ${r.text}`);
    };
    await bad({ due_date: '2026-02-30' }, '/due_date');
    await bad({ due_date: 'tomorrow' }, '/due_date');
    await bad({ priority: 'high' }, '/priority');
    await bad({ status: 'closed' }, '/status');
    await bad({ owner: 'ghost@example.com' }, '/owner');
    await bad({ title: '' }, '/title');
    await bad({ postmortem: '00000000-0000-7000-8000-000000000000' }, '/postmortem');
    assertError(await t.request('POST', '/api/v1/action-items', { token: ana.token, body: { incident: 'INC-0', title: 'x' } }), 404, 'not_found');
  });

  test('update: done records completed_at, reopening clears it; the owner may update, other viewers may not', async () => {
    const item = await create({ title: 'Owned by a viewer', owner: vic.email, due_date: '2026-12-20' });
    const mine = await t.request('PATCH', `/api/v1/action-items/${item.id}`, { token: vic.token, body: { status: 'in_progress' } });
    assert.equal(mine.status, 200, mine.text);
    assert.equal(mine.body.status, 'in_progress');
    assertError(await t.request('PATCH', `/api/v1/action-items/${item.id}`, { token: sam.token, body: { status: 'done' } }), 403, 'forbidden');
    const stranger = await create({ title: 'Not the viewer’s' });
    assertError(await t.request('PATCH', `/api/v1/action-items/${stranger.id}`, { token: vic.token, body: { status: 'done' } }), 403, 'forbidden');

    clock.advance(60_000);
    const done = await t.request('PATCH', `/api/v1/action-items/${item.id}`, { token: ana.token, body: { status: 'done' } });
    assert.equal(done.body.completed_at, clock.now().toISOString());
    const reopened = await t.request('PATCH', `/api/v1/action-items/${item.id}`, { token: ana.token, body: { status: 'open', title: 'Renamed', owner: null } });
    assert.equal(reopened.body.completed_at, null);
    assert.equal(reopened.body.title, 'Renamed');
    assert.equal(reopened.body.owner, null);
    assert.equal((await t.request('GET', `/api/v1/action-items/${item.id}`, { token: vic.token })).body.title, 'Renamed');
    assertError(await t.request('GET', '/api/v1/action-items/not-an-id'), 404, 'not_found');
    assertError(await t.request('PATCH', `/api/v1/action-items/${item.id}`, { token: ana.token, body: { bogus: 1 } }), 400, 'validation_failed');
    const audit = await t.app.deps.db.selectFrom('audit_log').select('action').where('target_id', '=', item.id).execute();
    assert.equal(audit.filter((a) => a.action === 'action_item.update').length, 3);
  });

  test('one list across incidents: filters by status, owner, service, team, incident, overdue; cursor pages', async () => {
    const o1 = (await t.request('POST', '/api/v1/action-items', { body: { incident: other.ref, title: 'Search item', owner: sam.email, due_date: '2026-11-01' } })).body;
    const all = await list('limit=500');
    assert.ok(all.length >= 5);
    assert.deepEqual((await list(`service=search-api`)).map((i) => i.id), [o1.id]);
    assert.deepEqual((await list(`team=search`)).map((i) => i.id), [o1.id]);
    assert.ok((await list(`team=payments`)).every((i) => i.incident.id === inc.id));
    assert.deepEqual((await list(`incident=${other.ref}`)).map((i) => i.id), [o1.id]);
    assert.deepEqual((await list(`owner=me`, sam.token)).map((i) => i.id), [o1.id]);
    assert.ok((await list(`owner=${ana.email}`)).every((i) => i.owner?.id === ana.id));
    assert.deepEqual((await list(`overdue=true`)).map((i) => i.id), [o1.id], 'only the item due before today');
    assert.equal((await list(`overdue=true`))[0].overdue, true);
    const openOnes = await list('status=open,in_progress');
    assert.ok(openOnes.length > 0 && openOnes.every((i) => ['open', 'in_progress'].includes(i.status)));
    assertError(await t.request('GET', '/api/v1/action-items?status=closed'), 400, 'validation_failed');
    assertError(await t.request('GET', '/api/v1/action-items?overdue=maybe'), 400, 'validation_failed');
    assertError(await t.request('GET', '/api/v1/action-items?service=nope'), 404, 'not_found');

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const r: any = await t.request('GET', `/api/v1/action-items?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: vic.token });
      assert.ok(r.body.data.length <= 2);
      seen.push(...r.body.data.map((i: any) => i.id));
      cursor = r.body.next_cursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen, all.map((i) => i.id), 'pages cover the list exactly once, in order');
  });

  test('an overdue item reminds its owner once at the due date, re-arms when the date moves, never when done', async () => {
    clock.set('2026-12-01T09:00:00.000Z');
    const late = await create({ title: 'Write the runbook', owner: ana.email, due_date: '2026-12-02' });
    const closed = await create({ title: 'Closed in time', owner: ana.email, due_date: '2026-12-02' });
    const noOwner = await create({ title: 'Nobody', due_date: '2026-12-02' });
    await t.request('PATCH', `/api/v1/action-items/${closed.id}`, { token: ana.token, body: { status: 'done' } });

    clock.set('2026-12-02T23:59:00.000Z');
    await t.app.engine.drain();
    assert.equal((await reminders(late.id)).length, 0, 'due date itself is not overdue');
    clock.set('2026-12-03T00:00:30.000Z');
    await t.app.engine.drain();
    const first = await reminders(late.id);
    assert.equal(first.length, 1);
    assert.equal(first[0]!.user_id, ana.id);
    clock.advance(3 * DAY); // the daily sweep runs meanwhile
    await t.app.engine.drain();
    assert.equal((await reminders(late.id)).length, 1, 'once per due date');
    assert.equal((await reminders(closed.id)).length, 0, 'done: no reminder');
    assert.equal((await reminders(noOwner.id)).length, 0, 'no owner: nobody to remind');

    // Moving the due date re-arms the timer: the old one does not fire, the new one fires once.
    await t.request('PATCH', `/api/v1/action-items/${late.id}`, { token: ana.token, body: { due_date: '2026-12-10' } });
    clock.set('2026-12-10T12:00:00.000Z');
    await t.app.engine.drain();
    assert.equal((await reminders(late.id)).length, 1);
    clock.set('2026-12-11T00:00:01.000Z');
    await t.app.engine.drain();
    const again = await reminders(late.id);
    assert.equal(again.length, 2);
    assert.ok(again.some((r) => r.dedupe_key === `action_item:${late.id}:due:2026-12-10`));

    // Closing before the new date means no reminder; the pending timer is cancelled.
    await t.request('PATCH', `/api/v1/action-items/${late.id}`, { token: ana.token, body: { due_date: '2026-12-20' } });
    await t.request('PATCH', `/api/v1/action-items/${late.id}`, { token: ana.token, body: { status: 'done' } });
    const pending = await t.app.deps.db.selectFrom('engine_jobs').select('id').where('dedupe_key', '=', `action_item.overdue:${late.id}`).where('state', '=', 'pending').execute();
    assert.equal(pending.length, 0);
    clock.set('2026-12-25T00:00:00.000Z');
    await t.app.engine.drain();
    assert.equal((await reminders(late.id)).length, 2);
  });

  test('the daily sweep reminds items whose timer was lost', async () => {
    clock.set('2027-01-04T09:00:00.000Z');
    const item = await create({ title: 'Lost timer', owner: ana.email, due_date: '2027-01-05' });
    await t.app.deps.db.updateTable('engine_jobs').set({ state: 'cancelled', dedupe_key: null }).where('dedupe_key', '=', `action_item.overdue:${item.id}`).execute();
    clock.set('2027-01-07T12:00:00.000Z');
    await t.app.engine.drain();
    assert.equal((await reminders(item.id)).length, 1);
  });
});
