import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Actor } from '../../../core/actor.js';
import { isPrivileged } from '../../../core/actor.js';
import type { Ctx } from '../../../core/context.js';
import { errors } from '../../../core/errors.js';
import { newId, UUID_RE } from '../../../core/ids.js';
import { fromJson, toJson } from '../../../core/json.js';
import { Id, Name, Slug, Timestamp } from '../../../core/schemas.js';
import { iso } from '../../../core/time.js';
import { transaction, type Uow } from '../../../core/uow.js';
import { validate } from '../../../core/validate.js';
import type { Database } from '../../../db/schema.js';
import { requireSignedIn } from '../../accounts/authz.js';
import { checkTemplateBody, usedVariables } from './render.js';
import type { IncidentUpdateTables } from './tables.js';

type Db = Kysely<Database>;
type TemplateRow = IncidentUpdateTables['communication_templates'];

export const INCIDENT_STATUSES = ['investigating', 'identified', 'mitigated', 'resolved'] as const;

export const Audience = Type.Union([Type.Literal('internal'), Type.Literal('external')], { description: 'internal (responders, stakeholders) or external (customers; the status page shows these)' });
const StatusKey = Type.Union(INCIDENT_STATUSES.map((s) => Type.Literal(s)));
const SeverityKey = Type.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9_-]+$' });
export const TemplateBody = Type.String({ minLength: 1, maxLength: 20_000, description: 'Markdown with {{variables}}' });

export const TemplateCreate = Type.Object(
  {
    slug: Slug,
    name: Name,
    audience: Audience,
    severities: Type.Optional(Type.Array(SeverityKey, { maxItems: 20, description: 'Severity keys the template fits; empty = any' })),
    statuses: Type.Optional(Type.Array(StatusKey, { maxItems: 4, description: 'Incident statuses the template fits; empty = any' })),
    body: TemplateBody,
  },
  { additionalProperties: false },
);
export const TemplateUpdate = Type.Partial(Type.Omit(TemplateCreate, ['slug']), { additionalProperties: false });
export type TemplateCreateT = Static<typeof TemplateCreate>;
export type TemplateUpdateT = Static<typeof TemplateUpdate>;

