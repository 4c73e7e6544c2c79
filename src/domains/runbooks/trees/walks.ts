import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { actorLabel, actorUserId } from '../../../core/actor.js';
import type { Ctx } from '../../../core/context.js';
import { errors } from '../../../core/errors.js';
import { newId, UUID_RE } from '../../../core/ids.js';
import { fromJson, toJson } from '../../../core/json.js';
import { pageRequest, type PageResult } from '../../../core/pagination.js';
import { Id, Nullable, Timestamp } from '../../../core/schemas.js';
import { iso } from '../../../core/time.js';
import { transaction, type Uow } from '../../../core/uow.js';
import { validate } from '../../../core/validate.js';
import type { Database } from '../../../db/schema.js';
import { requireSignedIn } from '../../accounts/authz.js';
import { findIncident, mustFindIncident, requireIncidentEditor } from '../../incidents/access.js';
import { addTimelineEntry } from '../../incidents/timeline.js';
import { describeAction, actionSummary, type ActionDescriptor } from './actions.js';
import { NodeId, type TreeNodeT } from './model.js';
import { mustFindTree } from './trees.js';
import type { DecisionTreeTables } from './tables.js';

type Db = Kysely<Database>;
type WalkRow = DecisionTreeTables['decision_tree_walks'];

export interface PathStep {
  node: string;
  question: string;
  answer: string;
  next: string;
  at: string;
  by: string;
}

export interface EscalationRecord {
  at: string;
  by: string;
  team: string;
  via: 'escalation_policy' | 'team_managers';
  policies: string[];
  notified: { id: string; name: string }[];
}

