// `npm run bench:ingest`: alert ingest (POST /v2/enqueue, PagerDuty Events API v2) on SQLite and PostgreSQL.
//
//   npm run bench:ingest                          both databases: closed loop at 64 and 256 connections,
//                                                 then open loop at 2,000 events/s; 3 s warm-up + 10 s each
//   npm run -s bench:ingest -- --json             JSON on stdout (progress and the table go to stderr)
//   npm run bench:ingest -- --db sqlite --scenarios closed --concurrency 64 --duration 5 --warmup 1
//
// Flags: --db sqlite,postgres  --scenarios closed,open  --concurrency <n[,n…]> (closed loop, default 64,256)
//        --rate <events/s> (open loop, default 2000)  --open-connections <n> (open-loop pool, default 128)
//        --duration <s> (default 10)  --warmup <s> (default 3)  --pool <n> pre-encoded requests (default 20000)
//        --keys <n> dedup keys (default 5000)  --services <n> (default 50)  --resolve-ratio <0..1> (default 0.2)
//        --payload-bytes <n> approximate body size (default 1024)  --seed <n> (PRNG seed, default 1)
//        --log-level <pino level, default warn>  --json  --keep-data (keep the SQLite data dir, print its path)
//        --server-node-args "<node flags>"  extra flags for the server processes, e.g.
//                                           "--cpu-prof --cpu-prof-dir=/tmp/prof" (written when the server exits)
// Env:   BALLAST_BENCH_PG_URL  a PostgreSQL URL whose user may CREATE DATABASE; a fresh database is
//        created on it and dropped afterwards. Without it a throwaway server is started (scripts/pg-temp.mjs).
//
// Each database gets its own Ballast server in a child process (`node bin/ballast.js serve`, compiled;
// see bench/lib/server.ts) with BALLAST_INGEST_RATE_LIMIT=1000000 and LOG_LEVEL=warn. Setup: one ops
// document (POST /api/v1/apply) creates the services, each with a `pagerduty` integration; the keys are
// read back with GET /api/v1/services/<slug>/integrations. Load: a pool of pre-encoded requests (5,000
// dedup keys over the services, 80 % trigger / 20 % resolve, ~1 KB bodies shaped like Alertmanager's
// PagerDuty notifications) sent by a raw-socket HTTP/1.1 client (bench/lib/rawhttp.ts) in this process.
//
// Every connection is opened and used once (GET /healthz) before the load starts.
// Closed loop: N keep-alive connections, each sends its next event when the previous one's 202 arrives;
// latency is send → last response byte, for every request sent inside the measured window; throughput is
// the 202s that complete inside it.
// Open loop: events are scheduled at a fixed rate on a timer, independent of responses; each goes out on
// a free connection from the pool or, when none is free, waits in a queue — and its latency is measured
// from its scheduled time, so a stall shows up in the percentiles instead of silently lowering the rate
// (no coordinated omission). Events scheduled inside the measured window count.
//
// After each scenario the server's /metrics give the group-commit batch size and commit time, and the
// run is checked: every response a 202, and the server's created+updated+dropped counters grew by exactly
// the number of 202s. At the end the alerts and alert_events tables are counted in the database itself.

import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { installSignalHandlers, onCleanup, runMain, setDeadline, tempDir } from './lib/cleanup.js';
import { machineCpu, procCpuSeconds } from './lib/cpu.js';
import { say, sleep } from './lib/log.js';
import { commonFlag, eachFlag, listFlag, numberFlag } from './lib/options.js';
import { createBenchDatabase, pgServerVersion, withPgClient, type BenchPostgres } from './lib/postgres.js';
import { encodeRequest, RawConnection, type EncodedRequest } from './lib/rawhttp.js';
import { machine, table } from './lib/report.js';
import { chooseServerCommand, createApiToken, requestJson, startServer, type RunningServer, type ServerCommand } from './lib/server.js';
import { pct, r1, r2 } from './lib/stats.js';

const ADMIN_EMAIL = 'bench-admin@example.com';
const ADMIN_PASSWORD = `bench-${randomBytes(9).toString('base64url')}`;
const TARGETS = { sqlite_events_per_s: 20_000, postgres_events_per_s: 8_000, open_p99_ms: 20, open_rate: 2_000 };

// ---------------------------------------------------------------------------------------------- options

type Db = 'sqlite' | 'postgres';
type ScenarioKind = 'closed' | 'open';

interface Options {
  json: boolean;
  dbs: Db[];
  scenarios: ScenarioKind[];
  concurrency: number[];
  rate: number;
  openConnections: number;
  durationMs: number;
  warmupMs: number;
  pool: number;
  keys: number;
  services: number;
  resolveRatio: number;
  payloadBytes: number;
  seed: number;
  logLevel: string;
  serverNodeArgs: string[];
  keepData: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    json: false,
    dbs: ['sqlite', 'postgres'],
    scenarios: ['closed', 'open'],
    concurrency: [64, 256],
    rate: 2000,
    openConnections: 128,
    durationMs: 10_000,
    warmupMs: 3_000,
    pool: 20_000,
    keys: 5000,
    services: 50,
    resolveRatio: 0.2,
    payloadBytes: 1024,
    seed: 1,
    logLevel: 'warn',
    serverNodeArgs: [],
    keepData: false,
  };
  eachFlag(argv, (flag, value, raw) => {
    switch (flag) {
      case '--json':
        o.json = true;
        break;
      case '--keep-data':
        o.keepData = true;
        break;
      case '--db':
        o.dbs = listFlag('db', value(), ['sqlite', 'postgres'] as const);
        break;
      case '--scenarios':
        o.scenarios = listFlag('scenarios', value(), ['closed', 'open'] as const);
        break;
      case '--concurrency':
        o.concurrency = String(value())
          .split(',')
          .map((v) => Math.floor(numberFlag('concurrency', v.trim(), 1)));
        break;
      case '--rate':
        o.rate = numberFlag('rate', value(), 1);
        break;
      case '--open-connections':
        o.openConnections = Math.floor(numberFlag('open-connections', value(), 1));
        break;
      case '--duration':
        o.durationMs = numberFlag('duration', value(), 0.5) * 1000;
        break;
      case '--warmup':
        o.warmupMs = numberFlag('warmup', value(), 0) * 1000;
        break;
      case '--pool':
        o.pool = Math.floor(numberFlag('pool', value(), 100));
        break;
      case '--keys':
        o.keys = Math.floor(numberFlag('keys', value(), 1));
        break;
      case '--services':
        o.services = Math.floor(numberFlag('services', value(), 1));
        if (o.services > 999) throw new Error('--services takes at most 999');
        break;
      case '--resolve-ratio':
        o.resolveRatio = numberFlag('resolve-ratio', value(), 0);
        if (o.resolveRatio > 1) throw new Error('--resolve-ratio takes a number from 0 to 1');
        break;
      case '--payload-bytes':
        o.payloadBytes = Math.floor(numberFlag('payload-bytes', value(), 200));
        break;
      case '--seed':
        o.seed = Math.floor(numberFlag('seed', value(), 0));
        break;
      default:
        commonFlag(o, flag, value, raw, import.meta.url);
    }
  });
  return o;
}

