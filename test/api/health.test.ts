// Operability endpoints: liveness, readiness, Prometheus metrics, and the OpenAPI document.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ALL_ROUTES } from '../../src/app.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';

const PINNED: Record<string, string[]> = {
  '/api/v1/auth/login': ['post'],
  '/api/v1/auth/logout': ['post'],
  '/api/v1/tokens': ['get', 'post'],
  '/api/v1/users': ['get', 'post'],
  '/api/v1/teams': ['get', 'post'],
  '/api/v1/services': ['get', 'post'],
  '/api/v1/services/{id}': ['get', 'patch', 'delete'],
  '/api/v1/audit': ['get'],
};

forEachDatabase('health', (kind) => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(kind);
  });
  after(async () => t?.close());

  test('/healthz → 200 without credentials', async () => {
    const res = await t.request('GET', '/healthz', { token: null });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok' });
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('referrer-policy'), 'same-origin');
  });

  test('/readyz → 200 naming the database', async () => {
    const res = await t.request('GET', '/readyz', { token: null });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { status: 'ready', database: kind });
  });

  describe('/metrics', () => {
    const scrape = async () => {
      const res = await t.request('GET', '/metrics', { token: null });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      return res.text;
    };
    const sample = (text: string, name: string, labels: Record<string, string>): number | undefined => {
      for (const line of text.split('\n')) {
        if (!line.startsWith(`${name}{`)) continue;
        const body = line.slice(name.length + 1, line.indexOf('}'));
        const got = Object.fromEntries([...body.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
        if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1));
      }
      return undefined;
    };

    test('exposes the request-duration histogram by route template', async () => {
      assert.equal((await t.request('POST', '/api/v1/teams', { body: { slug: 'm', name: 'M' } })).status, 201);
      assert.equal((await t.request('POST', '/api/v1/services', { body: { slug: 'metrics-secret-slug', name: 'S', team: 'm' } })).status, 201);
      await t.request('GET', '/api/v1/services/metrics-secret-slug');
      await t.request('GET', '/api/v1/this-route-does-not-exist-7f3a');
      const text = await scrape();
      assert.match(text, /^# TYPE ballast_http_request_duration_seconds histogram$/m);
      assert.match(text, /^# HELP ballast_http_request_duration_seconds /m);
      const labels = { method: 'GET', route: '/api/v1/services/:id', status: '200' };
      assert.ok((sample(text, 'ballast_http_request_duration_seconds_count', labels) ?? 0) >= 1, 'count for the route template');
      assert.ok((sample(text, 'ballast_http_request_duration_seconds_sum', labels) ?? -1) >= 0);
      assert.ok(sample(text, 'ballast_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })! >= 1);
      assert.ok(sample(text, 'ballast_http_request_duration_seconds_bucket', { method: 'POST', route: '/api/v1/services', status: '201', le: '+Inf' })! >= 1);
      // Unknown paths and concrete ids do not become label values (bounded cardinality).
      assert.ok(sample(text, 'ballast_http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '404' })! >= 1);
      assert.doesNotMatch(text, /metrics-secret-slug|this-route-does-not-exist/);
    });

    test('counts every request', async () => {
      const labels = { method: 'GET', route: '/healthz', status: '200' };
      const before = sample(await scrape(), 'ballast_http_request_duration_seconds_count', labels) ?? 0;
      for (let i = 0; i < 3; i++) await t.request('GET', '/healthz', { token: null });
      assert.equal(sample(await scrape(), 'ballast_http_request_duration_seconds_count', labels), before + 3);
    });

    test('exposes process and runtime metrics', async () => {
      const text = await scrape();
      assert.match(text, /^# TYPE ballast_process_cpu_seconds_total counter$/m);
      assert.match(text, /^ballast_process_cpu_seconds_total \d/m);
      assert.match(text, /^ballast_process_start_time_seconds \d/m);
      assert.match(text, /^ballast_nodejs_heap_size_used_bytes \d/m);
      assert.match(text, /^# TYPE ballast_nodejs_eventloop_lag_seconds gauge$/m);
      if (process.platform === 'linux') assert.match(text, /^ballast_process_resident_memory_bytes \d/m);
      assert.match(text, /^# TYPE ballast_engine_jobs_total counter$/m);
    });
  });

  describe('/api/v1/openapi.json', () => {
    let doc: any;
    before(async () => {
      const res = await t.request('GET', '/api/v1/openapi.json', { token: null });
      assert.equal(res.status, 200);
      doc = res.body;
    });

    test('is OpenAPI 3.1 with the pinned paths and methods', () => {
      assert.match(doc.openapi, /^3\.1\.\d+$/);
      assert.equal(doc.info.title, 'Ballast API');
      assert.equal(typeof doc.info.version, 'string');
      for (const [path, methods] of Object.entries(PINNED)) {
        assert.ok(doc.paths[path], `path ${path}`);
        for (const m of methods) assert.ok(doc.paths[path][m], `${m.toUpperCase()} ${path}`);
      }
    });

    test('documents every route the server serves, with {param} templates', () => {
      const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${p}`)));
      for (const r of ALL_ROUTES) documented.delete(`${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`) || assert.fail(`${r.method} ${r.path} is undocumented`);
      assert.deepEqual([...documented], [], 'no documented operation without a route');
      for (const path of Object.keys(doc.paths)) assert.doesNotMatch(path, /:/, path);
    });

    test('operations are well-formed', () => {
      const opIds = new Set<string>();
      assert.deepEqual(doc.components.schemas.Error.properties.error.required, ['code', 'message', 'details']);
      for (const [path, ops] of Object.entries<any>(doc.paths)) {
        const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        for (const [method, op] of Object.entries<any>(ops)) {
          const where = `${method.toUpperCase()} ${path}`;
          assert.ok(!opIds.has(op.operationId), `unique operationId ${op.operationId}`);
          opIds.add(op.operationId);
          assert.ok(op.summary && op.tags?.length, where);
          assert.deepEqual(op.parameters.filter((p: any) => p.in === 'path').map((p: any) => p.name), params, `${where} path params`);
          assert.equal(op.responses['4XX'].content['application/json'].schema.$ref, '#/components/schemas/Error', where);
          const success = Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s));
          assert.equal(success.length, 1, where);
          if (['post', 'put', 'patch'].includes(method) && op.requestBody) {
            assert.ok(op.requestBody.content['application/json'].schema.type, `${where} body schema`);
          }
          // Security in the document matches what the server enforces (route.auth).
          const route = ALL_ROUTES.find((r) => r.method === method.toUpperCase() && r.path.replace(/:(\w+)/g, '{$1}') === path)!;
          assert.equal(op.security === undefined, route.auth === 'public', `${where} security`);
        }
      }
      assert.deepEqual(doc.paths['/api/v1/teams'].post.requestBody.content['application/json'].schema.required, ['slug', 'name']);
      assert.equal(doc.paths['/api/v1/auth/login'].post.security, undefined, 'login is public');
      assert.deepEqual(doc.paths['/api/v1/services/{id}'].patch.security, [{ bearer: [] }, { session: [] }]);
      assert.ok(doc.components.securitySchemes.bearer && doc.components.securitySchemes.session);
    });

    test('every documented operation is actually routed', async () => {
      for (const [path, ops] of Object.entries<any>(doc.paths)) {
        for (const method of Object.keys(ops)) {
          const url = path.replace(/\{\w+\}/g, 'does-not-exist');
          const write = ['post', 'put', 'patch'].includes(method);
          const res = await fetch(t.url + url, {
            method: method.toUpperCase(),
            headers: { authorization: `Bearer ${t.adminToken}`, ...(write ? { 'content-type': 'application/json' } : {}) },
            body: write ? '{}' : undefined,
            signal: AbortSignal.timeout(15_000),
          });
          assert.ok(res.status < 500, `${method} ${url}: ${res.status}`);
          if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
            await res.body?.cancel(); // a live stream (SSE) never ends; answering is enough
            continue;
          }
          const text = await res.text();
          assert.doesNotMatch(text, /"message":"Route /, `${method.toUpperCase()} ${path} is served`);
        }
      }
    });
  });
});
