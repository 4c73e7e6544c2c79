import type { Command } from 'commander';

/** `ballast incident declare|update|resolve|list|show`. */
export function registerIncidentCommands(_program: Command): void {}
