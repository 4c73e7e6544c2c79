import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { computeMeasures, type Bucket, type MeasuresInput, type Stats } from '../../src/domains/postmortems/measures.js';

const SEVS = ['SEV1', 'SEV2', 'SEV3', 'SEV4'];
const H = 3_600_000;
const base = Date.parse('2026-01-01T00:00:00Z');
const span = 200 * 24 * H;

const at = (ms: number) => new Date(ms).toISOString();
const maybeAfter = (start: number) => fc.option(fc.integer({ min: 0, max: 72 * H }).map((d) => at(start + d)), { nil: null });

const incident = fc
  .record({ t: fc.integer({ min: 0, max: span }), severity: fc.constantFrom(...SEVS, 'SEV9'), ab: fc.boolean(), mb: fc.boolean() })
  .chain(({ t, severity, ab, mb }) =>
    fc.record({
      declared_at: fc.constant(at(base + t)),
      acknowledged_at: maybeAfter(base + t),
      mitigated_at: maybeAfter(base + t),
      resolved_at: maybeAfter(base + t),
      severity: fc.constant(severity),
      ack_breached: fc.constant(ab),
      mitigate_breached: fc.constant(mb),
      pm: fc.option(
        fc.record({
          required: fc.boolean(),
          due_at: fc.option(fc.integer({ min: 0, max: span }).map((d) => at(base + d)), { nil: null }),
          published_at: fc.option(fc.integer({ min: 0, max: span }).map((d) => at(base + d)), { nil: null }),
        }),
        { nil: null },
      ),
    }),
  );
const item = fc.record({
  created_at: fc.integer({ min: 0, max: span }).map((d) => at(base + d)),
  status: fc.constantFrom('open', 'in_progress', 'done', 'wont_do'),
  due_date: fc.option(fc.integer({ min: 0, max: span }).map((d) => at(base + d).slice(0, 10)), { nil: null }),
});

// ---- reference: the definitions written out as plainly as possible, one period at a time ----------

function mean(xs: number[]) {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}
function median(xs: number[]) {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
function dur(xs: number[]) {
  return { count: xs.length, mean_seconds: mean(xs), median_seconds: median(xs) };
}

function periodStarts(from: Date, to: Date, bucket: Bucket): Date[] {
  const out: Date[] = [];
  let d: Date;
  if (bucket === 'month') d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  else {
    d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
    while (d.getUTCDay() !== 1) d = new Date(d.getTime() - 24 * H);
  }
  while (d < to) {
    out.push(d);
    d = bucket === 'month' ? new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)) : new Date(d.getTime() + 7 * 24 * H);
  }
  return out;
}

function reference(x: MeasuresInput & { pms: Map<string, { required: boolean; due_at: string | null; published_at: string | null }> }, lo: number, hi: number): Stats {
  const inc = x.incidents.filter((i) => Date.parse(i.declared_at) >= lo && Date.parse(i.declared_at) < hi);
  const secs = (i: (typeof inc)[number], end: string | null) => (end === null ? [] : [Math.max(0, (Date.parse(end) - Date.parse(i.declared_at)) / 1000)]);
  const by: Record<string, number> = Object.fromEntries(x.severities.map((s) => [s, 0]));
  for (const i of inc) by[i.severity] = (by[i.severity] ?? 0) + 1;
  const required = inc.map((i) => x.pms.get(i.id)).filter((p) => p?.required) as Array<{ due_at: string | null; published_at: string | null }>;
  const now = x.now.getTime();
  const onTime = required.filter((p) => p.published_at !== null && (p.due_at === null || Date.parse(p.published_at) <= Date.parse(p.due_at))).length;
  const late = required.filter((p) => p.due_at !== null && (p.published_at !== null ? Date.parse(p.published_at) > Date.parse(p.due_at) : Date.parse(p.due_at) <= now)).length;
  const items = x.actionItems.filter((a) => Date.parse(a.created_at) >= lo && Date.parse(a.created_at) < hi);
  const done = items.filter((a) => a.status === 'done').length;
  const overdue = items.filter((a) => (a.status === 'open' || a.status === 'in_progress') && a.due_date !== null && Date.parse(a.due_date + 'T00:00:00Z') + 24 * H <= now).length;
  return {
    incidents: inc.length,
    by_severity: by,
    mtta: dur(inc.flatMap((i) => secs(i, i.acknowledged_at))),
    mttm: dur(inc.flatMap((i) => secs(i, i.mitigated_at))),
    mttr: dur(inc.flatMap((i) => secs(i, i.resolved_at))),
    breaches: { acknowledge: inc.filter((i) => i.ack_breached).length, mitigate: inc.filter((i) => i.mitigate_breached).length, incidents: inc.filter((i) => i.ack_breached || i.mitigate_breached).length },
    postmortems: { required: required.length, on_time: onTime, late, pending: required.length - onTime - late, on_time_rate: required.length ? onTime / required.length : null },
    action_items: { created: items.length, done, closure_rate: items.length ? done / items.length : null, overdue },
  };
}

