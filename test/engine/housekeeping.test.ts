import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { forEachDatabase, startTestApp, ADMIN_EMAIL, ADMIN_PASSWORD, type TestApp } from '../support/app.js';

const DAY = 86_400_000;

forEachDatabase('housekeeping', (kind) => {
  let t: TestApp;
  const clock = new ManualClock('2026-11-23T10:00:00.000Z');
  before(async () => {
    t = await startTestApp(kind, { clock, config: { sessionTtlHours: 1 } });
  });
  after(async () => t.close());

  test('removes expired sessions and week-old finished jobs, keeps the audit log, and re-arms itself', async () => {
    const login = await t.request('POST', '/api/v1/auth/login', { token: null, body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    assert.equal(login.status, 200);
    const db = t.app.deps.db;
    const count = async (table: 'sessions' | 'audit_log') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    assert.equal(await count('sessions'), 1);
    const audit = await count('audit_log');
    clock.advance(2 * 60_000);
    await t.app.engine.drain();
    const firstRun = await db.selectFrom('engine_jobs').select(['state', 'done_at']).where('kind', '=', 'engine.housekeeping').orderBy('created_at').execute();
    assert.deepEqual(firstRun.map((j) => j.state), ['done', 'pending'], 'ran once and armed the next run');
    assert.equal(await count('sessions'), 1, 'the session has not expired yet');

    clock.advance(8 * DAY);
    await t.app.engine.drain();
    assert.equal(await count('sessions'), 0, 'expired session removed');
    const jobs = await db.selectFrom('engine_jobs').select(['state']).where('kind', '=', 'engine.housekeeping').execute();
    assert.deepEqual(jobs.map((j) => j.state).sort(), ['done', 'pending'], 'the week-old finished run was deleted');
    assert.ok((await count('audit_log')) >= audit, 'audit rows are never trimmed');
  });
});
