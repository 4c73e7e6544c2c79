import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { actorLabel, actorUserId } from '../../../core/actor.js';
import type { Ctx } from '../../../core/context.js';
import { errors } from '../../../core/errors.js';
import { newId } from '../../../core/ids.js';
import { renderMarkdown } from '../../../core/markdown.js';
import { pageRequest, type PageResult } from '../../../core/pagination.js';
import { Id, Nullable, Timestamp } from '../../../core/schemas.js';
import { addMs, iso } from '../../../core/time.js';
import { transaction } from '../../../core/uow.js';
import { validate } from '../../../core/validate.js';
import type { Database } from '../../../db/schema.js';
import { requireSignedIn } from '../../accounts/authz.js';
import type { IncidentTables } from '../tables.js';
import { addTimelineEntry } from '../timeline.js';
import { canEditIncident, incidentRef, mustFindIncident, requireIncidentEditor, requireIncidentViewer } from './access.js';
import { renderTemplate } from './render.js';
import { cadencePromise, currentPromise, isResolved, setPromise } from './reminders.js';
import type { IncidentUpdateTables } from './tables.js';
import { Audience, mustFindTemplate, templateDto } from './templates.js';
import { incidentVariables, severityRow } from './variables.js';

type Db = Kysely<Database>;
type IncidentRow = IncidentTables['incidents'];
type UpdateRow = IncidentUpdateTables['incident_updates'];

/** How far ahead a next-update promise may be made. */
const MAX_PROMISE_MS = 7 * 24 * 3_600_000;

const NextUpdate = {
  next_update_at: Type.Optional(Nullable(Timestamp)),
  next_update_in_minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_080, description: 'Alternative to next_update_at: minutes from now' })),
};

export const UpdateCreate = Type.Object(
  {
    audience: Audience,
    body: Type.Optional(Type.String({ minLength: 1, maxLength: 20_000, description: 'Markdown; omit to post the template rendered as is' })),
    template: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Template (slug or id) the text was written from' })),
    ...NextUpdate,
  },
  { additionalProperties: false, description: 'next_update_at defaults to now + the severity’s update interval; null promises nothing' },
);
export type UpdateCreateT = Static<typeof UpdateCreate>;

export const PreviewRequest = Type.Object(
  { template: Type.String({ minLength: 1, maxLength: 100 }), ...NextUpdate },
  { additionalProperties: false },
);

/** Stable shape: the status page (a later module) publishes external updates in this form. */
export const IncidentUpdate = Type.Object({
  id: Id,
  incident: Type.Object({ id: Id, number: Type.Integer(), ref: Type.String(), title: Type.String() }),
  audience: Audience,
  body: Type.String({ description: 'Markdown as written' }),
  body_html: Type.String({ description: 'Sanitized HTML rendering of body' }),
  template: Nullable(Type.String({ description: 'Slug of the template it was written from' })),
  status: Type.String({ description: 'Incident status when posted' }),
  severity: Type.String({ description: 'Incident severity when posted' }),
  next_update_at: Nullable(Timestamp),
  author: Type.Object({ id: Nullable(Id), label: Type.String() }),
  created_at: Timestamp,
});
export type IncidentUpdateDto = Static<typeof IncidentUpdate>;

export const IncidentUpdates = Type.Object({
  incident: Type.Object({
    id: Id,
    ref: Type.String(),
    status: Type.String(),
    severity: Type.String(),
    update_interval_minutes: Nullable(Type.Integer()),
  }),
  data: Type.Array(IncidentUpdate, { description: 'Newest first' }),
  next_update_at: Nullable(Timestamp),
  overdue: Type.Boolean({ description: 'The promised next update time has passed without a newer update' }),
  can_post: Type.Boolean(),
});

export const UpdatePreview = Type.Object({
  template: Type.Object({ slug: Type.String(), name: Type.String(), audience: Audience }),
  audience: Audience,
  body: Type.String(),
  body_html: Type.String(),
  next_update_at: Nullable(Timestamp),
  variables: Type.Record(Type.String(), Type.String()),
});

