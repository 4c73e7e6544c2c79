import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../src/core/clock.js';
import { armRunbookJobs, REVIEW_SWEEP } from '../../src/domains/runbooks/jobs.js';
import { reviewDueAt } from '../../src/domains/runbooks/repo.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { createRunbook, seedLibrary } from './library-support.js';

const DAY = 86_400_000;

test('review due date: cadence days after the last review (or creation), never before it', () => {
  fc.assert(
    fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), fc.option(fc.integer({ min: 0, max: 1000 * DAY })), fc.integer({ min: 1, max: 3650 }), (created, reviewedAfter, cadence) => {
      const createdIso = created.toISOString();
      const reviewed = reviewedAfter === null ? null : new Date(created.getTime() + reviewedAfter).toISOString();
      const due = reviewDueAt(reviewed, createdIso, cadence);
      assert.equal(Date.parse(due) - Date.parse(reviewed ?? createdIso), cadence * DAY);
      assert.ok(due > (reviewed ?? createdIso), 'ISO text order is time order');
    }),
  );
});

forEachDatabase('runbook review reminders', (kind) => {
  let t: TestApp;
  let u: Awaited<ReturnType<typeof seedLibrary>>;
  const clock = new ManualClock('2026-11-23T10:00:00.000Z');
  const tick = async (days: number) => {
    clock.advance(days * DAY);
    await t.app.engine.drain();
  };
  const reminders = async () =>
    (await t.app.deps.db.selectFrom('events').select(['payload', 'subject_id']).where('type', '=', 'runbook.review_due').orderBy('seq').execute()).map((e) => ({ id: e.subject_id, ...JSON.parse(e.payload) }));
  const notes = async (userId: string) =>
    (await t.app.deps.db.selectFrom('notifications').select(['subject', 'user_id']).where('user_id', '=', userId).execute()).filter((n) => n.subject.startsWith('Runbook due for review'));

  before(async () => {
    t = await startTestApp(kind, { clock });
    u = await seedLibrary(t);
    for (const who of [u.manager, u.responder]) {
      const r = await t.request('POST', `/api/v1/users/${who.id}/contact-methods`, { token: who.token, body: { type: 'email', address: who.email } });
      assert.equal(r.status, 201, r.text);
    }
    await t.app.engine.drain();
  });
  after(async () => t.close());

  test('the sweep is armed once, under a fixed key', async () => {
    await armRunbookJobs(t.app.deps);
    await armRunbookJobs(t.app.deps);
    const pending = await t.app.deps.db.selectFrom('engine_jobs').select('id').where('kind', '=', REVIEW_SWEEP).where('state', '=', 'pending').execute();
    assert.equal(pending.length, 1);
  });

  test('stale after the cadence: flagged, filtered, owner reminded once per stale period; review opens a new period', async () => {
    const team = await createRunbook(t, { slug: 'team-owned', review_cadence_days: 7 });
    const named = await createRunbook(t, { slug: 'person-owned', owner: u.responder.email, review_cadence_days: 30 });
    await tick(6);
    assert.deepEqual(await reminders(), []);
    assert.equal((await t.request('GET', '/api/v1/runbooks?stale=true')).body.data.length, 0);
    await tick(2); // day 8: team-owned is stale
    const list = (await t.request('GET', '/api/v1/runbooks?stale=true')).body.data;
    assert.deepEqual(list.map((r: any) => [r.slug, r.stale]), [['team-owned', true]]);
    assert.deepEqual((await t.request('GET', '/api/v1/runbooks?stale=false')).body.data.map((r: any) => r.slug), ['person-owned']);
    let rem = await reminders();
    assert.equal(rem.length, 1);
    assert.equal(rem[0].id, team.id);
    assert.deepEqual(rem[0].reminded, [u.manager.id], 'no named owner: the team managers');
    assert.equal((await notes(u.manager.id)).length, 1);
    await tick(1);
    await tick(1);
    assert.equal((await reminders()).length, 1, 'once per stale period');
    assert.equal((await notes(u.manager.id)).length, 1);

    await t.request('POST', '/api/v1/runbooks/team-owned/review', { token: u.responder.token, body: {} });
    await tick(6);
    assert.equal((await reminders()).length, 1);
    await tick(2); // 7 days after the review
    rem = await reminders();
    assert.equal(rem.length, 2, 'a new period reminds again');
    assert.equal(rem[1].id, team.id);

    await tick(21); // person-owned passes 30 days
    rem = await reminders();
    const p = rem.find((r) => r.id === named.id);
    assert.ok(p, JSON.stringify(rem));
    assert.deepEqual(p.reminded, [u.responder.id], 'a named owner is reminded instead of the managers');
    assert.equal((await notes(u.responder.id)).length, 1);
  });

  test('shortening the cadence can make a runbook stale at once', async () => {
    const rb = await createRunbook(t, { slug: 'cadence', review_cadence_days: 90 });
    await tick(10);
    assert.equal((await t.request('GET', '/api/v1/runbooks/cadence')).body.stale, false);
    const r = await t.request('PATCH', '/api/v1/runbooks/cadence', { body: { base_version: rb.current_version, review_cadence_days: 5 } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.stale, true);
  });
});
