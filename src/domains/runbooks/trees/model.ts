import { Type, type Static } from '@sinclair/typebox';
import type { FieldProblem } from '../../../core/errors.js';
import { Description, Name, Slug } from '../../../core/schemas.js';

/**
 * A troubleshooting decision tree (seed 002 Task 3). Questions have answers that lead to other nodes;
 * leaves are actions. The same item shape serves the REST API, `decision_trees:` in `ballast apply`
 * and the export, so a tree can travel between them unchanged.
 */
export const NodeId = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: 'Node id, unique in the tree (lowercase, digits, - and _)' });
export const Severity = Type.Union([Type.Literal('SEV1'), Type.Literal('SEV2'), Type.Literal('SEV3'), Type.Literal('SEV4')]);

export const TreeAction = Type.Union([
  Type.Object({ type: Type.Literal('run_runbook'), runbook: Slug }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('escalate'), team: Slug, message: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('declare_incident'),
      severity: Severity,
      title: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Title template; {{tree}} and {{answer}} (the last answer) are filled in' })),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('info') }, { additionalProperties: false }),
]);

export const TreeAnswer = Type.Object(
  { label: Type.String({ minLength: 1, maxLength: 200 }), next: NodeId },
  { additionalProperties: false },
);

export const TreeNode = Type.Object(
  {
    id: NodeId,
    type: Type.Union([Type.Literal('question'), Type.Literal('action')]),
    /** Markdown: the question, or for a leaf what to do / the resolution. Rendered sanitized. */
    text: Type.String({ maxLength: 10_000 }),
    answers: Type.Optional(Type.Array(TreeAnswer, { maxItems: 20 })),
    action: Type.Optional(TreeAction),
  },
  { additionalProperties: false },
);

export const MAX_NODES = 300;

/** The tree as written (API body, apply item, export); `team` is the owning team's slug. */
export const TreeSpec = Type.Object(
  {
    slug: Slug,
    title: Name,
    description: Type.Optional(Description),
    team: Slug,
    services: Type.Optional(Type.Array(Slug, { maxItems: 100 })),
    tags: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9:._-]{0,62}$' }), { maxItems: 50 })),
    root: NodeId,
    nodes: Type.Array(TreeNode, { minItems: 1, maxItems: MAX_NODES }),
  },
  { additionalProperties: false },
);

export type TreeActionT = Static<typeof TreeAction>;
export type TreeNodeT = Static<typeof TreeNode>;
export type TreeSpecT = Static<typeof TreeSpec>;

/** Slugs that are routes under /api/v1/decision-trees, so no tree can be called that. */
export const RESERVED_SLUGS = new Set(['walks', 'examples', 'new']);

export interface StructureReport {
  problems: FieldProblem[];
  /** Node ids reachable from the root, in walk order (depth first). */
  reachable: string[];
}

/**
 * Checks the graph on its own (no database): unique ids, an existing root, every `next` pointing at a
 * node, questions with answers and leaves with actions, unique answer labels per question, no cycle
 * (reported with its path) and no node the root cannot reach. Unreachable nodes are refused rather
 * than warned about: a tree is walked from its root only, so such a node is dead text that export
 * would carry forever; the editor shows the error on the node so it can be linked or deleted.
 * Paths are JSON pointers into the spec (`/nodes/3/answers/0/next`), so the editor can show each on its node.
 */
