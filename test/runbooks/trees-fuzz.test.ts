// Garbage into every decision-tree write endpoint: always a 2xx or a well-formed 4xx JSON error, never a 5xx.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { assertErrorShape } from '../support/http.js';

const RUNS = Number(process.env.BALLAST_FUZZ_RUNS ?? 80);

/** Mostly-plausible bodies (right keys, wrong values) mixed with anything at all. */
const node = fc.record(
  {
    id: fc.oneof(fc.constantFrom('q', 'leaf', 'x'), fc.string()),
    type: fc.oneof(fc.constantFrom('question', 'action'), fc.string()),
    text: fc.oneof(fc.string(), fc.anything()),
    answers: fc.array(fc.record({ label: fc.oneof(fc.string(), fc.anything()), next: fc.oneof(fc.constantFrom('q', 'leaf', 'x'), fc.anything()) }, { requiredKeys: [] })),
    action: fc.oneof(
      fc.record({ type: fc.constantFrom('run_runbook', 'escalate', 'declare_incident', 'info', 'nope'), runbook: fc.string(), team: fc.string(), severity: fc.constantFrom('SEV1', 'SEV5'), title: fc.string() }, { requiredKeys: ['type'] }),
      fc.anything(),
    ),
  },
  { requiredKeys: [] },
);
const treeBody = fc.oneof(
  fc.record(
    {
      slug: fc.oneof(fc.constantFrom('fz', 'walks', 'FZ'), fc.string()),
      title: fc.oneof(fc.string(), fc.anything()),
      team: fc.oneof(fc.constantFrom('platform', 'ghost'), fc.anything()),
      services: fc.oneof(fc.array(fc.string()), fc.anything()),
      tags: fc.oneof(fc.array(fc.string()), fc.anything()),
      root: fc.oneof(fc.constantFrom('q', 'leaf'), fc.anything()),
      nodes: fc.oneof(fc.array(node, { maxLength: 6 }), fc.anything()),
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
);

forEachDatabase('decision trees fuzz', (kind) => {
  let t: TestApp;
  let walkId: string;
  before(async () => {
    t = await startTestApp(kind);
    await t.request('POST', '/api/v1/teams', { body: { slug: 'platform', name: 'Platform' } });
    const c = await t.request('POST', '/api/v1/decision-trees', {
      body: { slug: 'base', title: 'Base', team: 'platform', root: 'q', nodes: [{ id: 'q', type: 'question', text: 'Q?', answers: [{ label: 'Yes', next: 'leaf' }] }, { id: 'leaf', type: 'action', text: 'x', action: { type: 'escalate', team: 'platform' } }] },
    });
    assert.equal(c.status, 201, c.text);
    walkId = (await t.request('POST', '/api/v1/decision-trees/base/walks', { body: {} })).body.id;
  });
  after(async () => t.close());

  const expectSane = (method: string, path: string, r: { status: number; text: string; headers: Headers; body: unknown }) => {
    assert.ok(r.status < 500, `${method} ${path} → ${r.status} ${r.text.slice(0, 300)}`);
    if (r.status >= 400) assertErrorShape(r as never, `${method} ${path}`);
  };

  test('create and update never answer 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(treeBody, async (body) => {
        for (const [method, path] of [['POST', '/api/v1/decision-trees'], ['PATCH', '/api/v1/decision-trees/base'], ['POST', '/api/v1/decision-trees/examples/system-unavailable']] as const) {
          const r = await t.request(method, path, { body });
          expectSane(method, path, r);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('walk endpoints never answer 5xx', async () => {
    const body = fc.oneof(
      fc.record({ node: fc.oneof(fc.constantFrom('q', 'leaf'), fc.anything()), answer: fc.oneof(fc.constantFrom('Yes', 0, 5, -1), fc.anything()), incident: fc.oneof(fc.constantFrom('INC-1', 'INC-x'), fc.anything()) }, { requiredKeys: [] }),
      fc.anything(),
    );
    const id = fc.oneof(fc.constant('WALK'), fc.string({ maxLength: 40 }).map((s) => encodeURIComponent(s) || 'x'));
    await fc.assert(
      fc.asyncProperty(body, id, fc.string({ maxLength: 30 }), async (b, rawId, incident) => {
        const wid = rawId === 'WALK' ? walkId : rawId;
        for (const [method, path] of [
          ['POST', '/api/v1/decision-trees/base/walks'],
          ['POST', `/api/v1/decision-trees/walks/${wid}/answer`],
          ['POST', `/api/v1/decision-trees/walks/${wid}/back`],
          ['POST', `/api/v1/decision-trees/walks/${wid}/escalate`],
          ['GET', `/api/v1/decision-trees/walks?incident=${encodeURIComponent(incident)}&limit=3`],
        ] as const) {
          const r = await t.request(method, path, method === 'GET' ? {} : { body: b });
          expectSane(method, path, r);
        }
      }),
      { numRuns: RUNS },
    );
    const raw = await t.request('POST', '/api/v1/decision-trees', { raw: '{"slug": "broken', headers: { 'content-type': 'application/json' } });
    assert.equal(raw.status, 400);
    assertErrorShape(raw);
  });
});