const opts = parseArgs(process.argv.slice(2));

installSignalHandlers();
{
  const scenarios = (opts.scenarios.includes('closed') ? opts.concurrency.length : 0) + (opts.scenarios.includes('open') ? 1 : 0);
  // Hard deadline for the whole run: generous, but bounded.
  setDeadline(240_000 + opts.dbs.length * (120_000 + scenarios * (opts.warmupMs + opts.durationMs + 75_000)));
}

// ---------------------------------------------------------------------------------------------- events

/** Small deterministic PRNG (mulberry32), so every run sends the same events in the same order. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ten alert rules, Prometheus style: each service has 10 rules × (keys / services / 10) instances. */
const CHECKS = [
  { alert: 'DiskAlmostFull', class: 'disk', component: 'filesystem', summary: (h: string) => `Disk usage above 90% on ${h}:/var/lib/data`, metric: 'node_filesystem_avail_bytes' },
  { alert: 'HighCpu', class: 'cpu', component: 'node', summary: (h: string) => `CPU above 95% for 10 minutes on ${h}`, metric: 'node_cpu_seconds_total' },
  { alert: 'MemoryPressure', class: 'memory', component: 'node', summary: (h: string) => `Memory available below 5% on ${h}`, metric: 'node_memory_MemAvailable_bytes' },
  { alert: 'HighLatency', class: 'latency', component: 'http', summary: (h: string) => `p99 latency above 2s on ${h}`, metric: 'http_request_duration_seconds' },
  { alert: 'ErrorRate', class: 'errors', component: 'http', summary: (h: string) => `5xx ratio above 5% on ${h}`, metric: 'http_requests_total' },
  { alert: 'ReplicationLag', class: 'replication', component: 'postgresql', summary: (h: string) => `Replication lag above 30s on ${h}`, metric: 'pg_replication_lag_seconds' },
  { alert: 'ConsumerLag', class: 'queue', component: 'kafka', summary: (h: string) => `Consumer group lag above 100k on ${h}`, metric: 'kafka_consumergroup_lag' },
  { alert: 'CertExpiring', class: 'certificate', component: 'tls', summary: (h: string) => `TLS certificate for ${h} expires in 7 days`, metric: 'probe_ssl_earliest_cert_expiry' },
  { alert: 'ProbeFailed', class: 'availability', component: 'blackbox', summary: (h: string) => `HTTP probe failing for ${h}`, metric: 'probe_success' },
  { alert: 'PodCrashLooping', class: 'kubernetes', component: 'kubelet', summary: (h: string) => `Pod on ${h} restarted 5 times in 10 minutes`, metric: 'kube_pod_container_status_restarts_total' },
] as const;

const SEVERITY_MIX: [string, number][] = [
  ['critical', 0.05],
  ['error', 0.2],
  ['warning', 0.45],
  ['info', 0.3],
];

const FILLER =
  'This alert fires when the condition has held for the whole evaluation window. Check the dashboard for the ' +
  'affected instance, compare with the previous deploy, and follow the runbook; escalate to the owning team if ' +
  'the condition persists after mitigation. ';

interface Service {
  slug: string;
  routingKey: string;
}

interface EventPool {
  requests: EncodedRequest[];
  triggers: number;
  resolves: number;
  mean_body_bytes: number;
  min_body_bytes: number;
  max_body_bytes: number;
}

/**
 * Pre-encodes `opts.pool` complete HTTP requests. Key k belongs to service k mod S; within a service its
 * index picks the rule and the instance. Each request picks a key uniformly and is a resolve with
 * probability `resolveRatio`, else a trigger. Bodies are padded (custom_details.description) to about
 * `payloadBytes`; resolves carry the full payload too, as Alertmanager's PagerDuty notifier sends it.
 */
function buildPool(services: Service[]): EventPool {
  const rand = prng(opts.seed);
  const pick = <T>(mix: [T, number][]): T => {
    let x = rand();
    for (const [v, p] of mix) if ((x -= p) < 0) return v;
    return mix.at(-1)![0];
  };
  const requests: EncodedRequest[] = [];
  let triggers = 0;
  let sum = 0;
  let min = Infinity;
  let max = 0;
  const base = Date.parse('2026-11-22T12:00:00Z');
  for (let i = 0; i < opts.pool; i++) {
    const key = Math.floor(rand() * opts.keys);
    const svcIdx = key % services.length;
    const local = Math.floor(key / services.length);
    const check = CHECKS[local % CHECKS.length]!;
    const svc = services[svcIdx]!;
    const host = `${svc.slug}-${String(Math.floor(local / CHECKS.length)).padStart(3, '0')}.prod.example.com`;
    const resolve = rand() < opts.resolveRatio;
    if (!resolve) triggers++;
    const severity = pick(SEVERITY_MIX);
    const details: Record<string, string> = {
      alertname: check.alert,
      instance: `${host}:9100`,
      job: check.component,
      namespace: svc.slug,
      region: ['eu-west-1', 'us-east-1', 'ap-south-1'][svcIdx % 3]!,
      value: (rand() * 100).toFixed(2),
      threshold: '90',
      runbook_url: `https://runbooks.example.com/${svc.slug}/${check.alert}`,
      dashboard: `https://grafana.example.com/d/${svc.slug}?var-instance=${host}`,
      description: '',
    };
    const body = {
      routing_key: svc.routingKey,
      event_action: resolve ? 'resolve' : 'trigger',
      dedup_key: `${svc.slug}/${check.alert}/${host}`,
      payload: {
        summary: check.summary(host),
        source: host,
        severity,
        timestamp: new Date(base + i * 137).toISOString(),
        component: check.component,
        group: `${svc.slug}-prod`,
        class: check.class,
        custom_details: details,
      },
      client: 'Alertmanager',
      client_url: `https://alertmanager.example.com/#/alerts?receiver=${svc.slug}`,
    };
    const bare = JSON.stringify(body).length;
    details.description = FILLER.repeat(Math.ceil(opts.payloadBytes / FILLER.length)).slice(0, Math.max(0, opts.payloadBytes - bare));
    const json = Buffer.from(JSON.stringify(body));
    sum += json.length;
    min = Math.min(min, json.length);
    max = Math.max(max, json.length);
    requests.push(encodeRequest('POST', '/v2/enqueue', { host: '127.0.0.1', 'content-type': 'application/json' }, json));
  }
  return { requests, triggers, resolves: opts.pool - triggers, mean_body_bytes: Math.round(sum / opts.pool), min_body_bytes: min, max_body_bytes: max };
}

