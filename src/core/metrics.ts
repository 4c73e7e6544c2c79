import client, { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/**
 * One registry per app instance, so tests that start several apps in one process do not collide.
 * `processMetrics: false` for a worker thread: the process's CPU and memory are the main thread's to report.
 */
export function createMetrics(opts: { processMetrics?: boolean } = {}) {
  const registry = new client.Registry();
  if (opts.processMetrics ?? true) client.collectDefaultMetrics({ register: registry, prefix: 'ballast_' });
  const httpDuration = new client.Histogram({
    name: 'ballast_http_request_duration_seconds',
    help: 'HTTP request latency by route template, method and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const engineJobs = new client.Counter({
    name: 'ballast_engine_jobs_total',
    help: 'Engine jobs processed by this instance, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const engineLag = new client.Gauge({
    name: 'ballast_engine_lag_seconds',
    help: 'How late the most recently run job started relative to its due time',
    registers: [registry],
  });
  const engineUp = new client.Gauge({
    name: 'ballast_engine_up',
    help: 'Whether this process runs background jobs now: 1 while its engine runs (inline or in its thread), 0 while the thread is down or restarting, or with the engine off',
    registers: [registry],
  });
  const ingestEvents = new client.Counter({
    name: 'ballast_ingest_events_total',
    help: 'Inbound alert events by sender format and outcome (created, updated, dropped, dropped_by_rule, invalid, rate_limited)',
    labelNames: ['origin', 'outcome'] as const,
    registers: [registry],
  });
  const ingestBatch = new client.Histogram({
    name: 'ballast_ingest_batch_size',
    help: 'Events committed per ingest transaction (group commit)',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
    registers: [registry],
  });
  const ingestCommit = new client.Histogram({
    name: 'ballast_ingest_commit_seconds',
    help: 'Time to process and commit one ingest batch',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  /** Other threads of this process whose metrics /metrics adds in (the engine thread). */
  const peers = new Set<() => Promise<MetricsSnapshot>>();
  return { registry, peers, httpDuration, engineJobs, engineLag, engineUp, ingestEvents, ingestBatch, ingestCommit };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * The exposition text for /metrics: this thread's registry plus its peers', same-named series summed
 * (a metric only one thread updates keeps that thread's value). A peer that does not answer is left out
 * rather than failing the scrape.
 */
export async function renderMetrics(metrics: Metrics): Promise<string> {
  if (metrics.peers.size === 0) return metrics.registry.metrics();
  const own = (await metrics.registry.getMetricsAsJSON()) as MetricsSnapshot;
  const others = await Promise.all([...metrics.peers].map((peer) => peer().catch(() => null)));
  return AggregatorRegistry.aggregate([own, ...others.filter((o) => o !== null)]).metrics();
}
