// Garbage into every write endpoint of runbook runs: always a 2xx or a well-formed 4xx JSON error, never a 5xx.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { assertErrorShape } from '../support/http.js';
import { content, createIncident, createRunbook, step } from './runs-support.js';

const RUNS = Number(process.env.BALLAST_FUZZ_RUNS ?? 150);

forEachDatabase('runbook runs: fuzzed writes', (kind) => {
  let t: TestApp;
  let runId: string;
  let incRef: string;

  before(async () => {
    t = await startTestApp(kind);
    await t.request('POST', '/api/v1/teams', { body: { slug: 'ops', name: 'Ops' } });
    await createRunbook(t, { slug: 'fuzz-rb', teamSlug: 'ops', versions: [content([step('a'), step('b', { http_action: { method: 'POST', url: 'http://10.0.0.1/x' } })])] });
    incRef = (await createIncident(t)).ref;
    runId = (await t.request('POST', '/api/v1/runbook-runs', { body: { runbook: 'fuzz-rb' } })).body.id;
  });
  after(async () => t.close());

  const json = fc.jsonValue({ maxDepth: 3 });
  const str = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('fuzz-rb', 'a', 'b', 'INC-1', 'INC-99999999999999', '', '\u0000', '%00', '..'));
  const field = <T>(arb: fc.Arbitrary<T>) => fc.option(fc.oneof(arb as fc.Arbitrary<unknown>, json), { nil: undefined });
  const startBody = fc.record({ runbook: field(str), incident: field(fc.oneof(str, fc.constant('__inc__'))), alert_group: field(str), subject_type: field(str), subject_id: field(str) }, { requiredKeys: [] });
  const markBody = fc.record({ outcome: field(fc.constantFrom('done', 'skipped', 'failed', 'x')), note: field(str) }, { requiredKeys: [] });
  const finishBody = fc.record({ outcome: field(fc.constantFrom('success', 'failed', 'aborted', '')), note: field(str) }, { requiredKeys: [] });
  const actionBody = fc.record({ confirm: field(fc.boolean()) }, { requiredKeys: [] });
  const body = (arb: fc.Arbitrary<unknown>) => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: json }, { weight: 1, arbitrary: fc.string().map((s) => ({ raw: s })) });
  const pathSeg = fc.oneof(fc.constant('__run__'), fc.string({ maxLength: 20 }).map(encodeURIComponent), fc.constant('a'), fc.constant('b'));

  const check = async (method: string, path: string, b: unknown) => {
    const raw = b && typeof b === 'object' && 'raw' in (b as object) ? String((b as { raw: string }).raw) : undefined;
    const withInc = JSON.parse(JSON.stringify(b ?? null, (_k, v) => (v === '__inc__' ? incRef : v)));
    const res = await t.request(method, path, raw !== undefined ? { raw } : { body: withInc });
    assert.ok(res.status < 500, `${method} ${path} ${JSON.stringify(b)} → ${res.status} ${res.text}`);
    if (res.status >= 400) assertErrorShape(res, `${method} ${path}`);
  };

  test('POST /runbook-runs', async () => {
    await fc.assert(fc.asyncProperty(body(startBody), (b) => check('POST', '/api/v1/runbook-runs', b)), { numRuns: RUNS });
  });

  test('POST /runbook-runs/{id}/steps/{stepId} and /http-action', async () => {
    await fc.assert(
      fc.asyncProperty(pathSeg, pathSeg, body(markBody), body(actionBody), async (id, stepId, mb, ab) => {
        const run = id === '__run__' ? runId : id;
        await check('POST', `/api/v1/runbook-runs/${run}/steps/${stepId}`, mb);
        await check('POST', `/api/v1/runbook-runs/${run}/steps/${stepId}/http-action`, ab);
      }),
      { numRuns: RUNS },
    );
  });

  test('POST /runbook-runs/{id}/finish and GET list filters', async () => {
    await fc.assert(
      fc.asyncProperty(pathSeg, body(finishBody), str, str, async (id, b, q1, q2) => {
        // Keep the shared run open so the other properties keep reaching the services.
        if (id !== '__run__') await check('POST', `/api/v1/runbook-runs/${id}/finish`, b);
        const res = await t.request('GET', `/api/v1/runbook-runs?status=${encodeURIComponent(q1)}&runbook=${encodeURIComponent(q2)}&cursor=${encodeURIComponent(q1)}&limit=${encodeURIComponent(q2)}`);
        assert.ok(res.status < 500, res.text);
        if (res.status >= 400) assertErrorShape(res);
      }),
      { numRuns: RUNS },
    );
    const f = await t.request('POST', `/api/v1/runbook-runs/${runId}/finish`, { body: { outcome: 'aborted' } });
    assert.equal(f.status, 200, f.text);
  });
});
