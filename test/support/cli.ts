// The real `ballast` CLI as a child process (node --import tsx src/cli/main.ts …), for CLI tests.
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `ballast <args>` with `input` on stdin. The child gets this process's environment minus every
 * Ballast setting (so the developer's own BALLAST_URL or DATABASE_URL never leaks in), plus `env`.
 */
export function cli(args: string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(BALLAST_|DATABASE_URL$|PORT$|HOST$|LOG_LEVEL$|NODE_ENV$)/.test(k)) clean[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { ...clean, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}
