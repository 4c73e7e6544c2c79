import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { actorUserId } from '../../../core/actor.js';
import type { Ctx } from '../../../core/context.js';
import { errors, type FieldProblem } from '../../../core/errors.js';
import { newId, UUID_RE } from '../../../core/ids.js';
import { fromJson, toJson } from '../../../core/json.js';
import { pageRequest, type PageResult } from '../../../core/pagination.js';
import { Id, Slug, Timestamp } from '../../../core/schemas.js';
import { iso } from '../../../core/time.js';
import { transaction, type Uow } from '../../../core/uow.js';
import { validate } from '../../../core/validate.js';
import type { Database } from '../../../db/schema.js';
import { requireSignedIn, requireTeamRole } from '../../accounts/authz.js';
import { findTeamRow } from '../../accounts/teams.js';
import { canonicalNodes, checkStructure, RESERVED_SLUGS, TreeNode, TreeSpec, type TreeNodeT, type TreeSpecT } from './model.js';
import type { DecisionTreeTables } from './tables.js';

type Db = Kysely<Database>;
type TreeRow = DecisionTreeTables['decision_trees'];

export const TreeCreate = TreeSpec;
export const TreeUpdate = Type.Partial(Type.Omit(TreeSpec, ['slug']), { additionalProperties: false });

export const Tree = Type.Object({
  id: Id,
  slug: Slug,
  title: Type.String(),
  description: Type.String(),
  team: Type.Object({ id: Id, slug: Slug, name: Type.String() }),
  services: Type.Array(Slug),
  tags: Type.Array(Type.String()),
  root: Type.String(),
  nodes: Type.Array(TreeNode),
  version: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type TreeDto = Static<typeof Tree>;

export const TreeSummary = Type.Composite([
  Type.Omit(Tree, ['nodes']),
  Type.Object({ node_count: Type.Integer(), question: Type.String({ description: 'Text of the root node' }) }),
]);
export type TreeSummaryDto = Static<typeof TreeSummary>;

export async function findTreeRow(db: Db, idOrSlug: string): Promise<TreeRow | undefined> {
  const q = db.selectFrom('decision_trees').selectAll();
  return UUID_RE.test(idOrSlug) ? q.where('id', '=', idOrSlug).executeTakeFirst() : q.where('slug', '=', idOrSlug).executeTakeFirst();
}

export async function mustFindTree(db: Db, idOrSlug: string): Promise<TreeRow> {
  const row = await findTreeRow(db, idOrSlug);
  if (!row) throw errors.notFound('Decision tree', idOrSlug);
  return row;
}

async function toDtos(db: Db, rows: TreeRow[]): Promise<TreeDto[]> {
  const teamIds = [...new Set(rows.map((r) => r.team_id))];
  const teams = teamIds.length ? await db.selectFrom('teams').select(['id', 'slug', 'name']).where('id', 'in', teamIds).execute() : [];
  const serviceIds = [...new Set(rows.flatMap((r) => fromJson<string[]>(r.services, [])))];
  const services = serviceIds.length ? await db.selectFrom('services').select(['id', 'slug']).where('id', 'in', serviceIds).execute() : [];
  const slugOf = new Map(services.map((s) => [s.id, s.slug]));
  return rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    title: r.title,
    description: r.description,
    team: teams.find((t) => t.id === r.team_id)!,
    services: fromJson<string[]>(r.services, [])
      .map((id) => slugOf.get(id))
      .filter((s): s is string => !!s)
      .sort(),
    tags: fromJson<string[]>(r.tags, []),
    root: r.root,
    nodes: fromJson<TreeNodeT[]>(r.nodes, []),
    version: r.version,
    created_at: r.created_at,
    updated_at: r.updated_at,
  }));
}

export async function loadTree(db: Db, idOrSlug: string): Promise<TreeDto> {
  return (await toDtos(db, [await mustFindTree(db, idOrSlug)]))[0]!;
}

export function summarize(t: TreeDto): TreeSummaryDto {
  const { nodes, ...rest } = t;
  return { ...rest, node_count: nodes.length, question: nodes.find((n) => n.id === t.root)?.text ?? '' };
}

/** The tree as an apply/export item (the same shape TreeSpec accepts). */
export function toSpec(t: TreeDto): TreeSpecT {
  return {
    slug: t.slug,
    title: t.title,
    ...(t.description ? { description: t.description } : {}),
    team: t.team.slug,
    ...(t.services.length ? { services: t.services } : {}),
    ...(t.tags.length ? { tags: t.tags } : {}),
    root: t.root,
    nodes: t.nodes,
  };
}

export interface Resolved {
  teamId: string;
  serviceIds: string[];
}