export const WalkStart = Type.Object(
  { incident: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Incident to record the walk on: INC-<n>, <n> or its id' })) },
  { additionalProperties: false },
);
export const WalkAnswer = Type.Object(
  {
    node: NodeId,
    answer: Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Integer({ minimum: 0, maximum: 19 })], { description: 'The answer label, or its index' }),
  },
  { additionalProperties: false },
);
export const WalkQuery = Type.Object({
  tree: Type.Optional(Type.String({ maxLength: 100 })),
  incident: Type.Optional(Type.String({ maxLength: 64 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

const NodeOut = Type.Object({
  id: Type.String(),
  type: Type.Union([Type.Literal('question'), Type.Literal('action')]),
  text: Type.String(),
  answers: Type.Array(Type.Object({ label: Type.String(), next: Type.String() })),
});
export const Walk = Type.Object({
  id: Id,
  tree: Type.Object({ id: Id, slug: Type.String(), title: Type.String(), version: Type.Integer() }),
  incident: Nullable(Type.Object({ id: Id, ref: Type.String(), title: Type.String() })),
  status: Type.Union([Type.Literal('active'), Type.Literal('completed')]),
  current: NodeOut,
  path: Type.Array(Type.Object({ node: Type.String(), question: Type.String(), answer: Type.String(), next: Type.String(), at: Timestamp, by: Type.String() })),
  action: Nullable(Type.Object({ type: Type.String() }, { additionalProperties: true, description: 'What the leaf asks for and the call that performs it' })),
  escalation: Nullable(Type.Object({}, { additionalProperties: true })),
  started_by: Type.String(),
  started_at: Timestamp,
  updated_at: Timestamp,
  completed_at: Nullable(Timestamp),
});
export type WalkDto = Static<typeof Walk>;

const nodesOf = (row: WalkRow) => fromJson<TreeNodeT[]>(row.nodes, []);
const nodeIn = (row: WalkRow, id: string) => nodesOf(row).find((n) => n.id === id);

async function toDto(db: Db, row: WalkRow): Promise<WalkDto> {
  const tree = await db.selectFrom('decision_trees').select(['id', 'slug']).where('id', '=', row.tree_id).executeTakeFirst();
  const incident = row.incident_id ? await db.selectFrom('incidents').select(['id', 'number', 'title']).where('id', '=', row.incident_id).executeTakeFirst() : undefined;
  const current = nodeIn(row, row.current_node)!;
  const path = fromJson<PathStep[]>(row.path, []);
  return {
    id: row.id,
    tree: { id: row.tree_id, slug: tree?.slug ?? '', title: row.title, version: row.tree_version },
    incident: incident ? { id: incident.id, ref: `INC-${incident.number}`, title: incident.title } : null,
    status: row.status as WalkDto['status'],
    current: { id: current.id, type: current.type, text: current.text, answers: current.type === 'question' ? current.answers ?? [] : [] },
    path,
    action: row.status === 'completed' ? await describeAction(db, row, current, path) : null,
    escalation: fromJson<EscalationRecord | null>(row.escalation, null) as WalkDto['escalation'],
    started_by: row.started_by_label,
    started_at: row.started_at,
    updated_at: row.updated_at,
    completed_at: row.completed_at,
  };
}

export async function mustFindWalk(db: Db, id: string): Promise<WalkRow> {
  const row = UUID_RE.test(id) ? await db.selectFrom('decision_tree_walks').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw errors.notFound('Walk', id);
  return row;
}

/** Anyone signed in may walk a tree; recording on an incident needs the incident's editor role. */
async function requireWalker(uow: Uow, row: Pick<WalkRow, 'incident_id'>): Promise<void> {
  requireSignedIn(uow.ctx.actor);
  if (row.incident_id && (await uow.db.selectFrom('incidents').select('id').where('id', '=', row.incident_id).executeTakeFirst())) {
    await requireIncidentEditor(uow.db, uow.ctx.actor, row.incident_id);
  }
}

export async function startWalk(ctx: Ctx, treeRef: string, input: unknown): Promise<WalkDto> {
  const data = validate(WalkStart, input ?? {});
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const tree = await mustFindTree(uow.db, treeRef);
    const incident = data.incident ? await mustFindIncident(uow.db, data.incident) : null;
    if (incident) await requireIncidentEditor(uow.db, ctx.actor, incident.id);
    const now = iso(uow.now);
    const root = fromJson<TreeNodeT[]>(tree.nodes, []).find((n) => n.id === tree.root)!;
    const row: WalkRow = {
      id: newId(uow.now.getTime()),
      tree_id: tree.id,
      tree_version: tree.version,
      title: tree.title,
      root: tree.root,
      nodes: tree.nodes,
      incident_id: incident?.id ?? null,
      status: root.type === 'action' ? 'completed' : 'active',
      current_node: tree.root,
      path: '[]',
      escalation: null,
      started_by: actorUserId(ctx.actor),
      started_by_label: actorLabel(ctx.actor),
      started_at: now,
      updated_at: now,
      completed_at: root.type === 'action' ? now : null,
    };
    await uow.db.insertInto('decision_tree_walks').values(row).execute();
    await uow.audit({ action: 'decision_tree_walk.start', targetType: 'decision_tree_walk', targetId: row.id, after: { tree: tree.slug, incident_id: row.incident_id } });
    await uow.emit('decision_tree_walk.started', 'decision_tree_walk', row.id, { tree_id: tree.id, incident_id: row.incident_id });
    if (row.status === 'completed') await recordCompletion(uow, row);
    return toDto(uow.db, row);
  });
}

/** Puts the walk's path and final action on the incident timeline (one entry per completion). */
async function recordCompletion(uow: Uow, row: WalkRow): Promise<void> {
  if (!row.incident_id) return;
  const leaf = nodeIn(row, row.current_node)!;
  const path = fromJson<PathStep[]>(row.path, []);
  const action = await describeAction(uow.db, row, leaf, path);
  const trail = path.map((p) => p.answer).join(' → ');
  await addTimelineEntry(uow, row.incident_id, {
    kind: 'decision_tree_walk',
    summary: `Troubleshooting “${row.title}”: ${trail || '(root)'} ⇒ ${actionSummary(action)}`,
    data: { walk_id: row.id, tree_id: row.tree_id, path: path.map((p) => ({ question: p.question, answer: p.answer })), action: { type: action.type } },
    subject: { type: 'decision_tree_walk', id: row.id },
  });
}

async function saveStep(uow: Uow, before: WalkRow, next: Pick<WalkRow, 'status' | 'current_node' | 'path' | 'completed_at'>, audit: string): Promise<WalkRow> {
  const updated_at = iso(uow.now);
  // Two people on one walk: the row must still be as we read it, or the other answer won.
  const res = await uow.db
    .updateTable('decision_tree_walks')
    .set({ ...next, updated_at })
    .where('id', '=', before.id)
    .where('current_node', '=', before.current_node)
    .where('path', '=', before.path)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw errors.conflict('Someone else moved this walk on; reload it', { field: 'node' });
  const after: WalkRow = { ...before, ...next, updated_at };
  await uow.audit({
    action: audit,
    targetType: 'decision_tree_walk',
    targetId: before.id,
    before: { current_node: before.current_node, status: before.status },
    after: { current_node: after.current_node, status: after.status },
  });
  await uow.emit('decision_tree_walk.updated', 'decision_tree_walk', before.id, { incident_id: before.incident_id, status: after.status, node: after.current_node });
  return after;
}

export async function answerWalk(ctx: Ctx, id: string, input: unknown): Promise<WalkDto> {
  const data = validate(WalkAnswer, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const row = await mustFindWalk(uow.db, id);
    await requireWalker(uow, row);
    if (row.status === 'completed') throw errors.conflict('This walk is complete; go back to change an answer', { status: row.status });
    if (data.node !== row.current_node) {
      throw errors.conflict(`The walk is at node '${row.current_node}', not '${data.node}'`, { field: 'node', current_node: row.current_node });
    }
    const node = nodeIn(row, row.current_node)!;
    const answers = node.answers ?? [];
    const given = data.answer;
    const idx = typeof given === 'number' ? given : answers.findIndex((a) => a.label.trim().toLowerCase() === given.trim().toLowerCase());
    const answer = answers[idx];
    if (!answer) {
      const message = `'${data.answer}' is not an answer of '${node.id}' (${answers.map((a) => a.label).join(', ')})`;
      throw errors.validation([{ path: '/answer', message }], message);
    }
    const target = nodeIn(row, answer.next)!;
    const path = fromJson<PathStep[]>(row.path, []);
    path.push({ node: node.id, question: firstLine(node.text), answer: answer.label, next: target.id, at: iso(uow.now), by: actorLabel(ctx.actor) });
    const done = target.type === 'action';
    const after = await saveStep(uow, row, { status: done ? 'completed' : 'active', current_node: target.id, path: toJson(path), completed_at: done ? iso(uow.now) : null }, 'decision_tree_walk.answer');
    if (done) await recordCompletion(uow, after);
    return toDto(uow.db, after);
  });
}

export async function backWalk(ctx: Ctx, id: string): Promise<WalkDto> {
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const row = await mustFindWalk(uow.db, id);
    await requireWalker(uow, row);
    const path = fromJson<PathStep[]>(row.path, []);
    const last = path.pop();
    if (!last) throw errors.conflict('The walk is at its first question; there is nothing to go back to');
    const after = await saveStep(uow, row, { status: 'active', current_node: last.node, path: toJson(path), completed_at: null }, 'decision_tree_walk.back');
    return toDto(uow.db, after);
  });
}

