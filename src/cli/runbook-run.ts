import readline from 'node:readline';
import type { Command } from 'commander';
import { withBackend, type Backend } from './backend.js';

/**
 * Line input that works the same for a person at a terminal and for answers piped into stdin: lines
 * that arrive before a question is asked are queued rather than dropped (readline's question() would
 * lose them), and end of input answers every later question with null.
 */
export interface Prompter {
  ask(question: string): Promise<string | null>;
  close(): void;
}

export function prompter(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Prompter {
  const rl = readline.createInterface({ input, terminal: false });
  const queue: string[] = [];
  const waiters: ((line: string | null) => void)[] = [];
  let ended = false;
  rl.on('line', (line) => {
    const w = waiters.shift();
    if (w) w(line);
    else queue.push(line);
  });
  rl.on('close', () => {
    ended = true;
    for (const w of waiters.splice(0)) w(null);
  });
  return {
    ask(question) {
      output.write(question);
      if (queue.length) return Promise.resolve(queue.shift()!);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => waiters.push(resolve));
    },
    close: () => rl.close(),
  };
}

type Run = any;
type Step = any;

const out = (s = '') => process.stdout.write(s + '\n');
const indent = (text: string, pad = '    ') => text.split('\n').map((l) => pad + l).join('\n');

function duration(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** The same operations as the run page, through the CLI seam (HTTP with BALLAST_URL, services locally). */
const api = (b: Backend) => ({
  start: (body: Record<string, unknown>): Promise<Run> =>
    b.call({ method: 'POST', path: '/api/v1/runbook-runs', body }, async (ctx) => (await import('../domains/runbooks/runs/services.js')).startRun(ctx, body)),
  mark: (runId: string, stepId: string, body: { outcome: string; note?: string }) =>
    b.call({ method: 'POST', path: `/api/v1/runbook-runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(stepId)}`, body }, async (ctx) =>
      (await import('../domains/runbooks/runs/services.js')).markStep(ctx, runId, stepId, body),
    ),
  action: (runId: string, stepId: string) =>
    b.call({ method: 'POST', path: `/api/v1/runbook-runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(stepId)}/http-action`, body: { confirm: true } }, async (ctx) =>
      (await import('../domains/runbooks/runs/http-action.js')).runHttpAction(ctx, runId, stepId, { confirm: true }),
    ),
  finish: (runId: string, body: { outcome: string; note?: string }): Promise<Run> =>
    b.call({ method: 'POST', path: `/api/v1/runbook-runs/${encodeURIComponent(runId)}/finish`, body }, async (ctx) =>
      (await import('../domains/runbooks/runs/services.js')).finishRun(ctx, runId, body),
    ),
});

function showStep(step: Step, total: number): void {
  out('');
  out(`── Step ${step.position + 1}/${total}: ${step.title} ${'─'.repeat(Math.max(3, 60 - step.title.length))}`);
  if (step.instruction) out(indent(step.instruction, '  '));
  if (step.command) {
    out('  Command (run it yourself):');
    out(indent(step.command, '    $ '));
  }
  if (step.expected) out(`  Expected: ${step.expected}`);
  if (step.http_action) out(`  HTTP action: ${step.http_action.method} ${step.http_action.url}`);
}

async function askRequired(p: Prompter, question: string): Promise<string | null> {
  for (;;) {
    const a = await p.ask(question);
    if (a === null) return null;
    if (a.trim()) return a.trim();
    out('  (required)');
  }
}

async function showFailure(p: Prompter, guidance: { on_failure: string; rollback: string } | null): Promise<void> {
  if (!guidance) return;
  out('');
  out('  If this fails:');
  out(indent(guidance.on_failure || '(no guidance written)'));
  if (!guidance.rollback) return;
  const a = await p.ask('  Show the rollback section? [y/N] ');
  if (a && /^y/i.test(a.trim())) {
    out('  Rollback:');
    out(indent(guidance.rollback));
  }
}

/**
 * Walks the steps. Returns 'quit' when the operator stops (or input ends) before the last step.
 * A failed step can be retried (marked again; the history keeps both) or left failed.
 */
async function walk(p: Prompter, ops: ReturnType<typeof api>, run: Run): Promise<'completed' | 'quit'> {
  const steps: Step[] = run.steps;
  for (const step of steps) {
    for (;;) {
      showStep(step, steps.length);
      const choices = step.http_action ? '[d]one / [s]kip / [f]ail / [a]ction (call HTTP) / [q]uit' : '[d]one / [s]kip / [f]ail / [q]uit';
      const raw = await p.ask(`  ${choices} > `);
      if (raw === null) return 'quit';
      const c = raw.trim().toLowerCase()[0];
      if (c === 'q') return 'quit';
      if (c === 'd') {
        await ops.mark(run.id, step.id, { outcome: 'done' });
        out('  ✓ done');
        break;
      }
      if (c === 's') {
        const reason = await askRequired(p, '  Reason for skipping: ');
        if (reason === null) return 'quit';
        await ops.mark(run.id, step.id, { outcome: 'skipped', note: reason });
        out('  → skipped');
        break;
      }
      if (c === 'a' && step.http_action) {
        const ok = await p.ask(`  Call ${step.http_action.method} ${step.http_action.url} now? [y/N] `);
        if (!ok || !/^y/i.test(ok.trim())) continue;
        let r: any;
        try {
          r = await ops.action(run.id, step.id);
        } catch (err) {
          out(`  ✗ ${(err as Error).message}`);
          continue;
        }
        const a = r.action;
        out(`  ${a.result === 'succeeded' ? '✓' : '✗'} ${a.method} ${a.url} → ${a.status_code ?? a.error} in ${a.duration_ms} ms`);
        if (a.response_body) out(indent(a.response_body.slice(0, 500)));
        if (r.mark?.outcome === 'done') break;
        await showFailure(p, r.guidance);
        const next = await p.ask('  [r]etry this step / [c]ontinue / [q]uit > ');
        if (next === null || /^q/i.test(next.trim())) return 'quit';
        if (/^c/i.test(next.trim())) break;
        continue;
      }
      if (c === 'f') {
        const note = await askRequired(p, '  What went wrong: ');
        if (note === null) return 'quit';
        const r = await ops.mark(run.id, step.id, { outcome: 'failed', note });
        out('  ✗ failed');
        await showFailure(p, r.guidance);
        const next = await p.ask('  [r]etry this step / [c]ontinue / [q]uit > ');
        if (next === null || /^q/i.test(next.trim())) return 'quit';
        if (/^c/i.test(next.trim())) break;
        continue;
      }
      out(step.http_action ? '  Answer d, s, f, a or q.' : '  Answer d, s, f or q.');
    }
  }
  return 'completed';
}

function summary(run: Run): string {
  const sym: Record<string, string> = { done: '✓', skipped: '→', failed: '✗' };
  return [
    '',
    `Run ${run.id}: ${run.status} after ${duration(run.duration_ms)} (${run.runbook.title} v${run.version.number}${run.incident ? `, ${run.incident.ref}` : ''})`,
    ...run.steps.map((s: Step) => `  ${sym[s.state?.outcome] ?? '·'} ${s.title}${s.state ? ` — ${s.state.outcome}${s.state.note ? `: ${s.state.note}` : ''} (${s.state.by.label})` : ' — not done'}`),
    `  ${run.progress.done} done, ${run.progress.skipped} skipped, ${run.progress.failed} failed, ${run.progress.pending} not done`,
  ].join('\n');
}

/** `ballast runbook run <slug> [--incident INC-n]`: interactive, step by step, recorded like the UI. */
export function registerRunbookRunCommand(runbook: Command): void {
  runbook
    .command('run')
    .argument('<runbook>', 'runbook slug or id')
    .description('Run a runbook step by step in the terminal, recording each step (answers can be piped into stdin)')
    .option('--incident <ref>', 'attach the run to an incident (INC-<n> or id)')
    .option('--alert-group <id>', 'attach the run to an alert group')
    .option('--json', 'print the finished run as JSON instead of a summary')
    .action(async (slug: string, o: { incident?: string; alertGroup?: string; json?: boolean }) => {
      const p = prompter();
      try {
        await withBackend(async (b) => {
          const ops = api(b);
          const run = await ops.start({ runbook: slug, incident: o.incident, alert_group: o.alertGroup });
          out(`Running ${run.runbook.title} (v${run.version.number})${run.incident ? ` for ${run.incident.ref}: ${run.incident.title}` : ''}`);
          if (run.purpose) out(indent(run.purpose, '  '));
          if (run.prerequisites) out(`  Prerequisites: ${run.prerequisites}`);
          let outcome: 'success' | 'failed' | 'aborted';
          let note: string | undefined;
          if ((await walk(p, ops, run)) === 'quit') {
            outcome = 'aborted';
            note = 'Stopped in the CLI';
          } else {
            const now: Run = await b.call({ method: 'GET', path: `/api/v1/runbook-runs/${encodeURIComponent(run.id)}` }, async (ctx) =>
              (await import('../domains/runbooks/runs/services.js')).getRun(ctx, run.id),
            );
            outcome = now.steps.every((s: Step) => s.state?.outcome === 'done' || s.state?.outcome === 'skipped') ? 'success' : 'failed';
            if (outcome === 'success' && now.verification) {
              out('');
              out('Verify:');
              out(indent(now.verification, '  '));
            }
          }
          const done = await ops.finish(run.id, { outcome, note });
          out(o.json ? JSON.stringify(done, null, 2) : summary(done));
          // Scripts can tell a run that did not succeed from one that did.
          if (outcome !== 'success') process.exitCode = 2;
        });
      } finally {
        p.close();
      }
    });
}
