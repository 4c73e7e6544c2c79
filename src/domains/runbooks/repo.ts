import type { Kysely } from 'kysely';
import { errors, type FieldProblem } from '../../core/errors.js';
import { UUID_RE } from '../../core/ids.js';
import { fromJson } from '../../core/json.js';
import { addMs, iso } from '../../core/time.js';
import type { Database } from '../../db/schema.js';
import type { RunbookContentT } from './content.js';
import { lastVerifiedAt } from './runs/stats.js';
import type { RunbookSummaryT, RunbookVersionMetaT } from './schemas.js';
import type { RunbooksTable } from './tables.js';

type Db = Kysely<Database>;
const DAY_MS = 86_400_000;

export async function findRunbookRow(db: Db, idOrSlug: string): Promise<RunbooksTable | undefined> {
  const q = db.selectFrom('runbooks').selectAll();
  return UUID_RE.test(idOrSlug) ? q.where('id', '=', idOrSlug).executeTakeFirst() : q.where('slug', '=', idOrSlug).executeTakeFirst();
}

export async function mustFindRunbook(db: Db, idOrSlug: string): Promise<RunbooksTable> {
  const r = await findRunbookRow(db, idOrSlug);
  if (!r) throw errors.notFound('Runbook', idOrSlug);
  return r;
}

export function reviewDueAt(lastReviewedAt: string | null, createdAt: string, cadenceDays: number): string {
  return iso(addMs(new Date(lastReviewedAt ?? createdAt), cadenceDays * DAY_MS));
}

export const isStale = (row: Pick<RunbooksTable, 'review_due_at'>, now: Date) => row.review_due_at <= iso(now);

export const runbookUrl = (publicUrl: string, slug: string) => `${publicUrl}/runbooks/${encodeURIComponent(slug)}`;

/** List items with their team, owner, services and "last verified in a run", loaded in batches. */
export async function summarize(db: Db, rows: RunbooksTable[], now: Date, publicUrl: string): Promise<RunbookSummaryT[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const teamIds = [...new Set(rows.map((r) => r.team_id))];
  const ownerIds = [...new Set(rows.map((r) => r.owner_user_id).filter((x): x is string => !!x))];
  const [teams, owners, services, verified] = await Promise.all([
    db.selectFrom('teams').select(['id', 'slug', 'name']).where('id', 'in', teamIds).execute(),
    ownerIds.length ? db.selectFrom('users').select(['id', 'email', 'name']).where('id', 'in', ownerIds).execute() : Promise.resolve([]),
    db
      .selectFrom('runbook_services as rs')
      .innerJoin('services as s', 's.id', 'rs.service_id')
      .select(['rs.runbook_id', 's.id', 's.slug', 's.name'])
      .where('rs.runbook_id', 'in', ids)
      .orderBy('s.slug')
      .execute(),
    lastVerifiedAt(db, ids),
  ]);
  return rows.map((r) => {
    const team = teams.find((t) => t.id === r.team_id) ?? { id: r.team_id, slug: '?', name: '(deleted team)' };
    const owner = owners.find((u) => u.id === r.owner_user_id) ?? null;
    return {
      id: r.id,
      slug: r.slug,
      title: r.title,
      kind: r.kind as RunbookSummaryT['kind'],
      subkind: (r.subkind as RunbookSummaryT['subkind']) ?? null,
      team,
      owner,
      services: services.filter((s) => s.runbook_id === r.id).map((s) => ({ id: s.id, slug: s.slug, name: s.name })),
      tags: fromJson<string[]>(r.tags, []),
      review_cadence_days: r.review_cadence_days,
      last_reviewed_at: r.last_reviewed_at,
      review_due_at: r.review_due_at,
      stale: isStale(r, now),
      last_verified_at: verified.get(r.id) ?? null,
      current_version: r.current_version,
      step_count: r.step_count,
      url: runbookUrl(publicUrl, r.slug),
      created_at: r.created_at,
      updated_at: r.updated_at,
    };
  });
}

export async function versionRow(db: Db, runbookId: string, number: number) {
  const v = await db.selectFrom('runbook_versions').selectAll().where('runbook_id', '=', runbookId).where('number', '=', number).executeTakeFirst();
  if (!v) throw errors.notFound('Runbook version', String(number));
  return v;
}

export const versionContent = (v: { content: string }) => fromJson<RunbookContentT>(v.content, { purpose: '', prerequisites: '', steps: [], verification: '', rollback: '', contacts: [], related: [] });
export const versionMeta = (v: { meta: string }) =>
  fromJson<RunbookVersionMetaT>(v.meta, { kind: '', subkind: null, team: '', owner: null, services: [], tags: [], review_cadence_days: 0 });

/** Checks a schema can't express: unique step ids, a runbook not relating to itself. */
export function checkContent(content: RunbookContentT, slug: string, base = '/content'): void {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  content.steps.forEach((s, i) => {
    if (seen.has(s.id)) problems.push({ path: `${base}/steps/${i}/id`, message: `Step id '${s.id}' is used twice` });
    seen.add(s.id);
  });
  content.related.forEach((r, i) => {
    if (r === slug) problems.push({ path: `${base}/related/${i}`, message: 'A runbook cannot relate to itself' });
  });
  if (problems.length) throw errors.validation(problems, problems[0]!.message);
}

/** Escapes LIKE wildcards; used with `escape '\'` passed as a parameter. */
export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);