/**
 * Everything that makes a tree valid: its graph (model.ts) plus the records it names. A runbook or
 * team a leaf names must exist when the tree is saved (400 naming it), so a walk never ends at an
 * action that cannot be performed; installing an example is the one place that degrades instead
 * (examples.ts). All problems are reported at once, each with its JSON pointer.
 */
export async function checkTree(db: Db, spec: TreeSpecT, base = ''): Promise<Resolved> {
  const problems: FieldProblem[] = [];
  if (RESERVED_SLUGS.has(spec.slug)) problems.push({ path: `${base}/slug`, message: `'${spec.slug}' is reserved` });
  problems.push(...checkStructure(spec, base).problems);
  const team = await findTeamRow(db, spec.team);
  if (!team) problems.push({ path: `${base}/team`, message: `Unknown team '${spec.team}'` });
  const serviceIds: string[] = [];
  for (const [i, s] of (spec.services ?? []).entries()) {
    const row = await db.selectFrom('services').select('id').where('slug', '=', s).executeTakeFirst();
    if (!row) problems.push({ path: `${base}/services/${i}`, message: `Unknown service '${s}'` });
    else if (!serviceIds.includes(row.id)) serviceIds.push(row.id);
  }
  const runbooks = new Map<string, boolean>();
  const teams = new Map<string, boolean>();
  for (const [i, n] of spec.nodes.entries()) {
    const a = n.type === 'action' ? n.action : undefined;
    if (a?.type === 'run_runbook') {
      if (!runbooks.has(a.runbook)) runbooks.set(a.runbook, !!(await db.selectFrom('runbooks').select('id').where('slug', '=', a.runbook).executeTakeFirst()));
      if (!runbooks.get(a.runbook)) problems.push({ path: `${base}/nodes/${i}/action/runbook`, message: `Runbook '${a.runbook}' does not exist` });
    } else if (a?.type === 'escalate') {
      if (!teams.has(a.team)) teams.set(a.team, !!(await findTeamRow(db, a.team)));
      if (!teams.get(a.team)) problems.push({ path: `${base}/nodes/${i}/action/team`, message: `Team '${a.team}' does not exist` });
    }
  }
  if (problems.length) throw errors.validation(problems.slice(0, 50), `Invalid decision tree: ${problems[0]!.message}`);
  return { teamId: team!.id, serviceIds };
}

const sameTags = (tags: string[] | undefined) => [...new Set(tags ?? [])];

export async function listTrees(ctx: Ctx, query: { limit?: unknown; cursor?: unknown; team?: unknown; service?: unknown; tag?: unknown; q?: unknown }): Promise<PageResult<TreeSummaryDto>> {
  requireSignedIn(ctx.actor);
  const page = pageRequest(query);
  const db = ctx.deps.db;
  let q = db.selectFrom('decision_trees').selectAll().orderBy('slug').limit(page.limit + 1);
  if (page.after) q = q.where('slug', '>', page.after);
  if (typeof query.team === 'string' && query.team) {
    const team = await findTeamRow(db, query.team);
    q = q.where('team_id', '=', team?.id ?? '');
  }
  const rows = await q.execute();
  // Tag, service and text filters work on the JSON columns in memory: trees are few, and the page
  // boundary stays on the slug so cursors remain stable.
  const service = typeof query.service === 'string' && query.service ? await db.selectFrom('services').select('id').where('slug', '=', query.service).executeTakeFirst() : null;
  const text = typeof query.q === 'string' ? query.q.trim().toLowerCase() : '';
  const more = rows.length > page.limit;
  const pageRows = more ? rows.slice(0, page.limit) : rows;
  const kept = pageRows.filter(
    (r) =>
      (!(typeof query.tag === 'string' && query.tag) || fromJson<string[]>(r.tags, []).includes(query.tag)) &&
      (!(typeof query.service === 'string' && query.service) || (!!service && fromJson<string[]>(r.services, []).includes(service.id))) &&
      (!text || `${r.slug} ${r.title} ${r.description} ${r.tags}`.toLowerCase().includes(text)),
  );
  const dtos = await toDtos(db, kept);
  const last = pageRows.at(-1);
  return { data: dtos.map(summarize), next_cursor: more && last ? Buffer.from(last.slug, 'utf8').toString('base64url') : null };
}

export async function getTree(ctx: Ctx, idOrSlug: string): Promise<TreeDto> {
  requireSignedIn(ctx.actor);
  return loadTree(ctx.deps.db, idOrSlug);
}

