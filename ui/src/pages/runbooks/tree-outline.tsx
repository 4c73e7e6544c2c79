import type { ReactNode } from 'react';
import type { TreeNode } from './tree-api';

/**
 * The tree as an indented outline from the root, like the seed's drawing. A node seen twice on one
 * branch (a cycle) is shown once with a mark; nodes the root cannot reach are listed at the end.
 */
export function TreeOutline({ root, nodes, problemNodes }: { root: string; nodes: TreeNode[]; problemNodes?: Set<string> }) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  const label = (n: TreeNode) => {
    const first = (n.text.split('\n').find((l) => l.trim()) ?? '').replace(/^#+\s*/, '').replace(/[*_`]/g, '').trim();
    const what = n.type === 'action' ? (n.action?.type === 'run_runbook' ? `run ${n.action.runbook || '?'}` : n.action?.type === 'escalate' ? `escalate to ${n.action.team || '?'}` : n.action?.type === 'declare_incident' ? `declare ${n.action.severity}` : 'info') : '';
    return (
      <>
        <a href={`#node-${n.id}`} className={problemNodes?.has(n.id) ? 'tree-outline-bad' : undefined}>
          {first || n.id}
        </a>
        {what && <span className="tree-outline-action"> ⇒ {what}</span>}
      </>
    );
  };
  const render = (id: string, branch: string[]): ReactNode => {
    const n = byId.get(id);
    if (!n) return <span className="tree-outline-bad">missing node “{id || '?'}”</span>;
    if (branch.includes(id)) return <span className="tree-outline-bad">↺ back to {id} (cycle)</span>;
    seen.add(id);
    return (
      <>
        {label(n)}
        {n.type === 'question' && (n.answers ?? []).length > 0 && (
          <ul>
            {(n.answers ?? []).map((a, i) => (
              <li key={i}>
                <span className="tree-outline-answer">{a.label || '(no label)'} →</span> {render(a.next, [...branch, id])}
              </li>
            ))}
          </ul>
        )}
      </>
    );
  };
  const tree = (
    <ul className="tree-outline" data-testid="tree-outline">
      <li>{render(root, [])}</li>
    </ul>
  );
  const orphans = nodes.filter((n) => !seen.has(n.id));
  return (
    <>
      {tree}
      {orphans.length > 0 && (
        <p className="tree-outline-bad small">Not reachable from the root: {orphans.map((n) => n.id).join(', ')}</p>
      )}
    </>
  );
}
