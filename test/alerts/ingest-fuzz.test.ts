// Property-based fuzzing of the sender-facing ingest endpoints (PagerDuty v2 events and change events,
// Alertmanager, Grafana, generic JSON) with a valid integration key.
//
// Properties, for every request: never a 5xx; 2xx only as 202 with the endpoint's success body; 4xx with
// Ballast's error shape (plus PagerDuty's status/message/errors on /v2/); the server keeps answering /healthz
// and no prototype is polluted. And a ledger property: every event answered 202 is stored as an alert with
// what was sent, and nothing of a rejected request is stored (not even its valid events).
//
// Each fast-check run sends a batch of up to 8 requests at once. Reproduce a failure with the printed seed:
//   BALLAST_FUZZ_SEED=<seed> node scripts/test.mjs ingest-fuzz
// Scale the number of runs with BALLAST_FUZZ_SCALE (default 1).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import {
  ENDPOINTS,
  applyMutations,
  checkResponse,
  endpointPaths,
  mutationArb,
  pool,
  send,
  toWire,
  validAlertmanager,
  validChange,
  validGeneric,
  validGrafana,
  validGrafanaLegacy,
  validPd,
  weirdValue,
  type Endpoint,
  type Sent,
  type Wire,
} from './ingest-fuzz-support.js';
import { seedService } from './support.js';

const SCALE = Number(process.env.BALLAST_FUZZ_SCALE ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
type ArbValue<A> = A extends fc.Arbitrary<infer T> ? T : never;
const fcParams = (numRuns: number): { numRuns: number; seed?: number } => ({
  numRuns: runs(numRuns),
  ...(process.env.BALLAST_FUZZ_SEED ? { seed: Number(process.env.BALLAST_FUZZ_SEED) } : {}),
});
const IN_FLIGHT = 8;
const PD_LIMIT = 512 * 1024;
const WEBHOOK_LIMIT = 4 * 1024 * 1024;
const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;

const contentTypeArb: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constant(null) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8', 'text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz', 'application/xml', 'application/octet-stream', 'application/json; charset=latin1',
      'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/vnd.api+json', 'text/json', '*/*', 'garbage',
      'application/json;;;', 'a/b; c=d', '',
    ),
  },
);

const withoutProtoKeys = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(withoutProtoKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== '__proto__' && k !== 'constructor' && k !== 'prototype') out[k] = withoutProtoKeys(x);
    return out;
  }
  return v;
};

