// Property-based robustness: whatever a client sends, the server answers with a 2xx or a well-formed
// 4xx, never a 5xx, and keeps running. "Well-formed" is the JSON error contract for the API (/api/ and
// /v2/); browser-facing routes outside it (action links) may answer with an HTML page instead. Routes come from the published OpenAPI document, and bodies are
// derived from each route's own request schema (then mutated), so new routes are fuzzed automatically.
//
//   BALLAST_FUZZ_RUNS=1000 npm test -- api/fuzz     more runs per route (default 200 for bodies)
//   BALLAST_FUZZ_SEED=123 npm test -- api/fuzz      replay a failing seed (printed by fast-check)
//   BALLAST_FUZZ_BUDGET_MS=0 npm test -- api/fuzz    no time budget (default 50 s per database; see below)

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { forEachDatabase, startTestApp, type TestApp, type TestResponse } from '../support/app.js';
import { assertErrorShape } from '../support/http.js';

/** Write routes whose strict generated requests must be accepted (the generator reaches the service). */
const MUST_SUCCEED = [
  'POST /api/v1/auth/logout', 'POST /api/v1/users', 'PATCH /api/v1/users/{id}', 'POST /api/v1/teams', 'PATCH /api/v1/teams/{id}',
  'PUT /api/v1/teams/{id}/members/{user}', 'POST /api/v1/tokens', 'POST /api/v1/services', 'PATCH /api/v1/services/{id}', 'POST /api/v1/apply',
];
const BODY_RUNS = Number(process.env.BALLAST_FUZZ_RUNS ?? 200);
const PARAM_RUNS = Math.max(15, Math.round(BODY_RUNS / 8));
const REQUEST_TIMEOUT_MS = 15_000;
// Time budget per database (0 = none), shared by the routes of a phase: each route may use what is
// left divided by the routes still to go, so fast routes leave time to slow ones (password hashing).
// A route that hits its share stops early (not a failure); the runs it made are reported as a test
// diagnostic. On an idle machine every route completes its runs well within the budget.
const BUDGET_MS = Number(process.env.BALLAST_FUZZ_BUDGET_MS ?? 50_000);
const BODY_BUDGET_MS = Math.round(BUDGET_MS * 0.7);
const PARAM_BUDGET_MS = BUDGET_MS - BODY_BUDGET_MS;

/**
 * Hands out time: `next(weight)` is the limit for the next route, its weighted share of what is left
 * (at least a second, so every route gets some runs); undefined when there is no budget.
 */
function budget(totalMs: number, weights: number[]) {
  const deadline = Date.now() + totalMs;
  let left = weights.reduce((a, b) => a + b, 0);
  return {
    next: (weight: number): number | undefined => {
      if (totalMs <= 0) return undefined;
      const share = Math.floor(((deadline - Date.now()) * weight) / Math.max(weight, left));
      left -= weight;
      return Math.max(1_000, share);
    },
  };
}

/**
 * This suite's own domains (accounts, catalog, ops-as-code) get a double share of the time budget, and
 * routes that hash a password on valid input (scrypt, tens of ms each) a triple one.
 */
const CORE = /^\/api\/v1\/(auth|users|teams|tokens|services(\/\{id\})?$|apply|export)/;
const HASHING = ['POST /api/v1/auth/login', 'POST /api/v1/users', 'POST /api/v1/users/{id}/password'];
const weightOf = (op: { method: string; path: string }) => (HASHING.includes(`${op.method} ${op.path}`) ? 3 : CORE.test(op.path) ? 2 : 1);
const SEED = process.env.BALLAST_FUZZ_SEED ? Number(process.env.BALLAST_FUZZ_SEED) : undefined;

type Schema = Record<string, any>;
interface Operation {
  method: string;
  /** OpenAPI path with {param} templates. */
  path: string;
  params: string[];
  query: string[];
  body?: Schema;
}

interface Fixtures {
  teamId: string;
  serviceId: string;
  userId: string;
  userEmail: string;
  tokenId: string;
  viewerToken: string;
}

interface FuzzRequest {
  actor: 'admin' | 'viewer' | 'anonymous' | 'bad-token';
  params: string[];
  query: string;
  contentType: string;
  /** Raw body text; undefined sends none. */
  body: string | undefined;
}

// ---- value generators ---------------------------------------------------------------------------

