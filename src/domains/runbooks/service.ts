import { sql, type Kysely } from 'kysely';
import { actorLabel, actorUserId } from '../../core/actor.js';
import type { Ctx } from '../../core/context.js';
import { errors, type FieldProblem } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { fromJson, toJson } from '../../core/json.js';
import { iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import { validate } from '../../core/validate.js';
import type { Database } from '../../db/schema.js';
import { requireSignedIn, requireTeamRole } from '../accounts/authz.js';
import { findTeamRow } from '../accounts/teams.js';
import { findUserRow } from '../accounts/users.js';
import { findServiceRow, mustFindService } from '../catalog/services.js';
import type { RunbookContentT } from './content.js';
import { contentHtml, diffVersions, runbookMarkdown, searchText, type RenderInput } from './render.js';
import { checkContent, findRunbookRow, likeEscape, mustFindRunbook, reviewDueAt, summarize, versionContent, versionMeta, versionRow } from './repo.js';
import {
  DEFAULT_REVIEW_CADENCE_DAYS,
  RESERVED_SLUGS,
  RestoreBody,
  ReviewBody,
  RUNBOOK_KINDS,
  RunbookCreate,
  RunbookUpdate,
  SOP_SUBKINDS,
  type RunbookCreateT,
  type RunbookDiffT,
  type RunbookSummaryT,
  type RunbookT,
  type RunbookUpdateT,
  type RunbookVersionMetaT,
} from './schemas.js';
import type { RunbooksTable } from './tables.js';
import { findTemplate, RUNBOOK_TEMPLATES } from './templates.js';

type Db = Kysely<Database>;

/**
 * Runbooks. Reading is open to every signed-in user: runbooks are reference material people need at
 * 3 a.m. whatever team they are on. Changing one needs the responder role (or above) on its owning
 * team, or admin. Every change is audited; every edit of the document is an immutable version.
 */

async function requireEditor(db: Db, ctx: Ctx, teamId: string): Promise<void> {
  await requireTeamRole(db, ctx.actor, teamId, 'responder');
}

function checkKind(kind: string, subkind: string | null | undefined, base = ''): void {
  if (kind === 'sop' && !subkind) throw errors.validation([{ path: `${base}/subkind`, message: `A standard operating procedure needs a subkind (${SOP_SUBKINDS.join(', ')})` }]);
  if (kind !== 'sop' && subkind) throw errors.validation([{ path: `${base}/subkind`, message: 'Only standard operating procedures (kind sop) have a subkind' }]);
}

async function resolveRefs(db: Db, data: { team?: string; owner?: string | null; services?: string[] }, base = '') {
  const problems: FieldProblem[] = [];
  let team: { id: string; slug: string } | undefined;
  if (data.team !== undefined) {
    const t = await findTeamRow(db, data.team);
    if (!t) problems.push({ path: `${base}/team`, message: `Unknown team '${data.team}'` });
    else team = t;
  }
  let owner: { id: string; email: string } | null | undefined;
  if (data.owner !== undefined) {
    if (data.owner === null) owner = null;
    else {
      const u = await findUserRow(db, data.owner);
      if (!u) problems.push({ path: `${base}/owner`, message: `Unknown user '${data.owner}'` });
      else owner = u;
    }
  }
  let services: { id: string; slug: string }[] | undefined;
  if (data.services !== undefined) {
    services = [];
    for (const [i, ref] of data.services.entries()) {
      const s = await findServiceRow(db, ref);
      if (!s) problems.push({ path: `${base}/services/${i}`, message: `Unknown service '${ref}'` });
      else if (!services.some((x) => x.id === s.id)) services.push(s);
    }
  }
  if (problems.length) throw errors.validation(problems, problems[0]!.message);
  return { team, owner, services };
}

async function currentMeta(db: Db, row: RunbooksTable): Promise<RunbookVersionMetaT> {
  const team = await db.selectFrom('teams').select('slug').where('id', '=', row.team_id).executeTakeFirst();
  const owner = row.owner_user_id ? await db.selectFrom('users').select('email').where('id', '=', row.owner_user_id).executeTakeFirst() : undefined;
  const services = await db
    .selectFrom('runbook_services as rs')
    .innerJoin('services as s', 's.id', 'rs.service_id')
    .select('s.slug')
    .where('rs.runbook_id', '=', row.id)
    .orderBy('s.slug')
    .execute();
  return {
    kind: row.kind,
    subkind: row.subkind,
    team: team?.slug ?? row.team_id,
    owner: owner?.email ?? null,
    services: services.map((s) => s.slug),
    tags: fromJson<string[]>(row.tags, []),
    review_cadence_days: row.review_cadence_days,
  };
}

async function insertVersion(uow: Uow, runbookId: string, number: number, title: string, content: RunbookContentT, meta: RunbookVersionMetaT, note: string) {
  await uow.db
    .insertInto('runbook_versions')
    .values({
      id: newId(uow.now.getTime()),
      runbook_id: runbookId,
      number,
      title,
      content: toJson(content),
      meta: toJson(meta),
      change_note: note,
      author_id: actorUserId(uow.ctx.actor),
      author_label: actorLabel(uow.ctx.actor),
      created_at: iso(uow.now),
    })
    .execute();
}

async function replaceServices(db: Db, runbookId: string, serviceIds: string[]) {
  await db.deleteFrom('runbook_services').where('runbook_id', '=', runbookId).execute();
  if (serviceIds.length) await db.insertInto('runbook_services').values(serviceIds.map((service_id) => ({ runbook_id: runbookId, service_id }))).execute();
}

export async function loadRunbook(db: Db, idOrSlug: string, now: Date, publicUrl: string): Promise<RunbookT> {
  const row = await mustFindRunbook(db, idOrSlug);
  const [summary] = await summarize(db, [row], now, publicUrl);
  const v = await versionRow(db, row.id, row.current_version);
  const content = versionContent(v);
  const relatedRows = content.related.length ? await db.selectFrom('runbooks').select(['slug', 'title']).where('slug', 'in', content.related).execute() : [];
  return {
    ...summary!,
    last_reviewed_by: row.last_reviewed_by,
    content,
    html: contentHtml(content),
    related: content.related.map((slug) => {
      const r = relatedRows.find((x) => x.slug === slug);
      return { slug, title: r?.title ?? null, exists: !!r };
    }),
  };
}

const dto = (uow: Uow, id: string) => loadRunbook(uow.db, id, uow.now, uow.ctx.deps.config.publicUrl);

export interface ListQuery {
  q?: unknown;
  service?: unknown;
  team?: unknown;
  kind?: unknown;
  tag?: unknown;
  stale?: unknown;
  limit?: unknown;
}

const str = (v: unknown, path: string, max = 200): string | undefined => {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || v.length > max) throw errors.validation([{ path, message: `Expected a string of at most ${max} characters` }]);
  return v;
};

