// `npm run bench:api`: HTTP API throughput/latency on SQLite and PostgreSQL, plus cold start.
//
//   npm run bench:api                          both databases, 32 connections, 3 s warm-up + 10 s per scenario
//   npm run bench:api -- --json                JSON on stdout (progress stays on stderr)
//   npm run bench:api -- --db sqlite --duration 5 --warmup 1 --concurrency 16 --cold-runs 0
//
// Flags: --db sqlite,postgres  --scenarios list,login  --duration <s>  --warmup <s>  --concurrency <n>
//        --cold-runs <n> (0 skips cold start)  --log-level <pino level, default info>  --json
//        --server-node-args "<node flags>"  extra flags for the server processes, e.g.
//                                           "--cpu-prof --cpu-prof-dir=/tmp/prof" (written when the server exits)
// Env:   BALLAST_BENCH_PG_URL  a PostgreSQL URL whose user may CREATE DATABASE; a fresh database is
//        created on it and dropped afterwards. Without it a throwaway server is started (scripts/pg-temp.mjs).
//
// Each database gets its own Ballast server in a child process (the real `serve` command, the same one
// `npm start` runs), so the load generator in this process never shares an event loop with the server.
// The server binary is the compiled one (dist/server, rebuilt here with tsc when missing or older than
// src/); if that build fails the benchmark falls back to `node --import tsx src/cli/main.ts serve` and says so.
//
// The load generator is closed-loop: N connections, each sends its next request when the previous
// one answers (keep-alive http.Agent). Latency is measured per request from send to the last body byte.
// Only requests that complete inside the measured window count; requests in flight at its end are
// awaited but not counted.

import { randomBytes } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { installSignalHandlers, runMain, setDeadline, tempDir } from './lib/cleanup.js';
import { machineCpu, procCpuSeconds } from './lib/cpu.js';
import { say, sleep } from './lib/log.js';
import { commonFlag, eachFlag, listFlag, numberFlag } from './lib/options.js';
import { createBenchDatabase, pgServerVersion } from './lib/postgres.js';
import { machine, table } from './lib/report.js';
import {
  chooseServerCommand,
  createApiToken,
  requestJson,
  send,
  startServer,
  type RunningServer,
  type ServerCommand,
} from './lib/server.js';
import { pct, r1, r2, summary } from './lib/stats.js';

const ADMIN_EMAIL = 'bench-admin@example.com';
const ADMIN_PASSWORD = `bench-${randomBytes(9).toString('base64url')}`;
const TEAMS = 10;
const SERVICES = 200;

// ---------------------------------------------------------------------------------------------- options

interface Options {
  json: boolean;
  dbs: Array<'sqlite' | 'postgres'>;
  scenarios: Array<'list' | 'login'>;
  durationMs: number;
  warmupMs: number;
  concurrency: number;
  coldRuns: number;
  logLevel: string;
  serverNodeArgs: string[];
}


function parseArgs(argv: string[]): Options {
  const o: Options = {
    json: false,
    dbs: ['sqlite', 'postgres'],
    scenarios: ['list', 'login'],
    durationMs: 10_000,
    warmupMs: 3_000,
    concurrency: 32,
    coldRuns: 5,
    logLevel: 'info',
    serverNodeArgs: [],
  };
  eachFlag(argv, (flag, value, raw) => {
    switch (flag) {
      case '--json':
        o.json = true;
        break;
      case '--db':
        o.dbs = listFlag('db', value(), ['sqlite', 'postgres'] as const);
        break;
      case '--scenarios':
        o.scenarios = listFlag('scenarios', value(), ['list', 'login'] as const);
        break;
      case '--duration':
        o.durationMs = numberFlag('duration', value(), 0.5) * 1000;
        break;
      case '--warmup':
        o.warmupMs = numberFlag('warmup', value(), 0) * 1000;
        break;
      case '--concurrency':
        o.concurrency = Math.floor(numberFlag('concurrency', value(), 1));
        break;
      case '--cold-runs':
        o.coldRuns = Math.floor(numberFlag('cold-runs', value(), 0));
        break;
      default:
        commonFlag(o, flag, value, raw, import.meta.url);
    }
  });
  return o;
}

const opts = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------------------------------------- cleanup

