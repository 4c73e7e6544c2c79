import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { errors } from '../../../core/errors.js';
import { Description, Name, Slug } from '../../../core/schemas.js';
import type { Uow } from '../../../core/uow.js';
import type { Database } from '../../../db/schema.js';
import { createPolicyIn, findPolicyRow, loadPolicy, setServicePolicyIn, updatePolicyIn } from './policies.js';

/**
 * `escalation_policies:` in the ops document, targets written as in the example:
 *   - slug: payments-default
 *     team: payments
 *     repeat: 1
 *     levels:
 *       - { delay_minutes: 0, targets: ["schedule:payments-primary"] }
 *       - { delay_minutes: 15, targets: ["user:bo@example.com"] }
 * The level delay is the wait after paging that level before the next one.
 */
export const OpsPolicy = Type.Object(
  {
    slug: Slug,
    name: Type.Optional(Name),
    team: Type.Optional(Slug),
    description: Type.Optional(Description),
    repeat: Type.Optional(Type.Integer({ minimum: 0, maximum: 9 })),
    levels: Type.Array(
      Type.Object(
        { delay_minutes: Type.Integer({ minimum: 0, maximum: 1440 }), targets: Type.Array(Type.String({ pattern: '^(user|schedule):.{1,254}$' }), { minItems: 1, maxItems: 20 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20 },
    ),
  },
  { additionalProperties: false },
);
export type OpsPolicyT = Static<typeof OpsPolicy>;

interface Change {
  kind: 'escalation_policy';
  key: string;
  action: 'created' | 'changed' | 'unchanged';
  changes: Record<string, { from: unknown; to: unknown }>;
}

const norm = (levels: OpsPolicyT['levels']) => JSON.stringify(levels.map((l) => ({ d: l.delay_minutes, t: l.targets.map((x) => x.toLowerCase()) })));

async function currentOps(db: Kysely<Database>, slug: string) {
  const p = await loadPolicy(db, slug);
  return {
    name: p.name,
    team: p.team.slug,
    description: p.description,
    repeat: p.repeat,
    levels: p.levels.map((l) => ({ delay_minutes: l.delay_minutes, targets: l.targets.map((t) => t.ref) })),
  };
}

/** Creates or updates each policy; `team` is required only when the policy is new. */
export async function applyPolicies(uow: Uow, policies: OpsPolicyT[]): Promise<Change[]> {
  const out: Change[] = [];
  for (const [i, p] of policies.entries()) {
    if (!(await findPolicyRow(uow.db, p.slug))) {
      if (!p.team) throw errors.validation([{ path: `/document/escalation_policies/${i}/team`, message: 'A new escalation policy needs its owning team' }]);
      await createPolicyIn(uow, { slug: p.slug, name: p.name ?? p.slug, team: p.team, description: p.description, repeat: p.repeat, levels: p.levels });
      out.push({ kind: 'escalation_policy', key: p.slug, action: 'created', changes: {} });
      continue;
    }
    const cur = await currentOps(uow.db, p.slug);
    const changes: Change['changes'] = {};
    if (p.name !== undefined && p.name !== cur.name) changes.name = { from: cur.name, to: p.name };
    if (p.team !== undefined && p.team !== cur.team) changes.team = { from: cur.team, to: p.team };
    if (p.description !== undefined && p.description !== cur.description) changes.description = { from: cur.description, to: p.description };
    if ((p.repeat ?? 0) !== cur.repeat) changes.repeat = { from: cur.repeat, to: p.repeat ?? 0 };
    if (norm(p.levels) !== norm(cur.levels)) changes.levels = { from: cur.levels, to: p.levels };
    if (Object.keys(changes).length) {
      await updatePolicyIn(uow, p.slug, { name: p.name, team: p.team, description: p.description, repeat: p.repeat ?? 0, levels: p.levels });
    }
    out.push({ kind: 'escalation_policy', key: p.slug, action: Object.keys(changes).length ? 'changed' : 'unchanged', changes });
  }
  return out;
}

/** `services[].escalation_policy`: returns the change, or null when it already is that policy. */
export async function reconcileServicePolicy(uow: Uow, serviceId: string, policy: string | null) {
  const before = await uow.db.selectFrom('service_escalation_policies as sp').innerJoin('escalation_policies as p', 'p.id', 'sp.policy_id').select('p.slug').where('sp.service_id', '=', serviceId).executeTakeFirst();
  if ((before?.slug ?? null) === policy) return null;
  await setServicePolicyIn(uow, serviceId, policy);
  return { from: before?.slug ?? null, to: policy };
}

export async function exportPolicies(db: Kysely<Database>): Promise<OpsPolicyT[]> {
  const rows = await db.selectFrom('escalation_policies').select('slug').orderBy('slug').execute();
  const out: OpsPolicyT[] = [];
  for (const r of rows) {
    const c = await currentOps(db, r.slug);
    out.push({ slug: r.slug, name: c.name, team: c.team, ...(c.description ? { description: c.description } : {}), repeat: c.repeat, levels: c.levels });
  }
  return out;
}

export async function servicePolicySlug(db: Kysely<Database>, serviceId: string): Promise<string | null> {
  const row = await db.selectFrom('service_escalation_policies as sp').innerJoin('escalation_policies as p', 'p.id', 'sp.policy_id').select('p.slug').where('sp.service_id', '=', serviceId).executeTakeFirst();
  return row?.slug ?? null;
}