// ---------------------------------------------------------------------------------------------- metrics

type Labels = Record<string, string>;
interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

function parseProm(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Labels = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

class Scrape {
  constructor(readonly samples: Sample[]) {}
  /** Sum of every series of `name` whose labels include `match`. */
  sum(name: string, match: Labels = {}): number {
    let s = 0;
    for (const x of this.samples) {
      if (x.name !== name) continue;
      if (Object.entries(match).every(([k, v]) => x.labels[k] === v)) s += x.value;
    }
    return s;
  }
  /** Cumulative histogram buckets: [le, count][]. */
  buckets(name: string): [number, number][] {
    return this.samples
      .filter((x) => x.name === `${name}_bucket`)
      .map((x) => [x.labels.le === '+Inf' ? Infinity : Number(x.labels.le), x.value] as [number, number])
      .sort((a, b) => a[0] - b[0]);
  }
}

async function scrape(port: number): Promise<Scrape> {
  const r = await requestJson(port, 'GET', '/metrics', undefined);
  if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
  return new Scrape(parseProm(String(r.body)));
}

const OUTCOMES = ['created', 'updated', 'dropped', 'dropped_by_rule', 'invalid', 'rate_limited'] as const;

function outcomes(a: Scrape, b: Scrape): Record<(typeof OUTCOMES)[number], number> {
  return Object.fromEntries(
    OUTCOMES.map((o) => [o, b.sum('ballast_ingest_events_total', { outcome: o }) - a.sum('ballast_ingest_events_total', { outcome: o })]),
  ) as Record<(typeof OUTCOMES)[number], number>;
}

/** Upper bound of the bucket holding the p-th percentile of a histogram's delta (batches, not events). */
function bucketPct(a: Scrape, b: Scrape, name: string, p: number): number | null {
  const ba = new Map(a.buckets(name));
  const d = b.buckets(name).map(([le, c]) => [le, c - (ba.get(le) ?? 0)] as [number, number]);
  const total = d.at(-1)?.[1] ?? 0;
  if (!total) return null;
  const hit = d.find(([, c]) => c >= (p / 100) * total);
  return hit ? hit[0] : null;
}

function windowStats(a: Scrape, b: Scrape, windowS: number) {
  const batches = b.sum('ballast_ingest_batch_size_count') - a.sum('ballast_ingest_batch_size_count');
  const batched = b.sum('ballast_ingest_batch_size_sum') - a.sum('ballast_ingest_batch_size_sum');
  const commits = b.sum('ballast_ingest_commit_seconds_count') - a.sum('ballast_ingest_commit_seconds_count');
  const commitS = b.sum('ballast_ingest_commit_seconds_sum') - a.sum('ballast_ingest_commit_seconds_sum');
  const route = { route: '/v2/enqueue' };
  const httpN = b.sum('ballast_http_request_duration_seconds_count', route) - a.sum('ballast_http_request_duration_seconds_count', route);
  const httpS = b.sum('ballast_http_request_duration_seconds_sum', route) - a.sum('ballast_http_request_duration_seconds_sum', route);
  const gcS = b.sum('ballast_nodejs_gc_duration_seconds_sum') - a.sum('ballast_nodejs_gc_duration_seconds_sum');
  return {
    batches,
    batch_size_mean: batches ? r1(batched / batches) : null,
    /** Bucket upper bounds (1, 2, 5, 10, 25, 50, 100, 250, 500): half / 90 % of batches were at most this big. */
    batch_size_p50_bucket: bucketPct(a, b, 'ballast_ingest_batch_size', 50),
    batch_size_p90_bucket: bucketPct(a, b, 'ballast_ingest_batch_size', 90),
    commit_ms_mean: commits ? r2((commitS / commits) * 1000) : null,
    /** Share of the window during which a batch was being processed (the batcher runs one at a time). */
    commit_busy_pct: r1((commitS / windowS) * 100),
    /** Fastify's own view: request received → response sent, mean, inside the server. */
    server_handler_ms_mean: httpN ? r2((httpS / httpN) * 1000) : null,
    gc_ms_per_s: r1((gcS / windowS) * 1000),
  };
}

// ---------------------------------------------------------------------------------------------- CPU

interface PgProcs {
  adminUrl: string;
  dbName: string;
}

/** CPU seconds per PostgreSQL process serving this database (backends) or the cluster (background). */
async function pgCpu(pg: PgProcs): Promise<Map<number, number> | null> {
  try {
    const pids = await withPgClient(pg.adminUrl, async (c) =>
      (await c.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 or datname is null', [pg.dbName])).rows.map((r) => r.pid),
    );
    const m = new Map<number, number>();
    for (const pid of pids) {
      const s = procCpuSeconds(pid);
      if (s !== null) m.set(pid, s);
    }
    return m.size ? m : null;
  } catch {
    return null;
  }
}

function pgCpuDelta(a: Map<number, number> | null, b: Map<number, number> | null): number | null {
  if (!a || !b) return null;
  let s = 0;
  for (const [pid, v] of b) s += v - (a.get(pid) ?? 0); // a backend started inside the window counts whole
  return s;
}

interface CpuMark {
  at: number;
  server: number | null;
  client: NodeJS.CpuUsage;
  machine: ReturnType<typeof machineCpu>;
  pg: Map<number, number> | null;
  metrics: Scrape | null;
  loadavg: number[];
}

async function mark(server: RunningServer, pg: PgProcs | null): Promise<CpuMark> {
  // Synchronous samples first, at the edge itself; the async ones (pg_stat_activity, /metrics) follow.
  const m: CpuMark = {
    at: performance.now(),
    server: procCpuSeconds(server.child.pid),
    client: process.cpuUsage(),
    machine: machineCpu(),
    pg: null,
    metrics: null,
    loadavg: os.loadavg().map(r2),
  };
  const [pgc, metrics] = await Promise.all([
    pg ? pgCpu(pg) : Promise.resolve(null),
    scrape(server.port).catch((err: Error) => {
      say(`/metrics scrape failed: ${err.message}`);
      return null;
    }),
  ]);
  m.pg = pgc;
  m.metrics = metrics;
  return m;
}

function cores(a: CpuMark, b: CpuMark, windowS: number) {
  const server = a.server !== null && b.server !== null ? (b.server - a.server) / windowS : null;
  const clientUs = b.client.user - a.client.user + (b.client.system - a.client.system);
  const client = clientUs / 1e6 / windowS;
  const machineBusy =
    a.machine && b.machine && b.machine.total > a.machine.total
      ? ((b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total)) * os.availableParallelism()
      : null;
  const pgS = pgCpuDelta(a.pg, b.pg);
  const pg = pgS === null ? null : pgS / windowS;
  const other = machineBusy !== null && server !== null ? Math.max(0, machineBusy - server - client - (pg ?? 0)) : null;
  return {
    server_cores: server === null ? null : r2(server),
    client_cores: r2(client),
    postgres_cores: pg === null ? null : r2(pg),
    other_cores: other === null ? null : r2(other),
    machine_busy_cores: machineBusy === null ? null : r2(machineBusy),
  };
}

// ---------------------------------------------------------------------------------------------- load

interface LoadCounts {
  /** Every response over the whole scenario (warm-up, window, drain): for the correctness check. */
  statuses: Record<string, number>;
  accepted: number;
  sent: number;
}

interface LoadWindow {
  latencies: number[];
  windowStatuses: Record<string, number>;
  completedInWindow: number;
  /** The slowest counted request: when it was sent (or due), relative to the window start, in ms. */
  slowest: { ms: number; sentAt: number };
}

interface OpenLoopInfo {
  queuedInWindow: number;
  maxQueue: number;
  unanswered: number;
  sendLagP99: number;
  sendLagMax: number;
}

type LoadResult = LoadCounts & LoadWindow & { open: OpenLoopInfo | null };

class Requests {
  private i = 0;
  constructor(private readonly pool: EncodedRequest[]) {}
  next(): EncodedRequest {
    const r = this.pool[this.i]!;
    this.i = this.i + 1 === this.pool.length ? 0 : this.i + 1;
    return r;
  }
}

const HEALTHZ = encodeRequest('GET', '/healthz', { host: '127.0.0.1' }, null);

/**
 * Opens n keep-alive connections and makes one GET /healthz on each, so that every connection has been
 * accepted by the server before the load starts. (The kernel completes the handshake on its own; the
 * server's event loop accepts the connection later — under load only one per loop turn, see
 * docs/benchmarks.md — and a request on a not-yet-accepted connection would count that wait.)
 */
async function openConnections(port: number, n: number): Promise<RawConnection[]> {
  const conns = Array.from({ length: n }, () => new RawConnection(port));
  for (let i = 0; i < conns.length; i += 32) {
    await Promise.all(
      conns.slice(i, i + 32).map(async (c) => {
        await c.connect();
        const status = await new Promise<number>((resolve) => c.send(HEALTHZ, resolve));
        if (status !== 200) throw new Error(`GET /healthz on a new connection answered ${status}`);
      }),
    );
  }
  return conns;
}

function bump(rec: Record<string, number>, key: string): void {
  rec[key] = (rec[key] ?? 0) + 1;
}

/** Closed loop: each connection sends its next request when the previous response has arrived. */
async function runClosed(
  server: RunningServer,
  requests: Requests,
  concurrency: number,
  onEdge: (edge: 'start' | 'end') => void,
): Promise<LoadResult> {
  const conns = await openConnections(server.port, concurrency);
  const start = performance.now();
  const windowStart = start + opts.warmupMs;
  const windowEnd = windowStart + opts.durationMs;
  const counts: LoadCounts = { statuses: {}, accepted: 0, sent: 0 };
  const win: LoadWindow = { latencies: [], windowStatuses: {}, completedInWindow: 0, slowest: { ms: 0, sentAt: NaN } };
  const t1 = setTimeout(() => onEdge('start'), Math.max(0, windowStart - performance.now()));
  const t2 = setTimeout(() => onEdge('end'), Math.max(0, windowEnd - performance.now()));
  await new Promise<void>((resolve) => {
    let running = conns.length;
    const loop = (c: RawConnection) => {
      const t0 = performance.now();
      counts.sent++;
      c.send(requests.next(), (status) => {
        const now = performance.now();
        bump(counts.statuses, String(status));
        if (status === 202) counts.accepted++;
        // Latency: requests sent inside the window (all of them, however late they finish). Throughput:
        // 202s that completed inside the window.
        if (t0 >= windowStart && t0 < windowEnd) {
          win.latencies.push(now - t0);
          if (now - t0 > win.slowest.ms) win.slowest = { ms: now - t0, sentAt: t0 - windowStart };
          bump(win.windowStatuses, String(status));
        }
        if (status === 202 && now >= windowStart && now < windowEnd) win.completedInWindow++;
        if (now >= windowEnd) {
          if (--running === 0) resolve();
        } else if (status === 0) setTimeout(() => loop(c), 10); // a dead server must not become a busy loop
        else loop(c);
      });
    };
    for (const c of conns) loop(c);
  });
  clearTimeout(t1);
  clearTimeout(t2);
  for (const c of conns) c.close();
  return { ...counts, ...win, open: null };
}

/**
 * Open loop: request i is due at start + i / rate, whatever the responses do. A due request goes out on a
 * free connection, or waits in a FIFO queue for one; its latency runs from the due time.
 */
async function runOpen(server: RunningServer, requests: Requests, onEdge: (edge: 'start' | 'end') => void): Promise<LoadResult> {
  const conns = await openConnections(server.port, opts.openConnections);
  const free = [...conns];
  const queue: number[] = [];
  let queueHead = 0;
  const interval = 1000 / opts.rate;
  const start = performance.now() + 20;
  const windowStart = start + opts.warmupMs;
  const windowEnd = windowStart + opts.durationMs;
  const total = Math.floor(((opts.warmupMs + opts.durationMs) / 1000) * opts.rate);
  const counts: LoadCounts = { statuses: {}, accepted: 0, sent: 0 };
  const win: LoadWindow = { latencies: [], windowStatuses: {}, completedInWindow: 0, slowest: { ms: 0, sentAt: NaN } };
  let queuedInWindow = 0;
  let maxQueue = 0;
  const sendLag: number[] = []; // actual send − due time, for requests that found a free connection
  let scheduled = 0;
  let outstanding = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  const t1 = setTimeout(() => onEdge('start'), Math.max(0, windowStart - performance.now()));
  const t2 = setTimeout(() => onEdge('end'), Math.max(0, windowEnd - performance.now()));

  const sendOn = (c: RawConnection, due: number) => {
    counts.sent++;
    c.send(requests.next(), (status) => {
      const now = performance.now();
      outstanding--;
      bump(counts.statuses, String(status));
      if (status === 202) counts.accepted++;
      if (due >= windowStart && due < windowEnd) {
        win.latencies.push(now - due);
        if (now - due > win.slowest.ms) win.slowest = { ms: now - due, sentAt: due - windowStart };
        bump(win.windowStatuses, String(status));
      }
      if (status === 202 && now >= windowStart && now < windowEnd) win.completedInWindow++;
      if (queueHead < queue.length) {
        const next = queue[queueHead++]!;
        if (queueHead > 4096 && queueHead * 2 > queue.length) {
          queue.splice(0, queueHead);
          queueHead = 0;
        }
        sendOn(c, next);
      } else {
        free.push(c);
        if (scheduled === total && outstanding === 0) done();
      }
    });
  };

  const tick = () => {
    const now = performance.now();
    while (scheduled < total) {
      const due = start + scheduled * interval;
      if (due > now) break;
      scheduled++;
      outstanding++;
      const c = free.pop();
      if (c) {
        if (due >= windowStart && due < windowEnd) sendLag.push(now - due);
        sendOn(c, due);
      } else {
        queue.push(due);
        if (due >= windowStart && due < windowEnd) queuedInWindow++;
        maxQueue = Math.max(maxQueue, queue.length - queueHead);
      }
    }
    if (scheduled < total) setTimeout(tick, Math.max(0, start + scheduled * interval - performance.now()));
    else if (outstanding === 0) done();
  };
  setTimeout(tick, Math.max(0, start - performance.now()));

  // Drain: everything scheduled must come back; a server that never answers is reported, not awaited forever.
  const drainLimit = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), opts.warmupMs + opts.durationMs + 60_000).unref());
  const how = await Promise.race([finished.then(() => 'ok' as const), drainLimit]);
  clearTimeout(t1);
  clearTimeout(t2);
  for (const c of conns) c.close();
  sendLag.sort((a, b) => a - b);
  return {
    ...counts,
    ...win,
    open: {
      unanswered: how === 'ok' ? 0 : outstanding,
      queuedInWindow,
      maxQueue,
      sendLagP99: r2(pct(sendLag, 99)),
      sendLagMax: r2(sendLag.at(-1) ?? NaN),
    },
  };
}