/** The library: full-text `q` (every word must appear; title matches rank first) and filters. */
export async function listRunbooks(ctx: Ctx, query: ListQuery): Promise<{ data: RunbookSummaryT[] }> {
  requireSignedIn(ctx.actor);
  const db = ctx.deps.db;
  const now = ctx.deps.clock.now();
  const limit = query.limit === undefined || query.limit === '' ? 200 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw errors.validation([{ path: '/limit', message: 'Expected an integer from 1 to 500' }]);
  let q = db.selectFrom('runbooks').selectAll();
  const team = str(query.team, '/team', 100);
  if (team) {
    const t = await findTeamRow(db, team);
    if (!t) return { data: [] };
    q = q.where('team_id', '=', t.id);
  }
  const service = str(query.service, '/service', 100);
  if (service) {
    const s = await findServiceRow(db, service);
    if (!s) return { data: [] };
    q = q.where('id', 'in', db.selectFrom('runbook_services').select('runbook_id').where('service_id', '=', s.id));
  }
  const kind = str(query.kind, '/kind', 40);
  if (kind) {
    if ((RUNBOOK_KINDS as readonly string[]).includes(kind)) q = q.where('kind', '=', kind);
    else if ((SOP_SUBKINDS as readonly string[]).includes(kind)) q = q.where('subkind', '=', kind);
    else throw errors.validation([{ path: '/kind', message: `Expected one of ${[...RUNBOOK_KINDS, ...SOP_SUBKINDS].join(', ')}` }]);
  }
  const tag = str(query.tag, '/tag', 63);
  if (tag) q = q.where(sql<boolean>`tags like ${`%${likeEscape(JSON.stringify(tag.toLowerCase()))}%`} escape ${'\\'}`);
  const stale = str(query.stale, '/stale', 5);
  if (stale !== undefined) {
    if (stale !== 'true' && stale !== 'false') throw errors.validation([{ path: '/stale', message: 'Expected true or false' }]);
    q = q.where('review_due_at', stale === 'true' ? '<=' : '>', iso(now));
  }
  const text = str(query.q, '/q', 200);
  const terms = (text ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, 10);
  for (const term of terms) q = q.where(sql<boolean>`search_text like ${`%${likeEscape(term)}%`} escape ${'\\'}`);
  const rows = await q.orderBy('title').orderBy('id').limit(terms.length ? 2000 : limit).execute();
  if (terms.length) {
    // Title matches first (more matching words first), then tags, then the rest; each alphabetically.
    const score = (r: RunbooksTable) => {
      const title = r.title.toLowerCase();
      const tags = fromJson<string[]>(r.tags, []);
      return terms.filter((t) => title.includes(t)).length * 10 + terms.filter((t) => tags.some((x) => x.includes(t))).length;
    };
    const scored = rows.map((r) => ({ r, s: score(r) }));
    scored.sort((a, b) => b.s - a.s || a.r.title.localeCompare(b.r.title));
    return { data: await summarize(db, scored.slice(0, limit).map((x) => x.r), now, ctx.deps.config.publicUrl) };
  }
  return { data: await summarize(db, rows, now, ctx.deps.config.publicUrl) };
}

