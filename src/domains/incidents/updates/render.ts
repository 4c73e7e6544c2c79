import { errors } from '../../../core/errors.js';
import { md } from '../../oncall/handoff/markdown.js';

/** The variables a communication template may use, with what each stands for (shown in the UI and API docs). */
export const TEMPLATE_VARIABLES = {
  service: 'The first affected service (name)',
  services: 'All affected services, comma-separated',
  severity: 'Severity key, e.g. SEV2',
  severity_name: 'Severity name from the severity definitions',
  status: 'Incident status, e.g. Investigating',
  title: 'Incident title',
  impact: 'Customer impact as recorded on the incident (or its summary)',
  next_update: 'When the next update is promised (UTC)',
  incident: 'Incident reference, e.g. INC-42',
  commander: 'Current incident commander',
  url: 'Link to the incident in Ballast',
} as const;
export type TemplateVariable = keyof typeof TEMPLATE_VARIABLES;
export const VARIABLE_NAMES = Object.keys(TEMPLATE_VARIABLES) as TemplateVariable[];

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Every `{{name}}` a body uses, in order of first use. */
export function usedVariables(body: string): string[] {
  const out: string[] = [];
  for (const m of body.matchAll(PLACEHOLDER)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/** 400 naming every placeholder that is not a known variable. */
export function checkTemplateBody(body: string, path = '/body'): void {
  const unknown = usedVariables(body).filter((v) => !(VARIABLE_NAMES as string[]).includes(v));
  if (unknown.length === 0) return;
  const list = unknown.map((v) => `{{${v}}}`).join(', ');
  throw errors.validation(
    [{ path, message: `Unknown template variable(s): ${list}. Known: ${VARIABLE_NAMES.map((v) => `{{${v}}}`).join(', ')}` }],
    `Unknown template variable(s): ${list}`,
  );
}

/**
 * Plain-text substitution: each value is Markdown-escaped (so an incident titled `<img onerror=…>` or
 * `**urgent**` reads literally and can never form HTML or links); the template's own Markdown stays.
 * `url` is the one value that is not escaped, so it stays a clickable link: it is built from the
 * configured public URL, never from user input, and is passed through only when it is a plain http(s) URL.
 * Unknown placeholders are left as they are (bodies are checked when templates are saved).
 */
export function renderTemplate(body: string, values: Partial<Record<TemplateVariable, string>>): string {
  return body.replace(PLACEHOLDER, (whole, name: string) => {
    const v = values[name as TemplateVariable];
    if (v === undefined) return whole;
    if (name === 'url') return /^https?:\/\/[^\s<>()[\]`"']+$/i.test(v) ? v : md(v);
    return md(v);
  });
}

/** `2026-11-22 22:40 UTC`: unambiguous for readers in any time zone. */
export function formatUtc(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