installSignalHandlers();
// Hard deadline for the whole run: generous, but bounded.
const perDbMs = 60_000 + opts.scenarios.length * (opts.warmupMs + opts.durationMs + 45_000);
setDeadline(240_000 + opts.dbs.length * perDbMs + opts.coldRuns * 2 * 35_000);

// ---------------------------------------------------------------------------------------------- setup

/** Signs in as the first admin, creates an API token (cookie + CSRF, as the UI would), seeds the catalog. */
async function seed(port: number): Promise<{ token: string; seedMs: number }> {
  const token = await createApiToken(port, ADMIN_EMAIL, ADMIN_PASSWORD);

  // 10 teams × 20 services; within a team each service depends on the previous one, so list
  // responses carry both depends_on and dependents, as in a real catalog.
  const teams = Array.from({ length: TEAMS }, (_, t) => ({ slug: `team-${String(t + 1).padStart(2, '0')}`, name: `Team ${t + 1}` }));
  const perTeam = SERVICES / TEAMS;
  const services = Array.from({ length: SERVICES }, (_, i) => {
    const team = teams[Math.floor(i / perTeam)]!;
    const slug = `svc-${String(i + 1).padStart(3, '0')}`;
    return {
      slug,
      name: `Service ${i + 1}`,
      team: team.slug,
      tier: (i % 4) + 1,
      description: `Benchmark service ${i + 1} owned by ${team.name}`,
      links: { repo: `https://git.example.com/${team.slug}/${slug}`, runbook: `https://wiki.example.com/runbooks/${slug}` },
      ...(i % perTeam ? { depends_on: [`svc-${String(i).padStart(3, '0')}`] } : {}),
    };
  });
  const t0 = performance.now();
  const applied = await requestJson(port, 'POST', '/api/v1/apply', { document: { version: 1, teams, services } }, { authorization: `Bearer ${token}` });
  const seedMs = performance.now() - t0;
  if (applied.status !== 200) throw new Error(`apply failed: ${applied.status} ${JSON.stringify(applied.body).slice(0, 500)}`);
  if (applied.body.summary.created !== TEAMS + SERVICES) throw new Error(`apply created ${applied.body.summary.created}, expected ${TEAMS + SERVICES}`);
  return { token, seedMs };
}

// ---------------------------------------------------------------------------------------------- load

interface RequestSpec {
  method: string;
  path: string;
  headers: Record<string, string | number>;
  body: Buffer | null;
}

interface ScenarioResult {
  database: string;
  scenario: string;
  request: string;
  concurrency: number;
  duration_s: number;
  requests: number;
  rps: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  mean_ms: number;
  errors: number;
  statuses: Record<string, number>;
  mean_response_bytes: number;
  /** CPU used during the measured window, in cores (1.0 = one core busy the whole time). */
  server_cpu_cores: number | null;
  /** Server-process CPU per completed request: what one request costs, independent of machine contention. */
  server_cpu_ms_per_request: number | null;
  client_cpu_cores: number | null;
  /** The whole machine's busy cores in the window (/proc/stat). */
  machine_busy_cores: number | null;
  /** machine − server − client: PostgreSQL's own processes, plus anything else running (noise). */
  other_cpu_cores: number | null;
}