export const UpdateListQuery = Type.Object(
  {
    audience: Type.Optional(Audience),
    incident: Type.Optional(Type.String({ maxLength: 100, description: 'Incident id or INC-<n>' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: true },
);

async function toDtos(db: Db, rows: UpdateRow[]): Promise<IncidentUpdateDto[]> {
  if (rows.length === 0) return [];
  const incidents = await db.selectFrom('incidents').select(['id', 'number', 'title']).where('id', 'in', [...new Set(rows.map((r) => r.incident_id))]).execute();
  const byId = new Map(incidents.map((i) => [i.id, i]));
  return rows.map((r) => {
    const inc = byId.get(r.incident_id)!;
    return {
      id: r.id,
      incident: { id: inc.id, number: inc.number, ref: incidentRef(inc.number), title: inc.title },
      audience: r.audience as IncidentUpdateDto['audience'],
      body: r.body,
      body_html: renderMarkdown(r.body),
      template: r.template_slug,
      status: r.status,
      severity: r.severity,
      next_update_at: r.next_update_at,
      author: { id: r.author_user_id, label: r.author_label },
      created_at: r.created_at,
    };
  });
}

/** The promise an update makes: explicit time, minutes from now, or the severity's cadence; never after resolution. */
async function resolvePromise(db: Db, incident: IncidentRow, now: Date, input: { next_update_at?: string | null; next_update_in_minutes?: number }): Promise<string | null> {
  if (input.next_update_at !== undefined && input.next_update_in_minutes !== undefined) {
    throw errors.validation([{ path: '/next_update_in_minutes', message: 'Give next_update_at or next_update_in_minutes, not both' }]);
  }
  const explicit: Date | null | undefined =
    input.next_update_in_minutes !== undefined
      ? addMs(now, input.next_update_in_minutes * 60_000)
      : input.next_update_at === undefined || input.next_update_at === null
        ? input.next_update_at
        : new Date(input.next_update_at);
  if (isResolved(incident)) {
    if (explicit) throw errors.conflict('The incident is resolved: no next update is promised after resolution', { field: 'next_update_at' });
    return null;
  }
  if (explicit === null) return null;
  if (explicit === undefined) return cadencePromise(db, incident.severity, now);
  if (explicit.getTime() <= now.getTime()) throw errors.validation([{ path: '/next_update_at', message: 'The next update must be promised for a time in the future' }]);
  if (explicit.getTime() - now.getTime() > MAX_PROMISE_MS) throw errors.validation([{ path: '/next_update_at', message: 'The next update may be promised at most 7 days ahead' }]);
  return iso(explicit);
}

export async function listIncidentUpdates(ctx: Ctx, idOrRef: string) {
  requireSignedIn(ctx.actor);
  const { db } = ctx.deps;
  const incident = await mustFindIncident(db, idOrRef);
  await requireIncidentViewer(db, ctx.actor, incident.id);
  const rows = await db.selectFrom('incident_updates').selectAll().where('incident_id', '=', incident.id).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(500).execute();
  const promise = await currentPromise(db, incident);
  const severity = await severityRow(db, incident.severity);
  return {
    incident: { id: incident.id, ref: incidentRef(incident.number), status: incident.status, severity: incident.severity, update_interval_minutes: severity?.update_interval_minutes ?? null },
    data: await toDtos(db, rows),
    next_update_at: promise,
    overdue: promise !== null && Date.parse(promise) <= ctx.deps.clock.now().getTime(),
    can_post: await canEditIncident(db, ctx.actor, incident.id),
  };
}

/** Updates across incidents, newest first (`?audience=external` is the status page's feed). */
export async function listAllUpdates(ctx: Ctx, query: Record<string, unknown>): Promise<PageResult<IncidentUpdateDto>> {
  requireSignedIn(ctx.actor);
  const q = validate(UpdateListQuery, coerceLimit(query));
  const page = pageRequest(q);
  const { db } = ctx.deps;
  let sel = db.selectFrom('incident_updates').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
  if (page.after) sel = sel.where('id', '<', page.after);
  if (q.audience) sel = sel.where('audience', '=', q.audience);
  if (q.incident) sel = sel.where('incident_id', '=', (await mustFindIncident(db, q.incident)).id);
  const rows = await sel.execute();
  const more = rows.length > page.limit;
  const pageRows = rows.slice(0, page.limit);
  return { data: await toDtos(db, pageRows), next_cursor: more ? Buffer.from(pageRows.at(-1)!.id, 'utf8').toString('base64url') : null };
}

/** Query strings carry numbers as text. */
function coerceLimit(query: Record<string, unknown>): Record<string, unknown> {
  if (typeof query.limit === 'string' && /^\d{1,4}$/.test(query.limit)) return { ...query, limit: Number(query.limit) };
  return query;
}

/** Fills a template with the incident's current values (for the editor; nothing is stored). */
export async function previewUpdate(ctx: Ctx, idOrRef: string, input: unknown) {
  const data = validate(PreviewRequest, input);
  requireSignedIn(ctx.actor);
  const { db } = ctx.deps;
  const incident = await mustFindIncident(db, idOrRef);
  await requireIncidentViewer(db, ctx.actor, incident.id);
  const template = templateDto(await mustFindTemplate(db, data.template));
  const now = ctx.deps.clock.now();
  const promise = await resolvePromise(db, incident, now, data);
  const variables = await incidentVariables(db, incident, promise ? new Date(promise) : null, ctx.deps.config.publicUrl);
  const body = renderTemplate(template.body, variables);
  return {
    template: { slug: template.slug, name: template.name, audience: template.audience },
    audience: template.audience,
    body,
    body_html: renderMarkdown(body),
    next_update_at: promise,
    variables,
  };
}

export async function postUpdate(ctx: Ctx, idOrRef: string, input: unknown): Promise<IncidentUpdateDto> {
  const data = validate(UpdateCreate, input);
  requireSignedIn(ctx.actor);
  if (data.body === undefined && data.template === undefined) throw errors.validation([{ path: '/body', message: 'Write a body, or name a template to post as is' }]);
  return transaction(ctx, async (uow) => {
    const incident = await mustFindIncident(uow.db, idOrRef);
    await requireIncidentEditor(uow.db, uow.ctx.actor, incident.id);
    const template = data.template !== undefined ? templateDto(await mustFindTemplate(uow.db, data.template)) : null;
    const promise = await resolvePromise(uow.db, incident, uow.now, data);
    const body = data.body ?? renderTemplate(template!.body, await incidentVariables(uow.db, incident, promise ? new Date(promise) : null, uow.ctx.deps.config.publicUrl));
    if (!body.trim()) throw errors.validation([{ path: '/body', message: 'The update is empty' }]);
    const row: UpdateRow = {
      id: newId(uow.now.getTime()),
      incident_id: incident.id,
      audience: data.audience,
      body,
      template_slug: template?.slug ?? null,
      status: incident.status,
      severity: incident.severity,
      next_update_at: promise,
      author_user_id: actorUserId(uow.ctx.actor),
      author_label: actorLabel(uow.ctx.actor),
      created_at: iso(uow.now),
    };
    await uow.db.insertInto('incident_updates').values(row).execute();
    const [dto] = await toDtos(uow.db, [row]);
    await addTimelineEntry(uow, incident.id, {
      kind: 'update_posted',
      summary: `${data.audience === 'external' ? 'External' : 'Internal'} status update posted`,
      body,
      data: { update_id: row.id, audience: row.audience, template: row.template_slug, next_update_at: promise },
      subject: { type: 'incident_update', id: row.id },
    });
    await setPromise(uow, incident.id, promise);
    await uow.audit({ action: 'incident.update_post', targetType: 'incident', targetId: incident.id, after: { ...dto!, body_html: undefined } });
    await uow.emit('incident.update_posted', 'incident', incident.id, { update_id: row.id, audience: row.audience, next_update_at: promise });
    return dto!;
  });
}
