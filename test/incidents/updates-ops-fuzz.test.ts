import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import YAML from 'yaml';
import { ManualClock } from '../../src/core/clock.js';
import { renderTemplate, VARIABLE_NAMES } from '../../src/domains/incidents/updates/render.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { assertErrorShape } from '../support/http.js';
import { declare, seedUpdatesFixture, type UpdatesFixture } from './updates-support.js';

const MIN = 60_000;

test('rendering is plain-text substitution: whatever a value holds, it never adds Markdown structure or HTML', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), fc.constantFrom(...VARIABLE_NAMES.filter((v) => v !== 'url')), (value, name) => {
      const out = renderTemplate(`x {{${name}}} y`, { [name]: value });
      // Every Markdown/HTML metacharacter of the value arrives backslash-escaped, and no newline survives.
      const inner = out.slice(2, -2);
      assert.ok(!/(^|[^\\])[<>*_[\]`#&]/.test(inner.replace(/\\\\/g, '')), JSON.stringify({ value, out }));
      assert.ok(!inner.includes('\n'));
    }),
    { numRuns: 300 },
  );
});

forEachDatabase('incident updates: ops as code, fuzzing, reminder timing', (kind) => {
  let t: TestApp;
  let f: UpdatesFixture;
  const clock = new ManualClock('2026-11-23T10:00:00.000Z');

  before(async () => {
    t = await startTestApp(kind, { clock });
    f = await seedUpdatesFixture(t);
  });
  after(async () => t.close());

  const apply = (document: unknown, token?: string) => t.request('POST', '/api/v1/apply', { token, body: { document } });

  test('communication_templates in the apply document: create, unchanged on re-apply, change, export round-trips', async () => {
    const doc = YAML.parse(`
communication_templates:
  - slug: exec-summary
    name: Executive summary
    audience: internal
    severities: [SEV1, SEV2]
    statuses: [investigating, identified]
    body: |
      {{incident}} ({{severity_name}}) affects {{services}}.
      Next update {{next_update}}.
`);
    const first = await apply(doc);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body.changes.map((c: any) => [c.kind, c.key, c.action]), [['communication_template', 'exec-summary', 'created']]);
    const again = await apply(doc);
    assert.deepEqual(again.body.changes.map((c: any) => c.action), ['unchanged']);
    assert.equal(again.body.summary.changed + again.body.summary.created, 0);

    doc.communication_templates[0].statuses = ['investigating'];
    const changed = await apply(doc);
    assert.deepEqual(changed.body.changes.map((c: any) => c.action), ['changed']);
    assert.deepEqual(Object.keys(changed.body.changes[0].changes), ['statuses']);

    const bad = await apply({ communication_templates: [{ ...doc.communication_templates[0], body: 'Hello {{customer_name}}' }] });
    assert.equal(bad.status, 400, bad.text);
    assert.match(assertErrorShape(bad).message, /customer_name/);
    assert.equal(bad.body.error.details.fields[0].path, '/document/communication_templates/0/body');

    const exported = await t.request('GET', '/api/v1/export');
    assert.equal(exported.status, 200, exported.text);
    const templates = exported.body.communication_templates as any[];
    assert.ok(templates.some((x) => x.slug === 'external-investigating'), 'the seeded defaults are exported too');
    const mine = templates.find((x) => x.slug === 'exec-summary');
    assert.deepEqual(mine, { slug: 'exec-summary', name: 'Executive summary', audience: 'internal', severities: ['SEV1', 'SEV2'], statuses: ['investigating'], body: doc.communication_templates[0].body });
    const roundTrip = await apply(exported.body);
    assert.equal(roundTrip.status, 200, roundTrip.text);
    assert.equal(roundTrip.body.summary.created + roundTrip.body.summary.changed, 0, JSON.stringify(roundTrip.body.changes.filter((c: any) => c.action !== 'unchanged')));
  });

  test('fuzz: garbage to the write endpoints gets a JSON 4xx, never a 5xx', async () => {
    const inc = await declare(t, { title: 'Fuzz target', severity: 'SEV2', services: ['checkout'] }, f.responder.token);
    const junk = fc.oneof(
      fc.anything(),
      fc.record(
        {
          audience: fc.oneof(fc.constantFrom('internal', 'external'), fc.string()),
          body: fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant(null)),
          template: fc.oneof(fc.constantFrom('external-investigating', 'internal-initial'), fc.string({ maxLength: 120 })),
          next_update_at: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string(), fc.constant(null)),
          next_update_in_minutes: fc.oneof(fc.integer(), fc.double()),
          slug: fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), fc.string()),
          name: fc.string({ maxLength: 300 }),
          severities: fc.oneof(fc.array(fc.string({ maxLength: 30 }), { maxLength: 4 }), fc.string()),
          statuses: fc.oneof(fc.array(fc.constantFrom('investigating', 'resolved', 'nope'), { maxLength: 4 }), fc.anything()),
        },
        { requiredKeys: [] },
      ),
    );
    const targets = [
      ['POST', `/api/v1/incidents/${inc.id}/updates`],
      ['POST', `/api/v1/incidents/${inc.id}/updates/preview`],
      ['POST', '/api/v1/communication-templates'],
      ['PATCH', '/api/v1/communication-templates/internal-initial'],
    ] as const;
    for (const [method, path] of targets) {
      await fc.assert(
        fc.asyncProperty(junk, fc.constantFrom(f.responder.token, f.viewer.token, t.adminToken), async (body, token) => {
          const raw = JSON.stringify(body);
          const r = await t.request(method, path, { token, raw: raw === undefined ? 'null' : raw });
          assert.ok(r.status < 500, `${method} ${path} ${raw} → ${r.status} ${r.text}`);
          if (r.status >= 400) assertErrorShape(r, `${method} ${path}`);
        }),
        { numRuns: 60 },
      );
    }
    for (const path of ['/api/v1/incidents/%00/updates', '/api/v1/incidents/INC-1%27--/suspects?hours=%00', '/api/v1/incident-updates?limit=0&cursor=%%%', '/api/v1/incident-updates?audience=public']) {
      const r = await t.request('GET', path);
      assert.ok(r.status >= 400 && r.status < 500, `${path} → ${r.status} ${r.text}`);
      assertErrorShape(r, path);
    }
  });

  test('property: a promise is reminded iff no newer update came before it, once, and never after resolution', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 90 }), promise: fc.integer({ min: 1, max: 120 }) }), { minLength: 1, maxLength: 4 }),
        async (updates) => {
          const inc = await declare(t, { title: 'Property', severity: 'SEV3', services: ['checkout'] }, f.responder.token);
          const promised: number[] = [];
          const postedAt: number[] = [];
          for (const [i, u] of updates.entries()) {
            clock.advance(u.gap * MIN);
            await t.app.engine.drain();
            const r = await t.request('POST', `/api/v1/incidents/${inc.id}/updates`, { token: f.responder.token, body: { audience: 'internal', body: `u${i}`, next_update_in_minutes: u.promise } });
            assert.equal(r.status, 201, r.text);
            postedAt.push(clock.now().getTime());
            promised.push(Date.parse(r.body.next_update_at));
          }
          clock.advance(121 * MIN);
          await t.app.engine.drain();
          // The engine runs due jobs when drained, i.e. just before the next update is posted.
          const expected = promised.filter((p, i) => i === promised.length - 1 || p <= postedAt[i + 1]!).map((p) => new Date(p).toISOString());
          const dueAts = async () =>
            (await t.app.deps.db.selectFrom('incident_timeline').select(['data']).where('incident_id', '=', inc.id).where('kind', '=', 'update_overdue').orderBy('at').orderBy('id').execute()).map(
              (e) => JSON.parse(e.data).due_at,
            );
          assert.deepEqual(await dueAts(), expected);
          const resolved = await t.request('POST', `/api/v1/incidents/${inc.id}/status`, { token: f.responder.token, body: { status: 'resolved', impact: 'none' } });
          assert.equal(resolved.status, 200, resolved.text);
          await t.request('POST', `/api/v1/incidents/${inc.id}/updates`, { token: f.responder.token, body: { audience: 'internal', body: 'after' } });
          clock.advance(24 * 60 * MIN);
          await t.app.engine.drain();
          assert.deepEqual(await dueAts(), expected, 'nothing after resolution');
        },
      ),
      { numRuns: 10 },
    );
  });
});