export function checkStructure(spec: Pick<TreeSpecT, 'root' | 'nodes'>, base = ''): StructureReport {
  const problems: FieldProblem[] = [];
  const index = new Map<string, number>();
  spec.nodes.forEach((n, i) => {
    if (index.has(n.id)) problems.push({ path: `${base}/nodes/${i}/id`, message: `Node id '${n.id}' is used twice` });
    else index.set(n.id, i);
  });
  if (!index.has(spec.root)) problems.push({ path: `${base}/root`, message: `Root node '${spec.root}' does not exist` });

  spec.nodes.forEach((n, i) => {
    const at = `${base}/nodes/${i}`;
    if (n.type === 'question') {
      if (!n.answers || n.answers.length === 0) problems.push({ path: `${at}/answers`, message: `Question '${n.id}' needs at least one answer` });
      if (n.action) problems.push({ path: `${at}/action`, message: `Question '${n.id}' cannot have an action (make it an action node)` });
      if (!n.text.trim()) problems.push({ path: `${at}/text`, message: `Question '${n.id}' needs its question text` });
      const labels = new Set<string>();
      (n.answers ?? []).forEach((a, j) => {
        const key = a.label.trim().toLowerCase();
        if (labels.has(key)) problems.push({ path: `${at}/answers/${j}/label`, message: `Answer '${a.label}' appears twice on '${n.id}'` });
        labels.add(key);
        if (!index.has(a.next)) problems.push({ path: `${at}/answers/${j}/next`, message: `Answer '${a.label}' of '${n.id}' leads to '${a.next}', which does not exist` });
      });
    } else {
      if (!n.action) problems.push({ path: `${at}/action`, message: `Action node '${n.id}' needs an action` });
      if (n.answers && n.answers.length) problems.push({ path: `${at}/answers`, message: `Action node '${n.id}' is a leaf and cannot have answers` });
      if (n.action?.type === 'info' && !n.text.trim()) problems.push({ path: `${at}/text`, message: `Info leaf '${n.id}' needs its resolution text` });
    }
  });

  // Cycles: depth-first over every node (not just the reachable ones) so each cycle is named once.
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (id: string): void => {
    state.set(id, 'open');
    stack.push(id);
    const n = spec.nodes[index.get(id)!]!;
    for (const a of n.type === 'question' ? n.answers ?? [] : []) {
      if (!index.has(a.next)) continue;
      const s = state.get(a.next);
      if (s === 'open') {
        const cycle = [...stack.slice(stack.indexOf(a.next)), a.next];
        const key = [...new Set(cycle)].sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          problems.push({ path: `${base}/nodes/${index.get(id)}/answers`, message: `Cycle: ${cycle.join(' → ')}` });
        }
      } else if (!s) visit(a.next);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of index.keys()) if (!state.has(id)) visit(id);

  const reachable: string[] = [];
  const seen = new Set<string>();
  const walk = (id: string): void => {
    if (seen.has(id) || !index.has(id)) return;
    seen.add(id);
    reachable.push(id);
    const n = spec.nodes[index.get(id)!]!;
    if (n.type === 'question') for (const a of n.answers ?? []) walk(a.next);
  };
  walk(spec.root);
  if (index.has(spec.root)) {
    for (const [id, i] of index) if (!seen.has(id)) problems.push({ path: `${base}/nodes/${i}`, message: `Node '${id}' cannot be reached from the root` });
  }
  return { problems, reachable };
}

/** Fills a declare-incident title template. */
export function incidentTitle(template: string | undefined, vars: { tree: string; answer: string }): string {
  const t = template ?? '{{tree}}';
  return t.replace(/\{\{\s*(tree|answer)\s*\}\}/g, (_m, k: 'tree' | 'answer') => vars[k]).slice(0, 200);
}

/** Fixed key order and no empty extras, so stored, exported and re-applied trees compare equal. */
export function canonicalNodes(nodes: TreeNodeT[]): TreeNodeT[] {
  return nodes.map((n) => {
    const out: TreeNodeT = { id: n.id, type: n.type, text: n.text };
    if (n.type === 'question' || (n.answers && n.answers.length)) out.answers = (n.answers ?? []).map((a) => ({ label: a.label, next: a.next }));
    if (n.action) {
      const a = n.action;
      out.action =
        a.type === 'run_runbook'
          ? { type: a.type, runbook: a.runbook }
          : a.type === 'escalate'
            ? { type: a.type, team: a.team, ...(a.message !== undefined ? { message: a.message } : {}) }
            : a.type === 'declare_incident'
              ? { type: a.type, severity: a.severity, ...(a.title !== undefined ? { title: a.title } : {}) }
              : { type: 'info' };
    }
    return out;
  });
}