export async function getRunbook(ctx: Ctx, idOrSlug: string): Promise<RunbookT> {
  requireSignedIn(ctx.actor);
  return loadRunbook(ctx.deps.db, idOrSlug, ctx.deps.clock.now(), ctx.deps.config.publicUrl);
}

export async function createRunbookIn(uow: Uow, data: RunbookCreateT): Promise<RunbookT> {
  if (RESERVED_SLUGS.includes(data.slug)) throw errors.validation([{ path: '/slug', message: `'${data.slug}' is reserved` }]);
  checkKind(data.kind, data.subkind);
  let content = data.content;
  if (!content) {
    if (!data.template) throw errors.validation([{ path: '/content', message: 'Give the content, or a template to start from' }]);
    const t = findTemplate(data.template);
    if (!t) throw errors.validation([{ path: '/template', message: `Unknown template '${data.template}'` }]);
    content = structuredClone(t.content);
  }
  checkContent(content, data.slug);
  const refs = await resolveRefs(uow.db, { team: data.team, owner: data.owner ?? null, services: data.services ?? [] });
  await requireTeamRole(uow.db, uow.ctx.actor, refs.team!.id, 'responder');
  if (await findRunbookRow(uow.db, data.slug)) throw errors.conflict(`Runbook '${data.slug}' already exists`, { field: 'slug' });
  const now = iso(uow.now);
  const cadence = data.review_cadence_days ?? DEFAULT_REVIEW_CADENCE_DAYS;
  const tags = [...new Set(data.tags ?? [])];
  const id = newId(uow.now.getTime());
  await uow.db
    .insertInto('runbooks')
    .values({
      id,
      slug: data.slug,
      title: data.title,
      kind: data.kind,
      subkind: data.subkind ?? null,
      team_id: refs.team!.id,
      owner_user_id: refs.owner?.id ?? null,
      tags: toJson(tags),
      review_cadence_days: cadence,
      // A new runbook counts as reviewed by its author.
      last_reviewed_at: now,
      last_reviewed_by: actorLabel(uow.ctx.actor),
      review_due_at: reviewDueAt(now, now, cadence),
      review_reminded_for: null,
      current_version: 1,
      step_count: content.steps.length,
      search_text: searchText(data.title, tags, content),
      created_by: actorUserId(uow.ctx.actor),
      created_at: now,
      updated_at: now,
    })
    .execute();
  await replaceServices(uow.db, id, refs.services!.map((s) => s.id));
  const row = await mustFindRunbook(uow.db, id);
  const note = data.change_note ?? (data.template ? `Created from template '${data.template}'` : 'Created');
  await insertVersion(uow, id, 1, data.title, content, await currentMeta(uow.db, row), note);
  const after = await dto(uow, id);
  await uow.audit({ action: 'runbook.create', targetType: 'runbook', targetId: id, after });
  await uow.emit('runbook.created', 'runbook', id, { slug: data.slug, version: 1 });
  return after;
}

