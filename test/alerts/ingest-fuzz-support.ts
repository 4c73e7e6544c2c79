// Generators and response checks for test/alerts/ingest-fuzz.test.ts.

import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TestResponse } from '../support/app.js';
import { assertErrorShape } from '../support/http.js';

export type Endpoint = 'pd' | 'change' | 'alertmanager' | 'grafana' | 'generic';
export const ENDPOINTS: readonly Endpoint[] = ['pd', 'change', 'alertmanager', 'grafana', 'generic'];

export function endpointPaths(keys: Record<string, string>): Record<Endpoint, string> {
  return {
    pd: '/v2/enqueue',
    change: '/v2/change/enqueue',
    alertmanager: `/api/v1/integrations/${keys.alertmanager}/alertmanager`,
    grafana: `/api/v1/integrations/${keys.grafana}/grafana`,
    generic: `/api/v1/integrations/${keys.generic}/generic`,
  };
}

// ---------------------------------------------------------------- sending

/** What goes on the wire. `contentType: null` sends no Content-Type header at all. */
export interface Wire {
  body: string | Uint8Array;
  contentType: string | null;
  headers?: Record<string, string>;
}

export interface Sent {
  path: string;
  wire: Wire;
  res: TestResponse;
}

const enc = new TextEncoder();

