/** Plain aligned table for people; scripts use --json. */
export function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.map(cell).join(',') || '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v).replace(/\s+/g, ' ');
}

export function formatApplyResult(r: {
  dry_run: boolean;
  summary: { created: number; changed: number; unchanged: number };
  changes: { kind: string; key: string; action: string; changes: Record<string, { from: unknown; to: unknown }> }[];
}): string {
  const mark = { created: '+', changed: '~', unchanged: '=' } as Record<string, string>;
  const lines = r.changes.map((c) => {
    const head = `${mark[c.action] ?? '?'} ${c.kind} ${c.key} (${c.action})`;
    const fields = Object.entries(c.changes).map(([f, d]) => `    ${f}: ${JSON.stringify(d.from)} → ${JSON.stringify(d.to)}`);
    return [head, ...fields].join('\n');
  });
  const s = r.summary;
  lines.push(`${r.dry_run ? 'Dry run: would apply' : 'Applied'}: ${s.created} created, ${s.changed} changed, ${s.unchanged} unchanged`);
  return lines.join('\n');
}
