// Everything a benchmark run starts (child processes, temp dirs, databases) is registered here and undone
// in reverse order on exit, error, signal or deadline.

import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { say } from './log.js';

const cleanups: Array<() => Promise<void> | void> = [];
export const children = new Set<ChildProcess>();
let cleaning: Promise<void> | null = null;

/** Registers an undo step; steps run last-registered first. */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    for (const c of children) killChild(c, 'SIGKILL');
    while (cleanups.length) {
      try {
        await cleanups.pop()!();
      } catch (err) {
        say(`cleanup: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}

export function killChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode === null && child.signalCode === null) {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

let installed = false;

/** SIGINT/SIGTERM clean up and exit 130; process exit SIGKILLs any child still alive. */
export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      say(`${signal}: cleaning up`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
  process.on('exit', () => {
    // Last resort for anything still alive (synchronous only).
    for (const c of children) killChild(c, 'SIGKILL');
  });
}

/** Hard deadline for the whole run: cleans up and exits 2 when exceeded. */
export function setDeadline(deadlineMs: number): void {
  const deadline = setTimeout(() => {
    say(`deadline of ${Math.round(deadlineMs / 1000)} s exceeded; aborting`);
    void cleanupAll().finally(() => process.exit(2));
  }, deadlineMs);
  deadline.unref();
}

/** A fresh temp directory, removed at cleanup unless `keep` (then its path is printed). */
export function tempDir(prefix: string, keep = false): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => (keep ? say(`kept ${dir}`) : fs.rmSync(dir, { recursive: true, force: true })));
  return dir;
}

/** Runs `main`, then cleans up and exits 0 (or logs the error, cleans up and exits 1). */
export function runMain(main: () => Promise<void>): void {
  main()
    .then(async () => {
      await cleanupAll();
      process.exit(0);
    })
    .catch(async (err) => {
      say(err instanceof Error ? (err.stack ?? err.message) : String(err));
      await cleanupAll();
      process.exit(1);
    });
}
