// Field-level diff of two JSON snapshots (audit before/after), flattened to dotted paths so a
// change deep inside an object reads as one line: `links.runbook: "…" → "…"`.

export type DiffKind = 'added' | 'removed' | 'changed' | 'same';

export interface DiffRow {
  path: string;
  kind: DiffKind;
  before?: unknown;
  after?: unknown;
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [`[${i}]`, v] as const) : Object.entries(value);
    if (entries.length === 0) {
      // Keep empty containers visible: "depends_on: []" is information.
      if (prefix) out.set(prefix, value);
      return;
    }
    for (const [k, v] of entries) {
      const path = Array.isArray(value) ? `${prefix}${k}` : prefix ? `${prefix}.${k}` : k;
      flatten(v, path, out);
    }
    return;
  }
  out.set(prefix || '(value)', value);
}

export function diffSnapshots(before: unknown, after: unknown): DiffRow[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  if (before !== null && before !== undefined) flatten(before, '', a);
  if (after !== null && after !== undefined) flatten(after, '', b);

  // Keep the object's own field order: group paths by top-level field, fields in order of
  // first appearance (after, then before), so `links.runbook` sits with `links`, not at the end.
  const top = (p: string) => p.split(/[.[]/)[0]!;
  const groups = new Map<string, string[]>();
  for (const p of [...b.keys(), ...a.keys()]) {
    const g = groups.get(top(p)) ?? [];
    if (!g.includes(p)) g.push(p);
    groups.set(top(p), g);
  }
  const paths = [...groups.values()].flat();

  const rows: DiffRow[] = paths.map((path) => {
    const inA = a.has(path);
    const inB = b.has(path);
    if (inA && !inB) return { path, kind: 'removed', before: a.get(path) };
    if (!inA && inB) return { path, kind: 'added', after: b.get(path) };
    const same = JSON.stringify(a.get(path)) === JSON.stringify(b.get(path));
    return { path, kind: same ? 'same' : 'changed', before: a.get(path), after: b.get(path) };
  });
  // `links: {}` → `links.runbook: "…"` is one change, not a removal plus an addition.
  const isEmpty = (v: unknown) => v !== null && typeof v === 'object' && Object.keys(v).length === 0;
  return rows.filter(
    (r) => !((r.kind === 'removed' && isEmpty(r.before)) || (r.kind === 'added' && isEmpty(r.after))) ||
      !paths.some((p) => p.startsWith(`${r.path}.`) || p.startsWith(`${r.path}[`)),
  );
}

/** Short human label of the object an audit entry is about (slug, email or name in its snapshot). */
export function snapshotLabel(before: unknown, after: unknown): string | null {
  for (const snap of [after, before]) {
    if (snap && typeof snap === 'object') {
      const o = snap as Record<string, unknown>;
      for (const k of ['slug', 'email', 'name']) if (typeof o[k] === 'string' && o[k]) return o[k] as string;
    }
  }
  return null;
}

/** JSON rendering, so strings show quoted and `null` / `""` / `0` stay distinguishable. */
export function formatValue(v: unknown): string {
  return v === undefined ? '' : JSON.stringify(v);
}
