// The real server process (`ballast serve` via node --import tsx src/cli/main.ts): first-admin bootstrap,
// readiness on SQLite and PostgreSQL, `ballast migrate`, and clean shutdown on SIGTERM.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createTestPgDatabase, pgAdminUrl, tempDir } from './support/db.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const DEFAULT_ADMIN = 'admin@localhost.localdomain';

/** A user's shell environment: nothing from the test runner that configures Ballast. */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(BALLAST_|DATABASE_URL$|PORT$|HOST$|LOG_LEVEL$|NODE_ENV$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Server {
  url: string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<Exit>;
}

function collect(child: ChildProcess) {
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { stdout: () => out, stderr: () => err, exited };
}

/** `ballast serve` on a port picked here (the server listens on PORT; 0 would hide the real port from us). */
async function startServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [...CLI, 'serve'], {
    cwd: ROOT,
    env: cleanEnv({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', BALLAST_ENGINE_POLL_MS: '50', ...env }),
  });
  const io = collect(child);
  let exit: Exit | null = null;
  void io.exited.then((e) => (exit = e));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exit) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const e = await io.exited;
    clearTimeout(timer);
    return e;
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exit) throw new Error(`server exited early (${JSON.stringify(exit)})\nstdout: ${io.stdout()}\nstderr: ${io.stderr()}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`server did not become healthy\nstdout: ${io.stdout()}\nstderr: ${io.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, stdout: io.stdout, stderr: io.stderr, stop };
}

async function migrate(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...CLI, 'migrate'], { cwd: ROOT, env: cleanEnv(env) });
  const io = collect(child);
  child.stdin!.end();
  const { code } = await io.exited;
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

async function login(url: string, email: string, password: string) {
  const r = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return { status: r.status, body: (await r.json()) as any, cookie: r.headers.get('set-cookie') };
}

async function readyz(url: string) {
  const r = await fetch(`${url}/readyz`);
  return { status: r.status, body: (await r.json()) as any };
}

/** Stops the server, expecting a clean exit 0 on SIGTERM and no error output. */
async function stopCleanly(server: Server): Promise<void> {
  const exit = await server.stop();
  assert.deepEqual(exit, { code: 0, signal: null }, `SIGTERM → exit 0\nstderr: ${server.stderr()}`);
  assert.doesNotMatch(server.stdout(), /"level":50/, 'no error logged while running or shutting down');
  assert.match(server.stdout(), /"msg":"shutting down"/);
}

test('first start on a fresh data dir creates an admin and prints its password once; a restart does not', async () => {
  const dir = await tempDir('ballast-startup-');
  const env = { BALLAST_DATA_DIR: path.join(dir.path, 'data') };
  try {
    const first = await startServer(env);
    let password: string;
    try {
      const m = /Ballast first administrator\n {2}email: +(\S+)\n {2}password: +(\S+)\n/.exec(first.stderr());
      assert.ok(m, `password block on stderr:\n${first.stderr()}`);
      assert.equal(m[1], DEFAULT_ADMIN);
      password = m[2]!;
      assert.ok(password.length >= 12, 'a strong generated password');
      assert.equal(first.stderr().split(password).length - 1, 1, 'printed exactly once');
      assert.ok(!first.stdout().includes(password), 'the password is not in the (JSON) logs');
      assert.match(first.stdout(), /created first administrator/);

      const ok = await login(first.url, DEFAULT_ADMIN, password);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.user.email, DEFAULT_ADMIN);
      assert.equal(ok.body.user.is_admin, true);
      assert.match(ok.cookie ?? '', /ballast_session=/);
      assert.equal((await login(first.url, DEFAULT_ADMIN, 'not the password')).status, 401);
      assert.deepEqual((await readyz(first.url)).body, { status: 'ready', database: 'sqlite' });
    } finally {
      await stopCleanly(first);
    }

    const second = await startServer(env);
    try {
      assert.doesNotMatch(second.stderr(), /password/i, `no password on the second start:\n${second.stderr()}`);
      assert.doesNotMatch(second.stdout(), /created first administrator/);
      assert.equal((await login(second.url, DEFAULT_ADMIN, password)).status, 200, 'the first password still works');
    } finally {
      await stopCleanly(second);
    }
  } finally {
    await dir.remove();
  }
});

test('BALLAST_ADMIN_EMAIL/PASSWORD create that admin (after `ballast migrate` on SQLite), and no password is printed', async () => {
  const dir = await tempDir('ballast-startup-');
  const dataDir = path.join(dir.path, 'data');
  try {
    const m = await migrate({ BALLAST_DATA_DIR: dataDir });
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, new RegExp(`Database is up to date \\(sqlite:${dataDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/ballast\\.sqlite\\)`));
    const again = await migrate({ BALLAST_DATA_DIR: dataDir });
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /migrations applied/, 'nothing left to apply the second time');

    const password = 'a long operator-chosen secret';
    const server = await startServer({ BALLAST_DATA_DIR: dataDir, BALLAST_ADMIN_EMAIL: 'Ops@Example.com', BALLAST_ADMIN_PASSWORD: password });
    try {
      assert.doesNotMatch(server.stderr(), /password/i);
      assert.ok(!server.stdout().includes(password));
      assert.match(server.stdout(), /created first administrator from BALLAST_ADMIN_EMAIL/);
      const ok = await login(server.url, 'ops@example.com', password);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.user.is_admin, true);
      assert.equal((await login(server.url, DEFAULT_ADMIN, password)).status, 401, 'no default admin as well');
      assert.deepEqual((await readyz(server.url)).body, { status: 'ready', database: 'sqlite' });
    } finally {
      await stopCleanly(server);
    }
  } finally {
    await dir.remove();
  }
});

test(
  'with DATABASE_URL on a fresh PostgreSQL database: `ballast migrate` works, the server starts and /readyz reports postgres',
  { skip: !pgAdminUrl && 'BALLAST_TEST_PG_URL is not set: PostgreSQL startup test skipped' },
  async () => {
    const pg = await createTestPgDatabase();
    const dir = await tempDir('ballast-startup-');
    try {
      const env = { DATABASE_URL: pg.url, BALLAST_DATA_DIR: path.join(dir.path, 'unused') };
      const m = await migrate(env);
      assert.equal(m.code, 0, m.stderr);
      const u = new URL(pg.url);
      assert.match(m.stdout, new RegExp(`Database is up to date \\(postgres://${u.host.replace(/\./g, '\\.')}${u.pathname}\\)`));
      assert.ok(!m.stdout.includes(`${u.username}@`), 'no credentials in the output');

      const server = await startServer({ ...env, BALLAST_ADMIN_EMAIL: 'pg-admin@example.com', BALLAST_ADMIN_PASSWORD: 'postgres admin secret' });
      try {
        assert.deepEqual(await readyz(server.url), { status: 200, body: { status: 'ready', database: 'postgres' } });
        assert.equal((await login(server.url, 'pg-admin@example.com', 'postgres admin secret')).status, 200);
      } finally {
        await stopCleanly(server);
      }
    } finally {
      await pg.drop();
      await dir.remove();
    }
  },
);
