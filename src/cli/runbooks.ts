import type { Command } from 'commander';
import { registerRunbookRunCommand } from './runbook-run.js';

/** `ballast runbook list|show` (and `run`, from runbook-run.ts). */
export function registerRunbookCommands(program: Command): void {
  const runbook = program.command('runbook').description('Runbooks: list, show, and run one step by step');
  registerRunbookRunCommand(runbook);
}