export async function send(baseUrl: string, path: string, wire: Wire): Promise<Sent> {
  const headers: Record<string, string> = { ...wire.headers };
  if (wire.contentType !== null) headers['content-type'] = wire.contentType;
  // fetch labels a string body text/plain on its own; bytes go out with exactly the headers given.
  const body = typeof wire.body === 'string' ? enc.encode(wire.body) : wire.body;
  let res: Response;
  try {
    res = await fetch(baseUrl + path, { method: 'POST', headers, body: body as unknown as BodyInit });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? '';
    throw new Error(`POST ${path} failed at the transport level: ${(err as Error).message} ${cause}\n${describeWire(wire)}`);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { path, wire, res: { status: res.status, headers: res.headers, body: parsed, text } };
}

/** Runs fn over items with at most `limit` in flight; keeps input order in the result. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function describeWire(wire: Wire): string {
  const body = typeof wire.body === 'string' ? wire.body : `<${wire.body.length} bytes> ${Buffer.from(wire.body.slice(0, 200)).toString('hex')}`;
  const shown = body.length > 600 ? `${body.slice(0, 600)}… (${body.length} chars)` : body;
  return `content-type: ${wire.contentType === null ? '<none>' : JSON.stringify(wire.contentType)}${wire.headers ? ` headers: ${JSON.stringify(wire.headers)}` : ''}\nbody: ${shown}`;
}

// ---------------------------------------------------------------- response checks

const OUTCOMES = ['created', 'updated', 'dropped', 'dropped_by_rule'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Parses a wire body the way the server would (any content type is read as JSON); undefined if it is not JSON. */
export function wireJson(wire: Wire): { ok: true; value: unknown } | { ok: false } {
  const text = typeof wire.body === 'string' ? wire.body : new TextDecoder().decode(wire.body);
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The properties every ingest response must have, whatever was sent:
 * never 5xx; 2xx is exactly 202 with the endpoint's success body; 4xx has the error shape
 * (and PagerDuty's status/message/errors on /v2/).
 */
export function checkResponse(endpoint: Endpoint, sent: Sent): void {
  const { res, wire, path } = sent;
  const where = `POST ${path} → ${res.status} ${res.text.slice(0, 400)}\n${describeWire(wire)}`;
  assert.ok(res.status < 500, `5xx from an ingest endpoint: ${where}`);
  assert.ok(res.status >= 200, `status ${where}`);
  assert.ok(res.status < 300 || res.status >= 400, `unexpected 3xx ${where}`);
  if (res.status < 300) {
    assert.equal(res.status, 202, `success is 202 ${where}`);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `success content-type ${where}`);
    const b = res.body;
    assert.ok(isObj(b), `success body is an object ${where}`);
    assert.equal(b.status, 'success', where);
    const sentJson = wireJson(wire);
    assert.ok(sentJson.ok, `202 for a body that is not JSON ${where}`);
    if (endpoint === 'pd') {
      assert.deepEqual(Object.keys(b).sort(), ['dedup_key', 'message', 'status'], where);
      assert.equal(b.message, 'Event processed', where);
      assert.equal(typeof b.dedup_key, 'string', where);
      const sentKey = isObj(sentJson.value) ? sentJson.value.dedup_key : undefined;
      if (typeof sentKey === 'string' && sentKey !== '') assert.equal(b.dedup_key, sentKey, `dedup_key echoed ${where}`);
      else assert.match(b.dedup_key as string, UUID, `generated dedup_key ${where}`);
    } else if (endpoint === 'change') {
      assert.deepEqual(Object.keys(b).sort(), ['id', 'message', 'status'], where);
      assert.equal(b.message, 'Change event processed', where);
      assert.match(String(b.id), UUID, where);
    } else {
      assert.deepEqual(Object.keys(b).sort(), ['events', 'results', 'status'], where);
      assert.ok(Number.isInteger(b.events) && (b.events as number) >= 0, where);
      assert.ok(Array.isArray(b.results), where);
      assert.equal(b.results.length, b.events, `events == results.length ${where}`);
      for (const r of b.results as unknown[]) {
        assert.ok(isObj(r), where);
        assert.deepEqual(Object.keys(r).sort(), ['dedup_key', 'outcome'], where);
        assert.equal(typeof r.dedup_key, 'string', where);
        assert.ok((r.dedup_key as string).length > 0 && (r.dedup_key as string).length <= 255, `dedup_key length ${where}`);
        assert.ok(OUTCOMES.includes(r.outcome as string), `outcome ${where}`);
      }
      const v = sentJson.value;
      if (endpoint === 'generic') assert.equal(b.events, Array.isArray(v) ? v.length : 1, `one result per generic event ${where}`);
      if (endpoint === 'alertmanager') assert.equal(b.events, isObj(v) && Array.isArray(v.alerts) ? v.alerts.length : -1, `one result per alert ${where}`);
      if (endpoint === 'grafana' && isObj(v) && Array.isArray(v.alerts)) assert.equal(b.events, v.alerts.length, `one result per alert ${where}`);
    }
    return;
  }
  assertErrorShape(res, where, { path });
  if (path.startsWith('/v2/')) {
    const b = res.body as Record<string, unknown>;
    assert.equal(typeof b.status, 'string', `PagerDuty status ${where}`);
    assert.equal(b.status, res.status === 429 ? 'throttle event' : 'invalid event', where);
    assert.equal(typeof b.message, 'string', where);
    assert.ok(Array.isArray(b.errors) && b.errors.length > 0 && b.errors.every((e) => typeof e === 'string'), `PagerDuty errors[] ${where}`);
  }
}

// ---------------------------------------------------------------- valid payloads

export function validPd(routingKey: string, dedup = 'fuzz-pd'): Record<string, unknown> {
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedup,
    client: 'Fuzz Monitor',
    client_url: 'https://monitor.example/fuzz',
    links: [{ href: 'https://runbook.example/disk', text: 'Runbook' }],
    images: [{ src: 'https://img.example/graph.png', href: 'https://img.example', alt: 'graph' }],
    payload: {
      summary: 'Disk almost full on db-1',
      source: 'db-1.example',
      severity: 'warning',
      timestamp: '2026-11-22T10:00:00.000Z',
      component: 'postgres',
      group: 'prod-db',
      class: 'disk',
      custom_details: { free_percent: 3, mount: '/var/lib/postgresql', nested: { a: [1, 2, { b: null }] } },
    },
  };
}

export function validChange(routingKey: string): Record<string, unknown> {
  return {
    routing_key: routingKey,
    payload: { summary: 'Deploy v42 of checkout', source: 'ci', timestamp: '2026-11-22T10:00:00Z', custom_details: { sha: 'abc123', author: 'ada' } },
    links: [{ href: 'https://ci.example/builds/42', text: 'Build' }],
  };
}

export function validAlertmanager(): Record<string, unknown> {
  return {
    version: '4',
    groupKey: '{}:{alertname="HighLatency"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'ballast',
    groupLabels: { alertname: 'HighLatency' },
    commonLabels: { alertname: 'HighLatency' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'HighLatency', instance: 'web-1', job: 'api', severity: 'critical', namespace: 'prod' },
        annotations: { summary: 'p99 latency above 2s', runbook_url: 'https://runbook.example/latency' },
        startsAt: '2026-11-22T10:00:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example/graph?g0.expr=up',
        fingerprint: 'fuzz-am-1',
      },
      {
        status: 'resolved',
        labels: { alertname: 'HighLatency', instance: 'web-2' },
        annotations: { description: 'recovered' },
        startsAt: '2026-11-22T09:00:00Z',
        endsAt: '2026-11-22T09:30:00Z',
        generatorURL: 'http://prometheus.example/graph?g0.expr=up',
      },
    ],
  };
}