const NASTY_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83d', '\u202e\u202d', '\ufeff', '\u200b', '💥🔥', 'ﷺ', 'İı', 'ß', 'Ⅻ',
  '\r\n', '\t\v\f', '\u0007\u001b[31m', "'; drop table users; --", '" or ""="', '%', '_', '%_%', '\\', '\\\\', '..', '../../etc/passwd',
  '<script>alert(1)</script>', '${jndi:ldap://x/a}', '{{7*7}}', 'null', 'undefined', 'NaN', '-1', '0x10', '1e309',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isAdmin', 'is_admin'];

const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
);
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.constantFrom(null, true, false, 0, -0, -1, 1.5, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, [], {}, [null], { '': '' }),
  fc.double(),
  fc.anything({ maxDepth: 3 }),
);

/** Known-good references (slugs, ids, emails) offered to string fields, by property name where it helps. */
interface Refs {
  all: string[];
  byKey: Record<string, string[]>;
}

/** Strings matching a schema pattern; fast-check cannot generate lookaheads, so those become a filter. */
function matching(pattern: string, maxLength: number): fc.Arbitrary<string> {
  const full = new RegExp(pattern);
  const generable = pattern.replace(/^\^((?:\(\?![^()]*(?:\([^()]*\)[^()]*)*\))+)/, '^');
  return generable === pattern ? fc.stringMatching(full, { maxLength }) : fc.stringMatching(new RegExp(generable), { maxLength }).filter((x) => full.test(x));
}

/**
 * A value for a JSON Schema (TypeBox output). `strict` aims at values the service accepts (fixture refs
 * for reference fields, in-range numbers, no hostile strings); loose mode mixes in refs and nasty strings.
 */
function fromSchema(schema: Schema, refs: Refs, strict: boolean, depth = 0, key = ''): fc.Arbitrary<unknown> {
  const keyed = refs.byKey[key];
  const known = keyed ?? refs.all;
  const ref = known.length ? fc.constantFrom(...known) : fc.constant('x');
  const sub = (s: Schema, k = key) => fromSchema(s, refs, strict, depth + 1, k);
  if (depth > 6) return fc.constant(null);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.anyOf)) return fc.oneof(...schema.anyOf.map((s: Schema) => sub(s)));
  switch (schema.type) {
    case 'string': {
      if (strict && keyed) return ref;
      const maxLength = Math.min(schema.maxLength ?? 40, 40);
      const minLength = Math.min(schema.minLength ?? 0, maxLength);
      let base: fc.Arbitrary<string>;
      if (schema.format === 'email') base = fc.oneof(fc.emailAddress(), fc.constantFrom('fuzz@example.com', 'Fuzz-Target@Example.com'));
      else if (schema.format === 'uuid') base = fc.oneof(fc.uuid(), ref);
      else if (schema.format === 'uri') base = strict ? fc.webUrl() : fc.oneof(fc.webUrl(), fc.constantFrom('https://example.com/x', 'javascript:alert(1)', 'ftp://x'));
      else if (schema.format === 'timezone') base = fc.constantFrom('UTC', 'Europe/Lisbon', 'America/New_York', 'Asia/Kolkata', ...(strict ? [] : ['Mars/Base']));
      else if (schema.format === 'date-time') base = fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      else if (schema.pattern) base = matching(schema.pattern, maxLength);
      else base = fc.oneof(fc.string({ minLength, maxLength }), fc.string({ unit: 'binary', minLength, maxLength }));
      if (strict) return base;
      return fc.oneof({ weight: 4, arbitrary: base }, { weight: keyed ? 6 : 2, arbitrary: ref }, { weight: 1, arbitrary: nastyString });
    }
    case 'integer': {
      const inRange = fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
      return strict ? inRange : fc.oneof({ weight: 4, arbitrary: inRange }, { weight: 1, arbitrary: fc.integer() });
    }
    case 'number':
      return fc.double({ noNaN: true, min: schema.minimum, max: schema.maximum });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const minLength = Math.min(schema.minItems ?? 0, 4);
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 4, strict ? 2 : 4));
      return fc.array(schema.items ? sub(schema.items) : fc.jsonValue(), { minLength: strict ? minLength : 0, maxLength });
    }
    case 'object': {
      if (schema.patternProperties) {
        const [pattern, value] = Object.entries<Schema>(schema.patternProperties)[0]!;
        const name = strict && keyed ? ref : fc.oneof(matching(pattern, 20), ref);
        return fc.dictionary(name, sub(value, ''), { maxKeys: 3 });
      }
      const required: string[] = schema.required ?? [];
      const entries = Object.entries<Schema>(schema.properties ?? {});
      if (!strict) return fc.record(Object.fromEntries(entries.map(([k, s]) => [k, sub(s, k)])), { requiredKeys: required });
      // Strict: optional sections (objects, arrays) are left out more often than not, so that large
      // documents (apply) are valid as a whole more often despite rules JSON Schema cannot express.
      const pick = entries.map(([k, s]) => {
        const value = sub(s, k);
        if (required.includes(k)) return value.map((v) => [k, v] as const);
        const rare = s.type === 'object' || s.type === 'array';
        return fc.oneof({ weight: rare ? 2 : 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: value.map((v) => [k, v] as const) });
      });
      return fc.tuple(...pick).map((kvs) => Object.fromEntries(kvs.filter((kv): kv is readonly [string, unknown] => kv !== null)));
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** All paths (keys and indices) inside a JSON value, the root included. */
function pathsOf(v: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...prefix, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...prefix, k]));
  return out;
}

