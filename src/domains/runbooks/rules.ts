import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { newId, UUID_RE } from '../../core/ids.js';
import { Id, Nullable, Timestamp } from '../../core/schemas.js';
import { iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import { validate } from '../../core/validate.js';
import type { Database } from '../../db/schema.js';
import { requireAdmin, requireSignedIn, requireTeamRole } from '../accounts/authz.js';
import { findServiceRow } from '../catalog/services.js';
import { findRunbookRow } from './repo.js';
import type { RunbookRulesTable } from './tables.js';

type Db = Kysely<Database>;

/**
 * Runbook lookup rules: "alerts of <service> whose kind matches <pattern> → <runbook>". Evaluated in
 * priority order (lower first), first match wins. A rule for one service is managed by that service's
 * responders; a rule for any service (service null) by admins.
 */
const Pattern = Type.String({ minLength: 1, maxLength: 200, description: 'Glob over the alert kind (class, else alertname, else summary); `*` and `?`, case-insensitive' });
export const RuleCreate = Type.Object(
  {
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 100 })),
    service: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
    alert_pattern: Pattern,
    runbook: Type.String({ minLength: 1, maxLength: 100 }),
  },
  { additionalProperties: false },
);
export const RuleUpdate = Type.Partial(RuleCreate, { additionalProperties: false });

export const Rule = Type.Object({
  id: Id,
  priority: Type.Integer(),
  service: Nullable(Type.Object({ id: Id, slug: Type.String() })),
  alert_pattern: Type.String(),
  runbook: Type.Object({ id: Id, slug: Type.String(), title: Type.String() }),
  created_at: Timestamp,
  updated_at: Timestamp,
});
type RuleDto = Static<typeof Rule>;

async function toDto(db: Db, r: RunbookRulesTable): Promise<RuleDto> {
  const svc = r.service_id ? await db.selectFrom('services').select(['id', 'slug']).where('id', '=', r.service_id).executeTakeFirst() : undefined;
  const rb = await db.selectFrom('runbooks').select(['id', 'slug', 'title']).where('id', '=', r.runbook_id).executeTakeFirstOrThrow();
  return { id: r.id, priority: r.priority, service: svc ?? null, alert_pattern: r.alert_pattern, runbook: rb, created_at: r.created_at, updated_at: r.updated_at };
}

async function mustFindRule(db: Db, id: string): Promise<RunbookRulesTable> {
  const r = UUID_RE.test(id) ? await db.selectFrom('runbook_rules').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!r) throw errors.notFound('Runbook rule', id);
  return r;
}

/** Scoped rules need the responder role on the service's team; global ones need admin. */
async function authorizeScope(uow: Uow, serviceId: string | null): Promise<void> {
  if (serviceId === null) return requireAdmin(uow.ctx.actor);
  const s = await uow.db.selectFrom('services').select('team_id').where('id', '=', serviceId).executeTakeFirstOrThrow();
  await requireTeamRole(uow.db, uow.ctx.actor, s.team_id, 'responder');
}

async function resolve(db: Db, data: { service?: string | null; runbook?: string }) {
  let serviceId: string | null | undefined;
  if (data.service !== undefined) {
    if (data.service === null) serviceId = null;
    else {
      const s = await findServiceRow(db, data.service);
      if (!s) throw errors.validation([{ path: '/service', message: `Unknown service '${data.service}'` }]);
      serviceId = s.id;
    }
  }
  let runbookId: string | undefined;
  if (data.runbook !== undefined) {
    const r = await findRunbookRow(db, data.runbook);
    if (!r) throw errors.validation([{ path: '/runbook', message: `Unknown runbook '${data.runbook}'` }]);
    runbookId = r.id;
  }
  return { serviceId, runbookId };
}

export async function listRules(ctx: Ctx, query: { service?: unknown; runbook?: unknown }) {
  requireSignedIn(ctx.actor);
  let q = ctx.deps.db.selectFrom('runbook_rules').selectAll();
  if (typeof query.service === 'string' && query.service) {
    const s = await findServiceRow(ctx.deps.db, query.service);
    if (!s) return { data: [] };
    q = q.where('service_id', '=', s.id);
  }
  if (typeof query.runbook === 'string' && query.runbook) {
    const r = await findRunbookRow(ctx.deps.db, query.runbook);
    if (!r) return { data: [] };
    q = q.where('runbook_id', '=', r.id);
  }
  const rows = await q.orderBy('priority').orderBy('id').execute();
  const data: RuleDto[] = [];
  for (const r of rows) data.push(await toDto(ctx.deps.db, r));
  return { data };
}

export async function getRule(ctx: Ctx, id: string) {
  requireSignedIn(ctx.actor);
  return toDto(ctx.deps.db, await mustFindRule(ctx.deps.db, id));
}

export async function createRule(ctx: Ctx, input: unknown): Promise<RuleDto> {
  const data = validate(RuleCreate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const { serviceId, runbookId } = await resolve(uow.db, { service: data.service ?? null, runbook: data.runbook });
    await authorizeScope(uow, serviceId ?? null);
    const row: RunbookRulesTable = {
      id: newId(uow.now.getTime()),
      priority: data.priority ?? 100,
      service_id: serviceId ?? null,
      alert_pattern: data.alert_pattern,
      runbook_id: runbookId!,
      created_at: iso(uow.now),
      updated_at: iso(uow.now),
    };
    await uow.db.insertInto('runbook_rules').values(row).execute();
    const after = await toDto(uow.db, row);
    await uow.audit({ action: 'runbook_rule.create', targetType: 'runbook_rule', targetId: row.id, after });
    return after;
  });
}

export async function updateRule(ctx: Ctx, id: string, input: unknown): Promise<RuleDto> {
  const data = validate(RuleUpdate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const cur = await mustFindRule(uow.db, id);
    await authorizeScope(uow, cur.service_id);
    const { serviceId, runbookId } = await resolve(uow.db, data);
    if (serviceId !== undefined && serviceId !== cur.service_id) await authorizeScope(uow, serviceId);
    const before = await toDto(uow.db, cur);
    const patch = {
      priority: data.priority ?? cur.priority,
      service_id: serviceId === undefined ? cur.service_id : serviceId,
      alert_pattern: data.alert_pattern ?? cur.alert_pattern,
      runbook_id: runbookId ?? cur.runbook_id,
      updated_at: iso(uow.now),
    };
    await uow.db.updateTable('runbook_rules').set(patch).where('id', '=', cur.id).execute();
    const after = await toDto(uow.db, { ...cur, ...patch });
    await uow.audit({ action: 'runbook_rule.update', targetType: 'runbook_rule', targetId: cur.id, before, after });
    return after;
  });
}

export async function deleteRule(ctx: Ctx, id: string): Promise<void> {
  requireSignedIn(ctx.actor);
  await transaction(ctx, async (uow) => {
    const cur = await mustFindRule(uow.db, id);
    await authorizeScope(uow, cur.service_id);
    const before = await toDto(uow.db, cur);
    await uow.db.deleteFrom('runbook_rules').where('id', '=', cur.id).execute();
    await uow.audit({ action: 'runbook_rule.delete', targetType: 'runbook_rule', targetId: cur.id, before });
  });
}