export const Template = Type.Object({
  id: Id,
  slug: Slug,
  name: Type.String(),
  audience: Audience,
  severities: Type.Array(Type.String()),
  statuses: Type.Array(Type.String()),
  body: Type.String(),
  variables: Type.Array(Type.String(), { description: 'Variables the body uses' }),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type TemplateDto = Static<typeof Template>;

export const TemplateListQuery = Type.Object(
  { audience: Type.Optional(Audience) },
  { additionalProperties: true },
);

export function templateDto(r: TemplateRow): TemplateDto {
  return {
    id: r.id,
    slug: r.slug,
    name: r.name,
    audience: r.audience as TemplateDto['audience'],
    severities: fromJson<string[]>(r.severities, []),
    statuses: fromJson<string[]>(r.statuses, []),
    body: r.body,
    variables: usedVariables(r.body),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export async function findTemplateRow(db: Db, idOrSlug: string): Promise<TemplateRow | undefined> {
  const q = db.selectFrom('communication_templates').selectAll();
  return UUID_RE.test(idOrSlug) ? q.where('id', '=', idOrSlug).executeTakeFirst() : q.where('slug', '=', idOrSlug).executeTakeFirst();
}

export async function mustFindTemplate(db: Db, idOrSlug: string): Promise<TemplateRow> {
  const r = await findTemplateRow(db, idOrSlug);
  if (!r) throw errors.notFound('Communication template', idOrSlug);
  return r;
}

/** Templates are shared wording for everyone: admins and managers of any team edit them. */
export async function requireTemplateEditor(db: Db, actor: Actor): Promise<void> {
  requireSignedIn(actor);
  if (isPrivileged(actor)) return;
  if (actor.kind === 'user') {
    const m = await db.selectFrom('team_members').select('team_id').where('user_id', '=', actor.userId).where('role', '=', 'manager').executeTakeFirst();
    if (m) return;
  }
  throw errors.forbidden('Only administrators and team managers can edit communication templates');
}

/** Severity keys must name defined severities (matched case-insensitively, stored as defined). */
async function canonicalSeverities(db: Db, keys: string[] | undefined, path: string): Promise<string[] | undefined> {
  if (keys === undefined) return undefined;
  const defined = await db.selectFrom('incident_severities').select('key').execute();
  const out: string[] = [];
  const unknown: string[] = [];
  for (const k of keys) {
    const hit = defined.find((d) => d.key.toLowerCase() === k.toLowerCase());
    if (hit) {
      if (!out.includes(hit.key)) out.push(hit.key);
    } else unknown.push(k);
  }
  if (unknown.length) throw errors.validation([{ path, message: `Unknown severity: ${unknown.join(', ')}` }]);
  return out;
}

export async function listTemplates(ctx: Ctx, query: { audience?: unknown }): Promise<{ data: TemplateDto[] }> {
  requireSignedIn(ctx.actor);
  const q = validate(TemplateListQuery, query);
  let sel = ctx.deps.db.selectFrom('communication_templates').selectAll().orderBy('audience').orderBy('slug');
  if (q.audience) sel = sel.where('audience', '=', q.audience);
  return { data: (await sel.execute()).map(templateDto) };
}

export async function getTemplate(ctx: Ctx, idOrSlug: string): Promise<TemplateDto> {
  requireSignedIn(ctx.actor);
  return templateDto(await mustFindTemplate(ctx.deps.db, idOrSlug));
}

export async function createTemplateIn(uow: Uow, data: TemplateCreateT, path = ''): Promise<TemplateDto> {
  await requireTemplateEditor(uow.db, uow.ctx.actor);
  checkTemplateBody(data.body, `${path}/body`);
  // `/communication-templates/variables` is the variable list, so no template can be reached by that slug.
  if (data.slug === 'variables') throw errors.validation([{ path: `${path}/slug`, message: "'variables' is reserved" }]);
  if (await findTemplateRow(uow.db, data.slug)) throw errors.conflict(`Communication template '${data.slug}' already exists`, { field: 'slug' });
  const row: TemplateRow = {
    id: newId(uow.now.getTime()),
    slug: data.slug,
    name: data.name,
    audience: data.audience,
    severities: toJson((await canonicalSeverities(uow.db, data.severities, `${path}/severities`)) ?? []),
    statuses: toJson([...new Set(data.statuses ?? [])]),
    body: data.body,
    created_at: iso(uow.now),
    updated_at: iso(uow.now),
  };
  await uow.db.insertInto('communication_templates').values(row).execute();
  const dto = templateDto(row);
  await uow.audit({ action: 'communication_template.create', targetType: 'communication_template', targetId: row.id, after: dto });
  await uow.emit('communication_template.created', 'communication_template', row.id, { slug: row.slug });
  return dto;
}

export async function updateTemplateIn(uow: Uow, idOrSlug: string, data: TemplateUpdateT, path = ''): Promise<TemplateDto> {
  await requireTemplateEditor(uow.db, uow.ctx.actor);
  const row = await mustFindTemplate(uow.db, idOrSlug);
  const before = templateDto(row);
  const patch: Partial<TemplateRow> = {};
  if (data.body !== undefined) {
    checkTemplateBody(data.body, `${path}/body`);
    patch.body = data.body;
  }
  if (data.name !== undefined) patch.name = data.name;
  if (data.audience !== undefined) patch.audience = data.audience;
  if (data.severities !== undefined) patch.severities = toJson(await canonicalSeverities(uow.db, data.severities, `${path}/severities`));
  if (data.statuses !== undefined) patch.statuses = toJson([...new Set(data.statuses)]);
  const after = templateDto({ ...row, ...patch });
  if (JSON.stringify(after) === JSON.stringify(before)) return before;
  const updated = { ...patch, updated_at: iso(uow.now) };
  await uow.db.updateTable('communication_templates').set(updated).where('id', '=', row.id).execute();
  const dto = templateDto({ ...row, ...updated });
  await uow.audit({ action: 'communication_template.update', targetType: 'communication_template', targetId: row.id, before, after: dto });
  await uow.emit('communication_template.updated', 'communication_template', row.id, { slug: row.slug });
  return dto;
}

export async function createTemplate(ctx: Ctx, input: unknown): Promise<TemplateDto> {
  const data = validate(TemplateCreate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => createTemplateIn(uow, data));
}

export async function updateTemplate(ctx: Ctx, idOrSlug: string, input: unknown): Promise<TemplateDto> {
  const data = validate(TemplateUpdate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => updateTemplateIn(uow, idOrSlug, data));
}

/** Past updates keep the slug they were written from; deleting a template does not change them. */
export async function deleteTemplate(ctx: Ctx, idOrSlug: string): Promise<void> {
  requireSignedIn(ctx.actor);
  await transaction(ctx, async (uow) => {
    await requireTemplateEditor(uow.db, uow.ctx.actor);
    const row = await mustFindTemplate(uow.db, idOrSlug);
    await uow.db.deleteFrom('communication_templates').where('id', '=', row.id).execute();
    await uow.audit({ action: 'communication_template.delete', targetType: 'communication_template', targetId: row.id, before: templateDto(row) });
    await uow.emit('communication_template.deleted', 'communication_template', row.id, { slug: row.slug });
  });
}
