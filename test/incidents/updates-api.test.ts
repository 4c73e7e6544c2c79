import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { renderTemplate, usedVariables, formatUtc } from '../../src/domains/incidents/updates/render.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { assertErrorShape } from '../support/http.js';
import { changeEvent, declare, seedUpdatesFixture, type UpdatesFixture } from './updates-support.js';

const MIN = 60_000;

test('renderTemplate escapes values as plain Markdown text and keeps the template’s own Markdown', () => {
  const out = renderTemplate('**{{ title }}** on {{services}} — {{url}} {{unknown}}', {
    title: '<img src=x onerror=alert(1)> *bold* [x](javascript:alert(1))',
    services: 'Checkout, Ledger',
    url: 'https://ballast.example.com/incidents/INC-3',
  });
  assert.equal(
    out,
    '**\\<img src\\=x onerror\\=alert\\(1\\)\\> \\*bold\\* \\[x\\]\\(javascript\\:alert\\(1\\)\\)** on Checkout\\, Ledger — https://ballast.example.com/incidents/INC-3 {{unknown}}',
  );
  assert.equal(renderTemplate('{{url}}', { url: 'javascript:alert(1)' }), 'javascript\\:alert\\(1\\)', 'a non-http url is escaped like any value');
  assert.deepEqual(usedVariables('{{a}} {{ b }} {{a}}'), ['a', 'b']);
  assert.equal(formatUtc(new Date('2026-11-22T22:40:12Z')), '2026-11-22 22:40 UTC');
});

