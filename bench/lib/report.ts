// Report helpers: machine description and plain-text (Markdown-compatible) tables.

import fs from 'node:fs';
import os from 'node:os';
import { r1, r2 } from './stats.js';

export function machine() {
  const cpu = (() => {
    try {
      return /model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? os.cpus()[0]?.model;
    } catch {
      return os.cpus()[0]?.model;
    }
  })();
  return {
    nproc: os.availableParallelism(),
    cpu_model: cpu ?? 'unknown',
    memory_gib: r1(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavg_at_start: os.loadavg().map(r2),
  };
}

export function table(rows: Record<string, unknown>[], cols: string[]): string {
  const cells = rows.map((r) => cols.map((c) => String(r[c] ?? '-')));
  const w = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (v: string[]) => '| ' + v.map((x, i) => x.padEnd(w[i]!)).join(' | ') + ' |';
  return [line(cols), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...cells.map(line)].join('\n');
}
