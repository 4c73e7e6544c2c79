import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { assertError } from '../support/http.js';
import { declareIncident, reopenIncident, resolveIncident, setRole, setupCatalog } from './support.js';

type U = { id: string; email: string; token: string };
const MIN = 60_000;

forEachDatabase('postmortems', (kind) => {
  let t: TestApp;
  let ana: U; // responder on payments (owns checkout)
  let vic: U; // viewer on payments
  let sam: U; // responder on another team
  // Monday 10:00 UTC.
  const clock = new ManualClock('2026-11-23T10:00:00.000Z');
  const pmOf = async (ref: string) => (await t.request('GET', `/api/v1/incidents/${ref}/follow-ups`)).body.postmortem;
  const timeline = async (incidentId: string) => t.app.deps.db.selectFrom('incident_timeline').selectAll().where('incident_id', '=', incidentId).orderBy('created_at').execute();

  before(async () => {
    t = await startTestApp(kind, { clock });
    ({ responder: ana, viewer: vic, outsider: sam } = await setupCatalog(t));
  });
  after(async () => t.close());

  test('resolving a SEV1/SEV2 incident creates a draft from the template, due 5 business days later', async () => {
    const inc = await declareIncident(t, {
      severity: 'SEV1', title: 'Checkout down', services: ['checkout'], summary: 'Payments failed for *everyone*.',
      keyEvents: [{ at: '2026-11-23T10:01:00.000Z', summary: 'Alert | fired on checkout' }, { at: '2026-11-23T10:20:00.000Z', summary: 'Rolled back deploy' }],
    });
    assert.equal(await pmOf(inc.ref), null, 'nothing before resolution');
    clock.set('2026-11-27T15:30:00.000Z'); // Friday
    await resolveIncident(t, inc.id, { text: 'Card payments in EU', users: 1200 });
    const pm = (await t.request('GET', `/api/v1/postmortems/${inc.ref}`)).body;
    assert.equal(pm.status, 'draft');
    assert.equal(pm.required, true);
    assert.equal(pm.auto_created, true);
    assert.equal(pm.incident.ref, inc.ref);
    assert.equal(pm.due_at, '2026-12-04T15:30:00.000Z', 'Friday + 5 business days = next Friday, same time (UTC)');
    assert.equal(pm.sections.summary, 'Payments failed for *everyone*.');
    assert.match(pm.sections.impact, /^- Duration: 4 d 5 h\n- Users affected: 1200\n/);
    assert.ok(pm.sections.impact.includes('Card payments in EU'));
    const rows = pm.sections.timeline.split('\n');
    assert.deepEqual(rows.slice(0, 2), ['| Time | Event |', '|------|-------|']);
    const a = rows.indexOf('| 2026-11-23 10:01 UTC | Alert \\| fired on checkout |');
    const b = rows.indexOf('| 2026-11-23 10:20 UTC | Rolled back deploy |');
    assert.ok(a > 1 && b > a, `key events in time order, escaped: ${pm.sections.timeline}`);
    assert.ok(rows.every((r: string) => r.startsWith('|')), 'one table');
    for (const k of ['root_cause', 'went_well', 'went_poorly', 'lessons_learned']) assert.equal(pm.sections[k], '');
    assert.ok((await timeline(inc.id)).some((e) => e.kind === 'postmortem_created' && e.subject_id === pm.id));

    const sev2 = await declareIncident(t, { severity: 'SEV2', services: ['checkout'] });
    await resolveIncident(t, sev2.id);
    assert.equal((await pmOf(sev2.ref))?.status, 'draft');
  });

  test('SEV3 gets no postmortem unless its definition requires one', async () => {
    const a = await declareIncident(t, { severity: 'SEV3', services: ['checkout'] });
    await resolveIncident(t, a.id);
    assert.equal(await pmOf(a.ref), null);
    const cfg = await t.request('PATCH', '/api/v1/incident-severities/SEV3', { body: { requires_postmortem: true, postmortem_due_business_days: 2 } });
    assert.equal(cfg.status, 200, cfg.text);
    try {
      const b = await declareIncident(t, { severity: 'SEV3', services: ['checkout'] });
      clock.set('2026-11-28T09:00:00.000Z'); // Saturday
      await resolveIncident(t, b.id);
      const pm = await pmOf(b.ref);
      assert.equal(pm?.status, 'draft');
      assert.equal(pm.due_at, '2026-12-01T09:00:00.000Z', 'Saturday + 2 business days = Tuesday');
    } finally {
      await t.request('PATCH', '/api/v1/incident-severities/SEV3', { body: { requires_postmortem: false, postmortem_due_business_days: 5 } });
    }
  });

  test('manual creation for any incident; one per incident; reopen clears the deadline, re-resolve sets it again', async () => {
    const inc = await declareIncident(t, { severity: 'SEV4', services: ['checkout'] });
    const created = await t.request('POST', '/api/v1/postmortems', { token: ana.token, body: { incident: inc.ref } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.required, false);
    assert.equal(created.body.due_at, null, 'not resolved yet: no deadline');
    assert.equal(created.body.author.id, ana.id);
    assertError(await t.request('POST', '/api/v1/postmortems', { token: ana.token, body: { incident: inc.ref } }), 409, 'conflict');
    assertError(await t.request('POST', '/api/v1/postmortems', { body: { incident: 'INC-99999' } }), 404, 'not_found');

    clock.set('2026-11-30T12:00:00.000Z'); // Monday
    await resolveIncident(t, inc.id);
    assert.equal((await pmOf(inc.ref)).due_at, '2026-12-07T12:00:00.000Z');
    await reopenIncident(t, inc.id);
    assert.equal((await pmOf(inc.ref)).due_at, null);
    clock.set('2026-12-01T12:00:00.000Z');
    await resolveIncident(t, inc.id);
    assert.equal((await pmOf(inc.ref)).due_at, '2026-12-08T12:00:00.000Z');
  });

  test('states: draft → in_review → published, back to draft from review; invalid moves are 409 with a reason', async () => {
    const inc = await declareIncident(t, { severity: 'SEV2', services: ['checkout'] });
    const pm = (await t.request('POST', '/api/v1/postmortems', { token: ana.token, body: { incident: inc.id } })).body;
    const move = (status: string, token = ana.token) => t.request('POST', `/api/v1/postmortems/${pm.id}/status`, { token, body: { status } });

    let e = assertError(await move('published'), 409, 'conflict');
    assert.match(e.message, /review/);
    assert.deepEqual(e.details, { from: 'draft', to: 'published' });
    e = assertError(await move('draft'), 409, 'conflict');
    assert.match(e.message, /already draft/);
    assert.equal((await move('in_review')).body.status, 'in_review');
    assert.equal((await move('draft')).body.status, 'draft');
    const review = await move('in_review');
    assert.ok(review.body.submitted_at);
    e = assertError(await move('published'), 409, 'conflict');
    assert.match(e.message, /not resolved/);

    await resolveIncident(t, inc.id);
    const pub = await move('published');
    assert.equal(pub.status, 200, pub.text);
    assert.equal(pub.body.status, 'published');
    assert.equal(pub.body.published_at, clock.now().toISOString());
    assert.ok((await timeline(inc.id)).some((x) => x.kind === 'postmortem_published' && x.subject_id === pm.id));
    e = assertError(await move('draft'), 409, 'conflict');
    assert.match(e.message, /final/);
    assertError(await t.request('PATCH', `/api/v1/postmortems/${pm.id}`, { token: ana.token, body: { sections: { summary: 'x' } } }), 409, 'conflict');
    assertError(await move('archived'), 400, 'validation_failed');
    const audit = await t.app.deps.db.selectFrom('audit_log').select('action').where('target_id', '=', pm.id).execute();
    assert.deepEqual(new Set(audit.map((a) => a.action)), new Set(['postmortem.create', 'postmortem.in_review', 'postmortem.draft', 'postmortem.published']));
  });

  test('editing sections; viewers read but cannot edit; other teams and anonymous callers are refused', async () => {
    const inc = await declareIncident(t, { severity: 'SEV2', services: ['checkout'] });
    const pm = (await t.request('POST', '/api/v1/postmortems', { token: ana.token, body: { incident: inc.ref } })).body;
    const upd = await t.request('PATCH', `/api/v1/postmortems/${pm.id}`, { token: ana.token, body: { title: 'Checkout outage', sections: { root_cause: 'A **bad** config', went_well: '- Fast rollback' } } });
    assert.equal(upd.status, 200, upd.text);
    assert.equal(upd.body.sections.root_cause, 'A **bad** config');
    assert.equal(upd.body.sections.went_well, '- Fast rollback');
    assert.equal(upd.body.title, 'Checkout outage');
    assert.equal(upd.body.can_edit, true);

    const asViewer = await t.request('GET', `/api/v1/postmortems/${pm.id}`, { token: vic.token });
    assert.equal(asViewer.status, 200);
    assert.equal(asViewer.body.can_edit, false);
    assert.equal((await t.request('GET', '/api/v1/postmortems', { token: vic.token })).status, 200);
    for (const token of [vic.token, sam.token]) {
      assertError(await t.request('PATCH', `/api/v1/postmortems/${pm.id}`, { token, body: { sections: { summary: 'hijack' } } }), 403, 'forbidden');
      assertError(await t.request('POST', `/api/v1/postmortems/${pm.id}/status`, { token, body: { status: 'in_review' } }), 403, 'forbidden');
      assertError(await t.request('POST', '/api/v1/action-items', { token, body: { incident: inc.ref, title: 'x' } }), 403, 'forbidden');
    }
    assertError(await t.request('GET', `/api/v1/postmortems/${pm.id}`, { token: null }), 401, 'unauthenticated');
    assert.equal((await t.request('GET', `/api/v1/postmortems/${pm.id}`)).body.sections.summary, '', 'refused edits changed nothing');
    assertError(await t.request('PATCH', `/api/v1/postmortems/${pm.id}`, { token: ana.token, body: { sections: { nope: 'x' } } }), 400, 'validation_failed');
  });

  test('reviewers and comments: a reviewer may comment, others may not; comment HTML is sanitized', async () => {
    const inc = await declareIncident(t, { severity: 'SEV2', services: ['checkout'] });
    const pm = (await t.request('POST', '/api/v1/postmortems', { token: ana.token, body: { incident: inc.ref } })).body;
    assertError(await t.request('POST', `/api/v1/postmortems/${pm.id}/comments`, { token: vic.token, body: { body: 'hi' } }), 403, 'forbidden');
    const added = await t.request('POST', `/api/v1/postmortems/${pm.id}/reviewers`, { token: ana.token, body: { user: vic.email } });
    assert.equal(added.status, 200, added.text);
    assert.deepEqual(added.body.reviewers.map((r: any) => r.user.id), [vic.id]);
    assert.equal((await t.request('POST', `/api/v1/postmortems/${pm.id}/reviewers`, { token: ana.token, body: { user: vic.id } })).body.reviewers.length, 1, 'idempotent');
    assertError(await t.request('POST', `/api/v1/postmortems/${pm.id}/reviewers`, { token: ana.token, body: { user: 'nobody@example.com' } }), 400, 'validation_failed');

    const c = await t.request('POST', `/api/v1/postmortems/${pm.id}/comments`, { token: vic.token, body: { body: 'Looks good <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>' } });
    assert.equal(c.status, 201, c.text);
    assert.equal(c.body.author.id, vic.id);
    assert.ok(!c.body.body_html.includes('<script') && !c.body.body_html.includes('<img') && !c.body.body_html.includes('href="javascript'), c.body.body_html);
    assert.ok(c.body.body_html.includes('&lt;script&gt;'));
    await t.request('POST', `/api/v1/postmortems/${pm.id}/comments`, { token: ana.token, body: { body: 'second' } });
    const list = await t.request('GET', `/api/v1/postmortems/${pm.id}/comments`, { token: sam.token });
    assert.deepEqual(list.body.data.map((x: any) => x.body.slice(0, 6)), ['Looks ', 'second']);
    assertError(await t.request('POST', `/api/v1/postmortems/${pm.id}/comments`, { token: sam.token, body: { body: 'drive-by' } }), 403, 'forbidden');
    assertError(await t.request('POST', `/api/v1/postmortems/${pm.id}/comments`, { token: ana.token, body: { body: '' } }), 400, 'validation_failed');

    const removed = await t.request('DELETE', `/api/v1/postmortems/${pm.id}/reviewers/${vic.id}`, { token: ana.token });
    assert.equal(removed.body.reviewers.length, 0);
    assertError(await t.request('DELETE', `/api/v1/postmortems/${pm.id}/reviewers/${vic.id}`, { token: ana.token }), 404, 'not_found');
    assertError(await t.request('POST', `/api/v1/postmortems/${pm.id}/comments`, { token: vic.token, body: { body: 'no longer' } }), 403, 'forbidden');
  });

  test('export as Markdown follows the seed template, with the action items table', async () => {
    const inc = await declareIncident(t, { severity: 'SEV1', title: 'Search | slow', services: ['checkout'] });
    const pm = (await t.request('POST', '/api/v1/postmortems', { token: ana.token, body: { incident: inc.ref } })).body;
    await t.request('PATCH', `/api/v1/postmortems/${pm.id}`, { token: ana.token, body: { sections: { summary: 'Short story.', root_cause: 'Cache stampede', lessons_learned: 'Load test' } } });
    const ai = await t.request('POST', '/api/v1/action-items', { token: ana.token, body: { incident: inc.ref, title: 'Add jitter | retries', owner: ana.email, due_date: '2026-12-15', priority: 'P1' } });
    assert.equal(ai.status, 201, ai.text);
    assert.equal(ai.body.postmortem_id, pm.id, 'items of an incident with a postmortem belong to it');
    const res = await t.request('GET', `/api/v1/postmortems/${pm.id}/export.md`, { token: vic.token });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/markdown/);
    const md = res.text;
    assert.ok(md.startsWith(`# Postmortem: ${inc.ref}\n`), md);
    assert.ok(md.includes('**Incident:** Search \\| slow'));
    assert.ok(md.includes(`**Author:** `) && md.includes(ana.email));
    const headings = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    assert.deepEqual(headings, ['Summary', 'Impact', 'Timeline', 'Root Cause', 'What Went Well', 'What Went Poorly', 'Action Items', 'Lessons Learned']);
    assert.ok(md.includes('## Summary\n\nShort story.\n'));
    assert.ok(md.includes('## Root Cause\n\nCache stampede\n'));
    assert.ok(md.includes('| Item | Owner | Due Date | Priority | Status |'));
    assert.ok(md.includes('| Add jitter \\| retries |') && md.includes('| 2026-12-15 | P1 | open |'), md);
    assert.ok(md.includes('## What Went Well\n\n_Not written yet._'));
    assertError(await t.request('GET', `/api/v1/postmortems/00000000-0000-7000-8000-000000000000/export.md`), 404, 'not_found');
  });

  test('recurrence: open items from earlier incidents on the same service show on the new incident and its timeline', async () => {
    const old = await declareIncident(t, { severity: 'SEV2', services: ['search-api'] });
    const keep = (await t.request('POST', '/api/v1/action-items', { body: { incident: old.ref, title: 'Shard the index', priority: 'P2', due_date: '2027-01-10' } })).body;
    const closed = (await t.request('POST', '/api/v1/action-items', { body: { incident: old.ref, title: 'Already fixed' } })).body;
    await t.request('PATCH', `/api/v1/action-items/${closed.id}`, { body: { status: 'done' } });
    await resolveIncident(t, old.id);
    clock.advance(60 * MIN);

    const again = await declareIncident(t, { severity: 'SEV3', services: ['search-api'] });
    const fu = await t.request('GET', `/api/v1/incidents/${again.ref}/follow-ups`, { token: vic.token });
    assert.equal(fu.status, 200, fu.text);
    assert.equal(fu.body.postmortem, null);
    assert.deepEqual(fu.body.recurring.map((i: any) => i.id), [keep.id]);
    assert.equal(fu.body.recurring[0].incident.ref, old.ref);
    const entry = (await timeline(again.id)).find((e) => e.kind === 'recurrence');
    assert.ok(entry, 'timeline entry on declare');
    assert.match(entry.summary, /1 open action item from earlier incidents/);
    assert.ok(entry.body.includes('Shard the index') && entry.body.includes(old.ref));

    const elsewhere = await declareIncident(t, { severity: 'SEV3', services: ['checkout'] });
    assert.ok(!(await t.request('GET', `/api/v1/incidents/${elsewhere.id}/follow-ups`)).body.recurring.some((i: any) => i.id === keep.id));
    // The earlier incident does not see the later one's items as "recurring".
    const later = (await t.request('POST', '/api/v1/action-items', { body: { incident: again.ref, title: 'Later item' } })).body;
    assert.ok(!(await t.request('GET', `/api/v1/incidents/${old.ref}/follow-ups`)).body.recurring.some((i: any) => i.id === later.id));
    await t.request('PATCH', `/api/v1/action-items/${keep.id}`, { body: { status: 'wont_do' } });
    assert.deepEqual((await t.request('GET', `/api/v1/incidents/${again.ref}/follow-ups`)).body.recurring, [], "won't do is not open; its own items never count");
    assertError(await t.request('GET', '/api/v1/incidents/INC-424242/follow-ups'), 404, 'not_found');
  });

  test('an overdue postmortem reminds the commander once; a published one never', async () => {
    const cmdr = await t.user({ email: `cmdr-${kind}@example.com`, teams: { payments: 'responder' } });
    const cm = await t.request('POST', `/api/v1/users/${cmdr.id}/contact-methods`, { token: cmdr.token, body: { type: 'email', address: cmdr.email } });
    assert.equal(cm.status, 201, cm.text);
    clock.set('2026-12-07T09:00:00.000Z'); // Monday
    const late = await declareIncident(t, { severity: 'SEV1', services: ['checkout'] });
    const done = await declareIncident(t, { severity: 'SEV1', services: ['checkout'] });
    await setRole(t, late.id, 'commander', cmdr.id);
    await setRole(t, done.id, 'commander', cmdr.id);
    await resolveIncident(t, late.id);
    await resolveIncident(t, done.id);
    const donePm = await pmOf(done.ref);
    await t.request('POST', `/api/v1/postmortems/${donePm.id}/status`, { body: { status: 'in_review' } });
    await t.request('POST', `/api/v1/postmortems/${donePm.id}/status`, { body: { status: 'published' } });
    const latePm = await pmOf(late.ref);
    assert.equal(latePm.due_at, '2026-12-14T09:00:00.000Z');
    const reminders = async (pmId: string) =>
      (await t.app.deps.db.selectFrom('notifications').select(['user_id', 'subject']).where('dedupe_key', '=', `postmortem:${pmId}:overdue`).execute());

    clock.set('2026-12-14T08:59:00.000Z');
    await t.app.engine.drain();
    assert.equal((await reminders(latePm.id)).length, 0, 'not before the due time');
    clock.set('2026-12-14T09:01:00.000Z');
    await t.app.engine.drain();
    const sent = await reminders(latePm.id);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.user_id, cmdr.id);
    assert.match(sent[0]!.subject, new RegExp(`Postmortem overdue: ${late.ref}`));
    assert.equal((await t.request('GET', `/api/v1/postmortems?overdue=true`)).body.data.filter((p: any) => p.id === latePm.id).length, 1);
    clock.advance(3 * 24 * 60 * MIN); // daily sweeps run meanwhile
    await t.app.engine.drain();
    assert.equal((await reminders(latePm.id)).length, 1, 'reminded once');
    assert.equal((await reminders(donePm.id)).length, 0, 'published: no reminder');
  });

  test('metrics: counts, MTTA and breaches per period, filtered by service and team', async () => {
    // A fresh period far from the other tests' incidents.
    clock.set('2027-03-01T10:00:00.000Z');
    const a = await declareIncident(t, { severity: 'SEV1', services: ['checkout'] });
    const b = await declareIncident(t, { severity: 'SEV2', services: ['search-api'] });
    await t.app.deps.db.updateTable('incidents').set({ acknowledged_at: '2027-03-01T10:10:00.000Z', ack_breached_at: null }).where('id', '=', a.id).execute();
    await t.app.deps.db.updateTable('incidents').set({ acknowledged_at: '2027-03-01T10:40:00.000Z', ack_breached_at: '2027-03-01T10:30:00.000Z' }).where('id', '=', b.id).execute();
    const q = '/api/v1/incident-metrics?from=2027-03-01T00:00:00Z&to=2027-03-15T00:00:00Z&bucket=week';
    const all = await t.request('GET', q, { token: vic.token });
    assert.equal(all.status, 200, all.text);
    assert.equal(all.body.periods.length, 2);
    assert.equal(all.body.overall.incidents, 2);
    assert.equal(all.body.overall.by_severity.SEV1, 1);
    assert.equal(all.body.overall.by_severity.SEV2, 1);
    assert.equal(all.body.overall.mtta.mean_seconds, 25 * 60);
    assert.equal(all.body.overall.breaches.acknowledge, 1);
    assert.equal(all.body.periods[1].incidents, 0);
    const checkout = (await t.request('GET', `${q}&service=checkout`)).body;
    assert.equal(checkout.overall.incidents, 1);
    assert.equal(checkout.overall.mtta.median_seconds, 600);
    assert.equal((await t.request('GET', `${q}&team=search`)).body.overall.breaches.acknowledge, 1);
    assertError(await t.request('GET', `${q}&bucket=day`), 400, 'validation_failed');
    assertError(await t.request('GET', '/api/v1/incident-metrics?from=2027-03-02T00:00:00Z&to=2027-03-01T00:00:00Z'), 400, 'validation_failed');
    assertError(await t.request('GET', '/api/v1/incident-metrics?from=yesterday'), 400, 'validation_failed');
    assertError(await t.request('GET', `${q}&service=nope`), 404, 'not_found');
    assertError(await t.request('GET', q, { token: null }), 401, 'unauthenticated');
  });
});
