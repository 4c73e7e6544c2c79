import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Ctx } from '../../../core/context.js';
import { errors } from '../../../core/errors.js';
import { newId, UUID_RE } from '../../../core/ids.js';
import { fromJson, toJson } from '../../../core/json.js';
import { Description, Id, Name, Slug, Timestamp } from '../../../core/schemas.js';
import { iso } from '../../../core/time.js';
import { transaction, type Uow } from '../../../core/uow.js';
import { validate } from '../../../core/validate.js';
import type { Database } from '../../../db/schema.js';
import { requireSignedIn, requireTeamRole } from '../../accounts/authz.js';
import { authorizeTeamMove, mustFindTeam } from '../../accounts/teams.js';
import { findUserRow } from '../../accounts/users.js';
import { mustFindService } from '../../catalog/services.js';

type Db = Kysely<Database>;

export interface Target {
  type: 'user' | 'schedule';
  id: string;
}
export interface Level {
  delay_minutes: number;
  targets: Target[];
}

const TargetRef = Type.String({ pattern: '^(user|schedule):.{1,254}$', description: '"user:<email or id>" or "schedule:<slug or id>"' });
const LevelInput = Type.Object(
  {
    delay_minutes: Type.Integer({ minimum: 0, maximum: 1440, description: 'Minutes to wait after paging this level before the next one' }),
    targets: Type.Array(TargetRef, { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false },
);

export const PolicyCreate = Type.Object(
  {
    slug: Slug,
    name: Name,
    description: Type.Optional(Description),
    team: Type.String({ minLength: 1, maxLength: 100, description: 'Owning team (slug or id)' }),
    repeat: Type.Optional(Type.Integer({ minimum: 0, maximum: 9, description: 'Times to run the whole policy again after the last level' })),
    levels: Type.Array(LevelInput, { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false },
);
export const PolicyUpdate = Type.Partial(Type.Omit(PolicyCreate, ['slug']), { additionalProperties: false });

const TargetOut = Type.Object({ type: Type.Union([Type.Literal('user'), Type.Literal('schedule')]), id: Id, name: Type.String(), ref: Type.String() });
export const Policy = Type.Object({
  id: Id,
  slug: Slug,
  name: Type.String(),
  description: Type.String(),
  team: Type.Object({ id: Id, slug: Slug }),
  repeat: Type.Integer(),
  levels: Type.Array(Type.Object({ delay_minutes: Type.Integer(), targets: Type.Array(TargetOut) })),
  services: Type.Array(Type.Object({ id: Id, slug: Slug })),
  created_at: Timestamp,
  updated_at: Timestamp,
});
type PolicyDto = Static<typeof Policy>;

async function resolveTarget(db: Db, ref: string, path: string): Promise<Target> {
  const [type, value] = [ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 1)];
  if (type === 'user') {
    const u = await findUserRow(db, value);
    if (!u) throw errors.validation([{ path, message: `Unknown user '${value}'` }]);
    return { type: 'user', id: u.id };
  }
  const q = db.selectFrom('schedules').select('id');
  const s = UUID_RE.test(value) ? await q.where('id', '=', value).executeTakeFirst() : await q.where('slug', '=', value).executeTakeFirst();
  if (!s) throw errors.validation([{ path, message: `Unknown schedule '${value}'` }]);
  return { type: 'schedule', id: s.id };
}

async function resolveLevels(db: Db, levels: Static<typeof LevelInput>[]): Promise<Level[]> {
  const out: Level[] = [];
  for (const [i, l] of levels.entries()) {
    const targets: Target[] = [];
    for (const [j, ref] of l.targets.entries()) targets.push(await resolveTarget(db, ref, `/levels/${i}/targets/${j}`));
    out.push({ delay_minutes: l.delay_minutes, targets });
  }
  return out;
}

export async function findPolicyRow(db: Db, idOrSlug: string) {
  const q = db.selectFrom('escalation_policies').selectAll();
  return UUID_RE.test(idOrSlug) ? q.where('id', '=', idOrSlug).executeTakeFirst() : q.where('slug', '=', idOrSlug).executeTakeFirst();
}

async function mustFindPolicy(db: Db, idOrSlug: string) {
  const p = await findPolicyRow(db, idOrSlug);
  if (!p) throw errors.notFound('Escalation policy', idOrSlug);
  return p;
}

export async function loadPolicy(db: Db, idOrSlug: string): Promise<PolicyDto> {
  const p = await mustFindPolicy(db, idOrSlug);
  const team = await db.selectFrom('teams').select(['id', 'slug']).where('id', '=', p.team_id).executeTakeFirstOrThrow();
  const levels = fromJson<Level[]>(p.levels, []);
  const userIds = levels.flatMap((l) => l.targets.filter((t) => t.type === 'user').map((t) => t.id));
  const scheduleIds = levels.flatMap((l) => l.targets.filter((t) => t.type === 'schedule').map((t) => t.id));
  const users = userIds.length ? await db.selectFrom('users').select(['id', 'email', 'name']).where('id', 'in', userIds).execute() : [];
  const schedules = scheduleIds.length ? await db.selectFrom('schedules').select(['id', 'slug', 'name']).where('id', 'in', scheduleIds).execute() : [];
  const services = await db
    .selectFrom('service_escalation_policies as sp')
    .innerJoin('services as s', 's.id', 'sp.service_id')
    .select(['s.id', 's.slug'])
    .where('sp.policy_id', '=', p.id)
    .orderBy('s.slug')
    .execute();
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    description: p.description,
    team,
    repeat: p.repeat,
    levels: levels.map((l) => ({
      delay_minutes: l.delay_minutes,
      targets: l.targets.map((t) => {
        if (t.type === 'user') {
          const u = users.find((x) => x.id === t.id);
          return { ...t, name: u?.name ?? '(deleted user)', ref: `user:${u?.email ?? t.id}` };
        }
        const s = schedules.find((x) => x.id === t.id);
        return { ...t, name: s?.name ?? '(deleted schedule)', ref: `schedule:${s?.slug ?? t.id}` };
      }),
    })),
    services,
    created_at: p.created_at,
    updated_at: p.updated_at,
  };
}

export async function listPolicies(ctx: Ctx): Promise<{ data: PolicyDto[] }> {
  requireSignedIn(ctx.actor);
  const rows = await ctx.deps.db.selectFrom('escalation_policies').select('id').orderBy('slug').execute();
  const data: PolicyDto[] = [];
  for (const r of rows) data.push(await loadPolicy(ctx.deps.db, r.id));
  return { data };
}

export async function getPolicy(ctx: Ctx, idOrSlug: string): Promise<PolicyDto> {
  requireSignedIn(ctx.actor);
  return loadPolicy(ctx.deps.db, idOrSlug);
}

export async function createPolicyIn(uow: Uow, data: Static<typeof PolicyCreate>): Promise<PolicyDto> {
  const team = await mustFindTeam(uow.db, data.team);
  await requireTeamRole(uow.db, uow.ctx.actor, team.id, 'manager');
  if (await findPolicyRow(uow.db, data.slug)) throw errors.conflict(`Escalation policy '${data.slug}' already exists`, { field: 'slug' });
  const levels = await resolveLevels(uow.db, data.levels);
  const row = {
    id: newId(uow.now.getTime()),
    slug: data.slug,
    name: data.name,
    description: data.description ?? '',
    team_id: team.id,
    repeat: data.repeat ?? 0,
    levels: toJson(levels),
    created_at: iso(uow.now),
    updated_at: iso(uow.now),
  };
  await uow.db.insertInto('escalation_policies').values(row).execute();
  const dto = await loadPolicy(uow.db, row.id);
  await uow.audit({ action: 'escalation_policy.create', targetType: 'escalation_policy', targetId: row.id, after: dto });
  await uow.emit('escalation_policy.created', 'escalation_policy', row.id);
  return dto;
}

export async function createPolicy(ctx: Ctx, input: unknown): Promise<PolicyDto> {
  const data = validate(PolicyCreate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => createPolicyIn(uow, data));
}

export async function updatePolicyIn(uow: Uow, idOrSlug: string, data: Static<typeof PolicyUpdate>): Promise<PolicyDto> {
  const before = await loadPolicy(uow.db, idOrSlug);
  await requireTeamRole(uow.db, uow.ctx.actor, before.team.id, 'manager');
  const patch: Record<string, unknown> = {};
  const newTeam = await authorizeTeamMove(uow.db, uow.ctx.actor, before.team.id, data.team);
  if (newTeam) patch.team_id = newTeam;
  if (data.name !== undefined) patch.name = data.name;
  if (data.description !== undefined) patch.description = data.description;
  if (data.repeat !== undefined) patch.repeat = data.repeat;
  if (data.levels !== undefined) patch.levels = toJson(await resolveLevels(uow.db, data.levels));
  if (Object.keys(patch).length === 0) return before;
  await uow.db.updateTable('escalation_policies').set({ ...patch, updated_at: iso(uow.now) }).where('id', '=', before.id).execute();
  const after = await loadPolicy(uow.db, before.id);
  if (JSON.stringify({ ...before, updated_at: '' }) === JSON.stringify({ ...after, updated_at: '' })) return before;
  await uow.audit({ action: 'escalation_policy.update', targetType: 'escalation_policy', targetId: before.id, before, after });
  await uow.emit('escalation_policy.updated', 'escalation_policy', before.id);
  return after;
}

export async function updatePolicy(ctx: Ctx, idOrSlug: string, input: unknown): Promise<PolicyDto> {
  const data = validate(PolicyUpdate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => updatePolicyIn(uow, idOrSlug, data));
}

export async function deletePolicy(ctx: Ctx, idOrSlug: string): Promise<void> {
  requireSignedIn(ctx.actor);
  await transaction(ctx, async (uow) => {
    const before = await loadPolicy(uow.db, idOrSlug);
    await requireTeamRole(uow.db, ctx.actor, before.team.id, 'manager');
    if (before.services.length) {
      throw errors.conflict(`Services still use '${before.slug}'; give them another policy first`, { services: before.services.map((s) => s.slug) });
    }
    await uow.db.deleteFrom('escalation_policies').where('id', '=', before.id).execute();
    await uow.audit({ action: 'escalation_policy.delete', targetType: 'escalation_policy', targetId: before.id, before });
  });
}

export const ServicePolicyPut = Type.Object({ policy: Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()]) }, { additionalProperties: false });

