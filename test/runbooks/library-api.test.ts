import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { content, createRunbook, seedLibrary, step } from './library-support.js';

forEachDatabase('runbook library API', (kind) => {
  let t: TestApp;
  let u: Awaited<ReturnType<typeof seedLibrary>>;
  const clock = new ManualClock('2026-11-23T10:00:00.000Z');

  before(async () => {
    t = await startTestApp(kind, { clock });
    u = await seedLibrary(t);
  });
  after(async () => t.close());

  test('create, read by slug and id, with typed sections, rendered HTML and audit', async () => {
    const rb = await createRunbook(t, { slug: 'checkout-restart', services: ['checkout'], tags: ['restart', 'k8s'], review_cadence_days: 30 }, u.responder.token);
    assert.equal(rb.current_version, 1);
    assert.equal(rb.team.slug, 'payments');
    assert.deepEqual(rb.services.map((s: any) => s.slug), ['checkout']);
    assert.equal(rb.stale, false);
    assert.equal(rb.last_reviewed_at, '2026-11-23T10:00:00.000Z');
    assert.equal(rb.review_due_at, '2026-12-23T10:00:00.000Z');
    assert.equal(rb.step_count, 2);
    assert.equal(rb.last_verified_at, null);
    const byId = await t.request('GET', `/api/v1/runbooks/${rb.id}`, { token: u.outsider.token });
    assert.equal(byId.status, 200, 'any signed-in user reads runbooks');
    assert.equal(byId.body.slug, 'checkout-restart');
    assert.equal(byId.body.content.steps[0].command, 'echo one');
    assert.match(byId.body.html.purpose, /<p>When checkout is down<\/p>/);
    const audit = await t.app.deps.db.selectFrom('audit_log').select(['action', 'actor_id']).where('target_id', '=', rb.id).execute();
    assert.deepEqual(audit.map((a) => a.action), ['runbook.create']);
    assert.equal(audit[0]!.actor_id, u.responder.id);
    assert.equal((await t.request('GET', '/api/v1/runbooks/checkout-restart', { token: null })).status, 401);
  });

  test('validation: reserved slugs, sop needs a subkind, duplicate step ids, unknown refs, template or content', async () => {
    for (const slug of ['new', 'runs', 'trees']) {
      const r = await t.request('POST', '/api/v1/runbooks', { body: { slug, title: 'x', kind: 'troubleshooting', team: 'payments', content: content() } });
      assert.equal(r.status, 400, slug);
      assert.equal(r.body.error.details.fields[0].path, '/slug');
    }
    const noSub = await t.request('POST', '/api/v1/runbooks', { body: { slug: 'deploy-x', title: 'x', kind: 'sop', team: 'payments', content: content() } });
    assert.equal(noSub.status, 400);
    assert.equal(noSub.body.error.details.fields[0].path, '/subkind');
    const dup = await t.request('POST', '/api/v1/runbooks', { body: { slug: 'dup', title: 'x', kind: 'troubleshooting', team: 'payments', content: content([step('a'), step('a')]) } });
    assert.equal(dup.status, 400);
    assert.equal(dup.body.error.details.fields[0].path, '/content/steps/1/id');
    const badSvc = await t.request('POST', '/api/v1/runbooks', { body: { slug: 'bad-svc', title: 'x', kind: 'troubleshooting', team: 'payments', services: ['nope'], content: content() } });
    assert.equal(badSvc.status, 400);
    assert.equal(badSvc.body.error.details.fields[0].path, '/services/0');
    const neither = await t.request('POST', '/api/v1/runbooks', { body: { slug: 'empty', title: 'x', kind: 'troubleshooting', team: 'payments' } });
    assert.equal(neither.status, 400);
    const dupSlug = await t.request('POST', '/api/v1/runbooks', { body: { slug: 'checkout-restart', title: 'x', kind: 'troubleshooting', team: 'payments', content: content() } });
    assert.equal(dupSlug.status, 409);
  });

  test('roles: viewers and other teams cannot create or edit; responders and admins can', async () => {
    for (const who of [u.viewer, u.outsider]) {
      const r = await t.request('POST', '/api/v1/runbooks', { token: who.token, body: { slug: `nope-${who.id.slice(-4)}`, title: 'x', kind: 'troubleshooting', team: 'payments', content: content() } });
      assert.equal(r.status, 403, r.text);
      const e = await t.request('PATCH', '/api/v1/runbooks/checkout-restart', { token: who.token, body: { base_version: 1, title: 'Hijacked' } });
      assert.equal(e.status, 403);
      const rev = await t.request('POST', '/api/v1/runbooks/checkout-restart/review', { token: who.token, body: {} });
      assert.equal(rev.status, 403);
      const del = await t.request('DELETE', '/api/v1/runbooks/checkout-restart', { token: who.token });
      assert.equal(del.status, 403);
    }
    const moveAway = await t.request('PATCH', '/api/v1/runbooks/checkout-restart', { token: u.responder.token, body: { base_version: 1, team: 'search' } });
    assert.equal(moveAway.status, 403, 'moving to a team where the editor is not a responder is refused');
    assert.equal((await t.request('GET', '/api/v1/runbooks/checkout-restart')).body.current_version, 1);
  });

  test('edits are versions; diff between any two; restore creates a new version; no-op edit makes none', async () => {
    const v2 = await t.request('PATCH', '/api/v1/runbooks/checkout-restart', {
      token: u.manager.token,
      body: { base_version: 1, content: content([step('one', { command: 'kubectl rollout restart deploy/checkout' }), step('three')]), change_note: 'real command' },
    });
    assert.equal(v2.status, 200, v2.text);
    assert.equal(v2.body.current_version, 2);
    const v3 = await t.request('PATCH', '/api/v1/runbooks/checkout-restart', { token: u.responder.token, body: { base_version: 2, title: 'Restart the checkout service', tags: ['restart'] } });
    assert.equal(v3.body.current_version, 3);
    const same = await t.request('PATCH', '/api/v1/runbooks/checkout-restart', { token: u.responder.token, body: { base_version: 3, title: 'Restart the checkout service' } });
    assert.equal(same.status, 200);
    assert.equal(same.body.current_version, 3, 'an edit that changes nothing is not a version');

    const list = (await t.request('GET', '/api/v1/runbooks/checkout-restart/versions')).body.data;
    assert.deepEqual(list.map((v: any) => [v.number, v.current]), [[3, true], [2, false], [1, false]]);
    assert.equal(list[1].change_note, 'real command');
    assert.equal(list[1].author.id, u.manager.id);
    const v1 = (await t.request('GET', '/api/v1/runbooks/checkout-restart/versions/1')).body;
    assert.equal(v1.content.steps[1].id, 'two');
    assert.equal(v1.title, 'Restart checkout');

    const d = (await t.request('GET', '/api/v1/runbooks/checkout-restart/versions/diff?from=1&to=3')).body;
    assert.deepEqual(d.steps.added.map((s: any) => s.id), ['three']);
    assert.deepEqual(d.steps.removed.map((s: any) => s.id), ['two']);
    assert.deepEqual(d.steps.changed, [{ id: 'one', title: 'Step one', fields: ['command'] }]);
    const steps = d.sections.find((s: any) => s.section === 'Steps');
    assert.ok(steps.changed);
    assert.ok(steps.lines.some((l: any) => l.op === 'add' && l.text === 'kubectl rollout restart deploy/checkout'), JSON.stringify(steps.lines));
    assert.ok(steps.lines.some((l: any) => l.op === 'del' && l.text === 'echo one'));
    const title = d.sections.find((s: any) => s.section === 'Title');
    assert.deepEqual(title.lines, [{ op: 'del', text: 'Restart checkout' }, { op: 'add', text: 'Restart the checkout service' }]);
    assert.equal(d.sections.find((s: any) => s.section === 'Purpose').changed, false);
    const details = d.sections.find((s: any) => s.section === 'Details');
    assert.ok(details.lines.some((l: any) => l.op === 'del' && l.text.includes('k8s')), 'metadata changes show in the diff');
    const dflt = (await t.request('GET', '/api/v1/runbooks/checkout-restart/versions/diff')).body;
    assert.deepEqual([dflt.from, dflt.to], [2, 3]);
    assert.equal((await t.request('GET', '/api/v1/runbooks/checkout-restart/versions/diff?from=1&to=9')).status, 404);
    assert.equal((await t.request('GET', '/api/v1/runbooks/checkout-restart/versions/diff?from=x')).status, 400);

    const restored = await t.request('POST', '/api/v1/runbooks/checkout-restart/versions/1/restore', { token: u.responder.token, body: {} });
    assert.equal(restored.status, 200, restored.text);
    assert.equal(restored.body.current_version, 4);
    assert.equal(restored.body.title, 'Restart checkout');
    assert.deepEqual(restored.body.content.steps.map((s: any) => s.id), ['one', 'two']);
    assert.deepEqual(restored.body.tags, ['restart'], 'restore brings back the document, not the metadata');
    const v4 = (await t.request('GET', '/api/v1/runbooks/checkout-restart/versions/4')).body;
    assert.equal(v4.change_note, 'Restored version 1');
    const again = (await t.request('GET', '/api/v1/runbooks/checkout-restart/versions/diff?from=1&to=4')).body;
    assert.equal(again.sections.filter((s: any) => s.changed && s.section !== 'Details').length, 0);
    const v1again = (await t.request('GET', '/api/v1/runbooks/checkout-restart/versions/1')).body;
    assert.deepEqual(v1again, v1 && { ...v1, current: false }, 'old versions are immutable');
    const audits = (await t.app.deps.db.selectFrom('audit_log').select('action').where('target_type', '=', 'runbook').execute()).map((a) => a.action);
    assert.ok(audits.includes('runbook.restore') && audits.filter((a) => a === 'runbook.update').length >= 3);
  });

  test('optimistic concurrency: an edit from a stale base version is a 409 naming the current version', async () => {
    const cur = (await t.request('GET', '/api/v1/runbooks/checkout-restart')).body.current_version;
    const ok = await t.request('PATCH', '/api/v1/runbooks/checkout-restart', { token: u.responder.token, body: { base_version: cur, content: content([step('one'), step('two'), step('four')]) } });
    assert.equal(ok.status, 200);
    const stale = await t.request('PATCH', '/api/v1/runbooks/checkout-restart', { token: u.manager.token, body: { base_version: cur, title: 'Lost update' } });
    assert.equal(stale.status, 409, stale.text);
    assert.equal(stale.body.error.details.current_version, cur + 1);
    assert.notEqual((await t.request('GET', '/api/v1/runbooks/checkout-restart')).body.title, 'Lost update');
    const missing = await t.request('PATCH', '/api/v1/runbooks/checkout-restart', { token: u.manager.token, body: { title: 'No base' } });
    assert.equal(missing.status, 400, 'base_version is required');
  });

  test('templates: all eight essential runbooks, create from one', async () => {
    const list = (await t.request('GET', '/api/v1/runbook-templates', { token: u.viewer.token })).body.data;
    assert.deepEqual(list.map((x: any) => x.key).sort(), ['cache-clear', 'database-failover', 'deployment', 'log-investigation', 'maintenance-window', 'rollback', 'scaling', 'service-restart']);
    for (const tpl of list) {
      assert.ok(tpl.content.steps.length >= 3, tpl.key);
      for (const s of tpl.content.steps) assert.ok(s.expected && s.on_failure && s.instruction, `${tpl.key}/${s.id}`);
      assert.ok(tpl.content.steps.some((s: any) => s.command), `${tpl.key} has commands`);
      assert.ok(tpl.content.rollback && tpl.content.verification, tpl.key);
    }
    const rb = await createRunbook(t, { slug: 'db-failover', title: 'Fail over the orders DB', kind: 'incident_response', content: undefined, template: 'database-failover' }, u.responder.token);
    assert.equal(rb.content.steps[0].id, 'confirm-primary-down');
    const v = (await t.request('GET', '/api/v1/runbooks/db-failover/versions')).body.data;
    assert.equal(v[0].change_note, "Created from template 'database-failover'");
    const bad = await t.request('POST', '/api/v1/runbooks', { body: { slug: 'x-tpl', title: 'x', kind: 'troubleshooting', team: 'payments', template: 'nope' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.fields[0].path, '/template');
  });

  test('search: words over title, steps, commands and tags; title matches rank first; filters', async () => {
    await createRunbook(t, { slug: 'cache-flush', title: 'Flush the redis cache', kind: 'sop', subkind: 'maintenance', tags: ['redis'], services: ['search-api'], team: 'search', content: content([step('flush', { command: 'redis-cli FLUSHALL', title: 'Flush' })]) }, u.outsider.token);
    await createRunbook(t, { slug: 'latency-guide', title: 'Latency troubleshooting', kind: 'troubleshooting', tags: ['latency'], content: content([step('look', { instruction: 'Check the redis hit rate first', title: 'Look at caches' })]) });
    const q = async (qs: string) => (await t.request('GET', `/api/v1/runbooks?${qs}`, { token: u.viewer.token })).body.data.map((r: any) => r.slug);
    assert.deepEqual(await q('q=redis'), ['cache-flush', 'latency-guide'], 'title match first, then a step instruction match');
    assert.deepEqual(await q('q=FLUSHALL'), ['cache-flush'], 'commands are searched, case-insensitively');
    assert.deepEqual(await q('q=redis%20hit'), ['latency-guide'], 'every word must match');
    assert.deepEqual(await q('q=latency'), ['latency-guide']);
    assert.deepEqual(await q('q=%25'), [], 'LIKE wildcards are literal');
    assert.deepEqual(await q('q=e_d'), [], 'LIKE wildcards are literal (unescaped, e_d would match "instead")');
    assert.deepEqual(await q('service=search-api'), ['cache-flush']);
    assert.deepEqual(await q('team=search'), ['cache-flush']);
    assert.deepEqual(await q('kind=maintenance'), ['cache-flush']);
    assert.deepEqual(await q('kind=sop'), ['cache-flush']);
    assert.deepEqual(await q('tag=latency'), ['latency-guide']);
    assert.deepEqual(await q('tag=restart'), ['checkout-restart']);
    assert.deepEqual((await q('kind=troubleshooting')).sort(), ['latency-guide']);
    assert.equal((await t.request('GET', '/api/v1/runbooks?kind=bogus')).status, 400);
    assert.equal((await t.request('GET', '/api/v1/runbooks?stale=maybe')).status, 400);
    assert.deepEqual(await q('stale=true'), []);
    // Search follows edits.
    const cur = (await t.request('GET', '/api/v1/runbooks/latency-guide')).body.current_version;
    await t.request('PATCH', '/api/v1/runbooks/latency-guide', { body: { base_version: cur, content: content([step('look', { instruction: 'Check memcached', title: 'Look' })]) } });
    assert.deepEqual(await q('q=redis'), ['cache-flush']);
  });

  test('Markdown: script and event-handler payloads are escaped in the HTML and kept raw in content', async () => {
    const payload = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1"> [click](javascript:alert(1))';
    const rb = await createRunbook(t, { slug: 'xss', title: 'XSS', kind: 'troubleshooting', content: content([step('x', { instruction: payload })], { purpose: payload }) });
    assert.equal(rb.content.purpose, payload);
    for (const html of [rb.html.purpose, rb.html.steps[0].instruction]) {
      assert.ok(!html.includes('<script'), html);
      assert.ok(!html.includes('<img'), html);
      assert.ok(!html.includes('href="javascript:'), html);
      assert.ok(html.includes('&lt;script&gt;'), html);
    }
  });

  test('export.md follows the seed runbook structure', async () => {
    const r = await t.request('GET', '/api/v1/runbooks/checkout-restart/export.md', { token: u.viewer.token });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/markdown/);
    for (const h of ['# Runbook: Restart checkout', '**Owner:** payments', '## Purpose', '## Prerequisites', '## Steps', '### Step 1: Step one', '**Expected outcome:** one done', '**If this fails:** Escalate one', '## Verification', '## Rollback', '## Contacts', '## Related runbooks']) {
      assert.ok(r.text.includes(h), `${h}\n${r.text}`);
    }
    assert.ok(r.text.includes('```\necho one\n```'));
    const old = await t.request('GET', '/api/v1/runbooks/checkout-restart/export.md?version=2');
    assert.ok(old.text.includes('kubectl rollout restart deploy/checkout'));
  });

  test('mark reviewed restarts the cadence; delete removes the runbook', async () => {
    clock.advance(40 * 86_400_000);
    const before = (await t.request('GET', '/api/v1/runbooks/checkout-restart')).body;
    assert.equal(before.stale, true);
    const r = await t.request('POST', '/api/v1/runbooks/checkout-restart/review', { token: u.responder.token, body: { note: 'still accurate' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.stale, false);
    assert.equal(r.body.last_reviewed_at, '2027-01-02T10:00:00.000Z');
    assert.equal(r.body.current_version, before.current_version, 'reviewing is not a version');
    assert.equal((await t.request('DELETE', '/api/v1/runbooks/xss', { token: u.responder.token })).status, 204);
    assert.equal((await t.request('GET', '/api/v1/runbooks/xss')).status, 404);
  });
});