function close(a: unknown, b: unknown, path = ''): void {
  if (typeof a === 'number' && typeof b === 'number') {
    assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${path}: ${a} vs ${b}`);
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), `${path} keys`);
    for (const k of Object.keys(a)) close((a as any)[k], (b as any)[k], `${path}.${k}`);
  } else assert.equal(a, b, path);
}

test('computeMeasures agrees with a plain per-period reference implementation (property)', () => {
  fc.assert(
    fc.property(
      fc.array(incident, { maxLength: 40 }),
      fc.array(item, { maxLength: 40 }),
      fc.integer({ min: 0, max: span }),
      fc.integer({ min: 1, max: span }),
      fc.constantFrom<Bucket>('week', 'month'),
      fc.integer({ min: 0, max: span }),
      (incs, items, fromOff, len, bucket, nowOff) => {
        const from = new Date(base + fromOff);
        const to = new Date(from.getTime() + len);
        const incidents = incs.map((i, n) => ({ id: `i${n}`, ...i }));
        const pms = new Map(incidents.filter((i) => i.pm).map((i) => [i.id, i.pm!]));
        const input: MeasuresInput = {
          from, to, bucket, now: new Date(base + nowOff), severities: SEVS,
          incidents: incidents.map(({ pm: _pm, ...i }) => i),
          postmortems: [...pms].map(([incident_id, p]) => ({ incident_id, ...p })),
          actionItems: items,
        };
        const got = computeMeasures(input);
        const starts = periodStarts(from, to, bucket);
        assert.equal(got.periods.length, starts.length);
        got.periods.forEach((p, k) => {
          assert.equal(p.start, starts[k]!.toISOString());
          const lo = Math.max(starts[k]!.getTime(), from.getTime());
          const hi = Math.min(Date.parse(p.end), to.getTime());
          const { start: _s, end: _e, ...stats } = p;
          close(stats, reference({ ...input, pms }, lo, hi), `period ${p.start}`);
        });
        close(got.overall, reference({ ...input, pms }, from.getTime(), to.getTime()), 'overall');
        // Periods partition the range: counts add up to the overall ones.
        assert.equal(got.periods.reduce((a, p) => a + p.incidents, 0), got.overall.incidents);
        assert.equal(got.periods.reduce((a, p) => a + p.action_items.created, 0), got.overall.action_items.created);
      },
    ),
    { numRuns: 300 },
  );
});

test('computeMeasures: a worked example (MTTA mean and median, on-time postmortem, closure rate)', () => {
  const r = computeMeasures({
    from: new Date('2026-03-02T00:00:00Z'), to: new Date('2026-03-16T00:00:00Z'), bucket: 'week', now: new Date('2026-03-20T00:00:00Z'), severities: SEVS,
    incidents: [
      { id: 'a', severity: 'SEV1', declared_at: '2026-03-02T10:00:00.000Z', acknowledged_at: '2026-03-02T10:05:00.000Z', mitigated_at: null, resolved_at: '2026-03-02T11:00:00.000Z', ack_breached: false, mitigate_breached: false },
      { id: 'b', severity: 'SEV2', declared_at: '2026-03-03T10:00:00.000Z', acknowledged_at: '2026-03-03T10:15:00.000Z', mitigated_at: null, resolved_at: null, ack_breached: false, mitigate_breached: true },
      { id: 'c', severity: 'SEV2', declared_at: '2026-03-04T10:00:00.000Z', acknowledged_at: '2026-03-04T10:40:00.000Z', mitigated_at: null, resolved_at: null, ack_breached: true, mitigate_breached: false },
      { id: 'd', severity: 'SEV3', declared_at: '2026-03-10T10:00:00.000Z', acknowledged_at: null, mitigated_at: null, resolved_at: null, ack_breached: false, mitigate_breached: false },
    ],
    postmortems: [
      { incident_id: 'a', required: true, due_at: '2026-03-09T11:00:00.000Z', published_at: '2026-03-05T00:00:00.000Z' },
      { incident_id: 'b', required: true, due_at: '2026-03-10T11:00:00.000Z', published_at: null },
    ],
    actionItems: [
      { created_at: '2026-03-05T00:00:00.000Z', status: 'done', due_date: '2026-03-06' },
      { created_at: '2026-03-05T00:00:00.000Z', status: 'open', due_date: '2026-03-06' },
      { created_at: '2026-03-11T00:00:00.000Z', status: 'open', due_date: '2026-04-01' },
    ],
  });
  assert.equal(r.periods.length, 2);
  const w1 = r.periods[0]!;
  assert.equal(w1.incidents, 3);
  assert.deepEqual(w1.by_severity, { SEV1: 1, SEV2: 2, SEV3: 0, SEV4: 0 });
  assert.equal(w1.mtta.mean_seconds, (5 * 60 + 15 * 60 + 40 * 60) / 3);
  assert.equal(w1.mtta.median_seconds, 15 * 60);
  assert.equal(w1.mttr.count, 1);
  assert.deepEqual(w1.breaches, { acknowledge: 1, mitigate: 1, incidents: 2 });
  assert.deepEqual(w1.postmortems, { required: 2, on_time: 1, late: 1, pending: 0, on_time_rate: 0.5 });
  assert.deepEqual(w1.action_items, { created: 2, done: 1, closure_rate: 0.5, overdue: 1 });
  assert.equal(r.periods[1]!.incidents, 1);
  assert.equal(r.overall.action_items.created, 3);
});
