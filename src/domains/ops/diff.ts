import type { ChangeEntryT } from './schema.js';

/** Field-by-field difference over the fields the document sets; omitted fields are left alone. */
export function diff(current: Record<string, unknown>, desired: Record<string, unknown>): ChangeEntryT['changes'] {
  const out: ChangeEntryT['changes'] = {};
  for (const [k, to] of Object.entries(desired)) {
    if (to === undefined) continue;
    const from = current[k];
    if (JSON.stringify(normalize(from)) !== JSON.stringify(normalize(to))) out[k] = { from: from ?? null, to };
  }
  return out;
}

export function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return [...v].map(normalize).sort();
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b)));
  }
  return v;
}

export function entry(kind: ChangeEntryT['kind'], key: string, existed: boolean, changes: ChangeEntryT['changes']): ChangeEntryT {
  const action = !existed ? 'created' : Object.keys(changes).length ? 'changed' : 'unchanged';
  return { kind, key, action, changes: existed ? changes : {} };
}