export async function createRunbook(ctx: Ctx, input: unknown): Promise<RunbookT> {
  const data = validate(RunbookCreate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => createRunbookIn(uow, data));
}

/**
 * Applies an edit as a new version. `base_version` must be the current version (optimistic
 * concurrency); `null` skips the check (ops-as-code reconciles to the document). An edit that
 * changes nothing creates no version.
 */
export async function updateRunbookIn(uow: Uow, idOrSlug: string, data: Omit<RunbookUpdateT, 'base_version'> & { base_version: number | null }): Promise<{ runbook: RunbookT; changed: boolean }> {
  const row = await mustFindRunbook(uow.db, idOrSlug);
  await requireEditor(uow.db, uow.ctx, row.team_id);
  if (data.base_version !== null && data.base_version !== row.current_version) {
    throw errors.conflict(`The runbook changed since version ${data.base_version} (now version ${row.current_version}); reload and edit again`, {
      current_version: row.current_version,
      base_version: data.base_version,
    });
  }
  const kind = data.kind ?? row.kind;
  const subkind = data.subkind !== undefined ? data.subkind : data.kind !== undefined && data.kind !== 'sop' ? null : row.subkind;
  checkKind(kind, subkind);
  const refs = await resolveRefs(uow.db, { team: data.team, owner: data.owner, services: data.services });
  if (refs.team && refs.team.id !== row.team_id) await requireTeamRole(uow.db, uow.ctx.actor, refs.team.id, 'responder');
  const cur = await versionRow(uow.db, row.id, row.current_version);
  const content = data.content ?? versionContent(cur);
  checkContent(content, row.slug);
  const title = data.title ?? row.title;
  const tags = data.tags ? [...new Set(data.tags)] : fromJson<string[]>(row.tags, []);
  const cadence = data.review_cadence_days ?? row.review_cadence_days;
  const beforeMeta = await currentMeta(uow.db, row);
  const meta: RunbookVersionMetaT = {
    kind,
    subkind: subkind ?? null,
    team: refs.team?.slug ?? beforeMeta.team,
    owner: refs.owner !== undefined ? (refs.owner?.email ?? null) : beforeMeta.owner,
    services: refs.services ? refs.services.map((s) => s.slug).sort() : beforeMeta.services,
    tags,
    review_cadence_days: cadence,
  };
  const before = await dto(uow, row.id);
  const same = title === cur.title && toJson(content) === toJson(versionContent(cur)) && toJson(meta) === toJson(beforeMeta);
  if (same) return { runbook: before, changed: false };
  const next = row.current_version + 1;
  const updated = await uow.db
    .updateTable('runbooks')
    .set({
      title,
      kind,
      subkind: subkind ?? null,
      team_id: refs.team?.id ?? row.team_id,
      owner_user_id: refs.owner !== undefined ? (refs.owner?.id ?? null) : row.owner_user_id,
      tags: toJson(tags),
      review_cadence_days: cadence,
      review_due_at: reviewDueAt(row.last_reviewed_at, row.created_at, cadence),
      current_version: next,
      step_count: content.steps.length,
      search_text: searchText(title, tags, content),
      updated_at: iso(uow.now),
    })
    .where('id', '=', row.id)
    .where('current_version', '=', row.current_version)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) throw errors.conflict('The runbook changed meanwhile; reload and edit again');
  if (refs.services) await replaceServices(uow.db, row.id, refs.services.map((s) => s.id));
  await insertVersion(uow, row.id, next, title, content, meta, data.change_note ?? '');
  const after = await dto(uow, row.id);
  await uow.audit({ action: 'runbook.update', targetType: 'runbook', targetId: row.id, before, after });
  await uow.emit('runbook.updated', 'runbook', row.id, { slug: row.slug, version: next });
  return { runbook: after, changed: true };
}