async function runLoad(database: string, scenario: string, server: RunningServer, spec: RequestSpec): Promise<ScenarioResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency, maxFreeSockets: opts.concurrency });
  const start = performance.now();
  const measureStart = start + opts.warmupMs;
  const measureEnd = measureStart + opts.durationMs;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let bytes = 0;
  // CPU is sampled at the edges of the measured window (timers, so warm-up and drain are excluded).
  const cpu: {
    server0: number | null;
    server1: number | null;
    client0: NodeJS.CpuUsage;
    client1: NodeJS.CpuUsage | null;
    machine0: ReturnType<typeof machineCpu>;
    machine1: ReturnType<typeof machineCpu>;
  } = { server0: null, server1: null, client0: process.cpuUsage(), client1: null, machine0: null, machine1: null };
  const cpuStart = setTimeout(() => {
    cpu.server0 = procCpuSeconds(server.child.pid);
    cpu.client0 = process.cpuUsage();
    cpu.machine0 = machineCpu();
  }, Math.max(0, measureStart - performance.now()));
  const sampleEnd = () => {
    if (cpu.client1) return;
    cpu.server1 = procCpuSeconds(server.child.pid);
    cpu.client1 = process.cpuUsage(cpu.client0);
    cpu.machine1 = machineCpu();
  };
  const cpuEnd = setTimeout(sampleEnd, Math.max(0, measureEnd - performance.now()));

  const worker = async () => {
    while (performance.now() < measureEnd) {
      const t0 = performance.now();
      let status = 'network_error';
      let size = 0;
      try {
        const r = await send(agent, server.port, spec.method, spec.path, spec.headers, spec.body);
        status = String(r.status);
        size = r.bytes;
      } catch {
        // counted below as network_error
      }
      const t1 = performance.now();
      if (t1 >= measureStart && t1 <= measureEnd) {
        latencies.push(t1 - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
        bytes += size;
        if (!/^2\d\d$/.test(status)) errors++;
      }
      if (status === 'network_error') await sleep(10); // a dead server must not become a busy loop
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  // The last worker can see the window end before the timer fires: then sample now (late by < 1 ms).
  sampleEnd();
  clearTimeout(cpuStart);
  clearTimeout(cpuEnd);
  agent.destroy();

  const windowS = opts.durationMs / 1000;
  const machineBusy =
    cpu.machine0 && cpu.machine1 && cpu.machine1.total > cpu.machine0.total
      ? r2(((cpu.machine1.busy - cpu.machine0.busy) / (cpu.machine1.total - cpu.machine0.total)) * os.availableParallelism())
      : null;
  const serverCores = cpu.server0 !== null && cpu.server1 !== null ? r2((cpu.server1 - cpu.server0) / windowS) : null;
  const clientCores = cpu.client1 ? r2((cpu.client1.user + cpu.client1.system) / 1e6 / windowS) : null;
  const sorted = latencies.sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    database,
    scenario,
    request: `${spec.method} ${spec.path}`,
    concurrency: opts.concurrency,
    duration_s: windowS,
    requests: sorted.length,
    rps: r1(sorted.length / windowS),
    p50_ms: r1(pct(sorted, 50)),
    p90_ms: r1(pct(sorted, 90)),
    p99_ms: r1(pct(sorted, 99)),
    max_ms: r1(sorted.at(-1) ?? NaN),
    mean_ms: r1(sum / Math.max(1, sorted.length)),
    errors,
    statuses,
    mean_response_bytes: Math.round(bytes / Math.max(1, sorted.length)),
    server_cpu_cores: serverCores,
    server_cpu_ms_per_request: serverCores !== null && sorted.length ? r2((serverCores * windowS * 1000) / sorted.length) : null,
    client_cpu_cores: clientCores,
    machine_busy_cores: machineBusy,
    other_cpu_cores:
      machineBusy !== null && serverCores !== null && clientCores !== null ? r2(Math.max(0, machineBusy - serverCores - clientCores)) : null,
  };
}

function scenarioSpec(name: 'list' | 'login', token: string): RequestSpec {
  if (name === 'list') {
    return { method: 'GET', path: '/api/v1/services?limit=50', headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, body: null };
  }
  const body = Buffer.from(JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }));
  return {
    method: 'POST',
    path: '/api/v1/auth/login',
    headers: { 'content-type': 'application/json', 'content-length': body.length, accept: 'application/json' },
    body,
  };
}

/** One request of each scenario before the load, so a broken setup fails loudly instead of as "errors". */
async function checkScenario(port: number, name: 'list' | 'login', spec: RequestSpec): Promise<void> {
  const r = await send(false, port, spec.method, spec.path, spec.headers, spec.body, { keepBody: true });
  if (r.status !== 200) throw new Error(`${name}: ${spec.method} ${spec.path} answered ${r.status}: ${r.body?.slice(0, 300)}`);
  if (name === 'list') {
    const page = JSON.parse(r.body!);
    if (page.data.length !== 50 || !page.next_cursor) throw new Error(`list: expected 50 services and a next_cursor, got ${page.data.length}`);
  }
}

// ---------------------------------------------------------------------------------------------- databases