// ---------------------------------------------------------------------------------------------- scenarios

interface ScenarioResult {
  database: Db;
  scenario: string;
  mode: ScenarioKind;
  connections: number;
  offered_rate: number | null;
  duration_s: number;
  /** 202s completed inside the window ÷ window length. */
  events_per_s: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  /** When the slowest request was sent (closed) or due (open), in s relative to the window start (negative: warm-up). */
  max_sent_at_s: number;
  mean_ms: number;
  window_statuses: Record<string, number>;
  non_202: number;
  open_loop: null | { scheduled_in_window: number; queued_in_window: number; max_queue: number; unanswered: number; send_lag_p99_ms: number; send_lag_max_ms: number };
  ingest: ReturnType<typeof windowStats> | null;
  cpu: ReturnType<typeof cores> & { server_cpu_us_per_event: number | null; client_cpu_us_per_event: number | null; postgres_cpu_us_per_event: number | null };
  check: { responses: number; accepted_202: number; non_202: number; outcomes: Record<string, number> | null; outcome_sum: number | null; ok: boolean; problems: string[] };
  loadavg: { start: number[]; end: number[] };
}

async function runScenario(db: Db, kind: ScenarioKind, concurrency: number, server: RunningServer, requests: Requests, pg: PgProcs | null): Promise<ScenarioResult> {
  const before = await scrape(server.port);
  const marks: { start?: Promise<CpuMark>; end?: Promise<CpuMark> } = {};
  const onEdge = (edge: 'start' | 'end') => {
    marks[edge] = mark(server, pg);
  };
  const r = kind === 'closed' ? await runClosed(server, requests, concurrency, onEdge) : await runOpen(server, requests, onEdge);
  const after = await scrape(server.port);
  const m0 = await (marks.start ?? mark(server, pg));
  const m1 = await (marks.end ?? mark(server, pg));
  const windowS = opts.durationMs / 1000;

  const lat = r.latencies.sort((a, b) => a - b);
  const sum = lat.reduce((a, b) => a + b, 0);
  const responses = Object.values(r.statuses).reduce((a, b) => a + b, 0);
  const out = outcomes(before, after);
  const outcomeSum = out.created + out.updated + out.dropped;
  const problems: string[] = [];
  const non202All = responses - r.accepted;
  if (non202All) problems.push(`${non202All} responses were not 202: ${JSON.stringify(r.statuses)}`);
  if (outcomeSum !== r.accepted) problems.push(`server counted created+updated+dropped = ${outcomeSum}, client saw ${r.accepted} × 202`);
  for (const o of ['dropped_by_rule', 'invalid', 'rate_limited'] as const) if (out[o]) problems.push(`${out[o]} events ${o}`);
  if (r.open?.unanswered) problems.push(`${r.open.unanswered} requests unanswered 60 s after the window`);

  const events = r.completedInWindow;
  const c = cores(m0, m1, windowS);
  const perEvent = (x: number | null) => (x !== null && events ? r2((x * windowS * 1e6) / events) : null);
  const nonWindow = Object.entries(r.windowStatuses).reduce((a, [s, n]) => a + (s === '202' ? 0 : n), 0);
  return {
    database: db,
    scenario: kind === 'closed' ? `closed ${concurrency}` : `open ${opts.rate}/s`,
    mode: kind,
    connections: kind === 'closed' ? concurrency : opts.openConnections,
    offered_rate: kind === 'open' ? opts.rate : null,
    duration_s: windowS,
    events_per_s: r1(events / windowS),
    p50_ms: r2(pct(lat, 50)),
    p90_ms: r2(pct(lat, 90)),
    p99_ms: r2(pct(lat, 99)),
    max_ms: r2(lat.at(-1) ?? NaN),
    max_sent_at_s: r2(r.slowest.sentAt / 1000),
    mean_ms: r2(sum / Math.max(1, lat.length)),
    window_statuses: r.windowStatuses,
    non_202: nonWindow,
    open_loop: r.open
      ? {
          scheduled_in_window: lat.length,
          queued_in_window: r.open.queuedInWindow,
          max_queue: r.open.maxQueue,
          unanswered: r.open.unanswered,
          send_lag_p99_ms: r.open.sendLagP99,
          send_lag_max_ms: r.open.sendLagMax,
        }
      : null,
    ingest: m0.metrics && m1.metrics ? windowStats(m0.metrics, m1.metrics, windowS) : null,
    cpu: { ...c, server_cpu_us_per_event: perEvent(c.server_cores), client_cpu_us_per_event: perEvent(c.client_cores), postgres_cpu_us_per_event: perEvent(c.postgres_cores) },
    check: { responses, accepted_202: r.accepted, non_202: non202All, outcomes: out, outcome_sum: outcomeSum, ok: problems.length === 0, problems },
    loadavg: { start: m0.loadavg, end: m1.loadavg },
  };
}

