// Starting and stopping a real Ballast server (`node bin/ballast.js serve`) in a child process, plus the
// small node:http helpers the benchmarks use for setup (not for load).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { children, killChild } from './cleanup.js';
import { procCpuSeconds } from './cpu.js';
import { say, sleep } from './log.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface RawResponse {
  status: number;
  bytes: number;
  body?: string;
}

/** One HTTP request; resolves when the whole body has arrived. */
export function send(
  agent: http.Agent | false,
  port: number,
  method: string,
  urlPath: string,
  headers: Record<string, string | number>,
  body: Buffer | null,
  opts: { keepBody?: boolean; timeoutMs?: number } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers, agent }, (res) => {
      let bytes = 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (opts.keepBody) chunks.push(c);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, bytes, body: opts.keepBody ? Buffer.concat(chunks).toString('utf8') : undefined }),
      );
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

export async function waitReady(port: number, timeoutMs: number, child?: ChildProcess, intervalMs = 5): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`server exited before it was ready (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    try {
      const r = await send(false, port, 'GET', '/readyz', {}, null, { timeoutMs: 2000 });
      if (r.status === 200) return performance.now();
    } catch {
      // not listening yet
    }
    await sleep(intervalMs);
  }
  throw new Error(`/readyz did not answer 200 within ${timeoutMs} ms`);
}

// ---------------------------------------------------------------------------------------------- build

export interface ServerCommand {
  label: string;
  argv: string[];
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** The compiled server when it is (or can be made) current, else the tsx one. */
export function chooseServerCommand(): ServerCommand {
  const built = path.join(ROOT, 'dist/server/cli/main.js');
  const tsx: ServerCommand = { label: 'node --import tsx src/cli/main.ts serve', argv: ['--import', 'tsx', 'src/cli/main.ts', 'serve'] };
  const fresh = fs.existsSync(built) && fs.statSync(built).mtimeMs >= newestMtime(path.join(ROOT, 'src'));
  if (!fresh) {
    say('dist/server is missing or older than src/: compiling the server (tsc -p tsconfig.json, i.e. npm run build:server)');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (r.status !== 0) {
      say(`tsc failed (exit ${r.status}); falling back to tsx:\n${(r.stdout + r.stderr).split('\n').slice(0, 20).join('\n')}`);
      return tsx;
    }
  }
  return { label: 'node bin/ballast.js serve (compiled, what `npm start` runs)', argv: ['bin/ballast.js', 'serve'] };
}

/** Environment for a server child: the caller's, minus anything that would point it elsewhere. */
export function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('BALLAST_') || k === 'DATABASE_URL' || k === 'PORT' || k === 'HOST' || k === 'LOG_LEVEL' || k === 'NODE_ENV') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export interface RunningServer {
  port: number;
  child: ChildProcess;
  stderrTail(): string;
  /** SIGTERM, SIGKILL after 10 s; resolves with the time the server took to exit (ms). */
  stop(): Promise<number>;
}

/**
 * Spawns `node <nodeArgs> <cmd.argv>` on a free port and waits for `/readyz` to answer 200. Registered
 * with the cleanup so a failed run never leaves a server behind.
 */
export async function startServer(
  cmd: ServerCommand,
  env: Record<string, string>,
  opts: { nodeArgs?: string[]; readyTimeoutMs?: number } = {},
): Promise<RunningServer & { readyMs: number; cpuMs: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...cmd.argv], {
    cwd: ROOT,
    env: serverEnv({ ...env, PORT: String(port), HOST: '127.0.0.1' }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    err = (err + c.toString('utf8')).slice(-4000);
  });
  const stop = async (): Promise<number> => {
    if (child.exitCode !== null || child.signalCode !== null) return 0;
    const s = performance.now();
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    killChild(child, 'SIGTERM');
    const timer = setTimeout(() => killChild(child, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    return performance.now() - s;
  };
  try {
    const ready = await waitReady(port, opts.readyTimeoutMs ?? 60_000, child);
    // CPU the server process used to get ready: robust against a busy machine, unlike wall time.
    const cpuMs = (procCpuSeconds(child.pid) ?? NaN) * 1000;
    return { port, child, stderrTail: () => err, stop, readyMs: ready - t0, cpuMs };
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n--- server stderr ---\n${err}`);
  }
}

// ---------------------------------------------------------------------------------------------- setup calls

/** A JSON request (setup only, one connection per call); the body is parsed when it is JSON. */
export async function requestJson(port: number, method: string, p: string, body: unknown, headers: Record<string, string> = {}) {
  const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
  const h: Record<string, string | number> = { accept: 'application/json', ...headers };
  if (payload) {
    h['content-type'] = 'application/json';
    h['content-length'] = payload.length;
  }
  return new Promise<{ status: number; body: any; setCookie: string[] }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers: h, agent: false }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // leave as text
        }
        resolve({ status: r.statusCode ?? 0, body: parsed, setCookie: ([] as string[]).concat(r.headers['set-cookie'] ?? []) });
      });
      r.on('error', reject);
    });
    req.setTimeout(120_000, () => req.destroy(new Error(`${method} ${p} timed out`)));
    req.on('error', reject);
    req.end(payload ?? undefined);
  });
}

/** Signs in as the first admin and creates an API token (cookie + CSRF, as the UI would). */
export async function createApiToken(port: number, email: string, password: string, name = 'bench'): Promise<string> {
  const login = await requestJson(port, 'POST', '/api/v1/auth/login', { email, password });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  const cookie = login.setCookie.map((c) => c.split(';')[0]).find((c) => c!.startsWith('ballast_session='));
  if (!cookie) throw new Error('login did not set the ballast_session cookie');
  const tok = await requestJson(port, 'POST', '/api/v1/tokens', { name }, { cookie, 'x-csrf-token': login.body.csrf_token });
  if (tok.status !== 201) throw new Error(`token create failed: ${tok.status} ${JSON.stringify(tok.body)}`);
  return tok.body.token as string;
}