/** Each service has at most one policy; setting null leaves it without paging. */
export async function setServicePolicyIn(uow: Uow, serviceRef: string, policyRef: string | null): Promise<{ service: string; policy: string | null }> {
  const svc = await mustFindService(uow.db, serviceRef);
  await requireTeamRole(uow.db, uow.ctx.actor, svc.team_id, 'manager');
  const current = await uow.db.selectFrom('service_escalation_policies').select('policy_id').where('service_id', '=', svc.id).executeTakeFirst();
  const policy = policyRef ? await mustFindPolicy(uow.db, policyRef) : null;
  if ((current?.policy_id ?? null) === (policy?.id ?? null)) return { service: svc.slug, policy: policy?.slug ?? null };
  await uow.db.deleteFrom('service_escalation_policies').where('service_id', '=', svc.id).execute();
  if (policy) await uow.db.insertInto('service_escalation_policies').values({ service_id: svc.id, policy_id: policy.id }).execute();
  await uow.audit({ action: 'service.escalation_policy', targetType: 'service', targetId: svc.id, before: { policy_id: current?.policy_id ?? null }, after: { policy_id: policy?.id ?? null } });
  return { service: svc.slug, policy: policy?.slug ?? null };
}

export async function setServicePolicy(ctx: Ctx, serviceRef: string, input: unknown) {
  const { policy } = validate(ServicePolicyPut, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => setServicePolicyIn(uow, serviceRef, policy));
}