export async function updateRunbook(ctx: Ctx, idOrSlug: string, input: unknown): Promise<RunbookT> {
  const data = validate(RunbookUpdate, input);
  requireSignedIn(ctx.actor);
  return (await transaction(ctx, (uow) => updateRunbookIn(uow, idOrSlug, data))).runbook;
}

export async function deleteRunbook(ctx: Ctx, idOrSlug: string): Promise<void> {
  requireSignedIn(ctx.actor);
  await transaction(ctx, async (uow) => {
    const row = await mustFindRunbook(uow.db, idOrSlug);
    await requireEditor(uow.db, ctx, row.team_id);
    const before = await dto(uow, row.id);
    await uow.db.deleteFrom('runbook_rules').where('runbook_id', '=', row.id).execute();
    await uow.db.deleteFrom('runbook_services').where('runbook_id', '=', row.id).execute();
    await uow.db.deleteFrom('runbook_versions').where('runbook_id', '=', row.id).execute();
    await uow.db.deleteFrom('runbooks').where('id', '=', row.id).execute();
    await uow.audit({ action: 'runbook.delete', targetType: 'runbook', targetId: row.id, before });
    await uow.emit('runbook.deleted', 'runbook', row.id, { slug: row.slug });
  });
}

/** "Mark reviewed": restarts the review cadence; not a version (the document did not change). */
export async function markReviewed(ctx: Ctx, idOrSlug: string, input: unknown): Promise<RunbookT> {
  const body = validate(ReviewBody, input ?? {});
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const row = await mustFindRunbook(uow.db, idOrSlug);
    await requireEditor(uow.db, ctx, row.team_id);
    const now = iso(uow.now);
    const due = reviewDueAt(now, row.created_at, row.review_cadence_days);
    await uow.db
      .updateTable('runbooks')
      .set({ last_reviewed_at: now, last_reviewed_by: actorLabel(ctx.actor), review_due_at: due, updated_at: now })
      .where('id', '=', row.id)
      .execute();
    await uow.audit({
      action: 'runbook.review',
      targetType: 'runbook',
      targetId: row.id,
      before: { last_reviewed_at: row.last_reviewed_at, review_due_at: row.review_due_at },
      after: { last_reviewed_at: now, review_due_at: due, note: body.note ?? '' },
    });
    await uow.emit('runbook.reviewed', 'runbook', row.id, { slug: row.slug, version: row.current_version });
    return dto(uow, row.id);
  });
}

function versionSummary(v: { number: number; title: string; change_note: string; author_id: string | null; author_label: string; created_at: string }, current: number) {
  return { number: v.number, title: v.title, change_note: v.change_note, author: { id: v.author_id, label: v.author_label }, created_at: v.created_at, current: v.number === current };
}

export async function listVersions(ctx: Ctx, idOrSlug: string) {
  requireSignedIn(ctx.actor);
  const row = await mustFindRunbook(ctx.deps.db, idOrSlug);
  const rows = await ctx.deps.db
    .selectFrom('runbook_versions')
    .select(['number', 'title', 'change_note', 'author_id', 'author_label', 'created_at'])
    .where('runbook_id', '=', row.id)
    .orderBy('number', 'desc')
    .execute();
  return { data: rows.map((v) => versionSummary(v, row.current_version)) };
}

function versionNumber(v: unknown, path: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1) throw errors.validation([{ path, message: 'Expected a version number (1, 2, …)' }]);
  return n;
}