// ---------------------------------------------------------------------------------------------- databases

async function seed(port: number, token: string): Promise<{ services: Service[]; seedMs: number }> {
  const auth = { authorization: `Bearer ${token}` };
  const teams = Array.from({ length: 5 }, (_, t) => ({ slug: `team-${t + 1}`, name: `Team ${t + 1}` }));
  const slugs = Array.from({ length: opts.services }, (_, i) => `svc-${String(i + 1).padStart(3, '0')}`);
  const t0 = performance.now();
  const applied = await requestJson(
    port,
    'POST',
    '/api/v1/apply',
    {
      document: {
        version: 1,
        teams,
        services: slugs.map((slug, i) => ({ slug, name: `Service ${i + 1}`, team: teams[i % teams.length]!.slug, integrations: [{ type: 'pagerduty' }] })),
      },
    },
    auth,
  );
  if (applied.status !== 200) throw new Error(`apply failed: ${applied.status} ${JSON.stringify(applied.body).slice(0, 500)}`);
  const services: Service[] = [];
  for (const slug of slugs) {
    const r = await requestJson(port, 'GET', `/api/v1/services/${slug}/integrations`, undefined, auth);
    const integ = r.status === 200 ? (r.body.data as { type: string; key: string }[]).find((x) => x.type === 'pagerduty') : undefined;
    if (!integ || !/^[0-9a-f]{32}$/.test(integ.key)) throw new Error(`no pagerduty key for ${slug}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    services.push({ slug, routingKey: integ.key });
  }
  return { services, seedMs: performance.now() - t0 };
}

/** One event through the real endpoint before the load, so a broken setup fails loudly. */
async function checkEndpoint(port: number, req: EncodedRequest): Promise<void> {
  const c = new RawConnection(port);
  await c.connect();
  const status = await new Promise<number>((resolve) => c.send(req, (s) => resolve(s)));
  c.close();
  if (status !== 202) {
    const body = req.subarray(req.indexOf('\r\n\r\n') + 4);
    const r = await requestJson(port, 'POST', '/v2/enqueue', JSON.parse(body.toString()));
    throw new Error(`POST /v2/enqueue answered ${status}: ${JSON.stringify(r.body).slice(0, 300)}`);
  }
}

interface DbCounts {
  alerts: number;
  open_alerts: number;
  alert_events: number;
  alert_groups: number;
  domain_events: number;
  size_mb: number | null;
}

const COUNT_SQL = `select
  (select count(*) from alerts) as alerts,
  (select count(*) from alerts where status <> 'resolved') as open_alerts,
  (select count(*) from alert_events) as alert_events,
  (select count(*) from alert_groups) as alert_groups,
  (select count(*) from events) as domain_events`;

function sqliteCounts(dataDir: string): DbCounts {
  const file = path.join(dataDir, 'ballast.sqlite');
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare(COUNT_SQL).get() as Record<string, number>;
    const pages = db.pragma('page_count', { simple: true }) as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    return { ...(row as unknown as Omit<DbCounts, 'size_mb'>), size_mb: r1((pages * pageSize) / 2 ** 20) };
  } finally {
    db.close();
  }
}

async function pgCounts(url: string): Promise<DbCounts> {
  return withPgClient(url, async (c) => {
    const row = (await c.query(COUNT_SQL)).rows[0] as Record<string, string>;
    const size = (await c.query<{ s: string }>('select pg_database_size(current_database()) as s')).rows[0]!.s;
    return {
      alerts: Number(row.alerts),
      open_alerts: Number(row.open_alerts),
      alert_events: Number(row.alert_events),
      alert_groups: Number(row.alert_groups),
      domain_events: Number(row.domain_events),
      size_mb: r1(Number(size) / 2 ** 20),
    };
  });
}

async function benchDatabase(cmd: ServerCommand, kind: Db) {
  const dataDir = tempDir(`ballast-bench-ingest-${kind}-`, opts.keepData && kind === 'sqlite');
  const env: Record<string, string> = {
    BALLAST_DATA_DIR: dataDir,
    BALLAST_ADMIN_EMAIL: ADMIN_EMAIL,
    BALLAST_ADMIN_PASSWORD: ADMIN_PASSWORD,
    BALLAST_INGEST_RATE_LIMIT: '1000000',
    LOG_LEVEL: opts.logLevel,
  };
  let dbInfo: Record<string, string> = { kind };
  let pgdb: BenchPostgres | null = null;
  if (kind === 'postgres') {
    pgdb = await createBenchDatabase();
    env.DATABASE_URL = pgdb.url;
    dbInfo = { kind, source: pgdb.source, server_version: await pgServerVersion(pgdb.url), pool_size: '10 (BALLAST_DB_POOL_SIZE default)' };
  } else {
    dbInfo = { kind, file: 'fresh temp data dir (os.tmpdir())', journal: 'WAL', synchronous: 'FULL (default)' };
  }
  say(`${kind}: starting server`);
  const server = await startServer(cmd, env, { nodeArgs: opts.serverNodeArgs });
  let stopped = false;
  onCleanup(async () => {
    if (!stopped) await server.stop();
  });
  const results: ScenarioResult[] = [];
  let verification: Record<string, unknown>;
  let seedMs: number;
  let pool: EventPool;
  try {
    const token = await createApiToken(server.port, ADMIN_EMAIL, ADMIN_PASSWORD);
    const seeded = await seed(server.port, token);
    seedMs = seeded.seedMs;
    say(`${kind}: ${opts.services} services with pagerduty integrations via POST /api/v1/apply + GET …/integrations in ${Math.round(seedMs)} ms`);
    const tb = performance.now();
    pool = buildPool(seeded.services);
    say(`${kind}: ${pool.requests.length} requests pre-encoded in ${Math.round(performance.now() - tb)} ms (bodies ${pool.min_body_bytes}–${pool.max_body_bytes} B, mean ${pool.mean_body_bytes} B)`);
    const start = await scrape(server.port);
    await checkEndpoint(server.port, pool.requests[0]!);
    const requests = new Requests(pool.requests);
    const pg = pgdb ? { adminUrl: pgdb.adminUrl, dbName: pgdb.name } : null;
    let accepted = 1; // the check above
    const plan: [ScenarioKind, number][] = [
      ...(opts.scenarios.includes('closed') ? opts.concurrency.map((n) => ['closed', n] as [ScenarioKind, number]) : []),
      ...(opts.scenarios.includes('open') ? [['open', opts.openConnections] as [ScenarioKind, number]] : []),
    ];
    for (const [mode, n] of plan) {
      say(
        `${kind}: ${mode === 'closed' ? `closed loop, ${n} connections` : `open loop, ${opts.rate} events/s offered, pool of ${n} connections`}, ` +
          `${opts.warmupMs / 1000} s warm-up + ${opts.durationMs / 1000} s (load average ${os.loadavg().map(r2).join(' ')})`,
      );
      const r = await runScenario(kind, mode, n, server, requests, pg);
      accepted += r.check.accepted_202;
      say(
        `${kind}: ${r.scenario}: ${r.events_per_s} events/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, max ${r.max_ms} ms, non-202 ${r.non_202}, ` +
          `batch mean ${r.ingest?.batch_size_mean ?? '-'}, commit ${r.ingest?.commit_ms_mean ?? '-'} ms, check ${r.check.ok ? 'ok' : 'FAILED: ' + r.check.problems.join('; ')}`,
      );
      results.push(r);
      await sleep(500);
    }
    const end = await scrape(server.port);
    const total = outcomes(start, end);
    // Counting in the database itself: the server's counters could be wrong in the same way as its answers.
    const counts = kind === 'sqlite' ? null : await pgCounts(pgdb!.url);
    await server.stop();
    stopped = true;
    const c = counts ?? sqliteCounts(dataDir);
    const problems: string[] = [];
    const sum = total.created + total.updated + total.dropped;
    if (sum !== accepted) problems.push(`created+updated+dropped over the run = ${sum}, 202s = ${accepted}`);
    if (c.alerts !== total.created) problems.push(`alerts rows ${c.alerts} ≠ created ${total.created}`);
    // Every created or updated event of this mix (triggers, resolves; no acknowledges) writes one log row.
    if (c.alert_events !== total.created + total.updated) problems.push(`alert_events rows ${c.alert_events} ≠ created + updated ${total.created + total.updated}`);
    if (c.open_alerts > opts.keys) problems.push(`${c.open_alerts} open alerts for ${opts.keys} dedup keys`);
    verification = { accepted_202: accepted, server_outcomes: total, database: c, ok: problems.length === 0, problems };
    say(`${kind}: database check ${problems.length ? 'FAILED: ' + problems.join('; ') : 'ok'} (${c.alerts} alerts, ${c.alert_events} alert events, ${c.open_alerts} open, ${c.size_mb} MiB)`);
  } finally {
    if (!stopped) {
      await server.stop();
      stopped = true;
    }
  }
  return {
    database: { ...dbInfo, seed_ms: Math.round(seedMs) },
    pool: { size: pool.requests.length, triggers: pool.triggers, resolves: pool.resolves, mean_body_bytes: pool.mean_body_bytes, min_body_bytes: pool.min_body_bytes, max_body_bytes: pool.max_body_bytes },
    results,
    verification,
  };
}

// ---------------------------------------------------------------------------------------------- report

/** NaN (no sample) prints as "-". */
const fmt = (x: number | null | undefined): number | string => (typeof x === 'number' && Number.isFinite(x) ? x : '-');

async function main() {
  const started = new Date();
  const cmd = chooseServerCommand();
  say(`server command: ${cmd.label}`);
  const report: Record<string, any> = {
    benchmark: 'bench:ingest',
    started_at: started.toISOString(),
    machine: machine(),
    server_command: cmd.label,
    settings: {
      endpoint: 'POST /v2/enqueue (PagerDuty Events API v2)',
      scenarios: opts.scenarios,
      closed_loop_connections: opts.concurrency,
      open_loop_rate: opts.rate,
      open_loop_connections: opts.openConnections,
      warmup_s: opts.warmupMs / 1000,
      duration_s: opts.durationMs / 1000,
      services: opts.services,
      dedup_keys: opts.keys,
      resolve_ratio: opts.resolveRatio,
      payload_bytes: opts.payloadBytes,
      pool: opts.pool,
      seed: opts.seed,
      log_level: opts.logLevel,
      ingest_rate_limit: 1_000_000,
      server_node_args: opts.serverNodeArgs,
      generator: 'raw-socket HTTP/1.1 client (bench/lib/rawhttp.ts), pre-encoded requests, in the parent process; server in a child process',
    },
    targets: TARGETS,
    databases: [] as unknown[],
    results: [] as ScenarioResult[],
  };
  for (const kind of opts.dbs) {
    const r = await benchDatabase(cmd, kind);
    report.databases.push({ ...r.database, pool: r.pool, verification: r.verification });
    report.results.push(...r.results);
  }
  report.finished_at = new Date().toISOString();
  report.machine.loadavg_at_end = os.loadavg().map(r2);

  const results = report.results as ScenarioResult[];
  const best = (db: Db) => Math.max(0, ...results.filter((r) => r.database === db && r.mode === 'closed').map((r) => r.events_per_s));
  const comparisons: { target: string; result: string; met: boolean | null }[] = [];
  for (const db of opts.dbs) {
    if (!opts.scenarios.includes('closed')) continue;
    const goal = db === 'sqlite' ? TARGETS.sqlite_events_per_s : TARGETS.postgres_events_per_s;
    const b = best(db);
    comparisons.push({ target: `${db}: >= ${goal} events/s (closed loop, best)`, result: `${b} events/s (${r1((b / goal) * 100)} % of target)`, met: b >= goal });
  }
  for (const r of results.filter((x) => x.mode === 'open')) {
    const applies = r.offered_rate === TARGETS.open_rate;
    comparisons.push({
      target: `${r.database}: p99 < ${TARGETS.open_p99_ms} ms at ${TARGETS.open_rate} events/s offered`,
      result: `p99 ${r.p99_ms} ms at ${r.offered_rate} offered, ${r.events_per_s} achieved${applies ? '' : ' (different rate: not comparable)'}`,
      met: applies ? r.p99_ms < TARGETS.open_p99_ms && r.events_per_s >= 0.98 * r.offered_rate! : null,
    });
  }
  report.comparison = comparisons;
  const checksOk = results.every((r) => r.check.ok) && report.databases.every((d: any) => d.verification.ok);
  report.checks_ok = checksOk;

  const m = report.machine;
  const human = [
    `Ballast bench:ingest  ${report.started_at}`,
    `machine: ${m.nproc} CPUs (${m.cpu_model}), ${m.memory_gib} GiB, node ${m.node}, load average ${m.loadavg_at_start.join(' ')} at start, ${m.loadavg_at_end.join(' ')} at end`,
    `server:  ${cmd.label}, LOG_LEVEL=${opts.logLevel}, BALLAST_INGEST_RATE_LIMIT=1000000`,
    `events:  POST /v2/enqueue, ${opts.keys} dedup keys over ${opts.services} services, ${Math.round((1 - opts.resolveRatio) * 100)} % trigger / ${Math.round(opts.resolveRatio * 100)} % resolve, ` +
      `~${report.databases[0]?.pool?.mean_body_bytes ?? opts.payloadBytes} B bodies, ${opts.pool} pre-encoded requests`,
    `load:    ${opts.warmupMs / 1000} s warm-up + ${opts.durationMs / 1000} s measured per scenario; raw-socket keep-alive client in this process`,
    '',
    table(
      results.map((r) => ({
        database: r.database,
        scenario: r.scenario,
        'events/s': r.events_per_s,
        p50: r.p50_ms,
        p90: r.p90_ms,
        p99: r.p99_ms,
        max: r.max_ms,
        'non-202': r.non_202,
        batch: r.ingest?.batch_size_mean ?? '-',
        'commit ms': r.ingest?.commit_ms_mean ?? '-',
        'commit busy': r.ingest ? `${r.ingest.commit_busy_pct} %` : '-',
        'µs/event srv': r.cpu.server_cpu_us_per_event ?? '-',
        'cores srv/gen/pg/other': [r.cpu.server_cores, r.cpu.client_cores, r.cpu.postgres_cores, r.cpu.other_cores].map((x) => x ?? '-').join(' / '),
        load: r.loadavg.start[0],
        check: r.check.ok ? 'ok' : 'FAIL',
      })),
      ['database', 'scenario', 'events/s', 'p50', 'p90', 'p99', 'max', 'non-202', 'batch', 'commit ms', 'commit busy', 'µs/event srv', 'cores srv/gen/pg/other', 'load', 'check'],
    ),
    '(latencies in ms; batch = mean events per group-commit transaction; commit ms = mean time to process and commit one',
    ' batch; commit busy = share of the window with a batch in progress; µs/event srv = Ballast server-process CPU per',
    ` event; cores = CPU cores busy in the window: server, this generator, PostgreSQL processes, everything else; load = 1-min`,
    ` load average at the window start; ${m.nproc} cores in total)`,
  ];
  const open = results.filter((r) => r.open_loop);
  if (open.length) {
    human.push(
      '',
      'open loop detail:',
      table(
        open.map((r) => ({
          database: r.database,
          offered: r.offered_rate,
          achieved: r.events_per_s,
          scheduled: r.open_loop!.scheduled_in_window,
          queued: r.open_loop!.queued_in_window,
          'max queue': r.open_loop!.max_queue,
          'send lag p99': fmt(r.open_loop!.send_lag_p99_ms),
          'send lag max': fmt(r.open_loop!.send_lag_max_ms),
          'server handler mean': r.ingest?.server_handler_ms_mean ?? '-',
        })),
        ['database', 'offered', 'achieved', 'scheduled', 'queued', 'max queue', 'send lag p99', 'send lag max', 'server handler mean'],
      ),
      '(queued = requests due while all pool connections were busy; their latency counts from the due time. send lag = how',
      ' late this generator sent requests that found a free connection ("-": none did); included in the latencies;',
      ' server handler mean = Fastify request → response time inside the server, from /metrics)',
    );
  }
  human.push('', 'targets:', table(comparisons.map((c) => ({ ...c, met: c.met === null ? 'n/a' : c.met ? 'MET' : 'NOT MET' })), ['target', 'result', 'met']));
  human.push(
    '',
    'correctness:',
    ...results.map(
      (r) =>
        `  ${r.database} ${r.scenario}: ${r.check.accepted_202} × 202 of ${r.check.responses} responses; server outcomes ${JSON.stringify(r.check.outcomes)} ` +
          `→ created+updated+dropped ${r.check.outcome_sum}: ${r.check.ok ? 'ok' : 'FAILED: ' + r.check.problems.join('; ')}`,
    ),
    ...report.databases.map(
      (d: any) =>
        `  ${d.kind} database: ${d.verification.database.alerts} alerts rows (created ${d.verification.server_outcomes.created}), ` +
          `${d.verification.database.alert_events} alert_events rows (created+updated ${d.verification.server_outcomes.created + d.verification.server_outcomes.updated}), ` +
          `${d.verification.database.open_alerts} open: ${d.verification.ok ? 'ok' : 'FAILED: ' + d.verification.problems.join('; ')}`,
    ),
  );
  if (opts.json) {
    process.stderr.write(human.join('\n') + '\n');
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else {
    process.stdout.write(human.join('\n') + '\n');
  }
  if (!checksOk) throw new Error('correctness checks failed (see above)');
}

runMain(main);