export async function getServicePolicy(ctx: Ctx, serviceRef: string) {
  requireSignedIn(ctx.actor);
  const svc = await mustFindService(ctx.deps.db, serviceRef);
  const row = await ctx.deps.db.selectFrom('service_escalation_policies').select('policy_id').where('service_id', '=', svc.id).executeTakeFirst();
  return { service: svc.slug, policy: row ? await loadPolicy(ctx.deps.db, row.policy_id) : null };
}

/** Every service with the policy that pages for it (null: alerts page nobody), loading each policy once. */
export async function listServicePolicies(ctx: Ctx) {
  requireSignedIn(ctx.actor);
  const db = ctx.deps.db;
  const rows = await db
    .selectFrom('services as s')
    .leftJoin('service_escalation_policies as sp', 'sp.service_id', 's.id')
    .select(['s.id', 's.slug', 's.name', 'sp.policy_id'])
    .orderBy('s.name')
    .orderBy('s.slug')
    .execute();
  const policies = new Map<string, PolicyDto>();
  for (const id of new Set(rows.map((r) => r.policy_id).filter((x): x is string => !!x))) policies.set(id, await loadPolicy(db, id));
  return { data: rows.map((r) => ({ service: { id: r.id, slug: r.slug, name: r.name }, policy: r.policy_id ? policies.get(r.policy_id)! : null })) };
}
