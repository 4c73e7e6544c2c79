// Throwaway PostgreSQL cluster for tests and benchmarks.
//
//   import { startTempPostgres } from './pg-temp.mjs';
//   const pg = await startTempPostgres();      // null if PostgreSQL is unavailable
//   if (pg) { use(pg.url); await pg.stop(); }
//
// CLI: `node scripts/pg-temp.mjs` prints the URL and runs until killed.
//
// The cluster lives in a fresh temp dir, trusts every local connection (user
// `ballast`), listens only on 127.0.0.1 and runs with fsync off. It is stopped
// and deleted by stop(), on process exit, and on SIGINT/SIGTERM. (SIGKILL
// cannot be caught: a server may then survive; its dir is in os.tmpdir().)

import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const USER = 'ballast';
const SYSTEM_USER = 'postgres';
const SERVER_SETTINGS = [
  'listen_addresses=127.0.0.1',
  'fsync=off',
  'synchronous_commit=off',
  'full_page_writes=off',
  'max_connections=300',
];

function defaultLog(message) {
  process.stderr.write(`[pg-temp] ${message}\n`);
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function whichSync(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return fs.realpathSync(candidate);
  }
  return null;
}

/** Directory holding initdb and pg_ctl (and postgres), or null. */
export function findPostgresBinDir() {
  const initdb = whichSync('initdb');
  if (initdb) {
    const dir = path.dirname(initdb);
    if (isExecutable(path.join(dir, 'pg_ctl'))) return dir;
    const pgCtl = whichSync('pg_ctl');
    if (pgCtl && path.dirname(pgCtl) === dir) return dir;
  }
  // Debian/Ubuntu keep server binaries off PATH, one dir per major version.
  const root = '/usr/lib/postgresql';
  let versions = [];
  try {
    versions = fs.readdirSync(root);
  } catch {
    return null;
  }
  versions.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  for (const version of versions) {
    const dir = path.join(root, version, 'bin');
    if (isExecutable(path.join(dir, 'initdb')) && isExecutable(path.join(dir, 'pg_ctl'))) return dir;
  }
  return null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

function systemUserIds(name) {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    return null;
  }
}

function shellQuote(value) {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Start a throwaway PostgreSQL server.
 * @param {{ log?: (message: string) => void }} [options]
 * @returns {Promise<{ url: string, stop: () => Promise<void> } | null>}
 *   null when no PostgreSQL installation can be used (the reason is logged);
 *   throws if PostgreSQL is installed but fails to initialise or start.
 */
export async function startTempPostgres({ log = defaultLog } = {}) {
  const binDir = findPostgresBinDir();
  if (!binDir) {
    log('PostgreSQL server binaries not found (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin)');
    return null;
  }

  // initdb and postgres refuse to run as root; run them as the postgres user.
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let owner = null;
  if (asRoot) {
    owner = systemUserIds(SYSTEM_USER);
    if (!owner) {
      log(`running as root, and there is no '${SYSTEM_USER}' system user to run PostgreSQL as (initdb refuses to run as root)`);
      return null;
    }
    if (!whichSync('runuser')) {
      log(`running as root, and 'runuser' is not available to run PostgreSQL as '${SYSTEM_USER}'`);
      return null;
    }
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ballast-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'log');
  if (owner) fs.chownSync(dir, owner.uid, owner.gid);

  /** argv for running a PostgreSQL binary, as the postgres user when we are root. */
  const command = (bin, args) => {
    const file = path.join(binDir, bin);
    return asRoot ? ['runuser', ['-u', SYSTEM_USER, '--', file, ...args]] : [file, args];
  };
  // cwd = our temp dir: the postgres user may not be able to read the caller's cwd.
  const execOptions = { cwd: dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } };
  const run = async (bin, args) => {
    const [file, argv] = command(bin, args);
    return execFileAsync(file, argv, execOptions);
  };
  const runSync = (bin, args) => {
    const [file, argv] = command(bin, args);
    execFileSync(file, argv, { ...execOptions, stdio: 'ignore', timeout: 30_000 });
  };

  let started = false;
  let cleaned = false;
  const cleanupSync = () => {
    if (cleaned) return;
    cleaned = true;
    unregister();
    if (started) {
      try {
        runSync('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']);
      } catch {
        // already gone
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const onExit = () => cleanupSync();
  const onSignal = (signal) => {
    cleanupSync();
    // Re-raise so the default action (terminate) happens, unless someone else handles it.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.on('exit', onExit);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  function unregister() {
    process.removeListener('exit', onExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }

  try {
    try {
      await run('initdb', ['-D', dataDir, '-U', USER, '--auth=trust', '-E', 'UTF8', '--no-locale']);
    } catch (err) {
      throw new Error(`initdb failed (${path.join(binDir, 'initdb')}):\n${err.stderr || err.message}`);
    }

    let port;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const serverOptions = [`-p ${port}`, `-k ${shellQuote(dir)}`, ...SERVER_SETTINGS.map((s) => `-c ${s}`)].join(' ');
      started = true; // from here on, cleanup tries to stop a server (harmless if none)
      try {
        await run('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-o', serverOptions, 'start']);
        break;
      } catch (err) {
        const serverLog = tail(logFile);
        // Someone grabbed the port between our probe and the server's bind: retry.
        if (attempt < 3 && /could not (bind|create any TCP\/IP sockets)/i.test(serverLog)) {
          log(`port ${port} was taken, retrying`);
          continue;
        }
        throw new Error(`pg_ctl start failed:\n${err.stderr || err.message}\n--- server log ---\n${serverLog}`);
      }
    }

    const url = `postgres://${USER}@127.0.0.1:${port}/postgres`;
    log(`PostgreSQL (${binDir}) running at ${url}, data in ${dir}`);

    const stop = async () => {
      if (cleaned) return;
      cleaned = true;
      unregister();
      try {
        await run('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']);
      } catch (err) {
        log(`pg_ctl stop failed: ${err.stderr || err.message}`);
      }
      await fs.promises.rm(dir, { recursive: true, force: true });
    };
    return { url, stop };
  } catch (err) {
    cleanupSync();
    throw err;
  }
}

// CLI: print the URL, keep running until killed.
const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  const pg = await startTempPostgres();
  if (!pg) process.exit(1);
  process.stdout.write(`${pg.url}\n`);
  process.stderr.write('[pg-temp] press Ctrl-C to stop\n');
  setInterval(() => {}, 1 << 30); // keep alive; exit/signal handlers clean up
}