export async function getWalkIn(db: Db, id: string): Promise<WalkDto> {
  return toDto(db, await mustFindWalk(db, id));
}

export async function getWalk(ctx: Ctx, id: string): Promise<WalkDto> {
  requireSignedIn(ctx.actor);
  return toDto(ctx.deps.db, await mustFindWalk(ctx.deps.db, id));
}

/** Newest first; by tree, by incident, or both. */
export async function listWalks(ctx: Ctx, query: Static<typeof WalkQuery> & Record<string, unknown>): Promise<PageResult<WalkDto>> {
  requireSignedIn(ctx.actor);
  const page = pageRequest(query);
  const db = ctx.deps.db;
  let q = db.selectFrom('decision_tree_walks').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
  if (page.after) q = q.where('id', '<', page.after);
  if (typeof query.tree === 'string' && query.tree) q = q.where('tree_id', '=', (await mustFindTree(db, query.tree)).id);
  if (typeof query.incident === 'string' && query.incident) {
    const inc = await findIncident(db, query.incident);
    if (!inc) throw errors.notFound('Incident', query.incident);
    q = q.where('incident_id', '=', inc.id);
  }
  const rows = await q.execute();
  const more = rows.length > page.limit;
  const pageRows = more ? rows.slice(0, page.limit) : rows;
  const data: WalkDto[] = [];
  for (const r of pageRows) data.push(await toDto(db, r));
  return { data, next_cursor: more ? Buffer.from(pageRows.at(-1)!.id, 'utf8').toString('base64url') : null };
}

export const firstLine = (md: string) =>
  (md.split('\n').find((l) => l.trim()) ?? '')
    .replace(/^#+\s*/, '')
    .replace(/[*_`]/g, '')
    .trim()
    .slice(0, 300);

export type { ActionDescriptor };