export async function createTreeIn(uow: Uow, spec: TreeSpecT, base = ''): Promise<TreeDto> {
  const team = await findTeamRow(uow.db, spec.team);
  if (team) await requireTeamRole(uow.db, uow.ctx.actor, team.id, 'responder');
  const resolved = await checkTree(uow.db, spec, base);
  await requireTeamRole(uow.db, uow.ctx.actor, resolved.teamId, 'responder');
  if (await findTreeRow(uow.db, spec.slug)) throw errors.conflict(`Decision tree '${spec.slug}' already exists`, { field: 'slug' });
  const now = iso(uow.now);
  const row: TreeRow = {
    id: newId(uow.now.getTime()),
    slug: spec.slug,
    title: spec.title,
    description: spec.description ?? '',
    team_id: resolved.teamId,
    services: toJson(resolved.serviceIds),
    tags: toJson(sameTags(spec.tags)),
    root: spec.root,
    nodes: toJson(canonicalNodes(spec.nodes)),
    version: 1,
    created_by: actorUserId(uow.ctx.actor),
    created_at: now,
    updated_at: now,
  };
  await uow.db.insertInto('decision_trees').values(row).execute();
  const dto = await loadTree(uow.db, row.id);
  await uow.audit({ action: 'decision_tree.create', targetType: 'decision_tree', targetId: row.id, after: dto });
  await uow.emit('decision_tree.created', 'decision_tree', row.id, { slug: row.slug });
  return dto;
}

export async function createTree(ctx: Ctx, input: unknown): Promise<TreeDto> {
  const spec = validate(TreeCreate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => createTreeIn(uow, spec));
}

/**
 * Applies the fields given (omitted ones stay). Editors are responders or above on the owning team;
 * moving the tree to another team needs that role there too.
 */
export async function updateTreeIn(uow: Uow, idOrSlug: string, patch: Static<typeof TreeUpdate>, base = ''): Promise<TreeDto> {
  const before = await loadTree(uow.db, idOrSlug);
  await requireTeamRole(uow.db, uow.ctx.actor, before.team.id, 'responder');
  const cur = toSpec(before);
  const next: TreeSpecT = {
    ...cur,
    ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
    slug: before.slug,
  };
  const resolved = await checkTree(uow.db, next, base);
  if (resolved.teamId !== before.team.id) await requireTeamRole(uow.db, uow.ctx.actor, resolved.teamId, 'responder');
  const graphChanged = JSON.stringify([cur.root, canonicalNodes(cur.nodes)]) !== JSON.stringify([next.root, canonicalNodes(next.nodes)]);
  const changed = graphChanged || JSON.stringify(toSpecNormalized(cur)) !== JSON.stringify(toSpecNormalized(next));
  if (!changed) return before;
  await uow.db
    .updateTable('decision_trees')
    .set({
      title: next.title,
      description: next.description ?? '',
      team_id: resolved.teamId,
      services: toJson(resolved.serviceIds),
      tags: toJson(sameTags(next.tags)),
      root: next.root,
      nodes: toJson(canonicalNodes(next.nodes)),
      version: before.version + 1,
      updated_at: iso(uow.now),
    })
    .where('id', '=', before.id)
    .execute();
  const after = await loadTree(uow.db, before.id);
  await uow.audit({ action: 'decision_tree.update', targetType: 'decision_tree', targetId: before.id, before, after });
  await uow.emit('decision_tree.updated', 'decision_tree', before.id, { slug: before.slug, version: after.version });
  return after;
}

const toSpecNormalized = (s: TreeSpecT) => ({
  title: s.title,
  description: s.description ?? '',
  team: s.team,
  services: [...new Set(s.services ?? [])].sort(),
  tags: sameTags(s.tags),
});

export async function updateTree(ctx: Ctx, idOrSlug: string, input: unknown): Promise<TreeDto> {
  const patch = validate(TreeUpdate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => updateTreeIn(uow, idOrSlug, patch));
}

/** Deleting a tree deletes its walks; the incident timeline keeps the entries the walks recorded. */
export async function deleteTree(ctx: Ctx, idOrSlug: string): Promise<void> {
  requireSignedIn(ctx.actor);
  await transaction(ctx, async (uow) => {
    const before = await loadTree(uow.db, idOrSlug);
    await requireTeamRole(uow.db, ctx.actor, before.team.id, 'responder');
    await uow.db.deleteFrom('decision_tree_walks').where('tree_id', '=', before.id).execute();
    await uow.db.deleteFrom('decision_trees').where('id', '=', before.id).execute();
    await uow.audit({ action: 'decision_tree.delete', targetType: 'decision_tree', targetId: before.id, before });
    await uow.emit('decision_tree.deleted', 'decision_tree', before.id, { slug: before.slug });
  });
}

export const ExportQuery = Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('yaml')])) });

/** One tree as a `decision_trees:` document, ready for `ballast apply`. */
export async function exportTree(ctx: Ctx, idOrSlug: string): Promise<{ decision_trees: TreeSpecT[] }> {
  requireSignedIn(ctx.actor);
  return { decision_trees: [toSpec(await loadTree(ctx.deps.db, idOrSlug))] };
}
