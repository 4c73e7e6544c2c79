/** Field lookup and matchers shared by routing rules and silences. */

export interface Matchable {
  severity: string;
  source: string;
  summary: string;
  component: string | null;
  group: string | null;
  class: string | null;
  labels: Record<string, string>;
  details: Record<string, unknown>;
}

/** `severity`, `source`, `summary`, `component`, `group`, `class`, `labels.<name>`, `details.<dotted.path>`. */
export function fieldValue(e: Matchable, field: string): string | undefined {
  if (field.startsWith('labels.')) return e.labels[field.slice(7)];
  if (field.startsWith('details.')) {
    let cur: unknown = e.details;
    for (const part of field.slice(8).split('.')) {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
      if (!Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
      cur = (cur as Record<string, unknown>)[part];
    }
    if (cur === undefined || cur === null) return undefined;
    return typeof cur === 'string' ? cur : JSON.stringify(cur);
  }
  switch (field) {
    case 'severity':
      return e.severity;
    case 'source':
      return e.source;
    case 'summary':
      return e.summary;
    case 'component':
      return e.component ?? undefined;
    case 'group':
      return e.group ?? undefined;
    case 'class':
      return e.class ?? undefined;
    default:
      return undefined;
  }
}

export const FIELD_PATTERN = '^(severity|source|summary|component|group|class|labels\\.[^\\s]{1,100}|details\\.[^\\s]{1,200})$';

const regexCache = new Map<string, RegExp | null>();

/** Anchored like Alertmanager's regex matchers; invalid patterns never match. */
export function anchored(pattern: string): RegExp | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${pattern})$`, 'u');
    } catch {
      re = null;
    }
    if (regexCache.size > 5000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

export function isValidRegex(pattern: string): boolean {
  return anchored(pattern) !== null;
}
