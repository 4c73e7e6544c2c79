import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** On-call handoff reports (one per schedule shift change) and the notes people leave for the next one. */
export async function up(db: Kysely<unknown>, _d: Dialect): Promise<void> {
  await db.schema
    .createTable('handoff_reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('schedule_id', 'text', (c) => c.notNull().references('schedules.id').onDelete('cascade'))
    .addColumn('change_at', 'text', (c) => c.notNull())
    .addColumn('shift_start', 'text', (c) => c.notNull())
    .addColumn('from_user_id', 'text')
    .addColumn('to_user_id', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('handoff_reports_schedule_change_uq', ['schedule_id', 'change_at'])
    .execute();
  await db.schema.createIndex('handoff_reports_to_user_idx').on('handoff_reports').columns(['to_user_id', 'change_at']).execute();

  await db.schema
    .createTable('handoff_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('schedule_id', 'text', (c) => c.notNull().references('schedules.id').onDelete('cascade'))
    .addColumn('author_id', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    /** Set when a report included the note; open notes (null) go into the next report. */
    .addColumn('report_id', 'text')
    .execute();
  await db.schema.createIndex('handoff_notes_open_idx').on('handoff_notes').columns(['schedule_id', 'report_id']).execute();
}
