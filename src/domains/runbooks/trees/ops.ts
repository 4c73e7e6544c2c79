import type { Ctx } from '../../../core/context.js';
import type { Uow } from '../../../core/uow.js';
import { diff, entry } from '../../ops/diff.js';
import type { ChangeEntryT } from '../../ops/schema.js';
import type { OpsSection } from '../../ops/sections.js';
import { canonicalNodes, TreeSpec, type TreeSpecT } from './model.js';
import { createTreeIn, findTreeRow, loadTree, toSpec, updateTreeIn } from './trees.js';

/**
 * `decision_trees:` in the ops document, items exactly as `GET /api/v1/decision-trees/{slug}/export`
 * writes them (docs/examples/decision-tree-system-unavailable.yaml). Matched by slug; fields left out
 * (description, services, tags) are left alone; root and nodes always replace the tree's graph. Runs
 * after `runbooks:`, so a tree may run a runbook created by the same document.
 */
async function applyTrees(uow: Uow, items: TreeSpecT[]): Promise<ChangeEntryT[]> {
  const out: ChangeEntryT[] = [];
  for (const [i, item] of items.entries()) {
    const base = `/document/decision_trees/${i}`;
    const row = await findTreeRow(uow.db, item.slug);
    if (!row) {
      await createTreeIn(uow, item, base);
      out.push(entry('decision_tree', item.slug, false, {}));
      continue;
    }
    const cur = toSpec(await loadTree(uow.db, row.id));
    const changes = diff(
      { title: cur.title, description: cur.description ?? '', team: cur.team, services: cur.services ?? [], tags: cur.tags ?? [], root: cur.root, nodes: JSON.stringify(canonicalNodes(cur.nodes)) },
      { title: item.title, description: item.description, team: item.team, services: item.services, tags: item.tags, root: item.root, nodes: JSON.stringify(canonicalNodes(item.nodes)) },
    );
    if (changes.nodes) changes.nodes = { from: `${cur.nodes.length} nodes`, to: `${item.nodes.length} nodes` };
    if (Object.keys(changes).length) {
      const { slug: _slug, ...patch } = item;
      await updateTreeIn(uow, row.id, patch, base);
    }
    out.push(entry('decision_tree', item.slug, true, changes));
  }
  return out;
}

async function exportTrees(ctx: Ctx): Promise<TreeSpecT[]> {
  const rows = await ctx.deps.db.selectFrom('decision_trees').select('id').orderBy('slug').execute();
  const out: TreeSpecT[] = [];
  for (const r of rows) out.push(toSpec(await loadTree(ctx.deps.db, r.id)));
  return out;
}

/** This module's sections of the `ballast apply` document. */
export const decisionTreeOpsSections: OpsSection[] = [
  { key: 'decision_trees', item: TreeSpec, keyOf: (t: TreeSpecT) => t.slug, apply: applyTrees, export: exportTrees },
];