async function benchDatabase(cmd: ServerCommand, kind: 'sqlite' | 'postgres') {
  const dataDir = tempDir(`ballast-bench-${kind}-`);
  const env: Record<string, string> = {
    BALLAST_DATA_DIR: dataDir,
    BALLAST_ADMIN_EMAIL: ADMIN_EMAIL,
    BALLAST_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // Only failed logins count against the limit, but keep it out of the way regardless.
    BALLAST_LOGIN_RATE_LIMIT: '1000000',
    LOG_LEVEL: opts.logLevel,
  };
  let dbInfo: Record<string, string> = { kind };
  if (kind === 'postgres') {
    const { url, source } = await createBenchDatabase();
    env.DATABASE_URL = url;
    dbInfo = { kind, source, server_version: await pgServerVersion(url), pool_size: '10 (BALLAST_DB_POOL_SIZE default)' };
  } else {
    dbInfo = { kind, file: 'fresh temp data dir', journal: 'WAL', synchronous: 'FULL (default)' };
  }
  say(`${kind}: starting server`);
  const server = await startServer(cmd, env, { nodeArgs: opts.serverNodeArgs });
  try {
    const { token, seedMs } = await seed(server.port);
    say(`${kind}: seeded ${TEAMS} teams and ${SERVICES} services via POST /api/v1/apply in ${Math.round(seedMs)} ms`);
    const results: ScenarioResult[] = [];
    for (const name of opts.scenarios) {
      const spec = scenarioSpec(name, token);
      await checkScenario(server.port, name, spec);
      say(`${kind}: ${name}: ${opts.concurrency} connections, ${opts.warmupMs / 1000} s warm-up + ${opts.durationMs / 1000} s`);
      const r = await runLoad(kind, name, server, spec);
      say(`${kind}: ${name}: ${r.rps} req/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, errors ${r.errors}`);
      results.push(r);
    }
    return { database: dbInfo, seed_ms: Math.round(seedMs), results };
  } finally {
    await server.stop();
  }
}


// ---------------------------------------------------------------------------------------------- cold start

interface ColdStart {
  command: string;
  runs: number[];
  restart_runs: number[];
  cpu_runs: number[];
  restart_cpu_runs: number[];
  shutdown_runs: number[];
}

/**
 * From spawn to the first 200 from /readyz on a fresh SQLite data dir (first start: migrations and the
 * first administrator, whose password hash is part of the cost), then a restart on the same dir.
 */
async function coldStart(cmd: ServerCommand, runs: number): Promise<ColdStart> {
  const out: ColdStart = { command: cmd.label, runs: [], restart_runs: [], cpu_runs: [], restart_cpu_runs: [], shutdown_runs: [] };
  for (let i = 0; i < runs; i++) {
    const dataDir = tempDir('ballast-bench-cold-');
    // No admin credentials: the same path as a first `npm start` (generated password printed once).
    const env = { BALLAST_DATA_DIR: dataDir, LOG_LEVEL: opts.logLevel };
    const first = await startServer(cmd, env, { nodeArgs: opts.serverNodeArgs, readyTimeoutMs: 30_000 });
    out.runs.push(first.readyMs);
    out.cpu_runs.push(first.cpuMs);
    out.shutdown_runs.push(await first.stop());
    const again = await startServer(cmd, env, { nodeArgs: opts.serverNodeArgs, readyTimeoutMs: 30_000 });
    out.restart_runs.push(again.readyMs);
    out.restart_cpu_runs.push(again.cpuMs);
    await again.stop();
    say(
      `cold start ${i + 1}/${runs}: fresh ${Math.round(first.readyMs)} ms (${Math.round(first.cpuMs)} ms CPU), ` +
        `restart ${Math.round(again.readyMs)} ms (${Math.round(again.cpuMs)} ms CPU)`,
    );
    await sleep(200);
  }
  return out;
}


// ---------------------------------------------------------------------------------------------- report

