import type { Command } from 'commander';

/** `ballast runbook run <slug> [--incident INC-n]`: interactive, step by step, recorded like the UI. */
export function registerRunbookRunCommand(_runbook: Command): void {}
