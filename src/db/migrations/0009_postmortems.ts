import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** Postmortems, reviewers, comments and action items. */
export async function up(_db: Kysely<unknown>, _d: Dialect): Promise<void> {
  // Filled in by the module's work.
}
