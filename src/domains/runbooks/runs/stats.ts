import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';

/**
 * When each runbook was last verified by a run (the newest run that finished successfully). The
 * runbook library shows it next to the review date. Implemented by the runs module.
 */
export async function lastVerifiedAt(_db: Kysely<Database>, _runbookIds: string[]): Promise<Map<string, string>> {
  return new Map();
}
