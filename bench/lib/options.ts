// Flag parsing helpers for the benchmark scripts: `--flag value` and `--flag=value`, numbers with a
// lower bound, comma-separated lists from a fixed set, and `--help` from the script's header comment.

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Walks argv; `handle` gets each flag and a function that yields its value (inline or the next arg). */
export function eachFlag(argv: string[], handle: (flag: string, value: () => string | undefined, raw: string) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const [flag, inline] = raw.includes('=') ? [raw.slice(0, raw.indexOf('=')), raw.slice(raw.indexOf('=') + 1)] : [raw, undefined];
    const value = () => inline ?? argv[++i];
    handle(flag, value, raw);
  }
}

/** A number >= min, or a thrown error naming the flag. */
export function numberFlag(name: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n < min) throw new Error(`--${name} needs a number >= ${min}`);
  return n;
}

/** A comma-separated list whose every item is one of `allowed`. */
export function listFlag<T extends string>(name: string, v: string | undefined, allowed: readonly T[]): T[] {
  const items = String(v).split(',').map((s) => s.trim()) as T[];
  if (!items.length || !items.every((d) => allowed.includes(d))) {
    throw new Error(`--${name} takes ${allowed.length > 2 ? allowed.slice(0, -1).join(', ') + ' or ' + allowed.at(-1) : allowed.join(', ') + ' or both'}`);
  }
  return items;
}

/** Prints the script's first comment block (up to the first blank line) and exits. */
export function printHelpAndExit(scriptUrl: string): never {
  process.stdout.write(fs.readFileSync(fileURLToPath(scriptUrl), 'utf8').split('\n\n')[0]!.replace(/^\/\/ ?/gm, '') + '\n');
  process.exit(0);
}

/** Options every benchmark script takes. */
export interface CommonOptions {
  serverNodeArgs: string[];
  logLevel: string;
}

/**
 * Handles the flags all benchmarks share (`--server-node-args`, `--log-level`, `--help`) and rejects
 * unknown ones; scripts call it from their `default:` branch.
 */
export function commonFlag(o: CommonOptions, flag: string, value: () => string | undefined, raw: string, scriptUrl: string): void {
  switch (flag) {
    case '--server-node-args':
      o.serverNodeArgs = String(value()).split(/\s+/).filter(Boolean);
      return;
    case '--log-level':
      o.logLevel = String(value());
      return;
    case '--help':
    case '-h':
      printHelpAndExit(scriptUrl);
    default:
      throw new Error(`unknown argument ${raw} (try --help)`);
  }
}
