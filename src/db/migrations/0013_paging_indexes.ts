import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Indexes for paging at volume:
 * - a notification is looked up by its delivery job's key (is this page already pending?) for every
 *   page; without an index that is a scan of the whole delivery log;
 * - the engine claims urgent kinds (pages) ahead of a backlog of other due jobs, which needs due jobs
 *   of one kind in due order.
 */
export async function up(db: Kysely<unknown>, _d: Dialect): Promise<void> {
  await db.schema.createIndex('notifications_job_key_idx').on('notifications').column('job_key').execute();
  await db.schema.createIndex('engine_jobs_kind_due_idx').on('engine_jobs').columns(['state', 'kind', 'due_at']).execute();
}