async function main() {
  const started = new Date();
  const cmd = chooseServerCommand();
  say(`server command: ${cmd.label}`);
  const report: Record<string, any> = {
    benchmark: 'bench:api',
    started_at: started.toISOString(),
    machine: machine(),
    server_command: cmd.label,
    settings: {
      concurrency: opts.concurrency,
      warmup_s: opts.warmupMs / 1000,
      duration_s: opts.durationMs / 1000,
      log_level: opts.logLevel,
      server_node_args: opts.serverNodeArgs,
      teams: TEAMS,
      services: SERVICES,
      generator: 'closed loop, node:http keep-alive Agent, in the parent process; server in a child process',
    },
    databases: [] as unknown[],
    results: [] as ScenarioResult[],
  };
  for (const kind of opts.dbs) {
    const r = await benchDatabase(cmd, kind);
    report.databases.push({ ...r.database, seed_ms: r.seed_ms });
    report.results.push(...r.results);
  }
  if (opts.coldRuns > 0) {
    const cs = await coldStart(cmd, opts.coldRuns);
    report.cold_start = {
      command: cs.command,
      database: 'sqlite, fresh temp data dir',
      target_ms: 2000,
      fresh: { ...summary(cs.runs), runs_ms: cs.runs.map(Math.round) },
      restart: { ...summary(cs.restart_runs), runs_ms: cs.restart_runs.map(Math.round) },
      fresh_server_cpu: { ...summary(cs.cpu_runs), runs_ms: cs.cpu_runs.map(Math.round) },
      restart_server_cpu: { ...summary(cs.restart_cpu_runs), runs_ms: cs.restart_cpu_runs.map(Math.round) },
      graceful_shutdown: { ...summary(cs.shutdown_runs), runs_ms: cs.shutdown_runs.map(Math.round) },
    };
  }
  report.finished_at = new Date().toISOString();
  report.machine.loadavg_at_end = os.loadavg().map(r2);

  const human = [
    `Ballast bench:api  ${report.started_at}`,
    `machine: ${report.machine.nproc} CPUs (${report.machine.cpu_model}), ${report.machine.memory_gib} GiB, node ${report.machine.node}`,
    `server:  ${cmd.label}, LOG_LEVEL=${opts.logLevel}`,
    `load:    ${opts.concurrency} connections, ${opts.warmupMs / 1000} s warm-up + ${opts.durationMs / 1000} s measured per scenario; ${SERVICES} services in ${TEAMS} teams`,
    '',
    table(
      report.results.map((r: ScenarioResult) => ({
        database: r.database,
        request: r.request,
        'req/s': r.rps,
        p50: r.p50_ms,
        p90: r.p90_ms,
        p99: r.p99_ms,
        max: r.max_ms,
        errors: r.errors,
        'cpu ms/req': r.server_cpu_ms_per_request ?? '-',
        'cpu server': r.server_cpu_cores ?? '-',
        'cpu client': r.client_cpu_cores ?? '-',
        'cpu other': r.other_cpu_cores ?? '-',
      })),
      ['database', 'request', 'req/s', 'p50', 'p90', 'p99', 'max', 'errors', 'cpu ms/req', 'cpu server', 'cpu client', 'cpu other'],
    ),
    '(latencies in ms; cpu ms/req = Ballast server-process CPU per request; cpu server/client/other = cores busy during the',
    ` measured window: the Ballast server process, this load generator, everything else incl. PostgreSQL's own processes;`,
    ` ${report.machine.nproc} cores in total)`,
  ];
  if (report.cold_start) {
    const c = report.cold_start;
    human.push(
      '',
      `cold start (${c.command}, spawn → first /readyz 200, SQLite), target < 2000 ms:`,
      table(
        [
          { case: 'fresh data dir', ...c.fresh, runs: c.fresh.runs_ms.join(' ') },
          { case: 'restart, same dir', ...c.restart, runs: c.restart.runs_ms.join(' ') },
          { case: 'fresh: server CPU time', ...c.fresh_server_cpu, runs: c.fresh_server_cpu.runs_ms.join(' ') },
          { case: 'restart: server CPU time', ...c.restart_server_cpu, runs: c.restart_server_cpu.runs_ms.join(' ') },
          { case: 'SIGTERM → exit', ...c.graceful_shutdown, runs: c.graceful_shutdown.runs_ms.join(' ') },
        ],
        ['case', 'min_ms', 'median_ms', 'max_ms', 'runs'],
      ),
    );
  }
  if (opts.json) {
    process.stderr.write(human.join('\n') + '\n');
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else {
    process.stdout.write(human.join('\n') + '\n');
  }
}

runMain(main);
