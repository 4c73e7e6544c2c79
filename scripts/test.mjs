// `npm test`: run test/**/*.test.ts with node's test runner (TypeScript via tsx).
//
//   npm test                       all tests
//   npm test -- alerts oncall      only files whose path contains "alerts" or "oncall"
//   npm test -- --test-name-pattern=escalat alerts
//                                  arguments starting with "--" go to node as-is
//                                  (use the --flag=value form)
//
// Unless BALLAST_TEST_PG_URL is set, a throwaway PostgreSQL is started for the
// run (scripts/pg-temp.mjs). Without PostgreSQL, CI fails; locally the
// PostgreSQL variants of the tests are skipped with a warning.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTempPostgres } from './pg-temp.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const inCI = Boolean(process.env.CI);

function say(message) {
  process.stderr.write(`[test] ${message}\n`);
}

function findTestFiles(dir) {
  const found = [];
  const walk = (abs) => {
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const child = path.join(abs, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(path.relative(root, child).split(path.sep).join('/'));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return found.sort();
}

const signalExitCode = (signal) => 128 + (os.constants.signals[signal] ?? 0);

/** The child process currently running, if any. */
let current = null;

/** Run a command with inherited stdio; resolves to its exit code (128+n when killed by a signal). */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', ...options });
    current = child;
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      current = null;
      resolve(code ?? signalExitCode(signal));
    });
  });
}

// Ctrl-C / kill: pass it on to the running child and let the normal path clean up.
// Before any child is running, exit at once (pg-temp's exit hook stops PostgreSQL).
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (current) current.kill(signal);
    else process.exit(signalExitCode(signal));
  });
}

async function main() {
  const args = process.argv.slice(2);
  const nodeFlags = args.filter((a) => a.startsWith('--'));
  const filters = args.filter((a) => !a.startsWith('--'));

  const all = findTestFiles(path.join(root, 'test'));
  const files = filters.length ? all.filter((f) => filters.some((s) => f.includes(s))) : all;
  if (files.length === 0) {
    say(filters.length ? `no test files match ${filters.map((f) => JSON.stringify(f)).join(', ')}` : 'no test files found under test/');
    return 1;
  }

  // Browser tests drive the built UI.
  if (files.some((f) => f.startsWith('test/browser/')) && !fs.existsSync(path.join(root, 'dist/ui/index.html'))) {
    say('dist/ui/index.html is missing; running `npm run build` for the browser tests');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const code = await run(npm, ['run', 'build']);
    if (code !== 0) {
      say(`npm run build failed (exit ${code})`);
      return code;
    }
  }

  const env = { ...process.env, NODE_ENV: 'test' };
  let pg = null;
  if (process.env.BALLAST_TEST_PG_URL) {
    say('using PostgreSQL from BALLAST_TEST_PG_URL');
  } else {
    try {
      pg = await startTempPostgres({ log: (m) => say(`pg: ${m}`) });
    } catch (err) {
      say(`pg: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (pg) {
      env.BALLAST_TEST_PG_URL = pg.url;
    } else {
      delete env.BALLAST_TEST_PG_URL;
      if (inCI) {
        say('ERROR: PostgreSQL is required in CI but could not be started (see above). Failing.');
        return 1;
      }
      const bar = '!'.repeat(78);
      process.stderr.write(
        `\n${bar}\n!! WARNING: could not start PostgreSQL: PostgreSQL tests will be SKIPPED.\n` +
          `!! Install PostgreSQL server binaries (initdb, pg_ctl), or set BALLAST_TEST_PG_URL.\n${bar}\n\n`,
      );
    }
  }

  try {
    return await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '--enable-source-maps', // correct file:line in the "failing tests" recap
        '--test',
        '--test-concurrency=2',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        ...nodeFlags,
        ...files,
      ],
      { env },
    );
  } finally {
    if (pg) await pg.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    say(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
