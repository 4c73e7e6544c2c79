// Garbage in, 4xx JSON out: the postmortem and action-item endpoints never answer 5xx, whatever the body or query.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { assertErrorShape } from '../support/http.js';
import { declareIncident, resolveIncident, setupCatalog } from './support.js';

/** Replaces lone surrogates (which cannot be percent-encoded) with U+FFFD. */
const wellFormed = (s: string) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
const RUNS = Number(process.env.BALLAST_FUZZ_RUNS ?? 60);
const NASTY = ['', ' ', '\u0000', '\ud800', '<script>alert(1)</script>', "'; drop table action_items; --", '2026-02-30', '9999-99-99', 'P0', 'INC-', 'INC-99999999999', '__proto__', 'me', '1e309', '-1', 'null'];
const nasty = fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 20 }));
const value: fc.Arbitrary<unknown> = fc.oneof(nasty, fc.constantFrom(null, true, 0, -1, 2 ** 53, [], {}), fc.anything({ maxDepth: 2 }));

forEachDatabase('postmortem endpoints under fuzz', (kind) => {
  let t: TestApp;
  let token: string;
  const ids: Record<string, string> = {};

  before(async () => {
    t = await startTestApp(kind);
    const { responder } = await setupCatalog(t);
    token = responder.token;
    const inc = await declareIncident(t, { severity: 'SEV1', services: ['checkout'] });
    await resolveIncident(t, inc.id);
    ids.incident = inc.ref;
    ids.pm = (await t.request('GET', `/api/v1/postmortems/${inc.ref}`)).body.id;
    ids.item = (await t.request('POST', '/api/v1/action-items', { body: { incident: inc.ref, title: 'x' } })).body.id;
    ids.user = responder.email;
  });
  after(async () => t.close());

  const check = async (method: string, path: string, body: unknown) => {
    const res = await t.request(method, path, { token, raw: JSON.stringify(body) ?? 'null' });
    assert.ok(res.status < 500, `${method} ${path} ${JSON.stringify(body)?.slice(0, 300)} → ${res.status} ${res.text.slice(0, 300)}`);
    if (res.status >= 400) assertErrorShape(res, `${method} ${path}`);
  };

  // Valid-shaped bodies with one field replaced by garbage, and pure garbage.
  const shaped = (base: Record<string, unknown>) =>
    fc.oneof(
      value,
      fc.record({ key: fc.constantFrom(...Object.keys(base), 'extra', '__proto__'), v: value }).map(({ key, v }) => ({ ...base, [key]: v })),
      fc.dictionary(fc.constantFrom(...Object.keys(base)), value),
    );

  const targets = () => [
    ['POST', '/api/v1/postmortems', { incident: ids.incident }],
    ['PATCH', `/api/v1/postmortems/${ids.pm}`, { title: 'T', author: 'me', sections: { summary: 's', root_cause: 'r' } }],
    ['POST', `/api/v1/postmortems/${ids.pm}/status`, { status: 'in_review' }],
    ['POST', `/api/v1/postmortems/${ids.pm}/reviewers`, { user: ids.user }],
    ['POST', `/api/v1/postmortems/${ids.pm}/comments`, { body: 'hello' }],
    ['POST', '/api/v1/action-items', { incident: ids.incident, title: 'a', owner: 'me', due_date: '2026-12-01', priority: 'P2', status: 'open', postmortem: ids.pm }],
    ['PATCH', `/api/v1/action-items/${ids.item}`, { title: 'b', owner: ids.user, due_date: '2026-12-02', priority: 'P1', status: 'done' }],
  ] as const;

  test('write endpoints answer garbage bodies with 2xx or a JSON 4xx', async () => {
    for (const [method, path, base] of targets()) {
      await fc.assert(fc.asyncProperty(shaped(base as Record<string, unknown>), (body) => check(method, path, body)), { numRuns: RUNS });
    }
  });

  test('path and query garbage on reads and writes', async () => {
    // Lone surrogates cannot be percent-encoded at all; the server never sees them in a URL.
    const seg = fc.oneof(nasty, fc.uuid()).map((s) => encodeURIComponent(wellFormed(s)) || 'x');
    await fc.assert(
      fc.asyncProperty(seg, nasty, async (id, q) => {
        for (const [m, p] of [
          ['GET', `/api/v1/postmortems/${id}`], ['GET', `/api/v1/postmortems/${id}/export.md`], ['GET', `/api/v1/postmortems/${id}/comments`],
          ['DELETE', `/api/v1/postmortems/${ids.pm}/reviewers/${id}`], ['GET', `/api/v1/action-items/${id}`], ['GET', `/api/v1/incidents/${id}/follow-ups`],
          ['PATCH', `/api/v1/postmortems/${id}`], ['PATCH', `/api/v1/action-items/${id}`],
        ] as const) {
          const res = await t.request(m, p, { token, body: m === 'PATCH' ? { title: 'x' } : undefined });
          assert.ok(res.status < 500, `${m} ${p} → ${res.status} ${res.text.slice(0, 200)}`);
          if (res.status >= 400) assertErrorShape(res, p);
        }
        const enc = encodeURIComponent(wellFormed(q));
        for (const p of [
          `/api/v1/action-items?status=${enc}`, `/api/v1/action-items?owner=${enc}`, `/api/v1/action-items?service=${enc}&team=${enc}`,
          `/api/v1/action-items?incident=${enc}&overdue=${enc}`, `/api/v1/action-items?cursor=${enc}&limit=${enc}`, `/api/v1/postmortems?status=${enc}&overdue=${enc}&incident=${enc}`,
          `/api/v1/incident-metrics?from=${enc}`, `/api/v1/incident-metrics?to=${enc}&bucket=${enc}`, `/api/v1/incident-metrics?service=${enc}&team=${enc}`,
        ]) {
          const res = await t.request('GET', p, { token });
          assert.ok(res.status < 500, `GET ${p} → ${res.status} ${res.text.slice(0, 200)}`);
          if (res.status >= 400) assertErrorShape(res, p);
        }
      }),
      { numRuns: Math.max(10, Math.round(RUNS / 3)) },
    );
  });
});