forEachDatabase('incident status updates, templates, reminders and suspects', (kind) => {
  let t: TestApp;
  let f: UpdatesFixture;
  const clock = new ManualClock('2026-11-23T10:00:00.000Z');
  const tick = async (minutes: number) => {
    clock.advance(minutes * MIN);
    await t.app.engine.drain();
  };
  const timeline = async (id: string) => (await t.request('GET', `/api/v1/incidents/${id}/timeline`)).body.data as any[];
  /** Distinct reminders sent to a user (one message may become several delivery rows: retries, fallover). */
  const overdueNotifications = async (userId: string, incidentId: string) => {
    const rows = await t.app.deps.db
      .selectFrom('notifications')
      .select(['dedupe_key'])
      .where('user_id', '=', userId)
      .where('incident_id', '=', incidentId)
      .where('subject', 'like', '%status update overdue')
      .execute();
    return [...new Set(rows.map((r) => r.dedupe_key))];
  };

  before(async () => {
    t = await startTestApp(kind, { clock });
    f = await seedUpdatesFixture(t);
    for (const u of [f.responder, f.viewer]) {
      const cm = await t.request('POST', `/api/v1/users/${u.id}/contact-methods`, { token: u.token, body: { type: 'email', address: u.email } });
      assert.equal(cm.status, 201, cm.text);
    }
    await t.app.engine.drain();
  });
  after(async () => t.close());

  // -------------------------------------------------------------------------------------------------
  // Templates

  test('default templates are seeded for every stage, internal and customer-facing, using only known variables', async () => {
    const r = await t.request('GET', '/api/v1/communication-templates', { token: f.viewer.token });
    assert.equal(r.status, 200, r.text);
    const slugs = r.body.data.map((x: any) => x.slug);
    for (const stage of ['investigating', 'identified', 'mitigated', 'resolved']) {
      assert.ok(slugs.includes(`external-${stage}`), `external ${stage}`);
      assert.ok(r.body.data.some((x: any) => x.audience === 'internal' && x.statuses.includes(stage)), `internal ${stage}`);
    }
    assert.ok(slugs.includes('internal-initial'));
    const known = (await t.request('GET', '/api/v1/communication-templates/variables')).body.data.map((v: any) => v.name);
    for (const tpl of r.body.data) for (const v of tpl.variables) assert.ok(known.includes(v), `${tpl.slug} uses ${v}`);
    const external = (await t.request('GET', '/api/v1/communication-templates?audience=external')).body.data;
    assert.ok(external.length >= 4 && external.every((x: any) => x.audience === 'external'));
    for (const tpl of external) assert.ok(!tpl.variables.includes('commander') && !tpl.variables.includes('url'), `${tpl.slug} keeps internal details out`);
  });

  test('template CRUD: admins and managers edit, responders and viewers only read; unknown variables are named', async () => {
    const body = { slug: 'exec-brief', name: 'Exec brief', audience: 'internal', severities: ['sev1', 'SEV2'], statuses: ['investigating'], body: '{{incident}} {{severity_name}}: {{impact}}' };
    const denied = await t.request('POST', '/api/v1/communication-templates', { token: f.responder.token, body });
    assert.equal(denied.status, 403, denied.text);
    assertErrorShape(denied);
    assert.equal((await t.request('POST', '/api/v1/communication-templates', { token: f.viewer.token, body })).status, 403);
    assert.equal((await t.request('POST', '/api/v1/communication-templates', { token: null, body })).status, 401);

    const created = await t.request('POST', '/api/v1/communication-templates', { token: f.manager.token, body });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body.severities, ['SEV1', 'SEV2'], 'severity keys are stored as defined');
    assert.deepEqual(created.body.variables, ['incident', 'severity_name', 'impact']);
    const dup = await t.request('POST', '/api/v1/communication-templates', { body });
    assert.equal(dup.status, 409, dup.text);

    const bad = await t.request('POST', '/api/v1/communication-templates', { body: { ...body, slug: 'bad', body: 'Hi {{customer}} and {{ eta }} on {{service}}' } });
    assert.equal(bad.status, 400, bad.text);
    const e = assertErrorShape(bad);
    assert.match(e.message, /\{\{customer\}\}/);
    assert.match(e.message, /\{\{eta\}\}/);
    assert.doesNotMatch(e.message, /\{\{service\}\}, \{\{customer/, 'only the unknown ones are listed as unknown');
    assert.equal(e.details.fields[0].path, '/body');
    const reserved = await t.request('POST', '/api/v1/communication-templates', { body: { ...body, slug: 'variables' } });
    assert.equal(reserved.status, 400, reserved.text);
    const badSev = await t.request('POST', '/api/v1/communication-templates', { body: { ...body, slug: 'bad', severities: ['SEV9'] } });
    assert.equal(badSev.status, 400, badSev.text);
    assert.equal(badSev.body.error.details.fields[0].path, '/severities');

    const patched = await t.request('PATCH', '/api/v1/communication-templates/exec-brief', { token: f.manager.token, body: { body: 'Now {{status}}', statuses: [] } });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(patched.body.statuses, []);
    const badPatch = await t.request('PATCH', '/api/v1/communication-templates/exec-brief', { body: { body: '{{nope}}' } });
    assert.equal(badPatch.status, 400);
    assert.equal((await t.request('PATCH', '/api/v1/communication-templates/exec-brief', { token: f.responder.token, body: { name: 'x' } })).status, 403);
    const one = await t.request('GET', `/api/v1/communication-templates/${created.body.id}`, { token: f.viewer.token });
    assert.equal(one.body.body, 'Now {{status}}');

    const audit = await t.app.deps.db.selectFrom('audit_log').select('action').where('target_id', '=', created.body.id).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.action), ['communication_template.create', 'communication_template.update']);
    assert.equal((await t.request('DELETE', '/api/v1/communication-templates/exec-brief', { token: f.responder.token })).status, 403);
    assert.equal((await t.request('DELETE', '/api/v1/communication-templates/exec-brief', { token: f.manager.token })).status, 204);
    assert.equal((await t.request('GET', '/api/v1/communication-templates/exec-brief')).status, 404);
  });

  // -------------------------------------------------------------------------------------------------
  // Posting and listing

  test('preview fills a template with the incident’s values, escaped; posting lands on the timeline and the feed', async () => {
    const inc = await declare(t, { title: 'Checkout <img src=x onerror=alert(1)> *down*', severity: 'SEV2', services: ['checkout'], summary: 'Card payments fail' }, f.responder.token);
    const ref = `INC-${inc.number}`;
    const pv = await t.request('POST', `/api/v1/incidents/${ref}/updates/preview`, { token: f.viewer.token, body: { template: 'internal-initial' } });
    assert.equal(pv.status, 200, pv.text);
    assert.equal(pv.body.next_update_at, '2026-11-23T11:00:00.000Z', 'SEV2 promises the next update in 60 minutes');
    assert.ok(pv.body.body.includes('Checkout \\<img src\\=x onerror\\=alert\\(1\\)\\> \\*down\\*'), pv.body.body);
    assert.ok(pv.body.body.includes(`INC\\-${inc.number}`));
    assert.ok(pv.body.body.includes('Card payments fail'));
    assert.ok(pv.body.body.includes('2026\\-11\\-23 11\\:00 UTC'));
    assert.ok(!pv.body.body.includes('{{'), 'every variable is filled');
    assert.ok(!/<img/i.test(pv.body.body_html) && pv.body.body_html.includes('&lt;img'), pv.body.body_html);
    assert.equal(pv.body.variables.services, 'Checkout');
    assert.equal((await t.request('POST', `/api/v1/incidents/${ref}/updates/preview`, { body: { template: 'nope' } })).status, 404);

    const viewerPost = await t.request('POST', `/api/v1/incidents/${ref}/updates`, { token: f.viewer.token, body: { audience: 'internal', body: 'hi' } });
    assert.equal(viewerPost.status, 403, viewerPost.text);
    assert.equal((await t.request('POST', `/api/v1/incidents/${ref}/updates`, { token: f.outsider.token, body: { audience: 'internal', body: 'hi' } })).status, 403);
    assert.equal((await t.request('POST', `/api/v1/incidents/${ref}/updates`, { token: null, body: { audience: 'internal', body: 'hi' } })).status, 401);

    clock.advance(5 * MIN);
    const posted = await t.request('POST', `/api/v1/incidents/${ref}/updates`, {
      token: f.responder.token,
      body: { audience: 'internal', body: pv.body.body + '\n\n<script>alert(1)</script>', template: 'internal-initial' },
    });
    assert.equal(posted.status, 201, posted.text);
    const u = posted.body;
    assert.equal(u.audience, 'internal');
    assert.equal(u.template, 'internal-initial');
    assert.equal(u.status, 'investigating');
    assert.equal(u.severity, 'SEV2');
    assert.equal(u.next_update_at, '2026-11-23T11:05:00.000Z', 'defaults to the severity interval from now');
    assert.equal(u.author.id, f.responder.id);
    assert.equal(u.incident.ref, ref);
    assert.ok(!u.body_html.includes('<script') && u.body_html.includes('&lt;script&gt;'), 'rendered sanitized');

    const ext = await t.request('POST', `/api/v1/incidents/${inc.id}/updates`, { token: f.responder.token, body: { audience: 'external', template: 'external-investigating', next_update_in_minutes: 30 } });
    assert.equal(ext.status, 201, ext.text);
    assert.ok(ext.body.body.startsWith('**Investigating** — We are investigating reports of problems with Checkout'), ext.body.body);
    assert.equal(ext.body.next_update_at, '2026-11-23T10:35:00.000Z');

    const list = await t.request('GET', `/api/v1/incidents/${ref}/updates`, { token: f.viewer.token });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.body.data.map((x: any) => x.id), [ext.body.id, u.id], 'newest first');
    assert.equal(list.body.next_update_at, '2026-11-23T10:35:00.000Z', 'the latest promise counts');
    assert.equal(list.body.overdue, false);
    assert.equal(list.body.can_post, false, 'a viewer cannot post');
    assert.equal((await t.request('GET', `/api/v1/incidents/${ref}/updates`, { token: f.responder.token })).body.can_post, true);

    const feed = await t.request('GET', '/api/v1/incident-updates?audience=external', { token: f.viewer.token });
    assert.equal(feed.status, 200, feed.text);
    assert.deepEqual(feed.body.data.map((x: any) => x.id), [ext.body.id]);
    assert.deepEqual(Object.keys(feed.body.data[0]).sort(), ['audience', 'author', 'body', 'body_html', 'created_at', 'id', 'incident', 'next_update_at', 'severity', 'status', 'template']);
    const internalFeed = await t.request('GET', `/api/v1/incident-updates?audience=internal&incident=${ref}`);
    assert.deepEqual(internalFeed.body.data.map((x: any) => x.id), [u.id]);
    const paged = await t.request('GET', '/api/v1/incident-updates?limit=1');
    assert.equal(paged.body.data.length, 1);
    const page2 = await t.request('GET', `/api/v1/incident-updates?limit=1&cursor=${paged.body.next_cursor}`);
    assert.equal(page2.body.data[0].id, u.id, 'the cursor continues with older updates');

    const entries = (await timeline(inc.id)).filter((e) => e.kind === 'update_posted');
    assert.equal(entries.length, 2);
    const events = await t.app.deps.db.selectFrom('events').select(['type', 'payload']).where('type', '=', 'incident.update_posted').where('subject_id', '=', inc.id).execute();
    assert.equal(events.length, 2);
    const audit = await t.app.deps.db.selectFrom('audit_log').select('action').where('target_id', '=', inc.id).where('action', '=', 'incident.update_post').execute();
    assert.equal(audit.length, 2);
  });

  test('bad update input gets field errors; a resolved incident takes no promise', async () => {
    const inc = await declare(t, { title: 'Slow ledger', severity: 'SEV3', services: ['ledger'] }, f.responder.token);
    const post = (body: unknown) => t.request('POST', `/api/v1/incidents/${inc.id}/updates`, { token: f.responder.token, body });
    const cases: [unknown, number, string][] = [
      [{ audience: 'internal' }, 400, '/body'],
      [{ audience: 'public', body: 'x' }, 400, '/audience'],
      [{ audience: 'internal', body: 'x', next_update_at: '2026-01-01T00:00:00Z' }, 400, '/next_update_at'],
      [{ audience: 'internal', body: 'x', next_update_at: '2027-01-01T00:00:00Z' }, 400, '/next_update_at'],
      [{ audience: 'internal', body: 'x', next_update_in_minutes: 5, next_update_at: '2026-11-23T23:00:00Z' }, 400, '/next_update_in_minutes'],
      [{ audience: 'internal', body: '   ' }, 400, '/body'],
    ];
    for (const [body, status, path] of cases) {
      const r = await post(body);
      assert.equal(r.status, status, `${JSON.stringify(body)} → ${r.text}`);
      assert.equal(assertErrorShape(r).details.fields[0].path, path, JSON.stringify(body));
    }
    assert.equal((await post({ audience: 'internal', template: 'no-such-template' })).status, 404);
    assert.equal((await t.request('POST', '/api/v1/incidents/INC-99999/updates', { body: { audience: 'internal', body: 'x' } })).status, 404);
    assert.equal((await t.request('GET', '/api/v1/incidents/not-an-incident/updates')).status, 404);

    const resolved = await t.request('POST', `/api/v1/incidents/${inc.id}/status`, { token: f.responder.token, body: { status: 'resolved', impact: 'Ledger slow for 10 minutes' } });
    assert.equal(resolved.status, 200, resolved.text);
    const promised = await post({ audience: 'external', body: 'Fixed', next_update_in_minutes: 30 });
    assert.equal(promised.status, 409, promised.text);
    const ok = await post({ audience: 'external', template: 'external-resolved' });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body.next_update_at, null);
    assert.equal(ok.body.status, 'resolved');
    assert.ok(ok.body.body.includes('Ledger is operating normally'), ok.body.body);
    const list = (await t.request('GET', `/api/v1/incidents/${inc.id}/updates`)).body;
    assert.equal(list.next_update_at, null);
    assert.equal(list.overdue, false);
  });

  // -------------------------------------------------------------------------------------------------
  // Reminders

  test('the reminder fires once at the promised time, to the communications lead, and a newer update supersedes it', async () => {
    const start = clock.now().getTime();
    const inc = await declare(t, { title: 'Payments errors', severity: 'SEV2', services: ['checkout'], commander: f.viewer.email } as any, f.responder.token);
    const comms = await t.request('POST', `/api/v1/incidents/${inc.id}/roles`, { token: f.responder.token, body: { role: 'communications', user: f.responder.email } });
    assert.equal(comms.status, 200, comms.text);
    const before = (await t.request('GET', `/api/v1/incidents/${inc.id}/updates`)).body;
    assert.equal(before.next_update_at, new Date(start + 60 * MIN).toISOString(), 'declaring promises the first update at the SEV2 cadence');

    const overdueEntries = async () => (await timeline(inc.id)).filter((e) => e.kind === 'update_overdue');
    await tick(59);
    assert.equal((await overdueEntries()).length, 0, 'not before the promise');
    await tick(1);
    assert.equal((await overdueEntries()).length, 1, 'due exactly at the promise');
    assert.equal((await overdueNotifications(f.responder.id, inc.id)).length, 1, 'the communications lead is told');
    assert.equal((await overdueNotifications(f.viewer.id, inc.id)).length, 0, 'not the commander, when there is a communications lead');
    const state = (await t.request('GET', `/api/v1/incidents/${inc.id}/updates`)).body;
    assert.equal(state.overdue, true);
    await tick(60);
    await tick(600);
    assert.equal((await overdueEntries()).length, 1, 'exactly once');

    // A new update promises a new time; an intermediate update replaces that promise again.
    const u1 = await t.request('POST', `/api/v1/incidents/${inc.id}/updates`, { token: f.responder.token, body: { audience: 'internal', body: 'Still on it', next_update_in_minutes: 30 } });
    assert.equal(u1.status, 201, u1.text);
    await tick(20);
    const u2 = await t.request('POST', `/api/v1/incidents/${inc.id}/updates`, { token: f.responder.token, body: { audience: 'internal', body: 'Found it', next_update_in_minutes: 45 } });
    assert.equal(u2.status, 201, u2.text);
    await tick(15); // u1's promise (30 min) passes: superseded, nothing happens
    assert.equal((await overdueEntries()).length, 1);
    assert.equal((await t.request('GET', `/api/v1/incidents/${inc.id}/updates`)).body.overdue, false);
    await tick(29);
    assert.equal((await overdueEntries()).length, 1, 'one minute before u2’s promise');
    await tick(1);
    assert.equal((await overdueEntries()).length, 2, 'u2’s promise is reminded');
    assert.equal((await overdueNotifications(f.responder.id, inc.id)).length, 2);
    const pending = await t.app.deps.db.selectFrom('engine_jobs').select('id').where('kind', '=', 'incident.update_reminder').where('state', '=', 'pending').where('payload', 'like', `%${inc.id}%`).execute();
    assert.equal(pending.length, 0);
  });

  test('without a communications lead the commander is reminded; resolving cancels; reopening restarts the cadence', async () => {
    const inc = await declare(t, { title: 'Ledger drift', severity: 'SEV1', services: ['ledger'], commander: f.viewer.email } as any, f.responder.token);
    const overdue = async () => (await timeline(inc.id)).filter((e) => e.kind === 'update_overdue').length;
    await tick(30);
    assert.equal(await overdue(), 1);
    assert.equal((await overdueNotifications(f.viewer.id, inc.id)).length, 1, 'the commander is told');

    await t.request('POST', `/api/v1/incidents/${inc.id}/updates`, { token: f.responder.token, body: { audience: 'internal', body: 'x', next_update_in_minutes: 10 } });
    const res = await t.request('POST', `/api/v1/incidents/${inc.id}/status`, { token: f.responder.token, body: { status: 'resolved', impact: 'Ledger totals wrong for 40 minutes' } });
    assert.equal(res.status, 200, res.text);
    await tick(60);
    assert.equal(await overdue(), 1, 'a resolved incident is not reminded');
    assert.equal((await t.request('GET', `/api/v1/incidents/${inc.id}/updates`)).body.next_update_at, null);

    const reopened = await t.request('POST', `/api/v1/incidents/${inc.id}/reopen`, { token: f.responder.token, body: { reason: 'again' } });
    assert.equal(reopened.status, 200, reopened.text);
    assert.equal((await t.request('GET', `/api/v1/incidents/${inc.id}/updates`)).body.next_update_at, new Date(clock.now().getTime() + 30 * MIN).toISOString());
    await tick(30);
    assert.equal(await overdue(), 2, 'the reopened incident is reminded at the SEV1 cadence');
  });

  test('SEV4 promises nothing by default, so nobody is reminded', async () => {
    const inc = await declare(t, { title: 'Typo on receipt', severity: 'SEV4', services: ['checkout'] }, f.responder.token);
    assert.equal((await t.request('GET', `/api/v1/incidents/${inc.id}/updates`)).body.next_update_at, null);
    const u = await t.request('POST', `/api/v1/incidents/${inc.id}/updates`, { token: f.responder.token, body: { audience: 'internal', body: 'Fix queued' } });
    assert.equal(u.body.next_update_at, null);
    await tick(24 * 60);
    assert.equal((await timeline(inc.id)).filter((e) => e.kind === 'update_overdue').length, 0);
  });

  // -------------------------------------------------------------------------------------------------
  // Suspects

  test('suspects: changes on affected services and their direct dependencies in the look-back window, newest first', async () => {
    const at = (minutesFromNow: number) => new Date(clock.now().getTime() + minutesFromNow * MIN).toISOString();
    await changeEvent(t, f.keys.checkout!, 'Deploy checkout v42', at(-60), [{ href: 'https://ci.example.com/42', text: 'CI run' }, { href: 'javascript:alert(1)' }]);
    await changeEvent(t, f.keys.checkout!, 'Deploy checkout v41', at(-7 * 60));
    await changeEvent(t, f.keys.ledger!, 'Ledger schema migration', at(-120));
    await changeEvent(t, f.keys.network!, 'Firewall rule change', at(-30));
    await t.app.engine.drain();
    const inc = await declare(t, { title: 'Checkout failing', severity: 'SEV2', services: ['checkout'] }, f.responder.token);
    await changeEvent(t, f.keys.checkout!, 'Deploy after the incident started', at(10));

    const r = await t.request('GET', `/api/v1/incidents/INC-${inc.number}/suspects`, { token: f.viewer.token });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.data.map((s: any) => s.summary), ['Deploy checkout v42', 'Ledger schema migration']);
    const [deploy, migration] = r.body.data;
    assert.equal(deploy.kind, 'change_event');
    assert.equal(deploy.service.slug, 'checkout');
    assert.equal(deploy.via_dependency, false);
    assert.equal(deploy.minutes_before, 60);
    assert.equal(deploy.source, 'ci');
    assert.deepEqual(deploy.links, [{ href: 'https://ci.example.com/42', text: 'CI run' }], 'only web links are passed on');
    assert.equal(migration.service.slug, 'ledger');
    assert.equal(migration.via_dependency, true);
    assert.deepEqual(migration.dependents.map((s: any) => s.slug), ['checkout']);
    assert.equal(r.body.window.hours, 6);
    assert.deepEqual(r.body.services.map((s: any) => [s.slug, s.via_dependency]).sort(), [['checkout', false], ['ledger', true]]);

    const wide = await t.request('GET', `/api/v1/incidents/${inc.id}/suspects?hours=8`);
    assert.deepEqual(wide.body.data.map((s: any) => s.summary), ['Deploy checkout v42', 'Ledger schema migration', 'Deploy checkout v41']);
    for (const hours of ['0', '73', 'abc', '-1', '1e3']) {
      const bad = await t.request('GET', `/api/v1/incidents/${inc.id}/suspects?hours=${hours}`);
      assert.equal(bad.status, 400, `${hours} → ${bad.text}`);
      assert.equal(assertErrorShape(bad).details.fields[0].path, '/hours');
    }
    assert.equal((await t.request('GET', `/api/v1/incidents/${inc.id}/suspects`, { token: null })).status, 401);
  });
});
