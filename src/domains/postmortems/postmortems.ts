import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Ctx } from '../../core/context.js';
import { actorLabel } from '../../core/actor.js';
import { errors } from '../../core/errors.js';
import { newId, UUID_RE } from '../../core/ids.js';
import { renderMarkdown } from '../../core/markdown.js';
import { pageRequest, pageResult, type PageResult } from '../../core/pagination.js';
import { Id, Nullable, Timestamp } from '../../core/schemas.js';
import { iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import { validate } from '../../core/validate.js';
import type { Database } from '../../db/schema.js';
import { addTimelineEntry } from '../incidents/timeline.js';
import { canEditIncident, findIncident, incidentRef, mustFindIncident, requireIncidentEditor, requireIncidentViewer, type IncidentRow } from './access.js';
import { ActionItem, resolveUser, toActionItemDtos } from './actionItems.js';
import { addBusinessDays } from './calendar.js';
import { IncidentRef, incidentRefs, PM_STATUSES, toIncidentRef, UserRef, userRefs, type PmStatus } from './model.js';
import { armPostmortemTimer } from './reminders.js';
import { exportMarkdown, prefill, SECTION_KEYS, type SectionKey } from './template.js';
import type { PostmortemTables } from './tables.js';

type Db = Kysely<Database>;
type PmRow = PostmortemTables['postmortems'];

const Section = Type.String({ maxLength: 100_000, description: 'Markdown' });
const Sections = Type.Object(Object.fromEntries(SECTION_KEYS.map((k) => [k, Section])) as Record<SectionKey, typeof Section>);

export const PostmortemSummary = Type.Object({
  id: Id,
  incident: IncidentRef,
  status: Type.String({ description: 'draft | in_review | published' }),
  title: Type.String(),
  author: Nullable(UserRef),
  required: Type.Boolean(),
  auto_created: Type.Boolean(),
  due_at: Type.Union([Timestamp, Type.Null()], { description: "N business days (Mon–Fri, counted in UTC) after resolution, N from the severity's postmortem_due_business_days; null while unresolved" }),
  overdue: Type.Boolean({ description: 'Unpublished and past due_at' }),
  submitted_at: Nullable(Timestamp),
  published_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export const Postmortem = Type.Composite([
  PostmortemSummary,
  Type.Object({
    sections: Sections,
    reviewers: Type.Array(Type.Object({ user: UserRef, added_at: Timestamp })),
    action_items: Type.Array(ActionItem),
    comment_count: Type.Integer(),
    can_edit: Type.Boolean(),
  }),
]);
export type PostmortemSummaryDto = Static<typeof PostmortemSummary>;
export type PostmortemDto = Static<typeof Postmortem>;

export const PostmortemCreate = Type.Object(
  { incident: Type.String({ minLength: 1, maxLength: 100, description: 'Incident id or INC-<n>' }) },
  { additionalProperties: false },
);
export const PostmortemUpdate = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    author: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 254, description: "User id, email or 'me'" }))),
    sections: Type.Optional(Type.Partial(Sections, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export const PostmortemTransition = Type.Object(
  { status: Type.Union(PM_STATUSES.map((s) => Type.Literal(s))) },
  { additionalProperties: false },
);
export const ReviewerAdd = Type.Object({ user: Type.String({ minLength: 1, maxLength: 254, description: "User id, email or 'me'" }) }, { additionalProperties: false });
export const CommentCreate = Type.Object({ body: Type.String({ minLength: 1, maxLength: 20_000, description: 'Markdown' }) }, { additionalProperties: false });
export const Comment = Type.Object({
  id: Id,
  author: Nullable(UserRef),
  author_label: Type.String(),
  body: Type.String({ description: 'Markdown as written' }),
  body_html: Type.String({ description: 'Sanitized HTML rendering of body' }),
  created_at: Timestamp,
});

export const PostmortemQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    status: Type.Optional(Type.String({ description: 'Comma-separated: draft, in_review, published' })),
    overdue: Type.Optional(Type.String({ description: "'true': unpublished and past due" })),
    incident: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

// ---------------------------------------------------------------------------------------------------
// DTOs

const isLate = (r: PmRow, now: Date) => r.status !== 'published' && !!r.due_at && r.due_at <= iso(now);

async function summaries(ctx: Ctx, db: Db, rows: PmRow[]): Promise<PostmortemSummaryDto[]> {
  const users = await userRefs(db, rows.map((r) => r.author_id));
  const incs = await incidentRefs(db, rows.map((r) => r.incident_id));
  const now = ctx.deps.clock.now();
  return rows.map((r) => ({
    id: r.id,
    incident: incs.get(r.incident_id)!,
    status: r.status,
    title: r.title,
    author: r.author_id ? (users.get(r.author_id) ?? null) : null,
    required: r.required === 1,
    auto_created: r.auto_created === 1,
    due_at: r.due_at,
    overdue: isLate(r, now),
    submitted_at: r.submitted_at,
    published_at: r.published_at,
    created_at: r.created_at,
    updated_at: r.updated_at,
  }));
}

async function toDto(ctx: Ctx, db: Db, r: PmRow): Promise<PostmortemDto> {
  const [summary] = await summaries(ctx, db, [r]);
  const reviewers = await db.selectFrom('postmortem_reviewers').selectAll().where('postmortem_id', '=', r.id).orderBy('added_at').execute();
  const users = await userRefs(db, reviewers.map((x) => x.user_id));
  const items = await db.selectFrom('action_items').selectAll().where('incident_id', '=', r.incident_id).orderBy('id').execute();
  const count = await db.selectFrom('postmortem_comments').select((eb) => eb.fn.countAll<number>().as('n')).where('postmortem_id', '=', r.id).executeTakeFirstOrThrow();
  return {
    ...summary!,
    sections: Object.fromEntries(SECTION_KEYS.map((k) => [k, r[k]])) as Record<SectionKey, string>,
    reviewers: reviewers.filter((x) => users.has(x.user_id)).map((x) => ({ user: users.get(x.user_id)!, added_at: x.added_at })),
    action_items: await toActionItemDtos(ctx, db, items),
    comment_count: Number(count.n),
    can_edit: await canEditIncident(db, ctx.actor, r.incident_id),
  };
}

// ---------------------------------------------------------------------------------------------------
// Lookup

/** A postmortem by its id, or by its incident (`INC-<n>` or the incident's id). */
async function findPostmortem(db: Db, ref: string): Promise<PmRow | undefined> {
  if (UUID_RE.test(ref)) {
    const byId = await db.selectFrom('postmortems').selectAll().where('id', '=', ref).executeTakeFirst();
    if (byId) return byId;
  }
  const inc = await findIncident(db, ref);
  return inc ? db.selectFrom('postmortems').selectAll().where('incident_id', '=', inc.id).executeTakeFirst() : undefined;
}

async function mustFindPostmortem(db: Db, ref: string): Promise<PmRow> {
  const row = await findPostmortem(db, ref);
  if (!row) throw errors.notFound('Postmortem', ref);
  return row;
}

// ---------------------------------------------------------------------------------------------------
// Creation

async function severityOf(db: Db, key: string) {
  return db.selectFrom('incident_severities').selectAll().where('key', '=', key).executeTakeFirst();
}

/** Due N business days after resolution (see calendar.ts for the time zone), per the severity definition. */
export async function dueFor(db: Db, incident: IncidentRow): Promise<string | null> {
  if (!incident.resolved_at) return null;
  const sev = await severityOf(db, incident.severity);
  return iso(addBusinessDays(new Date(incident.resolved_at), sev?.postmortem_due_business_days ?? 5));
}

/**
 * Creates the postmortem from the seed template: impact from the incident's record, timeline from its
 * key events. `auto` marks the one created on resolution.
 */
export async function createPostmortemIn(uow: Uow, incident: IncidentRow, opts: { auto: boolean }): Promise<PmRow> {
  const existing = await uow.db.selectFrom('postmortems').select('id').where('incident_id', '=', incident.id).executeTakeFirst();
  if (existing) throw errors.conflict(`${incidentRef(incident.number)} already has a postmortem`, { postmortem_id: existing.id });
  const keyEvents = await uow.db
    .selectFrom('incident_timeline')
    .select(['at', 'summary'])
    .where('incident_id', '=', incident.id)
    .where('key_event', '=', 1)
    .orderBy('at')
    .orderBy('id')
    .execute();
  const sev = await severityOf(uow.db, incident.severity);
  const now = iso(uow.now);
  const row: PmRow = {
    id: newId(uow.now.getTime()),
    incident_id: incident.id,
    status: 'draft',
    title: `Postmortem: ${incidentRef(incident.number)} ${incident.title}`.slice(0, 300),
    ...prefill(incident, keyEvents),
    author_id: uow.ctx.actor.kind === 'user' ? uow.ctx.actor.userId : null,
    required: sev?.requires_postmortem ? 1 : 0,
    auto_created: opts.auto ? 1 : 0,
    due_at: await dueFor(uow.db, incident),
    reminded_at: null,
    submitted_at: null,
    published_at: null,
    created_at: now,
    updated_at: now,
  };
  await uow.db.insertInto('postmortems').values(row).execute();
  // Action items written on the incident before its postmortem existed belong to it now.
  await uow.db.updateTable('action_items').set({ postmortem_id: row.id }).where('incident_id', '=', incident.id).where('postmortem_id', 'is', null).execute();
  await armPostmortemTimer(uow, row);
  await uow.audit({ action: 'postmortem.create', targetType: 'postmortem', targetId: row.id, after: { ...row, summary: undefined, impact: undefined, timeline: undefined } });
  await uow.emit('postmortem.created', 'postmortem', row.id, { incident_id: incident.id, auto: opts.auto });
  await addTimelineEntry(uow, incident.id, {
    kind: 'postmortem_created',
    summary: opts.auto ? `Postmortem draft created (due ${row.due_at?.slice(0, 10) ?? 'after resolution'})` : 'Postmortem started',
    subject: { type: 'postmortem', id: row.id },
  });
  return row;
}

export async function createPostmortem(ctx: Ctx, input: unknown): Promise<PostmortemDto> {
  const data = validate(PostmortemCreate, input);
  const row = await transaction(ctx, async (uow) => {
    const incident = await mustFindIncident(uow.db, data.incident);
    await requireIncidentEditor(uow.db, ctx.actor, incident.id);
    return createPostmortemIn(uow, incident, { auto: false });
  });
  return toDto(ctx, ctx.deps.db, row);
}

/** `incident.resolved`: a required postmortem appears as a draft; an existing unpublished one gets its due time. */
export async function onIncidentResolved(uow: Uow, incidentId: string): Promise<void> {
  const incident = await uow.db.selectFrom('incidents').selectAll().where('id', '=', incidentId).executeTakeFirst();
  if (!incident?.resolved_at) return;
  const pm = await uow.db.selectFrom('postmortems').selectAll().where('incident_id', '=', incidentId).executeTakeFirst();
  if (pm) {
    if (pm.status === 'published') return;
    const sev = await severityOf(uow.db, incident.severity);
    const next = { due_at: await dueFor(uow.db, incident), required: pm.required || (sev?.requires_postmortem ? 1 : 0), reminded_at: null, updated_at: iso(uow.now) };
    await uow.db.updateTable('postmortems').set(next).where('id', '=', pm.id).execute();
    await armPostmortemTimer(uow, { ...pm, ...next });
    return;
  }
  const sev = await severityOf(uow.db, incident.severity);
  if (!sev?.requires_postmortem) return;
  await createPostmortemIn(uow, incident, { auto: true });
}

/** `incident.reopened`: the resolution no longer stands, so neither does the deadline derived from it. */
export async function onIncidentReopened(uow: Uow, incidentId: string): Promise<void> {
  const pm = await uow.db.selectFrom('postmortems').selectAll().where('incident_id', '=', incidentId).executeTakeFirst();
  if (!pm || pm.status === 'published' || !pm.due_at) return;
  await uow.db.updateTable('postmortems').set({ due_at: null, updated_at: iso(uow.now) }).where('id', '=', pm.id).execute();
  await armPostmortemTimer(uow, { ...pm, due_at: null });
}

// ---------------------------------------------------------------------------------------------------
// Reads

export async function getPostmortem(ctx: Ctx, ref: string): Promise<PostmortemDto> {
  requireIncidentViewer(ctx.actor);
  return toDto(ctx, ctx.deps.db, await mustFindPostmortem(ctx.deps.db, ref));
}

export async function listPostmortems(ctx: Ctx, query: Record<string, unknown>): Promise<PageResult<PostmortemSummaryDto>> {
  requireIncidentViewer(ctx.actor);
  const page = pageRequest(query);
  const { db } = ctx.deps;
  const str = (k: string) => (typeof query[k] === 'string' && query[k] !== '' ? (query[k] as string) : undefined);
  // Newest first: the cursor is an exclusive upper bound on the id.
  let q = db.selectFrom('postmortems').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
  if (page.after) q = q.where('id', '<', page.after);
  const status = str('status');
  if (status) {
    const list = status.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = list.find((s) => !(PM_STATUSES as readonly string[]).includes(s));
    if (bad) throw errors.validation([{ path: '/status', message: `Unknown status '${bad}'` }]);
    if (list.length) q = q.where('status', 'in', list);
  }
  const incident = str('incident');
  if (incident) q = q.where('incident_id', '=', (await mustFindIncident(db, incident)).id);
  const overdue = str('overdue');
  if (overdue === 'true' || overdue === '1') q = q.where('status', '!=', 'published').where('due_at', '<=', iso(ctx.deps.clock.now()));
  else if (overdue !== undefined && overdue !== 'false' && overdue !== '0') throw errors.validation([{ path: '/overdue', message: "Expected 'true' or 'false'" }]);
  const rows = await q.execute();
  const dtos = await summaries(ctx, db, rows.slice(0, page.limit));
  return pageResult(rows, page, (r) => r.id, (r) => dtos.find((d) => d.id === r.id)!);
}

// ---------------------------------------------------------------------------------------------------
// Changes

async function editable(uow: Uow, ref: string): Promise<PmRow> {
  const pm = await mustFindPostmortem(uow.db, ref);
  await requireIncidentEditor(uow.db, uow.ctx.actor, pm.incident_id);
  return pm;
}

export async function updatePostmortem(ctx: Ctx, ref: string, input: unknown): Promise<PostmortemDto> {
  const data = validate(PostmortemUpdate, input);
  const row = await transaction(ctx, async (uow) => {
    const before = await editable(uow, ref);
    if (before.status === 'published') throw errors.conflict('A published postmortem is final and cannot be edited', { status: before.status });
    const patch: Partial<PmRow> = { updated_at: iso(uow.now) };
    if (data.title !== undefined) patch.title = data.title;
    if (data.author !== undefined) patch.author_id = data.author ? await resolveUser(ctx, uow.db, data.author, 'author') : null;
    for (const k of SECTION_KEYS) if (data.sections?.[k] !== undefined) patch[k] = data.sections[k];
    await uow.db.updateTable('postmortems').set(patch).where('id', '=', before.id).execute();
    const after = { ...before, ...patch };
    await uow.audit({ action: 'postmortem.update', targetType: 'postmortem', targetId: before.id, before: pick(before, patch), after: pick(after, patch) });
    await uow.emit('postmortem.updated', 'postmortem', before.id, { incident_id: before.incident_id, fields: Object.keys(patch).filter((k) => k !== 'updated_at') });
    return after;
  });
  return toDto(ctx, ctx.deps.db, row);
}

const pick = (r: PmRow, patch: Partial<PmRow>) => Object.fromEntries(Object.keys(patch).map((k) => [k, r[k as keyof PmRow]]));

/** draft → in_review → published, and in_review → draft. Anything else is a 409 with the reason. */
export function transitionProblem(from: string, to: PmStatus, incidentResolved: boolean): string | null {
  if (from === to) return `The postmortem is already ${to.replace('_', ' ')}`;
  if (from === 'published') return 'A published postmortem is final';
  if (from === 'draft' && to === 'published') return 'A draft must go to review (in_review) before it is published';
  if (to === 'published' && !incidentResolved) return 'The incident is not resolved yet';
  return null;
}

export async function transitionPostmortem(ctx: Ctx, ref: string, input: unknown): Promise<PostmortemDto> {
  const { status: to } = validate(PostmortemTransition, input);
  const row = await transaction(ctx, async (uow) => {
    const before = await editable(uow, ref);
    const incident = await uow.db.selectFrom('incidents').selectAll().where('id', '=', before.incident_id).executeTakeFirstOrThrow();
    const problem = transitionProblem(before.status, to, incident.status.toLowerCase() === 'resolved');
    if (problem) throw errors.conflict(problem, { from: before.status, to });
    const now = iso(uow.now);
    const patch: Partial<PmRow> = { status: to, updated_at: now };
    if (to === 'in_review') patch.submitted_at = now;
    if (to === 'published') patch.published_at = now;
    await uow.db.updateTable('postmortems').set(patch).where('id', '=', before.id).execute();
    const after = { ...before, ...patch };
    await armPostmortemTimer(uow, after);
    await uow.audit({ action: `postmortem.${to}`, targetType: 'postmortem', targetId: before.id, before: { status: before.status }, after: { status: to } });
    await uow.emit(`postmortem.${to}`, 'postmortem', before.id, { incident_id: before.incident_id, from: before.status });
    const summary =
      to === 'published' ? `Postmortem published` : to === 'in_review' ? 'Postmortem submitted for review' : 'Postmortem returned to draft';
    await addTimelineEntry(uow, before.incident_id, { kind: `postmortem_${to}`, summary, subject: { type: 'postmortem', id: before.id }, keyEvent: false });
    return after;
  });
  return toDto(ctx, ctx.deps.db, row);
}

export async function addReviewer(ctx: Ctx, ref: string, input: unknown): Promise<PostmortemDto> {
  const data = validate(ReviewerAdd, input);
  const row = await transaction(ctx, async (uow) => {
    const pm = await editable(uow, ref);
    const userId = await resolveUser(ctx, uow.db, data.user, 'user');
    const exists = await uow.db.selectFrom('postmortem_reviewers').select('user_id').where('postmortem_id', '=', pm.id).where('user_id', '=', userId).executeTakeFirst();
    if (!exists) {
      await uow.db.insertInto('postmortem_reviewers').values({ postmortem_id: pm.id, user_id: userId, added_by: ctx.actor.kind === 'user' ? ctx.actor.userId : null, added_at: iso(uow.now) }).execute();
      await uow.audit({ action: 'postmortem.reviewer_add', targetType: 'postmortem', targetId: pm.id, after: { user_id: userId } });
      await uow.emit('postmortem.reviewer_added', 'postmortem', pm.id, { user_id: userId });
    }
    return pm;
  });
  return toDto(ctx, ctx.deps.db, row);
}

export async function removeReviewer(ctx: Ctx, ref: string, userRef: string): Promise<PostmortemDto> {
  const row = await transaction(ctx, async (uow) => {
    const pm = await editable(uow, ref);
    const userId = await resolveUser(ctx, uow.db, userRef, 'user');
    const r = await uow.db.deleteFrom('postmortem_reviewers').where('postmortem_id', '=', pm.id).where('user_id', '=', userId).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw errors.notFound('Reviewer', userRef);
    await uow.audit({ action: 'postmortem.reviewer_remove', targetType: 'postmortem', targetId: pm.id, before: { user_id: userId } });
    await uow.emit('postmortem.reviewer_removed', 'postmortem', pm.id, { user_id: userId });
    return pm;
  });
  return toDto(ctx, ctx.deps.db, row);
}

type CommentRow = PostmortemTables['postmortem_comments'];
async function commentDtos(db: Db, rows: CommentRow[]) {
  const users = await userRefs(db, rows.map((r) => r.author_id));
  return rows.map((r) => ({
    id: r.id,
    author: r.author_id ? (users.get(r.author_id) ?? null) : null,
    author_label: r.author_label,
    body: r.body,
    body_html: renderMarkdown(r.body),
    created_at: r.created_at,
  }));
}

export async function listComments(ctx: Ctx, ref: string) {
  requireIncidentViewer(ctx.actor);
  const pm = await mustFindPostmortem(ctx.deps.db, ref);
  const rows = await ctx.deps.db.selectFrom('postmortem_comments').selectAll().where('postmortem_id', '=', pm.id).orderBy('id').execute();
  return { data: await commentDtos(ctx.deps.db, rows) };
}

/** Reviewers and the incident's responders comment (reviewers may be read-only viewers otherwise). */
export async function addComment(ctx: Ctx, ref: string, input: unknown) {
  const data = validate(CommentCreate, input);
  const row = await transaction(ctx, async (uow) => {
    const pm = await mustFindPostmortem(uow.db, ref);
    const reviewer =
      ctx.actor.kind === 'user' &&
      !!(await uow.db.selectFrom('postmortem_reviewers').select('user_id').where('postmortem_id', '=', pm.id).where('user_id', '=', ctx.actor.userId).executeTakeFirst());
    if (!reviewer) await requireIncidentEditor(uow.db, ctx.actor, pm.incident_id);
    const c: CommentRow = {
      id: newId(uow.now.getTime()),
      postmortem_id: pm.id,
      author_id: ctx.actor.kind === 'user' ? ctx.actor.userId : null,
      author_label: actorLabel(ctx.actor),
      body: data.body,
      created_at: iso(uow.now),
    };
    await uow.db.insertInto('postmortem_comments').values(c).execute();
    await uow.audit({ action: 'postmortem.comment', targetType: 'postmortem', targetId: pm.id, after: { comment_id: c.id } });
    await uow.emit('postmortem.commented', 'postmortem', pm.id, { comment_id: c.id });
    return c;
  });
  return (await commentDtos(ctx.deps.db, [row]))[0]!;
}

export async function exportPostmortem(ctx: Ctx, ref: string): Promise<string> {
  requireIncidentViewer(ctx.actor);
  const { db } = ctx.deps;
  const pm = await mustFindPostmortem(db, ref);
  const incident = await db.selectFrom('incidents').selectAll().where('id', '=', pm.incident_id).executeTakeFirstOrThrow();
  const items = await db.selectFrom('action_items').selectAll().where('incident_id', '=', pm.incident_id).orderBy('id').execute();
  const users = await userRefs(db, [pm.author_id, ...items.map((i) => i.owner_id)]);
  const name = (id: string | null) => (id && users.get(id) ? `${users.get(id)!.name} <${users.get(id)!.email}>` : null);
  return exportMarkdown({
    incident,
    postmortem: pm,
    author: name(pm.author_id),
    actionItems: items.map((i) => ({ title: i.title, owner: name(i.owner_id), due_date: i.due_date, priority: i.priority, status: i.status })),
  });
}

export { toIncidentRef };