/** Defines an own, enumerable property even for `__proto__`, so JSON.stringify sends it. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

type Mutation = { at: number; kind: 'replace' | 'delete' | 'add' | 'proto'; key: string; value: unknown };

function mutate(valid: unknown, m: Mutation): unknown {
  const root = { v: structuredClone(valid) as unknown };
  const paths = pathsOf(root.v);
  const path = paths[m.at % paths.length]!;
  let parent: any = root;
  let key: string | number = 'v';
  for (const step of path) {
    parent = parent[key];
    key = step;
  }
  const target = parent[key];
  switch (m.kind) {
    case 'replace':
      parent[key] = m.value;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      break;
    case 'add':
      if (target && typeof target === 'object' && !Array.isArray(target)) setOwn(target, m.key, m.value);
      else parent[key] = { [m.key]: m.value };
      break;
    case 'proto':
      if (target && typeof target === 'object' && !Array.isArray(target)) setOwn(target, m.key, { isAdmin: true, polluted: 'yes' });
      else parent[key] = Object.defineProperty({}, m.key, { value: { polluted: 'yes' }, enumerable: true });
      break;
  }
  return root.v;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('replace', 'replace', 'delete', 'add', 'proto'),
  key: fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ maxLength: 10 })),
  value: nastyValue,
});

const json = (v: unknown): string | undefined => JSON.stringify(v);

function deepNesting(valid: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc
    .record({ depth: fc.integer({ min: 50, max: 20_000 }), kind: fc.constantFrom('[', '{'), base: valid, key: fc.oneof(fc.constantFrom('name', 'document', 'teams', 'links'), fc.string({ maxLength: 5 })) })
    .map(({ depth, kind, base, key }) => {
      const open = kind === '[' ? '['.repeat(depth) : '{"a":'.repeat(depth);
      const close = kind === '[' ? ']'.repeat(depth) : '1' + '}'.repeat(depth);
      const nested = open + close;
      if (base && typeof base === 'object' && !Array.isArray(base)) {
        const text = JSON.stringify(base);
        return text === '{}' ? `{${JSON.stringify(key)}:${nested}}` : `{${JSON.stringify(key)}:${nested},${text.slice(1)}`;
      }
      return nested;
    });
}

function hugeString(valid: fc.Arbitrary<unknown>): fc.Arbitrary<string | undefined> {
  return fc
    .record({ size: fc.constantFrom(5_000, 70_000, 300_000, 1_100_000), ch: fc.constantFrom('a', 'é', '💥', '\u0000', '\\'), base: valid, key: fc.constantFrom('name', 'description', 'slug', 'email', 'password', 'document') })
    .map(({ size, ch, base, key }) => {
      const obj = base && typeof base === 'object' && !Array.isArray(base) ? { ...(base as object) } : {};
      setOwn(obj as Record<string, unknown>, key, ch.repeat(Math.ceil(size / ch.length)));
      return json(obj);
    });
}

function bodyArbitrary(op: Operation, refs: Refs): fc.Arbitrary<string | undefined> {
  const strict = op.body ? fromSchema(op.body, refs, true) : fc.constant({});
  const valid = op.body ? fromSchema(op.body, refs, false) : fc.constant({});
  return fc.oneof(
    { weight: 4, arbitrary: strict.map(json) },
    { weight: 3, arbitrary: valid.map(json) },
    { weight: 5, arbitrary: fc.tuple(valid, mutation).map(([v, m]) => json(mutate(v, m))) },
    { weight: 2, arbitrary: fc.tuple(valid, mutation, mutation).map(([v, m1, m2]) => json(mutate(mutate(v, m1), m2))) },
    { weight: 2, arbitrary: fc.anything().map(json) },
    { weight: 1, arbitrary: fc.json() },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
    { weight: 1, arbitrary: fc.constantFrom('', '{', '{"a":1,}', '[1,2', 'null', '"str"', '1e999', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '\ufeff{}') },
    { weight: 1, arbitrary: deepNesting(valid) },
    { weight: 1, arbitrary: hugeString(valid) },
  );
}

/** Percent-encodes, falling back to the UTF-8 bytes for strings encodeURIComponent refuses (lone surrogates). */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}

