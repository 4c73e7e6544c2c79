/**
 * Returns a cycle through `start` as node ids (`[start, …, start]`), or null.
 * Iterative DFS so a deep dependency chain cannot overflow the stack.
 */
export function findCycle(graph: Map<string, string[]>, start: string): string[] | null {
  const parent = new Map<string, string>();
  const seen = new Set<string>([start]);
  const stack = [start];
  while (stack.length) {
    const node = stack.pop()!;
    for (const next of graph.get(node) ?? []) {
      if (next === start) {
        const path = [node];
        for (let cur = node; cur !== start; ) {
          cur = parent.get(cur)!;
          path.push(cur);
        }
        return [...path.reverse(), start];
      }
      if (!seen.has(next)) {
        seen.add(next);
        parent.set(next, node);
        stack.push(next);
      }
    }
  }
  return null;
}
