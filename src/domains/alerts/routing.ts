import { Type, type Static } from '@sinclair/typebox';
import { LoadingValue, perApp } from '../../core/cache.js';
import type { AppDeps, Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { fromJson, toJson } from '../../core/json.js';
import { Id, Name, Nullable, Timestamp } from '../../core/schemas.js';
import { iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import { validate } from '../../core/validate.js';
import type { RoutingRulesTable } from '../../db/schema.js';
import { requireAdmin, requireSignedIn, requireTeamRole } from '../accounts/authz.js';
import { findServiceRow, mustFindService } from '../catalog/services.js';
import { anchored, fieldValue, FIELD_PATTERN, isValidRegex, type Matchable } from './matching.js';
import { SEVERITIES, URGENCIES, type Severity, type Urgency } from './model.js';

const Condition = Type.Object(
  {
    field: Type.String({ pattern: FIELD_PATTERN, description: 'severity, source, summary, component, group, class, labels.<name> or details.<path>' }),
    op: Type.Union([Type.Literal('equals'), Type.Literal('not_equals'), Type.Literal('regex'), Type.Literal('exists'), Type.Literal('not_exists')]),
    value: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

const Actions = Type.Object(
  {
    set_service: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Service slug or id to route to' })),
    set_severity: Type.Optional(Type.Union(SEVERITIES.map((s) => Type.Literal(s)))),
    set_urgency: Type.Optional(Type.Union(URGENCIES.map((u) => Type.Literal(u)))),
    drop: Type.Optional(Type.Boolean({ description: 'Discard the event (counted in metrics, not stored)' })),
  },
  { additionalProperties: false },
);

export const RoutingRule = Type.Object({
  id: Id,
  integration_id: Nullable(Id),
  position: Type.Integer(),
  name: Type.String(),
  conditions: Type.Array(Condition),
  actions: Actions,
  enabled: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
type RuleDto = Static<typeof RoutingRule>;

export const RoutingRuleCreate = Type.Object(
  {
    integration_id: Type.Optional(Nullable(Id)),
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    name: Name,
    conditions: Type.Array(Condition, { maxItems: 20 }),
    actions: Actions,
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const RoutingRuleUpdate = Type.Partial(Type.Omit(RoutingRuleCreate, ['integration_id']), { additionalProperties: false });

function toDto(r: RoutingRulesTable): RuleDto {
  return {
    id: r.id,
    integration_id: r.integration_id,
    position: r.position,
    name: r.name,
    conditions: fromJson(r.conditions, []),
    actions: fromJson(r.actions, {}),
    enabled: !!r.enabled,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

/** Global rules are an admin matter; an integration's rules belong to the managers of its service's team. */
async function authorizeScope(uow: Uow, integrationId: string | null): Promise<void> {
  if (!integrationId) return requireAdmin(uow.ctx.actor);
  const integ = await uow.db.selectFrom('integrations').select('service_id').where('id', '=', integrationId).executeTakeFirst();
  if (!integ) throw errors.validation([{ path: '/integration_id', message: 'Unknown integration' }]);
  const svc = await mustFindService(uow.db, integ.service_id);
  await requireTeamRole(uow.db, uow.ctx.actor, svc.team_id, 'manager');
}

async function checkRule(uow: Uow, conditions: RuleDto['conditions'], actions: RuleDto['actions']): Promise<RuleDto['actions']> {
  conditions.forEach((c, i) => {
    if ((c.op === 'equals' || c.op === 'not_equals' || c.op === 'regex') && c.value === undefined) {
      throw errors.validation([{ path: `/conditions/${i}/value`, message: `'${c.op}' needs a value` }]);
    }
    if (c.op === 'regex' && !isValidRegex(c.value!)) throw errors.validation([{ path: `/conditions/${i}/value`, message: 'Invalid regular expression' }]);
  });
  if (actions.set_service) {
    const svc = await findServiceRow(uow.db, actions.set_service);
    if (!svc) throw errors.validation([{ path: '/actions/set_service', message: `Unknown service '${actions.set_service}'` }]);
    return { ...actions, set_service: svc.id };
  }
  return actions;
}

export async function listRoutingRules(ctx: Ctx, query: { integration_id?: unknown }): Promise<{ data: RuleDto[] }> {
  requireSignedIn(ctx.actor);
  let q = ctx.deps.db.selectFrom('routing_rules').selectAll().orderBy('position').orderBy('id');
  if (query.integration_id === 'global') q = q.where('integration_id', 'is', null);
  else if (typeof query.integration_id === 'string' && query.integration_id) q = q.where('integration_id', '=', query.integration_id);
  return { data: (await q.execute()).map(toDto) };
}

export async function createRoutingRule(ctx: Ctx, input: unknown): Promise<RuleDto> {
  const data = validate(RoutingRuleCreate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const integrationId = data.integration_id ?? null;
    await authorizeScope(uow, integrationId);
    const actions = await checkRule(uow, data.conditions, data.actions);
    const row: RoutingRulesTable = {
      id: newId(uow.now.getTime()),
      integration_id: integrationId,
      position: data.position ?? 100,
      name: data.name,
      conditions: toJson(data.conditions),
      actions: toJson(actions),
      enabled: data.enabled === false ? 0 : 1,
      created_at: iso(uow.now),
      updated_at: iso(uow.now),
    };
    await uow.db.insertInto('routing_rules').values(row).execute();
    rulesCache(ctx.deps).clear();
    await uow.audit({ action: 'routing_rule.create', targetType: 'routing_rule', targetId: row.id, after: toDto(row) });
    return toDto(row);
  });
}

async function mustFindRule(uow: Uow, id: string): Promise<RoutingRulesTable> {
  const r = await uow.db.selectFrom('routing_rules').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw errors.notFound('Routing rule', id);
  return r;
}

export async function updateRoutingRule(ctx: Ctx, id: string, input: unknown): Promise<RuleDto> {
  const data = validate(RoutingRuleUpdate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const before = await mustFindRule(uow, id);
    await authorizeScope(uow, before.integration_id);
    const cur = toDto(before);
    const conditions = data.conditions ?? cur.conditions;
    const actions = await checkRule(uow, conditions, data.actions ?? cur.actions);
    const after: RoutingRulesTable = {
      ...before,
      name: data.name ?? before.name,
      position: data.position ?? before.position,
      enabled: data.enabled === undefined ? before.enabled : data.enabled ? 1 : 0,
      conditions: toJson(conditions),
      actions: toJson(actions),
      updated_at: iso(uow.now),
    };
    await uow.db.updateTable('routing_rules').set(after).where('id', '=', id).execute();
    rulesCache(ctx.deps).clear();
    await uow.audit({ action: 'routing_rule.update', targetType: 'routing_rule', targetId: id, before: cur, after: toDto(after) });
    return toDto(after);
  });
}

export async function deleteRoutingRule(ctx: Ctx, id: string): Promise<void> {
  requireSignedIn(ctx.actor);
  await transaction(ctx, async (uow) => {
    const before = await mustFindRule(uow, id);
    await authorizeScope(uow, before.integration_id);
    await uow.db.deleteFrom('routing_rules').where('id', '=', id).execute();
    rulesCache(ctx.deps).clear();
    await uow.audit({ action: 'routing_rule.delete', targetType: 'routing_rule', targetId: id, before: toDto(before) });
  });
}

// ---------- evaluation on the ingest path ----------

interface CompiledRule {
  integrationId: string | null;
  test: (e: Matchable) => boolean;
  actions: RuleDto['actions'];
}

const rulesCache = (deps: AppDeps) =>
  perApp(deps, 'alerts.rules', () => new LoadingValue(() => loadRules(deps), 5000));

async function loadRules(deps: AppDeps): Promise<CompiledRule[]> {
  const rows = await deps.db.selectFrom('routing_rules').selectAll().where('enabled', '=', 1).orderBy('position').orderBy('id').execute();
  return rows.map(compile);
}

function compile(r: RoutingRulesTable): CompiledRule {
  const conds = fromJson<RuleDto['conditions']>(r.conditions, []).map((c) => {
    const re = c.op === 'regex' ? anchored(c.value ?? '') : null;
    return (e: Matchable) => {
      const v = fieldValue(e, c.field);
      switch (c.op) {
        case 'exists':
          return v !== undefined;
        case 'not_exists':
          return v === undefined;
        case 'equals':
          return v === c.value;
        case 'not_equals':
          return v !== c.value;
        case 'regex':
          return v !== undefined && !!re && re.test(v);
      }
    };
  });
  return { integrationId: r.integration_id, test: (e) => conds.every((f) => f(e)), actions: fromJson(r.actions, {}) };
}

async function compiledRules(deps: AppDeps): Promise<CompiledRule[]> {
  return rulesCache(deps).get();
}

export interface RoutingOutcome {
  drop: boolean;
  serviceId: string;
  severity: Severity;
  urgency: Urgency | null;
}

/** First matching rule wins; the integration's own rules are tried before global ones. */
export async function route(deps: AppDeps, integrationId: string, serviceId: string, e: Matchable & { severity: Severity }): Promise<RoutingOutcome> {
  const rules = await compiledRules(deps);
  const out: RoutingOutcome = { drop: false, serviceId, severity: e.severity, urgency: null };
  const match = rules.find((r) => r.integrationId === integrationId && r.test(e)) ?? rules.find((r) => r.integrationId === null && r.test(e));
  if (!match) return out;
  if (match.actions.drop) out.drop = true;
  if (match.actions.set_service) out.serviceId = match.actions.set_service;
  if (match.actions.set_severity) out.severity = match.actions.set_severity;
  if (match.actions.set_urgency) out.urgency = match.actions.set_urgency;
  return out;
}
