import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { lastVerifiedAt } from '../../src/domains/runbooks/runs/stats.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { assertError, failingFields } from '../support/http.js';
import { pdTrigger, seedService } from '../alerts/support.js';
import { addVersion, content, createIncident, createRunbook, step, timelineOf } from './runs-support.js';

forEachDatabase('runbook runs', (kind) => {
  let t: TestApp;
  const clock = new ManualClock('2026-11-23T10:00:00.000Z');
  let viewer: { id: string; email: string; token: string };
  let responder: { id: string; email: string; token: string };
  let outsider: { id: string; email: string; token: string };
  let rb: { id: string; versionIds: string[] };

  const start = (body: unknown, token?: string | null) => t.request('POST', '/api/v1/runbook-runs', { body, token });
  const mark = (runId: string, stepId: string, body: unknown, token?: string) => t.request('POST', `/api/v1/runbook-runs/${runId}/steps/${stepId}`, { body, token });
  const finish = (runId: string, body: unknown, token?: string) => t.request('POST', `/api/v1/runbook-runs/${runId}/finish`, { body, token });

  before(async () => {
    t = await startTestApp(kind, { clock });
    assert.equal((await t.request('POST', '/api/v1/teams', { body: { slug: 'db', name: 'Database' } })).status, 201);
    assert.equal((await t.request('POST', '/api/v1/teams', { body: { slug: 'web', name: 'Web' } })).status, 201);
    viewer = await t.user({ email: 'vi@example.com', teams: { db: 'viewer' } });
    responder = await t.user({ email: 're@example.com', teams: { db: 'responder' } });
    outsider = await t.user({ email: 'out@example.com', teams: { web: 'manager' } });
    rb = await createRunbook(t, { slug: 'db-failover', teamSlug: 'db', title: 'Database failover', versions: [content([step('check-replica'), step('promote'), step('repoint')])] });
  });
  after(async () => t.close());

  test('start, mark every step, finish with success: who, when, duration and outcome are recorded', async () => {
    const s = await start({ runbook: 'db-failover' }, viewer.token);
    assert.equal(s.status, 201, s.text);
    const run = s.body;
    assert.equal(run.status, 'running');
    assert.equal(run.runbook.slug, 'db-failover');
    assert.equal(run.version.number, 1);
    assert.deepEqual(run.steps.map((x: any) => x.id), ['check-replica', 'promote', 'repoint']);
    assert.equal(run.current_step_id, 'check-replica');
    assert.equal(run.started_by.user_id, viewer.id);
    assert.equal(run.started_at, '2026-11-23T10:00:00.000Z');

    clock.advance(60_000);
    const m1 = await mark(run.id, 'check-replica', { outcome: 'done' }, viewer.token);
    assert.equal(m1.status, 200, m1.text);
    assert.equal(m1.body.mark.by.user_id, viewer.id);
    assert.equal(m1.body.mark.by.label, 'vi@example.com');
    assert.equal(m1.body.mark.at, '2026-11-23T10:01:00.000Z');
    assert.equal(m1.body.guidance, null);
    assert.equal(m1.body.run.current_step_id, 'promote');

    clock.advance(60_000);
    assert.equal((await mark(run.id, 'promote', { outcome: 'skipped', note: 'replica already primary' }, responder.token)).status, 200);
    clock.advance(60_000);
    const m3 = await mark(run.id, 'repoint', { outcome: 'done', note: 'ok' }, responder.token);
    assert.deepEqual(m3.body.run.progress, { total: 3, done: 2, skipped: 1, failed: 0, pending: 0 });
    assert.equal(m3.body.run.current_step_id, null);

    clock.advance(30_000);
    const f = await finish(run.id, { outcome: 'success', note: 'all good' }, responder.token);
    assert.equal(f.status, 200, f.text);
    assert.equal(f.body.status, 'success');
    assert.equal(f.body.duration_ms, 210_000);
    assert.equal(f.body.finished_by.user_id, responder.id);
    assert.equal(f.body.finish_note, 'all good');

    const got = await t.request('GET', `/api/v1/runbook-runs/${run.id}`, { token: viewer.token });
    assert.equal(got.body.steps[1].state.outcome, 'skipped');
    assert.equal(got.body.steps[1].state.note, 'replica already primary');
    assert.equal(got.body.steps[1].state.by.user_id, responder.id);
    const audit = await t.app.deps.db.selectFrom('audit_log').select('action').where('target_id', '=', run.id).execute();
    assert.deepEqual(audit.map((a) => a.action).sort(), ['runbook_run.finished', 'runbook_run.started', 'runbook_run.step_marked', 'runbook_run.step_marked', 'runbook_run.step_marked']);
    const events = await t.app.deps.db.selectFrom('events').select('type').where('subject_id', '=', run.id).orderBy('seq').execute();
    assert.deepEqual(events.map((e) => e.type), ['runbook_run.started', 'runbook_run.step_marked', 'runbook_run.step_marked', 'runbook_run.step_marked', 'runbook_run.finished']);
  });

  test('validation: skip needs a reason, fail needs a note, unknown step 404, unknown run 404, finished run 409', async () => {
    const run = (await start({ runbook: rb.id })).body;
    const skip = await mark(run.id, 'promote', { outcome: 'skipped' });
    assertError(skip, 400, 'validation_failed');
    assert.deepEqual(failingFields(skip), ['/note']);
    assert.deepEqual(failingFields(await mark(run.id, 'promote', { outcome: 'skipped', note: '   ' })), ['/note']);
    assert.deepEqual(failingFields(await mark(run.id, 'promote', { outcome: 'failed' })), ['/note']);
    assert.deepEqual(failingFields(await mark(run.id, 'promote', { outcome: 'maybe' })), ['/outcome']);
    assertError(await mark(run.id, 'no-such-step', { outcome: 'done' }), 404, 'not_found');
    assertError(await mark('0190f0f0-0000-7000-8000-000000000000', 'promote', { outcome: 'done' }), 404, 'not_found');
    assertError(await t.request('GET', '/api/v1/runbook-runs/nope'), 404, 'not_found');
    assertError(await start({ runbook: 'no-such-runbook' }), 404, 'not_found');
    assertError(await start({ runbook: 'db-failover', incident: 'INC-999999' }), 404, 'not_found');
    assertError(await start({ runbook: 'db-failover', alert_group: 'nope' }), 404, 'not_found');
    assert.deepEqual(failingFields(await start({ runbook: 'db-failover', subject_type: 'change' })), ['/subject_id']);

    // Success needs every step done or skipped; the run stays open.
    const early = assertError(await finish(run.id, { outcome: 'success' }), 409, 'conflict');
    assert.equal(early.details.open_steps.length, 3);
    assert.equal((await finish(run.id, { outcome: 'aborted', note: 'wrong runbook' })).body.status, 'aborted');
    assertError(await mark(run.id, 'promote', { outcome: 'done' }), 409, 'conflict');
    assertError(await finish(run.id, { outcome: 'failed' }), 409, 'conflict');
  });

  test('re-marking a step keeps the history; the latest mark counts; a failed mark returns guidance and rollback', async () => {
    const run = (await start({ runbook: 'db-failover' })).body;
    const failed = await mark(run.id, 'check-replica', { outcome: 'failed', note: 'replica lag 40s' }, viewer.token);
    assert.equal(failed.status, 200, failed.text);
    assert.deepEqual(failed.body.guidance, {
      step_id: 'check-replica',
      on_failure: 'If check-replica fails, page the database team.',
      rollback: 'Restore the previous release with `deploy rollback`.',
    });
    assert.equal(failed.body.run.current_step_id, 'check-replica', 'a failed step stays current');
    clock.advance(5_000);
    await mark(run.id, 'check-replica', { outcome: 'done', note: 'lag recovered' }, responder.token);
    const got = (await t.request('GET', `/api/v1/runbook-runs/${run.id}`)).body;
    const s = got.steps[0];
    assert.deepEqual(s.history.map((m: any) => [m.outcome, m.by.user_id]), [['failed', viewer.id], ['done', responder.id]]);
    assert.equal(s.state.outcome, 'done');
    assert.equal(got.current_step_id, 'promote');
    assert.deepEqual(got.progress, { total: 3, done: 1, skipped: 0, failed: 0, pending: 2 });
  });

  test('a run pins the version it started with', async () => {
    const other = await createRunbook(t, { slug: 'cache-clear', teamSlug: 'db', versions: [content([step('flush')])] });
    const run = (await start({ runbook: 'cache-clear' })).body;
    await addVersion(t, other.id, content([step('flush'), step('warm')]));
    const got = (await t.request('GET', `/api/v1/runbook-runs/${run.id}`)).body;
    assert.equal(got.version.number, 1);
    assert.deepEqual(got.steps.map((s: any) => s.id), ['flush']);
    assertError(await mark(run.id, 'warm', { outcome: 'done' }), 404, 'not_found');
    const next = (await start({ runbook: 'cache-clear' })).body;
    assert.equal(next.version.number, 2);
    assert.deepEqual(next.steps.map((s: any) => s.id), ['flush', 'warm']);
  });

  test('attached to an incident: start, every mark and the finish land on its timeline', async () => {
    const inc = await createIncident(t);
    const s = await start({ runbook: 'db-failover', incident: inc.ref }, responder.token);
    assert.equal(s.status, 201, s.text);
    assert.deepEqual(s.body.incident, { id: inc.id, ref: inc.ref, title: 'Checkout down', status: 'investigating' });
    const runId = s.body.id;
    clock.advance(1000);
    await mark(runId, 'check-replica', { outcome: 'failed', note: 'replica **down**' }, responder.token);
    clock.advance(1000);
    await mark(runId, 'check-replica', { outcome: 'done' }, viewer.token);
    clock.advance(1000);
    await finish(runId, { outcome: 'failed', note: 'gave up' }, viewer.token);
    const tl = await timelineOf(t, inc.id);
    assert.deepEqual(
      tl.map((e) => [e.kind, e.subject_type, e.subject_id, e.actor_user_id]),
      [
        ['runbook_run_started', 'runbook_run', runId, responder.id],
        ['runbook_step', 'runbook_run', runId, responder.id],
        ['runbook_step', 'runbook_run', runId, viewer.id],
        ['runbook_run_finished', 'runbook_run', runId, viewer.id],
      ],
    );
    assert.match(tl[1]!.summary, /failed: Step check-replica \(Database failover\)/);
    assert.equal(tl[1]!.body, 'replica **down**');
    const t0 = Date.parse(s.body.started_at);
    assert.deepEqual(tl.map((e) => Date.parse(e.at) - t0), [0, 1000, 2000, 3000], 'each entry carries the time of its mark');
    // By id works too, and the incident filter lists the run.
    const byId = await start({ runbook: 'db-failover', incident: inc.id });
    assert.equal(byId.body.incident.id, inc.id);
    const list = await t.request('GET', `/api/v1/runbook-runs?incident=${inc.ref}`);
    assert.deepEqual(list.body.data.map((r: any) => r.id).sort(), [runId, byId.body.id].sort());
  });

  test('attached to an alert group, or to a later module\'s record (subject)', async () => {
    const { keys } = await seedService(t, 'orders', 'db');
    assert.equal((await t.request('POST', '/v2/enqueue', { token: null, body: pdTrigger(keys.pagerduty!, 'run-ag') })).status, 202);
    const groupId = (await t.request('GET', '/api/v1/alerts?limit=10')).body.data.find((a: any) => a.dedup_key === 'run-ag').group_id;
    const withGroup = await start({ runbook: 'db-failover', alert_group: groupId }, viewer.token);
    assert.equal(withGroup.status, 201, withGroup.text);
    assert.equal(withGroup.body.alert_group_id, groupId);
    assert.equal(withGroup.body.incident, null);
    const withSubject = await start({ runbook: 'db-failover', subject_type: 'change', subject_id: 'CHG-7' });
    assert.equal(withSubject.status, 201, withSubject.text);
    assert.deepEqual([withSubject.body.subject_type, withSubject.body.subject_id], ['change', 'CHG-7']);
  });

  test('roles: team viewers and admins work runs; other teams and anonymous callers cannot', async () => {
    assertError(await start({ runbook: 'db-failover' }, outsider.token), 403, 'forbidden');
    assertError(await start({ runbook: 'db-failover' }, null), 401, 'unauthenticated');
    const run = (await start({ runbook: 'db-failover' }, viewer.token)).body;
    assertError(await t.request('GET', `/api/v1/runbook-runs/${run.id}`, { token: outsider.token }), 403, 'forbidden');
    assertError(await mark(run.id, 'promote', { outcome: 'done' }, outsider.token), 403, 'forbidden');
    assertError(await finish(run.id, { outcome: 'aborted' }, outsider.token), 403, 'forbidden');
    assertError(await t.request('GET', '/api/v1/runbooks/db-failover/run-stats', { token: outsider.token }), 403, 'forbidden');
    // The outsider's list does not show the db team's runs; the admin's does.
    const theirs = await t.request('GET', '/api/v1/runbook-runs', { token: outsider.token });
    assert.equal(theirs.status, 200);
    assert.equal(theirs.body.data.length, 0);
    const all = await t.request('GET', '/api/v1/runbook-runs');
    assert.ok(all.body.data.some((r: any) => r.id === run.id));
    assert.equal((await mark(run.id, 'promote', { outcome: 'done' })).status, 200, 'admin');
  });

  test('concurrency: marks sent at the same time by two people are all kept', async () => {
    const steps = Array.from({ length: 12 }, (_, i) => step(`s${i}`));
    await createRunbook(t, { slug: 'many-steps', teamSlug: 'db', versions: [content(steps)] });
    const run = (await start({ runbook: 'many-steps' })).body;
    const results = await Promise.all(
      steps.flatMap((s, i) => [
        mark(run.id, s.id, { outcome: 'done' }, viewer.token),
        mark(run.id, s.id, { outcome: i % 2 ? 'skipped' : 'failed', note: `by responder ${i}` }, responder.token),
      ]),
    );
    for (const r of results) assert.equal(r.status, 200, r.text);
    const got = (await t.request('GET', `/api/v1/runbook-runs/${run.id}`)).body;
    assert.equal(got.steps.flatMap((s: any) => s.history).length, 24, 'no mark lost');
    assert.equal(got.revision, 24, 'every mark bumped the revision once');
    // A finish racing with marks either sees them all or the marks get 409; nothing lands after it.
    const race = await Promise.all([finish(run.id, { outcome: 'aborted' }), mark(run.id, 's0', { outcome: 'done' }), mark(run.id, 's1', { outcome: 'done' })]);
    assert.equal(race[0].status, 200);
    const afterRace = (await t.request('GET', `/api/v1/runbook-runs/${run.id}`)).body;
    const accepted = race.slice(1).filter((r) => r.status === 200).length;
    assert.equal(afterRace.steps.flatMap((s: any) => s.history).length, 24 + accepted);
    for (const r of race.slice(1)) assert.ok(r.status === 200 || r.status === 409, r.text);
    const lastMark = afterRace.steps.flatMap((s: any) => s.history).map((m: any) => m.id).sort().at(-1);
    const finishEvent = await t.app.deps.db.selectFrom('events').select('seq').where('subject_id', '=', run.id).where('type', '=', 'runbook_run.finished').executeTakeFirstOrThrow();
    const lastMarkEvent = await t.app.deps.db.selectFrom('events').select((eb) => eb.fn.max('seq').as('seq')).where('subject_id', '=', run.id).where('type', '=', 'runbook_run.step_marked').executeTakeFirstOrThrow();
    assert.ok(Number(lastMarkEvent.seq) < Number(finishEvent.seq), `no mark after the finish (${lastMark})`);
  });

  test('list filters and cursor', async () => {
    await createRunbook(t, { slug: 'list-me', teamSlug: 'db', versions: [content([step('a')])] });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await start({ runbook: 'list-me' }, i < 2 ? viewer.token : responder.token)).body.id);
    await finish(ids[0]!, { outcome: 'aborted' });
    const page1 = await t.request('GET', '/api/v1/runbook-runs?runbook=list-me&limit=3');
    assert.deepEqual(page1.body.data.map((r: any) => r.id), [ids[4], ids[3], ids[2]]);
    const page2 = await t.request('GET', `/api/v1/runbook-runs?runbook=list-me&limit=3&cursor=${page1.body.next_cursor}`);
    assert.deepEqual(page2.body.data.map((r: any) => r.id), [ids[1], ids[0]]);
    assert.equal(page2.body.next_cursor, null);
    const running = await t.request('GET', '/api/v1/runbook-runs?runbook=list-me&status=running');
    assert.equal(running.body.data.length, 4);
    const aborted = await t.request('GET', '/api/v1/runbook-runs?runbook=list-me&status=aborted,success');
    assert.deepEqual(aborted.body.data.map((r: any) => r.id), [ids[0]]);
    const byViewer = await t.request('GET', `/api/v1/runbook-runs?runbook=list-me&started_by=${viewer.email}`);
    assert.deepEqual(byViewer.body.data.map((r: any) => r.id), [ids[1], ids[0]]);
    assert.equal(byViewer.body.data[0].progress.total, 1);
    assert.deepEqual(failingFields(await t.request('GET', '/api/v1/runbook-runs?status=bogus')), ['/status']);
    assertError(await t.request('GET', '/api/v1/runbook-runs?started_by=nobody@example.com'), 404, 'not_found');
  });

  test('stats: runs, success rate, mean duration, most failing steps, last verified', async () => {
    const r = await createRunbook(t, { slug: 'stats-rb', teamSlug: 'db', versions: [content([step('one', { title: 'One' }), step('two', { title: 'Two' }), step('three', { title: 'Three' })])] });
    const empty = (await t.request('GET', '/api/v1/runbooks/stats-rb/run-stats')).body;
    assert.equal(empty.runs, 0);
    assert.equal(empty.success_rate, null);
    assert.equal(empty.last_verified_at, null);
    const runOnce = async (marks: [string, string][], outcome: string, minutes: number) => {
      const run = (await start({ runbook: 'stats-rb' })).body;
      for (const [s, o] of marks) await mark(run.id, s, { outcome: o, note: 'n' });
      clock.advance(minutes * 60_000);
      const f = await finish(run.id, { outcome });
      assert.equal(f.status, 200, f.text);
      return f.body;
    };
    await runOnce([['one', 'done'], ['two', 'failed'], ['two', 'done'], ['three', 'done']], 'success', 10);
    const second = await runOnce([['one', 'done'], ['two', 'done'], ['three', 'skipped']], 'success', 20);
    await runOnce([['one', 'failed'], ['two', 'failed']], 'failed', 30);
    await runOnce([['two', 'failed']], 'aborted', 0);
    await start({ runbook: 'stats-rb' });
    const s = (await t.request('GET', `/api/v1/runbooks/${r.id}/run-stats`)).body;
    assert.equal(s.runs, 5);
    assert.equal(s.finished, 4);
    assert.equal(s.running, 1);
    assert.equal(s.succeeded, 2);
    assert.equal(s.failed, 1);
    assert.equal(s.aborted, 1);
    assert.equal(s.success_rate, 0.5);
    assert.equal(s.mean_duration_ms, 15 * 60_000);
    assert.deepEqual(s.failing_steps, [
      { step_id: 'two', title: 'Two', failures: 3, runs: 4 },
      { step_id: 'one', title: 'One', failures: 1, runs: 3 },
    ]);
    assert.equal(s.last_verified_at, second.finished_at);
    const map = await lastVerifiedAt(t.app.deps.db, [r.id, rb.id, 'unknown']);
    assert.equal(map.get(r.id), second.finished_at);
    assert.equal(map.has('unknown'), false);
    assertError(await t.request('GET', '/api/v1/runbooks/nope/run-stats'), 404, 'not_found');
  });
});