export async function getVersion(ctx: Ctx, idOrSlug: string, n: unknown) {
  requireSignedIn(ctx.actor);
  const row = await mustFindRunbook(ctx.deps.db, idOrSlug);
  const v = await versionRow(ctx.deps.db, row.id, versionNumber(n, '/n'));
  return { ...versionSummary(v, row.current_version), content: versionContent(v), meta: versionMeta(v) };
}

const renderInput = (v: { title: string; content: string; meta: string }): RenderInput => ({ title: v.title, content: versionContent(v), meta: versionMeta(v) });

export async function diffRunbookVersions(ctx: Ctx, idOrSlug: string, query: { from?: unknown; to?: unknown }): Promise<RunbookDiffT> {
  requireSignedIn(ctx.actor);
  const row = await mustFindRunbook(ctx.deps.db, idOrSlug);
  const to = query.to === undefined || query.to === '' ? row.current_version : versionNumber(query.to, '/to');
  const from = query.from === undefined || query.from === '' ? Math.max(1, to - 1) : versionNumber(query.from, '/from');
  const [a, b] = [await versionRow(ctx.deps.db, row.id, from), await versionRow(ctx.deps.db, row.id, to)];
  return diffVersions(from, renderInput(a), to, renderInput(b));
}

/** Makes version n current again as a NEW version (history is never rewritten). Metadata stays as is. */
export async function restoreVersion(ctx: Ctx, idOrSlug: string, n: unknown, input: unknown): Promise<RunbookT> {
  const body = validate(RestoreBody, input ?? {});
  requireSignedIn(ctx.actor);
  const number = versionNumber(n, '/n');
  return transaction(ctx, async (uow) => {
    const row = await mustFindRunbook(uow.db, idOrSlug);
    await requireEditor(uow.db, ctx, row.team_id);
    const v = await versionRow(uow.db, row.id, number);
    const content = versionContent(v);
    const { runbook, changed } = await updateRunbookIn(uow, row.id, {
      base_version: row.current_version,
      title: v.title,
      content,
      change_note: body.change_note ?? `Restored version ${number}`,
    });
    if (changed) await uow.audit({ action: 'runbook.restore', targetType: 'runbook', targetId: row.id, after: { restored: number, version: runbook.current_version } });
    return runbook;
  });
}

export async function exportRunbookMarkdown(ctx: Ctx, idOrSlug: string, version?: unknown): Promise<{ slug: string; markdown: string }> {
  requireSignedIn(ctx.actor);
  const row = await mustFindRunbook(ctx.deps.db, idOrSlug);
  const n = version === undefined || version === '' ? row.current_version : versionNumber(version, '/version');
  const v = await versionRow(ctx.deps.db, row.id, n);
  return { slug: row.slug, markdown: runbookMarkdown({ ...renderInput(v), lastReviewedAt: row.last_reviewed_at }) };
}

export async function listTemplates(ctx: Ctx) {
  requireSignedIn(ctx.actor);
  return { data: RUNBOOK_TEMPLATES.map((t) => ({ key: t.key, title: t.title, description: t.description, kind: t.kind, subkind: t.subkind, tags: t.tags, content: t.content })) };
}

export async function getTemplate(ctx: Ctx, key: string) {
  requireSignedIn(ctx.actor);
  const t = findTemplate(key);
  if (!t) throw errors.notFound('Runbook template', key);
  return t;
}

/** Service runbooks for the service page (by id or slug). */
export async function serviceRunbooks(ctx: Ctx, serviceRef: string): Promise<RunbookSummaryT[]> {
  const svc = await mustFindService(ctx.deps.db, serviceRef);
  const rows = await ctx.deps.db
    .selectFrom('runbooks')
    .selectAll()
    .where('id', 'in', ctx.deps.db.selectFrom('runbook_services').select('runbook_id').where('service_id', '=', svc.id))
    .orderBy('title')
    .execute();
  return summarize(ctx.deps.db, rows, ctx.deps.clock.now(), ctx.deps.config.publicUrl);
}
