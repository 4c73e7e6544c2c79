import type { Kysely } from 'kysely';
import { errors } from '../../../core/errors.js';
import { fromJson } from '../../../core/json.js';
import type { Database } from '../../../db/schema.js';
import type { RunbookContentT } from '../content.js';

/**
 * The runs module's read-only view of the runbook library (tables owned by the runbooks module,
 * migration 0010): which runbook a reference names, which team owns it, and a version's content.
 * Kept in this one file so a change in the library's tables is one edit here.
 */
export interface RunbookRef {
  id: string;
  slug: string;
  title: string;
  teamId: string;
  currentVersion: number;
}

export interface VersionRef {
  id: string;
  number: number;
  content: RunbookContentT;
}

const EMPTY: RunbookContentT = { purpose: '', prerequisites: '', steps: [], verification: '', rollback: '', contacts: [], related: [] };

const refColumns = ['id', 'slug', 'title', 'team_id', 'current_version'] as const;
const toRef = (r: { id: string; slug: string; title: string; team_id: string; current_version: number }): RunbookRef => ({
  id: r.id,
  slug: r.slug,
  title: r.title,
  teamId: r.team_id,
  currentVersion: Number(r.current_version),
});

/** A runbook by id or slug (null when there is none). */
export async function findRunbookRef(db: Kysely<Database>, idOrSlug: string): Promise<RunbookRef | null> {
  const row = await db
    .selectFrom('runbooks')
    .select(refColumns)
    .where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug.toLowerCase())]))
    .executeTakeFirst();
  return row ? toRef(row) : null;
}

export async function mustFindRunbookRef(db: Kysely<Database>, idOrSlug: string): Promise<RunbookRef> {
  const r = await findRunbookRef(db, idOrSlug);
  if (!r) throw errors.notFound('Runbook', idOrSlug);
  return r;
}

export async function runbookRefsByIds(db: Kysely<Database>, ids: string[]): Promise<Map<string, RunbookRef>> {
  const out = new Map<string, RunbookRef>();
  if (ids.length === 0) return out;
  const rows = await db.selectFrom('runbooks').select(refColumns).where('id', 'in', [...new Set(ids)]).execute();
  for (const r of rows) out.set(r.id, toRef(r));
  return out;
}

/** Ids of the runbooks owned by any of these teams (for listing runs a member may see). */
export function runbookIdsOfTeams(db: Kysely<Database>, teamIds: string[]) {
  return db.selectFrom('runbooks').select('id').where('team_id', 'in', teamIds.length ? teamIds : ['-']);
}

/** The version a new run pins: the runbook's current one. */
export async function currentVersion(db: Kysely<Database>, runbook: RunbookRef): Promise<VersionRef> {
  const row = await db
    .selectFrom('runbook_versions')
    .select(['id', 'number', 'content'])
    .where('runbook_id', '=', runbook.id)
    .where('number', '=', runbook.currentVersion)
    .executeTakeFirst();
  if (!row) throw errors.conflict('This runbook has no version to run yet');
  return toVersion(row);
}

export async function versionById(db: Kysely<Database>, versionId: string): Promise<VersionRef> {
  const row = await db.selectFrom('runbook_versions').select(['id', 'number', 'content']).where('id', '=', versionId).executeTakeFirst();
  if (!row) throw errors.notFound('Runbook version', versionId);
  return toVersion(row);
}

export async function versionsByIds(db: Kysely<Database>, ids: string[]): Promise<Map<string, VersionRef>> {
  const out = new Map<string, VersionRef>();
  if (ids.length === 0) return out;
  const rows = await db.selectFrom('runbook_versions').select(['id', 'number', 'content']).where('id', 'in', [...new Set(ids)]).execute();
  for (const r of rows) out.set(r.id, toVersion(r));
  return out;
}

function toVersion(row: { id: string; number: number; content: string }): VersionRef {
  return { id: row.id, number: Number(row.number), content: fromJson<RunbookContentT>(row.content, EMPTY) };
}
