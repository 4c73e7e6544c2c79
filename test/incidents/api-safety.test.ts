import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { createApp, type App } from '../../src/app.js';
import { SYSTEM } from '../../src/core/actor.js';
import { ManualClock } from '../../src/core/clock.js';
import { declareIncident } from '../../src/domains/incidents/services.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { assertErrorShape } from '../support/http.js';
import { seedWorld, type World } from './core-support.js';

forEachDatabase('incidents: numbering, fuzzing, apply, handoff', (kind) => {
  let t: TestApp;
  let w: World;
  let second: App;
  const clock = new ManualClock('2026-11-23T10:00:00.000Z');

  before(async () => {
    t = await startTestApp(kind, { clock });
    w = await seedWorld(t);
    // A second instance on the same PostgreSQL database. (Two SQLite connections driven from one thread
    // deadlock on the write lock — see test/engine/multi-instance.test.ts — and SQLite has one writer
    // anyway: there the declarations race within the one instance.)
    second = kind === 'postgres' ? await createApp({ clock, startEngine: false, config: { ...t.app.deps.config, port: 0 } }) : t.app;
  });
  after(async () => {
    if (second !== t.app) await second.close();
    await t.close();
  });

  test('instances declaring at once never share an INC number', async () => {
    const before = (await t.request('GET', '/api/v1/incidents?limit=1')).body.data[0]?.number ?? 0;
    const ctxs = [{ deps: t.app.deps, actor: SYSTEM }, { deps: second.deps, actor: SYSTEM }];
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => declareIncident(ctxs[i % 2]!, { title: `Race ${i}`, severity: 'SEV4', services: ['search'] })),
    );
    const numbers = results.map((r) => r.number).sort((a, b) => a - b);
    assert.deepEqual(numbers, Array.from({ length: 24 }, (_, i) => before + i + 1));
  });

  test('fuzz: garbage to every incident write endpoint is a 4xx JSON error, never a 5xx', async () => {
    const inc = (await t.request('POST', '/api/v1/incidents', { body: { title: 'Fuzz', severity: 'SEV3', services: ['checkout'], page: { services: false } } })).body;
    const entry = (await t.request('POST', `/api/v1/incidents/${inc.ref}/timeline`, { body: { body: 'x' } })).body;
    const endpoints: [string, string][] = [
      ['POST', '/api/v1/incidents'],
      ['PATCH', `/api/v1/incidents/${inc.ref}`],
      ['POST', `/api/v1/incidents/${inc.ref}/status`],
      ['POST', `/api/v1/incidents/${inc.ref}/acknowledge`],
      ['POST', `/api/v1/incidents/${inc.ref}/reopen`],
      ['POST', `/api/v1/incidents/${inc.ref}/roles`],
      ['POST', `/api/v1/incidents/${inc.ref}/alert-groups`],
      ['POST', `/api/v1/incidents/${inc.ref}/pages`],
      ['POST', `/api/v1/incidents/${inc.ref}/timeline`],
      ['PATCH', `/api/v1/incidents/${inc.ref}/timeline/${entry.id}`],
      ['POST', '/api/v1/incident-severities'],
      ['PATCH', '/api/v1/incident-severities/SEV4'],
    ];
    const field = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('', 'SEV1', 'sev9', 'resolved', 'identified', 'commander', null, -1, 0, 1e12, true, '\u0000', 'INC-1', w.ana.email, '<script>'),
      fc.integer(),
      fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
      fc.object({ maxDepth: 1 }),
    );
    const keys = fc.constantFrom('title', 'severity', 'services', 'status', 'impact', 'users_affected', 'role', 'user', 'alert_group_ids', 'body', 'key_event', 'at', 'page', 'summary', 'rank', 'name', 'ack_target_minutes', 'key', 'reason', 'users', 'schedules', 'note');
    const bodies = fc.oneof(fc.dictionary(keys, field, { maxKeys: 5 }), fc.anything({ maxDepth: 2 }));
    for (const [method, path] of endpoints) {
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          const r = await t.request(method, path, { body: body === undefined ? null : body, token: w.ana.token });
          assert.ok(r.status < 500, `${method} ${path} ${JSON.stringify(body)} → ${r.status} ${r.text}`);
          if (r.status >= 400) assertErrorShape(r, `${method} ${path}`);
        }),
        { numRuns: 40 },
      );
    }
    for (const ref of ['INC-0', 'INC-99999999999', '%00', "1' or 1=1", 'inc--1']) {
      const r = await t.request('POST', `/api/v1/incidents/${encodeURIComponent(ref)}/status`, { body: { status: 'identified' } });
      assert.ok(r.status === 404 || r.status === 400, `${ref} → ${r.status}`);
    }
  });

  test('incident_severities: apply, re-apply unchanged, export round-trip, admin only', async () => {
    const doc = {
      incident_severities: [
        { key: 'SEV1', rank: 1, name: 'Critical', description: 'Critical, widespread impact (complete outage)', examples: 'System down, data loss', ack_target_minutes: 10, mitigate_target_minutes: 60, update_interval_minutes: 30, requires_postmortem: true, postmortem_due_business_days: 3 },
        { key: 'SEV5', rank: 5, name: 'Informational', ack_target_minutes: 2880, requires_postmortem: false, postmortem_due_business_days: 0 },
      ],
    };
    const first = await t.request('POST', '/api/v1/apply', { body: { document: doc } });
    assert.equal(first.status, 200, first.text);
    const sev = first.body.changes.filter((c: any) => c.kind === 'severity');
    assert.deepEqual(sev.map((c: any) => [c.key, c.action]), [['SEV1', 'changed'], ['SEV5', 'created']]);
    assert.deepEqual(sev[0].changes.ack_target_minutes, { from: 15, to: 10 });
    const again = await t.request('POST', '/api/v1/apply', { body: { document: doc } });
    assert.deepEqual(again.body.changes.filter((c: any) => c.kind === 'severity').map((c: any) => c.action), ['unchanged', 'unchanged']);
    const exported = (await t.request('GET', '/api/v1/export')).body;
    assert.deepEqual(exported.incident_severities.map((s: any) => s.key).filter((k: string) => k.startsWith('SEV')), ['SEV1', 'SEV2', 'SEV3', 'SEV4', 'SEV5']);
    const round = await t.request('POST', '/api/v1/apply', { body: { document: exported } });
    assert.equal(round.status, 200, round.text);
    assert.equal(round.body.summary.created + round.body.summary.changed, 0, JSON.stringify(round.body.changes.filter((c: any) => c.action !== 'unchanged')));
    // Swapping two ranks in one document works.
    const swap = await t.request('POST', '/api/v1/apply', { body: { document: { incident_severities: [{ key: 'SEV4', rank: 5, name: 'Minor', ack_target_minutes: 1440 }, { key: 'SEV5', rank: 4, name: 'Informational', ack_target_minutes: 2880 }] } } });
    assert.equal(swap.status, 200, swap.text);
    const clash = await t.request('POST', '/api/v1/apply', { body: { document: { incident_severities: [{ key: 'SEV6', rank: 1, name: 'Dup', ack_target_minutes: 5 }] } } });
    assert.equal(clash.status, 409);
    const nonAdmin = await t.request('POST', '/api/v1/apply', { body: { document: { incident_severities: [{ key: 'SEV1', rank: 1, name: 'Critical', ack_target_minutes: 1 }] } }, token: w.ana.token });
    assert.equal(nonAdmin.status, 403);
    assert.equal((await t.request('PATCH', '/api/v1/incident-severities/SEV1', { body: { ack_target_minutes: 1 }, token: w.ana.token })).status, 403);
    assert.equal((await t.request('DELETE', '/api/v1/incident-severities/SEV5')).status, 204);
    assert.equal((await t.request('DELETE', '/api/v1/incident-severities/SEV4')).status, 409, 'in use');
    const audit = await t.app.deps.db.selectFrom('audit_log').select('action').where('target_type', '=', 'incident_severity').execute();
    assert.ok(audit.some((a) => a.action === 'incident_severity.update') && audit.some((a) => a.action === 'incident_severity.delete'));
  });

  test('handoff reports list incidents open during the shift (Recent Incidents)', async () => {
    const { incidentsHandoffSection } = await import('../../src/domains/incidents/handoff.js');
    const checkout = await t.app.deps.db.selectFrom('services').select('id').where('slug', '=', 'checkout').executeTakeFirstOrThrow();
    const inc = (await t.request('POST', '/api/v1/incidents', { body: { title: 'Handoff *bold*', severity: 'SEV2', services: ['checkout'], page: { services: false } } })).body;
    const section = await incidentsHandoffSection({ db: t.app.deps.db, scheduleId: 'x', serviceIds: [checkout.id], shiftStart: new Date(clock.now().getTime() - 3600_000), changeAt: new Date(clock.now().getTime() + 60_000) });
    assert.ok(section);
    assert.equal(section.title, 'Recent Incidents');
    const line = section.lines.find((l) => l.includes(inc.ref));
    assert.ok(line, JSON.stringify(section.lines));
    assert.match(line, /Handoff \\\*bold\\\*/, 'user text is escaped');
    const later = await incidentsHandoffSection({ db: t.app.deps.db, scheduleId: 'x', serviceIds: [checkout.id], shiftStart: new Date(clock.now().getTime() - 7200_000), changeAt: new Date(clock.now().getTime() - 3600_000) });
    assert.ok(!later?.lines.some((l) => l.includes(inc.ref)), 'declared after the shift ended');
  });
});