const RAW_SEGMENTS = ['%00', '%ED%A0%80', '%FF', '%C0%AF', '%2e%2e', '%2F', 'a%20b', '%25', '%ZZ', '%', 'a'.repeat(250), '..', '.'];

function paramArbitrary(valid: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...valid).map(enc) },
    { weight: 2, arbitrary: nastyString.filter((s) => s.length > 0).map(enc) },
    { weight: 1, arbitrary: fc.uuid().map(enc) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
  );
}

function queryArbitrary(op: Operation, refs: Refs): fc.Arbitrary<string> {
  const key = fc.oneof({ weight: 4, arbitrary: op.query.length ? fc.constantFrom(...op.query) : fc.constant('q') }, { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS, 'a[b]', '') });
  const value = fc.oneof(
    fc.constantFrom(...refs.all, 'all', '1', '50', '500', '501', '0', '-1', '1.5', 'abc', ''),
    nastyString,
    fc.integer().map(String),
    fc.base64String({ maxLength: 40 }),
    fc.constantFrom(...RAW_SEGMENTS).map((s) => ({ raw: s })),
  );
  return fc.array(fc.tuple(key, value), { maxLength: 4 }).map((pairs) =>
    pairs.map(([k, v]) => `${enc(k)}=${typeof v === 'object' ? v.raw : enc(String(v))}`).join('&'),
  );
}

const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'application/json; charset=latin1', 'application/merge-patch+json', '') },
);

const actor = fc.constantFrom<FuzzRequest['actor']>('admin', 'admin', 'admin', 'admin', 'admin', 'viewer', 'viewer', 'anonymous', 'bad-token');

// ---- the suite ------------------------------------------------------------------------------------