export function validGrafana(): Record<string, unknown> {
  const am = validAlertmanager();
  const alerts = (am.alerts as Record<string, unknown>[]).map((a, i) => ({
    ...a,
    fingerprint: `fuzz-gf-${i}`,
    silenceURL: 'http://grafana.example/alerting/silence/new',
    dashboardURL: 'http://grafana.example/d/abc',
    panelURL: 'http://grafana.example/d/abc?viewPanel=2',
    imageURL: 'http://grafana.example/render/x.png',
    values: { A: 97.5, B: 1 },
    valueString: '[ var=A labels={} value=97.5 ]',
  }));
  return { ...am, alerts, orgId: 1, state: 'alerting', title: '[FIRING:1] HighLatency', message: 'p99 is high' };
}

export function validGrafanaLegacy(): Record<string, unknown> {
  return {
    title: '[Alerting] CPU high',
    ruleId: 7,
    ruleName: 'CPU high',
    ruleUrl: 'http://grafana.example/d/cpu',
    state: 'alerting',
    imageUrl: 'http://grafana.example/render/cpu.png',
    message: 'CPU above 90%',
    evalMatches: [{ value: 97, metric: 'cpu', tags: { host: 'web-1' } }],
    tags: { severity: 'critical', team: 'ops' },
  };
}

export function validGeneric(): unknown {
  return [
    { summary: 'Queue backlog above 10k', severity: 'warning', dedup_key: 'fuzz-gen-1', source: 'queue-1', details: { depth: 12000 }, labels: { team: 'ops', shard: 3 }, links: [{ href: 'https://q.example', text: 'Queue' }] },
    { summary: 'Cron job missed', action: 'trigger' },
  ];
}

// ---------------------------------------------------------------- mutation

/**
 * Values that are hard to produce from JSON.stringify (1e309, -0 spelled out, NaN, deep nesting, __proto__ keys)
 * travel through the tree as RawJson placeholders and are spliced into the JSON text by toWire().
 */
export class RawJson {
  constructor(readonly raw: string) {}
  toString(): string {
    return `RawJson(${this.raw.length > 60 ? `${this.raw.slice(0, 60)}… ${this.raw.length} chars` : this.raw})`;
  }
}
const RAW_TAG = '\u0007raw\u0007';
const raw = (s: string) => new RawJson(s);

const stringUnits = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  // Control characters, NUL, lone surrogates, bidi overrides, BOM.
  {
    weight: 3,
    arbitrary: fc.string({
      unit: fc.oneof(
        fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
        fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
        fc.constantFrom('\u0000', '\u007f', '\u2028', '\u2029', '\u202e', '\ufeff', '\uffff', '\ud83d\ude00', 'a', '"', '\\'),
      ),
      maxLength: 20,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '', ' ', '\t\n', 'NaN', 'Infinity', '-Infinity', '-0', '1e309', 'null', 'true', 'undefined', '[object Object]',
      '__proto__', 'constructor', 'prototype', 'toString', "'; DROP TABLE alerts; --", '%s%n%x', '../../../etc/passwd',
      '0001-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z', '9999-99-99', '2026-02-30T25:61:61Z', 'critical ', 'CRITICAL',
      'firing', 'resolved', 'trigger', 'resolve', 'acknowledge',
    ),
  },
);

const hugeString = fc
  .record({ unit: fc.constantFrom('x', 'é', '😀', '\u0000', '\ud800', 'ab\u202e', '"\\'), n: fc.integer({ min: 1_000, max: 100_000 }) })
  .map(({ unit, n }) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n));

const deepNesting = fc
  .record({
    depth: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 2, max: 600 }) }, { weight: 1, arbitrary: fc.integer({ min: 600, max: 20_000 }) }),
    kind: fc.constantFrom('array', 'object', 'mixed'),
  })
  .map(({ depth, kind }) => {
    if (kind === 'array') return raw('['.repeat(depth) + ']'.repeat(depth));
    if (kind === 'object') return raw('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
    return raw('{"a":['.repeat(depth) + 'null' + ']}'.repeat(depth));
  });

const rawTokens = fc.constantFrom(
  raw('1e309'), raw('-1e309'), raw('-0'), raw('1e-400'), raw('123456789012345678901234567890'),
  raw('0.1e-999999999'), raw('9'.repeat(400)), raw('-0.0e0'),
  raw('{"__proto__":{"polluted":"yes"}}'), raw('{"constructor":{"prototype":{"polluted":"yes"}}}'),
  raw('{"prototype":{"polluted":"yes"}}'), raw('[{"__proto__":[]}]'),
  // Not JSON at all: the whole body must then be a 400.
  raw('NaN'), raw('Infinity'), raw('undefined'), raw('01'), raw('+1'), raw("'single'"), raw('"\u0000raw NUL"'),
  raw('"\\ud800"'), raw('"\\udfff\\ud800"'), raw('"\\u0000"'),
);

export const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: stringUnits },
  { weight: 1, arbitrary: hugeString },
  { weight: 2, arbitrary: deepNesting },
  { weight: 3, arbitrary: rawTokens },
  { weight: 2, arbitrary: fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -1, 2 ** 53 + 1, Number.MAX_VALUE, Number.MIN_VALUE, 1.5)) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [{}], [null], [[]]) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(stringUnits, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(stringUnits, stringUnits, { maxKeys: 5 }) },
);

const weirdKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', '\u0000', 'a'.repeat(2000), 'severity', 'dedup_key', 'labels', 'alerts', 'fingerprint', 'status', 'ruleName', 'state'),
  stringUnits,
);

export type Mutation =
  | { op: 'delete'; path: number[] }
  | { op: 'replace'; path: number[]; value: unknown }
  | { op: 'insert'; path: number[]; key: string; value: unknown }
  | { op: 'wrap'; path: number[] }
  | { op: 'retype'; path: number[] }
  | { op: 'root'; value: unknown }
  | { op: 'rootArray' };

const pathArb = fc.array(fc.nat(1000), { minLength: 1, maxLength: 5 });
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), path: pathArb }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('replace' as const), path: pathArb, value: weirdValue }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('insert' as const), path: pathArb, key: weirdKey, value: weirdValue }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wrap' as const), path: pathArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('retype' as const), path: pathArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('root' as const), value: weirdValue }) },
  { weight: 1, arbitrary: fc.constant({ op: 'rootArray' as const }) },
);

const isContainer = (v: unknown): v is Record<string, unknown> | unknown[] => typeof v === 'object' && v !== null && !(v instanceof RawJson);

function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  // Plain assignment to "__proto__" would change the prototype instead of adding a key.
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function retype(v: unknown): unknown {
  if (typeof v === 'string') return v === '' ? 0 : Number.isNaN(Number(v)) ? [v] : Number(v);
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 1;
  if (v === null) return {};
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]));
  if (isContainer(v)) return Object.values(v);
  return null;
}

/** Picks the (container, key) slot the path leads to, descending while the path lasts. */
function slot(root: unknown, path: number[]): { parent: Record<string, unknown> | unknown[]; key: string | number } | null {
  let parent: unknown = root;
  for (let i = 0; i < path.length; i++) {
    if (!isContainer(parent)) return null;
    const keys = Array.isArray(parent) ? parent.map((_, j) => j) : Object.keys(parent);
    if (keys.length === 0) return null;
    const key = keys[path[i]! % keys.length]!;
    const child = (parent as Record<string | number, unknown>)[key];
    if (i === path.length - 1 || !isContainer(child)) return { parent, key };
    parent = child;
  }
  return null;
}

/** Deep copy that keeps RawJson placeholders and own "__proto__" keys (generated values must not be mutated in place). */
function clone(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clone);
  if (isContainer(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, clone(x));
    return out;
  }
  return v;
}

export function applyMutations(valid: unknown, muts: Mutation[]): unknown {
  let root: unknown = clone(valid);
  for (const m of muts) {
    if (m.op === 'root') {
      root = clone(m.value);
      continue;
    }
    if (m.op === 'rootArray') {
      root = [root];
      continue;
    }
    const s = slot(root, m.path);
    if (!s) continue;
    const { parent, key } = s;
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
    } else if (m.op === 'replace') {
      if (Array.isArray(parent)) parent[key as number] = clone(m.value);
      else setOwn(parent, key as string, clone(m.value));
    } else if (m.op === 'insert') {
      const target = (parent as Record<string | number, unknown>)[key];
      const into = isContainer(target) ? target : parent;
      if (Array.isArray(into)) into.push(clone(m.value));
      else setOwn(into, m.key, clone(m.value));
    } else if (m.op === 'wrap') {
      const v = (parent as Record<string | number, unknown>)[key];
      if (Array.isArray(parent)) parent[key as number] = [v];
      else setOwn(parent, key as string, [v]);
    } else {
      const v = (parent as Record<string | number, unknown>)[key];
      if (Array.isArray(parent)) parent[key as number] = retype(v);
      else setOwn(parent, key as string, retype(v));
    }
  }
  return root;
}

/** Serialises a tree, splicing raw JSON text in place of Raw placeholders. */
export function toWire(tree: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(tree, (_k, v) => {
    if (v instanceof RawJson) {
      raws.push(v.raw);
      return `${RAW_TAG}${raws.length - 1}${RAW_TAG}`;
    }
    return v;
  });
  if (text === undefined) return '';
  const tag = JSON.stringify(RAW_TAG).slice(1, -1);
  return text.replace(new RegExp(`"${escapeRe(tag)}(\\d+)${escapeRe(tag)}"`, 'g'), (_m, i: string) => raws[Number(i)]!);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
