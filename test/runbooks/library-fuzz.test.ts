import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { assertErrorShape } from '../support/http.js';
import { content, createRunbook, seedLibrary, step } from './library-support.js';

const RUNS = Number(process.env.BALLAST_FUZZ_RUNS ?? 60);

/** Valid bodies with one field replaced by junk, and plain junk. */
const junk = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.anything(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.anything(), { maxKeys: 3 }), fc.string({ minLength: 300, maxLength: 400 }), fc.constant('\u0000'), fc.constant('<script>x</script>'));
const mutate = (base: Record<string, unknown>) =>
  fc.oneof(
    fc.anything(),
    fc.tuple(fc.constantFrom(...Object.keys(base), 'extra'), junk).map(([k, v]) => ({ ...base, [k]: v })),
    fc.tuple(fc.constantFrom(...Object.keys(step('a'))), junk).map(([k, v]) => ({ ...base, content: content([{ ...step('a'), [k]: v }]) })),
  );

forEachDatabase('runbook write endpoints under garbage', (kind) => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(kind);
    await seedLibrary(t);
    await createRunbook(t, { slug: 'target', services: ['checkout'] });
  });
  after(async () => t.close());

  const endpoints: [string, string, Record<string, unknown>][] = [
    ['POST', '/api/v1/runbooks', { slug: 'fz', title: 'x', kind: 'troubleshooting', team: 'payments', content: content() }],
    ['PATCH', '/api/v1/runbooks/target', { base_version: 1, title: 'y', content: content() }],
    ['POST', '/api/v1/runbooks/target/review', { note: 'ok' }],
    ['POST', '/api/v1/runbooks/target/versions/1/restore', { change_note: 'x' }],
    ['POST', '/api/v1/runbook-rules', { service: 'checkout', priority: 1, alert_pattern: 'x*', runbook: 'target' }],
  ];
  for (const [method, path, base] of endpoints) {
    test(`${method} ${path}: always 2xx or a 4xx JSON error, never 500`, async () => {
      await fc.assert(
        fc.asyncProperty(mutate(base), async (body) => {
          const r = await t.request(method, path, { body });
          assert.ok(r.status < 500, `${r.status} ${r.text} for ${JSON.stringify(body)}`);
          if (r.status >= 400) assertErrorShape(r);
        }),
        { numRuns: RUNS },
      );
    });
  }

  test('path and query garbage on reads and version routes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), async (a, b) => {
        const enc = encodeURIComponent;
        for (const p of [`/api/v1/runbooks/${enc(a) || 'x'}`, `/api/v1/runbooks/target/versions/${enc(a) || 'x'}`, `/api/v1/runbooks/target/versions/diff?from=${enc(a)}&to=${enc(b)}`, `/api/v1/runbooks?q=${enc(a)}&kind=${enc(b)}&stale=${enc(b)}&tag=${enc(a)}`, `/api/v1/incidents/${enc(a) || 'x'}/runbooks`, `/api/v1/runbooks/target/export.md?version=${enc(a)}`]) {
          const r = await t.request('GET', p);
          assert.ok(r.status < 500, `${p}: ${r.status} ${r.text}`);
        }
      }),
      { numRuns: Math.max(10, Math.round(RUNS / 3)) },
    );
  });
});