forEachDatabase('ingest endpoints under fuzzing', (kind) => {
  let t: TestApp;
  let keys: Record<string, string>;
  let paths: Record<Endpoint, string>;
  let requests = 0;
  let started = 0;

  before(async () => {
    started = Date.now();
    // A high rate limit: 429s are legitimate 4xx but would hide everything else.
    t = await startTestApp(kind, { config: { ingestRateLimit: 1_000_000 } });
    ({ keys } = await seedService(t, 'fuzzed', 'fuzzers'));
    paths = endpointPaths(keys);
  });
  after(async () => {
    process.stdout.write(`# ingest-fuzz [${kind}]: ${requests} ingest requests in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    await t?.close();
  });

  const fire = async (endpoint: Endpoint, wire: Wire, path = paths[endpoint]): Promise<Sent> => {
    requests++;
    return send(t.url, path, wire);
  };

  /** Sends a batch concurrently, checks every response, then that the server is still healthy. */
  const fireAll = async (cases: { endpoint: Endpoint; wire: Wire }[]): Promise<Sent[]> => {
    const sent = await pool(cases, IN_FLIGHT, (c) => fire(c.endpoint, c.wire));
    sent.forEach((s, i) => checkResponse(cases[i]!.endpoint, s));
    const health = await fetch(`${t.url}/healthz`);
    assert.equal(health.status, 200, 'server answers /healthz');
    await health.arrayBuffer();
    return sent;
  };

  const assertNoPollution = () => {
    for (const proto of [Object.prototype, Array.prototype, Function.prototype]) {
      assert.equal((proto as Record<string, unknown>).polluted, undefined, 'prototype pollution');
    }
  };

  test('arbitrary JSON values as bodies, bare and inside a valid envelope', async () => {
    const bare = fc.record({
      endpoint: fc.constantFrom(...ENDPOINTS),
      value: fc.oneof(fc.anything({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4 })),
      contentType: contentTypeArb,
    });
    // The same values where the parsers look: behind a valid routing key / inside alerts[] / as a generic event.
    const enveloped = fc.record({
      endpoint: fc.constantFrom(...ENDPOINTS),
      fields: fc.dictionary(
        fc.constantFrom('event_action', 'dedup_key', 'payload', 'summary', 'source', 'severity', 'timestamp', 'component', 'custom_details', 'links', 'images', 'client', 'labels', 'annotations', 'status', 'fingerprint', 'alerts', 'details', 'action', 'state', 'ruleId', 'ruleName', 'tags'),
        fc.oneof(fc.jsonValue({ maxDepth: 3 }), weirdValue),
        { maxKeys: 6 },
      ),
      contentType: contentTypeArb,
    });
    const toCase = (c: { endpoint: Endpoint; value?: unknown; fields?: Record<string, unknown>; contentType: string | null }) => {
      let body: unknown = c.value;
      if (c.fields) {
        const f = c.fields;
        if (c.endpoint === 'pd') body = { routing_key: keys.pagerduty, event_action: 'trigger', ...f, payload: { summary: 's', source: 'x', severity: 'info', ...(typeof f.payload === 'object' && f.payload ? f.payload : f) } };
        else if (c.endpoint === 'change') body = { routing_key: keys.pagerduty, payload: { summary: 's', ...f } };
        else if (c.endpoint === 'generic') body = { summary: 's', ...f };
        else body = { alerts: [{ status: 'firing', labels: { alertname: 'x' }, ...f }], ...f };
      }
      return { endpoint: c.endpoint, wire: { body: toWire(body), contentType: c.contentType } };
    };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(bare, enveloped), { minLength: 1, maxLength: IN_FLIGHT }), async (cs) => {
        await fireAll(cs.map(toCase));
      }),
      fcParams(140),
    );
    assertNoPollution();
  });

  test('mutated valid payloads: deleted fields, changed types, huge strings, deep nesting, odd unicode, odd numbers, proto keys', async () => {
    const validFor = (endpoint: Endpoint, legacy: boolean): unknown => {
      switch (endpoint) {
        case 'pd': return validPd(keys.pagerduty!, `mut-${Math.random().toString(36).slice(2)}`);
        case 'change': return validChange(keys.pagerduty!);
        case 'alertmanager': return validAlertmanager();
        case 'grafana': return legacy ? validGrafanaLegacy() : validGrafana();
        case 'generic': return validGeneric();
      }
    };
    const caseArb = fc.record({
      endpoint: fc.constantFrom(...ENDPOINTS),
      legacy: fc.boolean(),
      mutations: fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
      contentType: contentTypeArb,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(caseArb, { minLength: 1, maxLength: IN_FLIGHT }), async (cs) => {
        await fireAll(cs.map((c) => ({ endpoint: c.endpoint, wire: { body: toWire(applyMutations(validFor(c.endpoint, c.legacy), c.mutations)), contentType: c.contentType } })));
      }),
      fcParams(220),
    );
    assertNoPollution();
  });

  test('raw bytes, broken JSON and odd content types', async () => {
    const valids = (): Record<Endpoint, string> => ({
      pd: JSON.stringify(validPd(keys.pagerduty!, `raw-${Math.random().toString(36).slice(2)}`)),
      change: JSON.stringify(validChange(keys.pagerduty!)),
      alertmanager: JSON.stringify(validAlertmanager()),
      grafana: JSON.stringify(validGrafana()),
      generic: JSON.stringify(validGeneric()),
    });
    const enc = new TextEncoder();
    const bytesArb = fc.oneof(
      fc.uint8Array({ maxLength: 4096 }),
      // Valid JSON text broken at the byte level: cut, spliced with random bytes, NULs, invalid UTF-8, BOMs.
      fc.record({ cut: fc.nat(), junk: fc.uint8Array({ minLength: 1, maxLength: 16 }), mode: fc.constantFrom('truncate', 'insert', 'prefix', 'suffix', 'replace', 'bom', 'nul', 'utf16') }).map((b) => ({ ...b, broken: true as const })),
    );
    const caseArb = fc.record({
      endpoint: fc.constantFrom(...ENDPOINTS),
      bytes: bytesArb,
      contentType: contentTypeArb,
      encoding: fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown'), { nil: undefined }),
    });
    const build = (c: ArbValue<typeof caseArb>, v: Record<Endpoint, string>) => {
      let body: Uint8Array;
      if (c.bytes instanceof Uint8Array) body = c.bytes;
      else {
        const src = enc.encode(v[c.endpoint]);
        const at = c.bytes.cut % (src.length + 1);
        const junk = c.bytes.junk;
        const cat = (...parts: ArrayLike<number>[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));
        switch (c.bytes.mode) {
          case 'truncate': body = src.slice(0, at); break;
          case 'insert': body = cat(src.slice(0, at), junk, src.slice(at)); break;
          case 'prefix': body = cat(junk, src); break;
          case 'suffix': body = cat(src, junk); break;
          case 'replace': body = cat(src.slice(0, at), junk, src.slice(at + junk.length)); break;
          case 'bom': body = cat([0xef, 0xbb, 0xbf], src); break;
          case 'nul': body = cat(src.slice(0, at), [0], src.slice(at)); break;
          case 'utf16': body = Buffer.from(v[c.endpoint], 'utf16le'); break;
        }
      }
      return { endpoint: c.endpoint, wire: { body, contentType: c.contentType, ...(c.encoding ? { headers: { 'content-encoding': c.encoding } } : {}) } };
    };
    await fc.assert(
      fc.asyncProperty(fc.array(caseArb, { minLength: 1, maxLength: IN_FLIGHT }), async (cs) => {
        const v = valids();
        await fireAll(cs.map((c) => build(c, v)));
      }),
      fcParams(90),
    );

    // Senders mislabel JSON all the time: a valid body is accepted under any well-formed media type, or none.
    for (const endpoint of ENDPOINTS) {
      for (const contentType of [null, 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/json; charset=latin1', 'text/json', 'multipart/form-data; boundary=x']) {
        const [s] = await fireAll([{ endpoint, wire: { body: valids()[endpoint], contentType } }]);
        assert.equal(s!.res.status, 202, `${endpoint} with content-type ${contentType}: ${s!.res.text}`);
      }
    }
  });

  test('oversize bodies get 413 (512 KB on /v2/*, 4 MB on webhooks); just under the limit is accepted', async () => {
    const pad = (endpoint: Endpoint, bytes: number): string => {
      const base = endpoint === 'pd' ? validPd(keys.pagerduty!, `big-${Math.random()}`) : validChange(keys.pagerduty!);
      const payload = base.payload as Record<string, unknown>;
      const filler = (n: number) => JSON.stringify({ ...base, payload: { ...payload, custom_details: { pad: 'p'.repeat(n) } } });
      const overhead = filler(0).length;
      return filler(Math.max(0, bytes - overhead));
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ endpoint: fc.constantFrom<Endpoint>('pd', 'change'), size: fc.integer({ min: PD_LIMIT + 1, max: PD_LIMIT + 400_000 }), contentType: contentTypeArb }), { minLength: 1, maxLength: 4 }),
        async (cs) => {
          const sent = await fireAll(cs.map((c) => ({ endpoint: c.endpoint, wire: { body: pad(c.endpoint, c.size), contentType: c.contentType } })));
          for (const s of sent) {
            // A malformed media type may be refused (415) before the size is.
            const expected = s.wire.contentType === 'garbage' || s.wire.contentType === '' ? [413, 415] : [413];
            assert.ok(expected.includes(s.res.status), `${s.path} (${JSON.stringify(s.wire.contentType)}): ${s.res.text.slice(0, 200)}`);
          }
        },
      ),
      fcParams(10),
    );
    for (const endpoint of ['pd', 'change'] as const) {
      const body = pad(endpoint, PD_LIMIT - 64);
      assert.ok(Buffer.byteLength(body) <= PD_LIMIT);
      const [s] = await fireAll([{ endpoint, wire: { body, contentType: 'application/json' } }]);
      assert.equal(s!.res.status, 202, `${endpoint} just under the limit: ${s!.res.text.slice(0, 300)}`);
    }
    for (const endpoint of ['alertmanager', 'grafana', 'generic'] as const) {
      const body = JSON.stringify({ summary: 'big', alerts: [], pad: 'w'.repeat(WEBHOOK_LIMIT + 1) });
      const [s] = await fireAll([{ endpoint, wire: { body, contentType: 'application/json' } }]);
      assert.equal(s!.res.status, 413, `${endpoint}: ${s!.res.text.slice(0, 200)}`);
    }
  });

  // ---------------------------------------------------------------- minimal regressions found by the fuzzer

  test('regression: deeply nested custom details are a 4xx, not a stack overflow (500)', async () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const cases: [Endpoint, string][] = [
      ['generic', `{"summary":"deep","details":{"d":${deep(5000)}}}`],
      ['pd', JSON.stringify(validPd(keys.pagerduty!, 'deep-pd')).replace('"custom_details":{', `"custom_details":{"d":${deep(5000)},`)],
      ['change', JSON.stringify(validChange(keys.pagerduty!)).replace('"custom_details":{', `"custom_details":{"d":${deep(5000)},`)],
      ['alertmanager', JSON.stringify(validAlertmanager()).replace('"annotations":{', `"fuzz":${deep(5000)},"annotations":{`)],
      ['grafana', JSON.stringify(validGrafana()).replace('"values":{', `"values":{"d":${deep(5000)},`)],
    ];
    for (const [endpoint, body] of cases) {
      const [s] = await fireAll([{ endpoint, wire: { body, contentType: 'application/json' } }]);
      assert.equal(s!.res.status, 400, `${endpoint}: ${s!.res.text.slice(0, 300)}`);
    }
    // Ordinary nesting still goes through.
    const [ok] = await fireAll([{ endpoint: 'generic', wire: { body: `{"summary":"deep-ok","details":{"d":${deep(50)}}}`, contentType: 'application/json' } }]);
    assert.equal(ok!.res.status, 202, ok!.res.text);
  });

  test('regression: NUL and unpaired surrogates in stored text fields are a 400 on every database', async () => {
    const bad: [Endpoint, unknown][] = [
      ['generic', { summary: 'nul\u0000summary' }],
      ['generic', { summary: 'ok', dedup_key: 'nul\u0000key' }],
      ['generic', { summary: 'ok', source: 'nul\u0000source' }],
      ['generic', { summary: 'ok', labels: { alertname: 'nul\u0000class' } }],
      ['generic', { summary: 'ok', dedup_key: 'lone-\ud800' }],
      ['generic', [{ summary: 'fine', dedup_key: 'nul-batch-fine' }, { summary: 'nul \u0000 in the second event' }]],
      ['generic', [{ summary: 'fine', dedup_key: 'lone-batch-fine' }, { summary: 'ok', dedup_key: 'lone \udc00 surrogate' }]],
      ['pd', { ...validPd(keys.pagerduty!, 'pd-nul'), payload: { summary: 'nul\u0000', source: 's', severity: 'info' } }],
      ['pd', { ...validPd(keys.pagerduty!, 'pd-nul'), payload: { summary: 's', source: 'nul\u0000', severity: 'info', component: 'c\u0000' } }],
      ['pd', validPd(keys.pagerduty!, 'pd-lone-\udbff')],
      ['change', { routing_key: keys.pagerduty, payload: { summary: 'deploy\u0000' } }],
      ['alertmanager', { alerts: [{ status: 'firing', labels: { alertname: 'nul\u0000', instance: 'i' } }] }],
      ['grafana', { alerts: [{ status: 'firing', labels: { alertname: 'x' }, fingerprint: 'fp-\udfff' }] }],
    ];
    for (const [endpoint, body] of bad) {
      const [s] = await fireAll([{ endpoint, wire: { body: JSON.stringify(body), contentType: 'application/json' } }]);
      assert.equal(s!.res.status, 400, `${endpoint} ${JSON.stringify(body).slice(0, 200)} → ${s!.res.text.slice(0, 300)}`);
      assert.equal(s!.res.body.error.code, 'invalid_event');
    }
    const list = await t.request('GET', '/api/v1/alerts?service=fuzzed&limit=500');
    for (const k of ['nul-batch-fine', 'lone-batch-fine']) assert.ok(!list.body.data.some((a: { dedup_key: string }) => a.dedup_key === k), `nothing of a rejected batch is stored (${k})`);
    // NUL and lone surrogates inside free-form JSON (details, labels other than those stored as columns) are fine.
    const [ok] = await fireAll([{ endpoint: 'generic', wire: { body: JSON.stringify({ summary: 'json ok', dedup_key: 'json-nul-ok', details: { 'k\u0000': 'v\u0000\ud800' }, labels: { extra: 'a\u0000' } }), contentType: 'application/json' } }]);
    assert.equal(ok!.res.status, 202, ok!.res.text);
    const stored = (await t.request('GET', '/api/v1/alerts?service=fuzzed&limit=50')).body.data.find((a: { dedup_key: string }) => a.dedup_key === 'json-nul-ok');
    assert.deepEqual(stored.details, { 'k\u0000': 'v\u0000\ud800' });
    assert.equal(stored.labels.extra, 'a\u0000');
  });

  test('regression: PagerDuty custom_details keys named like Object.prototype members still become labels', async () => {
    const body = validPd(keys.pagerduty!, 'proto-named-details');
    (body.payload as Record<string, unknown>).custom_details = { toString: 'a', valueOf: 'b', hasOwnProperty: 'c', isPrototypeOf: 'd', team: 'e' };
    const [s] = await fireAll([{ endpoint: 'pd', wire: { body: JSON.stringify(body), contentType: 'application/json' } }]);
    assert.equal(s!.res.status, 202, s!.res.text);
    const a = (await t.request('GET', '/api/v1/alerts?service=fuzzed&limit=20')).body.data.find((x: { dedup_key: string }) => x.dedup_key === 'proto-named-details');
    assert.deepEqual(
      { toString: a.labels.toString, valueOf: a.labels.valueOf, hasOwnProperty: a.labels.hasOwnProperty, isPrototypeOf: a.labels.isPrototypeOf, team: a.labels.team },
      { toString: 'a', valueOf: 'b', hasOwnProperty: 'c', isPrototypeOf: 'd', team: 'e' },
    );
  });

  test('regression: objects where legacy Grafana and generic expect scalars are not String()-ed (TypeError → 500)', async () => {
    const cases: [Endpoint, unknown, number][] = [
      ['grafana', { ...validGrafanaLegacy(), title: { toString: '' } }, 202],
      ['grafana', { state: 'alerting', ruleId: { toString: '' } }, 400],
      ['grafana', { state: 'alerting', ruleId: [{ valueOf: 1 }], title: 'x' }, 202],
      ['generic', { summary: 'x', action: { toString: '' } }, 400],
      ['generic', [{ summary: 'x', action: [{ toString: 1 }] }], 400],
    ];
    for (const [endpoint, body, status] of cases) {
      const [s] = await fireAll([{ endpoint, wire: { body: JSON.stringify(body), contentType: 'application/json' } }]);
      assert.equal(s!.res.status, status, `${endpoint} ${JSON.stringify(body)} → ${s!.res.text.slice(0, 300)}`);
    }
    // An object ruleId no longer becomes the dedup key "grafana-rule-[object Object]".
    const [s] = await fireAll([{ endpoint: 'grafana', wire: { body: JSON.stringify({ state: 'alerting', ruleId: { id: 1 }, ruleName: 'Disk' }), contentType: 'application/json' } }]);
    assert.equal(s!.res.body.results[0].dedup_key, 'grafana-rule-Disk');
  });

  // ---------------------------------------------------------------- the ledger property

  test('nothing lost, nothing half-written: 202 means stored as sent, 4xx means nothing stored', async () => {
    const ledger = await seedService(t, 'ledger', 'ledger-team');
    const noNul = (s: string) => s.replace(/\u0000/g, '');
    const text = (min: number, max: number) => fc.string({ unit: fc.oneof({ weight: 3, arbitrary: fc.constant('x') }, { weight: 5, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }, { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) }), minLength: min, maxLength: max }).map(noNul);
    const nonBlank = (max: number) => fc.tuple(fc.constantFrom('S', 'É', '告警', '🔥'), text(0, max - 2)).map(([a, b]) => a + b);
    const labelValue = fc.oneof(text(0, 30), fc.integer(), fc.boolean());
    const labelKey = fc.oneof(fc.constantFrom('alertname', 'instance', 'team', 'severity', 'env', 'toString', 'hasOwnProperty'), text(1, 20)).filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k));
    const details = fc.dictionary(labelKey, fc.oneof(text(0, 20), fc.jsonValue({ maxDepth: 3 })), { maxKeys: 4 }).map(withoutProtoKeys);
    const suffix = text(0, 12);
    /** undefined most of the time, a value from arb once in `oneIn`. */
    const rarely = <T,>(arb: fc.Arbitrary<T>, oneIn: number) => fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

    // Ways to spoil one event; the whole request must then be a 400.
    const genericSpoilers = ['noSummary', 'blankSummary', 'numSummary', 'longSummary', 'badSeverity', 'detailsArray', 'labelsNested', 'badAction', 'linksNotArray', 'longDedup', 'sourceNumber', 'resolveNoKey'] as const;
    const pdSpoilers = ['noSource', 'badSeverity', 'shortKey', 'unknownKey', 'badAction', 'payloadArray', 'badTimestamp', 'linksObject', 'longDedup', 'componentNumber', 'longSummary'] as const;
    // Strings PostgreSQL and SQLite cannot both store faithfully as text: either stored as sent or rejected.
    const dubiousArb = fc.record({ field: fc.constantFrom('summary', 'source', 'dedup', 'alertname', 'component'), chars: fc.constantFrom('\u0000', '\ud800', '\udfff', 'a\u0000b', '\udc00\ud800') });

    const genericItem = fc.record({
      summary: nonBlank(200),
      severity: fc.option(fc.constantFrom(...SEVERITIES), { nil: undefined }),
      source: fc.option(text(0, 60), { nil: undefined }),
      details: fc.option(details, { nil: undefined }),
      labels: fc.option(fc.dictionary(labelKey, labelValue, { maxKeys: 5 }), { nil: undefined }),
      links: fc.option(fc.array(fc.record({ href: text(1, 40), text: text(0, 20) }), { maxLength: 3 }), { nil: undefined }),
      suffix,
      spoil: rarely(fc.constantFrom(...genericSpoilers), 6),
      dubious: rarely(dubiousArb, 10),
    });
    const pdItem = fc.record({
      summary: nonBlank(300),
      source: nonBlank(60),
      severity: fc.constantFrom(...SEVERITIES),
      component: fc.option(text(0, 20), { nil: undefined }),
      group: fc.option(text(0, 20), { nil: undefined }),
      class: fc.option(text(0, 20), { nil: undefined }),
      custom_details: fc.option(fc.oneof(details, text(0, 30), fc.integer(), fc.boolean()), { nil: undefined }),
      timestamp: fc.option(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()), { nil: undefined }),
      suffix,
      spoil: rarely(fc.constantFrom(...pdSpoilers), 4),
      dubious: rarely(dubiousArb, 10),
    });
    type GenericItem = ArbValue<typeof genericItem>;
    type PdItem = ArbValue<typeof pdItem>;
    const requestArb = fc.oneof(
      fc.record({ kind: fc.constant('generic' as const), items: fc.array(genericItem, { minLength: 1, maxLength: 4 }), asArray: fc.boolean() }),
      fc.record({ kind: fc.constant('pd' as const), item: pdItem }),
    );

    interface Expect {
      key: string;
      origin: 'generic' | 'pagerduty';
      summary: string;
      source: string;
      severity: string;
      labels: Record<string, string>;
      details: unknown;
    }
    const accepted = new Map<string, Expect>();
    const rejected = new Set<string>(); // dedup-key prefixes of rejected requests
    let runNo = 0;
    let validCount = 0;

    const buildGeneric = (it: GenericItem, key: string): { body: Record<string, unknown>; exp: Expect; verdict: 'valid' | 'invalid' | 'dubious' } => {
      const e: Record<string, unknown> = { summary: it.summary, dedup_key: key };
      if (it.severity !== undefined) e.severity = it.severity;
      if (it.source !== undefined) e.source = it.source;
      if (it.details !== undefined) e.details = it.details;
      if (it.labels !== undefined) e.labels = { ...it.labels };
      if (it.links !== undefined) e.links = it.links;
      let verdict: 'valid' | 'invalid' | 'dubious' = 'valid';
      if (it.dubious) {
        const c = it.dubious.chars;
        if (it.dubious.field === 'summary') e.summary = `${it.summary}${c}`;
        else if (it.dubious.field === 'source') e.source = `src${c}`;
        else if (it.dubious.field === 'dedup') e.dedup_key = `${key}${c}`;
        else e.labels = { ...(e.labels as object), alertname: `an${c}` };
        verdict = 'dubious';
      }
      if (it.spoil) {
        verdict = 'invalid';
        switch (it.spoil) {
          case 'noSummary': delete e.summary; break;
          case 'blankSummary': e.summary = ' \t\n'; break;
          case 'numSummary': e.summary = 42; break;
          case 'longSummary': e.summary = 's'.repeat(1025); break;
          case 'badSeverity': e.severity = 'apocalyptic'; break;
          case 'detailsArray': e.details = [1, 2]; break;
          case 'labelsNested': e.labels = { nested: { a: 1 } }; break;
          case 'badAction': e.action = 'explode'; break;
          case 'linksNotArray': e.links = { href: 'x' }; break;
          case 'longDedup': e.dedup_key = key + 'k'.repeat(256); break;
          case 'sourceNumber': e.source = 7; break;
          case 'resolveNoKey': e.action = 'resolve'; delete e.dedup_key; break;
        }
      }
      const severity = (e.severity as string | undefined) ?? 'error';
      const labels: Record<string, string> = { severity };
      for (const [k, v] of Object.entries((e.labels as Record<string, unknown> | undefined) ?? {})) labels[k] = String(v);
      return {
        body: e,
        verdict,
        exp: { key: e.dedup_key as string, origin: 'generic', summary: e.summary as string, source: typeof e.source === 'string' && e.source ? e.source : 'generic', severity, labels, details: e.details ?? {} },
      };
    };

    const buildPd = (it: PdItem, key: string): { body: Record<string, unknown>; exp: Expect; verdict: 'valid' | 'invalid' | 'dubious' } => {
      const payload: Record<string, unknown> = { summary: it.summary, source: it.source, severity: it.severity };
      for (const f of ['component', 'group', 'class', 'custom_details', 'timestamp'] as const) if (it[f] !== undefined) payload[f] = it[f];
      const body: Record<string, unknown> = { routing_key: ledger.keys.pagerduty, event_action: 'trigger', dedup_key: key, payload };
      let verdict: 'valid' | 'invalid' | 'dubious' = 'valid';
      if (it.dubious) {
        const c = it.dubious.chars;
        if (it.dubious.field === 'summary') payload.summary = `${it.summary}${c}`;
        else if (it.dubious.field === 'source') payload.source = `${it.source}${c}`;
        else if (it.dubious.field === 'dedup') body.dedup_key = `${key}${c}`;
        else payload.component = `comp${c}`;
        verdict = 'dubious';
      }
      if (it.spoil) {
        verdict = 'invalid';
        switch (it.spoil) {
          case 'noSource': delete payload.source; break;
          case 'badSeverity': payload.severity = 'fatal'; break;
          case 'shortKey': body.routing_key = 'abc'; break;
          case 'unknownKey': body.routing_key = 'f'.repeat(32); break;
          case 'badAction': body.event_action = 'explode'; break;
          case 'payloadArray': body.payload = [payload]; break;
          case 'badTimestamp': payload.timestamp = 'yesterday-ish'; break;
          case 'linksObject': body.links = { href: 'x' }; break;
          case 'longDedup': body.dedup_key = key + 'k'.repeat(256); break;
          case 'componentNumber': payload.component = 12; break;
          case 'longSummary': payload.summary = 's'.repeat(1025); break;
        }
      }
      const cd = payload.custom_details;
      const det = cd && typeof cd === 'object' ? cd : cd === undefined || cd === null ? {} : { details: cd };
      const labels: Record<string, string> = { severity: payload.severity as string, source: payload.source as string };
      for (const f of ['component', 'group', 'class'] as const) if (typeof payload[f] === 'string') labels[f] = payload[f] as string;
      for (const [k, v] of Object.entries(det)) if (typeof v === 'string' && !Object.hasOwn(labels, k)) labels[k] = v;
      return {
        body,
        verdict,
        exp: { key: body.dedup_key as string, origin: 'pagerduty', summary: payload.summary as string, source: payload.source as string, severity: payload.severity as string, labels, details: det },
      };
    };

    const alertsOf = async (all: boolean): Promise<Map<string, any[]>> => {
      const byKey = new Map<string, any[]>();
      let cursor = '';
      do {
        const r = await t.request('GET', `/api/v1/alerts?service=ledger&limit=${all ? 500 : 100}${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(r.status, 200, r.text);
        for (const a of r.body.data) byKey.set(a.dedup_key, [...(byKey.get(a.dedup_key) ?? []), a]);
        cursor = all ? (r.body.next_cursor ?? '') : '';
      } while (cursor);
      return byKey;
    };

    const checkStored = (exp: Expect, found: any[] | undefined) => {
      const where = `dedup_key ${JSON.stringify(exp.key)}`;
      assert.ok(found && found.length === 1, `a 202'd event is stored exactly once: ${where} (found ${found?.length ?? 0})`);
      const a = found[0];
      assert.equal(a.status, 'triggered', where);
      assert.equal(a.origin, exp.origin, where);
      assert.equal(a.summary, exp.summary, `summary ${where}`);
      assert.equal(a.source, exp.source, `source ${where}`);
      assert.equal(a.severity, exp.severity, `severity ${where}`);
      assert.equal(JSON.stringify(a.details), JSON.stringify(exp.details), `details ${where}`);
      assert.deepEqual(Object.entries(a.labels).sort(), Object.entries(exp.labels).sort(), `labels ${where}`);
      assert.equal(a.trigger_count, 1, where);
    };

    await fc.assert(
      fc.asyncProperty(fc.array(requestArb, { minLength: 1, maxLength: IN_FLIGHT }), async (reqs) => {
        const run = ++runNo;
        const planned = reqs.map((r, ri) => {
          if (r.kind === 'pd') {
            const b = buildPd(r.item, `lg${run}-${ri}-0-${r.item.suffix}`);
            return { endpoint: 'pd' as const, body: b.body as unknown, items: [b] };
          }
          const items = r.items.map((it, ii) => buildGeneric(it, `lg${run}-${ri}-${ii}-${it.suffix}`));
          const body = r.asArray || items.length > 1 ? items.map((i) => i.body) : items[0]!.body;
          return { endpoint: 'generic' as const, body, items };
        });
        const sent = await pool(planned, IN_FLIGHT, (p) => fire(p.endpoint, { body: JSON.stringify(p.body), contentType: 'application/json' }, p.endpoint === 'pd' ? '/v2/enqueue' : `/api/v1/integrations/${ledger.keys.generic}/generic`));
        const runAccepted: Expect[] = [];
        const runRejected: string[] = [];
        const prefix = (ri: number) => `lg${run}-${ri}-`;
        sent.forEach((s, i) => {
          const p = planned[i]!;
          checkResponse(p.endpoint, s);
          const verdicts = p.items.map((it) => it.verdict);
          const where = `${s.path} → ${s.res.status} ${s.res.text.slice(0, 300)}\nbody: ${JSON.stringify(p.body).slice(0, 600)}`;
          if (verdicts.includes('invalid')) assert.equal(s.res.status, 400, `a request with an invalid event is rejected: ${where}`);
          else if (verdicts.every((v) => v === 'valid')) assert.equal(s.res.status, 202, `a request of valid events is accepted: ${where}`);
          else assert.ok(s.res.status === 202 || s.res.status === 400, where);
          if (s.res.status === 202) {
            validCount += p.items.length;
            for (const it of p.items) runAccepted.push(it.exp);
            const echoed = p.endpoint === 'pd' ? [s.res.body.dedup_key] : s.res.body.results.map((r: { dedup_key: string }) => r.dedup_key);
            assert.deepEqual(echoed, p.items.map((it) => it.exp.key), `dedup keys echoed in order: ${where}`);
          } else {
            runRejected.push(prefix(i));
          }
        });
        // The newest 100 alerts of the ledger service cover this run (at most 32 events).
        const stored = await alertsOf(false);
        for (const exp of runAccepted) {
          checkStored(exp, stored.get(exp.key));
          accepted.set(exp.key, exp);
        }
        for (const pre of runRejected) {
          const leaked = [...stored.keys()].filter((k) => k.startsWith(pre));
          assert.deepEqual(leaked, [], `nothing stored for the rejected request ${pre}*`);
          rejected.add(pre);
        }
      }),
      fcParams(120),
    );

    // And once more over everything the property sent, across all pages.
    const all = await alertsOf(true);
    for (const [key, exp] of accepted) checkStored(exp, all.get(key));
    const storedKeys = [...all.keys()];
    for (const pre of rejected) assert.deepEqual(storedKeys.filter((k) => k.startsWith(pre)), [], `nothing stored for the rejected request ${pre}*`);
    assert.ok(accepted.size > 50 && rejected.size > 20, `the generators exercise both outcomes (accepted ${accepted.size}, rejected ${rejected.size})`);
    process.stdout.write(`# ledger [${kind}]: ${validCount} events accepted, ${rejected.size} rejected, ${all.size} dedup keys stored\n`);
  });

  test('still healthy afterwards', async () => {
    const r = await fetch(`${t.url}/healthz`);
    assert.equal(r.status, 200);
    const ready = await fetch(`${t.url}/readyz`);
    assert.equal(ready.status, 200);
    assertNoPollution();
  });
});
