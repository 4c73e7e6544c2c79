import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** Incident status updates, communication templates and next-update reminders. */
export async function up(_db: Kysely<unknown>, _d: Dialect): Promise<void> {
  // Filled in by the module's work.
}