forEachDatabase('fuzz', (kind) => {
  let t: TestApp;
  let ops: Operation[] = [];
  let fx: Fixtures;
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  /** (Re)creates the fixtures a previous property may have deleted or disabled. */
  async function ensureFixtures(): Promise<void> {
    const doc = {
      teams: [{ slug: 'fz-team', name: 'Fuzz team' }],
      services: [{ slug: 'fz-svc', name: 'Fuzz service', team: 'fz-team', depends_on: ['fz-dep'] }, { slug: 'fz-dep', name: 'Fuzz dependency', team: 'fz-team', depends_on: [] }],
    };
    const applied = await t.request('POST', '/api/v1/apply', { body: { document: doc } });
    assert.equal(applied.status, 200, `fixtures: ${applied.text}`);
    await t.request('PATCH', `/api/v1/users/${fx.userId}`, { body: { disabled: false } });
    fx.teamId = (await t.request('GET', '/api/v1/teams/fz-team')).body.id;
    fx.serviceId = (await t.request('GET', '/api/v1/services/fz-svc')).body.id;
  }

  function refsOf(): Refs {
    const teams = ['fz-team', fx.teamId];
    const services = ['fz-svc', 'fz-dep', fx.serviceId];
    return {
      all: [...teams, ...services, fx.userId, fx.userEmail, fx.tokenId],
      byKey: { team: teams, teams, depends_on: services, user_id: [fx.userId] },
    };
  }

  function validParams(op: Operation, param: string): string[] {
    if (param === 'user' || op.path.startsWith('/api/v1/users/')) return [fx.userId, fx.userEmail];
    if (op.path.startsWith('/api/v1/teams/')) return ['fz-team', fx.teamId];
    if (op.path.startsWith('/api/v1/services/')) return ['fz-svc', 'fz-dep', fx.serviceId];
    if (op.path.startsWith('/api/v1/tokens/')) return [fx.tokenId];
    return ['fz-team', fx.userId];
  }

  async function send(op: Operation, r: FuzzRequest): Promise<TestResponse & { stream?: boolean }> {
    let path = op.path;
    op.params.forEach((p, i) => (path = path.replace(`{${p}}`, r.params[i]!)));
    if (r.query) path += `?${r.query}`;
    const token = r.actor === 'admin' ? t.adminToken : r.actor === 'viewer' ? fx.viewerToken : r.actor === 'bad-token' ? 'blt_fuzz' : null;
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (r.body !== undefined) headers['content-type'] = r.contentType;
    // A request the server never answers is a failure too (a stuck transaction would hang the run).
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const res = await fetch(t.url + path, { method: op.method, headers, body: r.body, signal });
    if (res.ok && (res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      // Server-Sent Events never end: answering with the stream's headers is the whole check.
      await res.body?.cancel();
      return { status: res.status, headers: res.headers, body: undefined, text: '', stream: true };
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, headers: res.headers, body, text };
  }

  function check(op: Operation, r: FuzzRequest, res: TestResponse & { stream?: boolean }): void {
    const what = `${op.method} ${op.path} ${JSON.stringify({ ...r, body: r.body && r.body.length > 300 ? `${r.body.slice(0, 300)}…(${r.body.length})` : r.body })}`;
    assert.ok(res.status < 500, `5xx for ${what}: ${res.status} ${res.text.slice(0, 300)}`);
    if (res.status >= 400) {
      // The JSON error contract covers the API (/api/, and /v2/ with its PagerDuty extras). Browser-facing
      // routes elsewhere (e.g. /act/ action links) may answer with an HTML page; any JSON error must conform.
      const json = /^application\/json/.test(res.headers.get('content-type') ?? '');
      if (op.path.startsWith('/api/') || op.path.startsWith('/v2/') || json) assertErrorShape(res, what, { path: op.path });
      else assert.match(res.headers.get('content-type') ?? '', /^text\/html/, `non-API error is JSON or an HTML page: ${what}`);
    }
    else if (res.stream) return;
    else if (res.status === 204) assert.equal(res.text, '', what);
    // A success says what it sends: JSON must parse (calendars, the UI's HTML shell etc. are other types).
    else if (/^application\/json/.test(res.headers.get('content-type') ?? '')) assert.ok(res.body !== undefined && typeof res.body === 'object', `2xx with a JSON body: ${what}`);
    else assert.ok(res.headers.get('content-type'), `2xx without a content type: ${what}`);
  }

  before(async () => {
    // A low login limit: past it, attempts stop costing a scrypt hash each (keeps the run short).
    t = await startTestApp(kind, { config: { loginRateLimit: 1 } });
    const user = await t.user({ email: 'fuzz-target@example.com' });
    const viewer = await t.user({ email: 'fuzz-viewer@example.com' });
    const token = (await t.request('POST', '/api/v1/tokens', { token: user.token, body: { name: 'fuzz' } })).body;
    fx = { teamId: '', serviceId: '', userId: user.id, userEmail: user.email, tokenId: token.id, viewerToken: viewer.token };
    await ensureFixtures();
    assert.equal((await t.request('PUT', `/api/v1/teams/fz-team/members/${viewer.id}`, { body: { role: 'viewer' } })).status, 200);

    const doc = (await t.request('GET', '/api/v1/openapi.json', { token: null })).body;
    for (const [path, methods] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(methods)) {
        ops.push({
          method: method.toUpperCase(),
          path,
          params: op.parameters.filter((p: any) => p.in === 'path').map((p: any) => p.name),
          query: op.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name),
          body: op.requestBody?.content?.['application/json']?.schema,
        });
      }
    }
  });
  after(async () => t?.close());

  test('the OpenAPI document lists the write routes to fuzz', () => {
    const writes = ops.filter((o) => ['POST', 'PATCH', 'PUT'].includes(o.method)).map((o) => `${o.method} ${o.path}`);
    for (const expected of ['POST /api/v1/auth/login', 'POST /api/v1/users', 'PATCH /api/v1/users/{id}', 'POST /api/v1/teams', 'PUT /api/v1/teams/{id}/members/{user}', 'POST /api/v1/services', 'PATCH /api/v1/services/{id}', 'POST /api/v1/tokens', 'POST /api/v1/apply']) {
      assert.ok(writes.includes(expected), `${expected} in ${writes.join(', ')}`);
    }
  });

  describe('write routes: random and mutated bodies', () => {
    // Registered lazily: the route list is read from the running server's OpenAPI document.
    test('every POST/PATCH/PUT route answers < 500 with well-formed errors', async (tt) => {
      const writes = ops.filter((o) => ['POST', 'PATCH', 'PUT'].includes(o.method));
      assert.ok(writes.length >= 10);
      const time = budget(BODY_BUDGET_MS, writes.map(weightOf));
      for (const op of writes) {
        await tt.test(`${op.method} ${op.path}`, async (st) => {
          await ensureFixtures();
          const refs = refsOf();
          if (MUST_SUCCEED.includes(`${op.method} ${op.path}`)) {
            // The generator must reach the service, not just bounce off validation: among a fixed
            // sample of strict bodies sent by the admin with valid parameters, one is accepted.
            const sample = fc.sample(
              fc.record({
                params: fc.tuple(...op.params.map((p) => fc.constantFrom(...validParams(op, p)).map(enc))),
                body: op.body ? fromSchema(op.body, refs, true).map(json) : fc.constant(undefined),
              }),
              { numRuns: 30, seed: 20260101 },
            );
            let accepted = false;
            for (const { params, body } of sample) {
              const r: FuzzRequest = { actor: 'admin', params: [...params], query: '', contentType: 'application/json', body };
              const res = await send(op, r);
              check(op, r, res);
              if (res.status < 300) {
                accepted = true;
                break;
              }
            }
            assert.ok(accepted, `no strict sample for ${op.method} ${op.path} was accepted: the generator is too weak`);
          }
          const arb = fc.record({
            actor,
            params: fc.tuple(...op.params.map((p) => paramArbitrary(validParams(op, p)))),
            query: fc.constant(''),
            contentType,
            body: bodyArbitrary(op, refs),
          }) as fc.Arbitrary<FuzzRequest>;
          let runs = 0;
          await fc.assert(
            fc.asyncProperty(arb, async (r) => {
              runs++;
              check(op, r, await send(op, r));
            }),
            { numRuns: BODY_RUNS, seed: SEED, interruptAfterTimeLimit: time.next(weightOf(op)), markInterruptAsFailure: false },
          );
          if (runs < BODY_RUNS) st.diagnostic(`${op.method} ${op.path}: time limit after ${runs}/${BODY_RUNS} runs`);
        });
      }
    });
  });

  describe('every route: random path parameters and query strings', () => {
    test('answers < 500 with well-formed errors', async (tt) => {
      const time = budget(PARAM_BUDGET_MS, ops.map(weightOf));
      for (const op of ops) {
        await tt.test(`${op.method} ${op.path}`, async (st) => {
          await ensureFixtures();
          const refs = refsOf();
          const arb = fc.record({
            actor,
            params: fc.tuple(...op.params.map((p) => paramArbitrary(validParams(op, p)))),
            query: queryArbitrary(op, refs),
            contentType: fc.constant('application/json'),
            body: op.body ? fromSchema(op.body, refs, true).map(json) : fc.constant(undefined),
          }) as fc.Arbitrary<FuzzRequest>;
          // With no path or query parameters there is little to vary (the actor, the body).
          const numRuns = op.params.length || op.query.length || op.body ? PARAM_RUNS : 5;
          let runs = 0;
          await fc.assert(
            fc.asyncProperty(arb, async (r) => {
              runs++;
              check(op, r, await send(op, r));
            }),
            { numRuns, seed: SEED, interruptAfterTimeLimit: time.next(weightOf(op)), markInterruptAsFailure: false },
          );
          if (runs < numRuns) st.diagnostic(`${op.method} ${op.path}: time limit after ${runs}/${numRuns} runs`);
        });
      }
    });
  });

  test('afterwards: no prototype pollution, and the server is healthy', async () => {
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), protoBefore);
    assert.equal(({} as any).polluted, undefined);
    assert.equal(({} as any).isAdmin, undefined);
    const health = await t.request('GET', '/healthz', { token: null });
    assert.equal(health.status, 200);
    const ready = await t.request('GET', '/readyz', { token: null });
    assert.equal(ready.status, 200, ready.text);
    // And still does real work.
    const team = await t.request('POST', '/api/v1/teams', { body: { slug: 'after-fuzz', name: 'After' } });
    assert.equal(team.status, 201, team.text);
  });
});
