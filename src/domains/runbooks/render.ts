import { diffLines } from 'diff';
import { renderMarkdown } from '../../core/markdown.js';
import type { RunbookContentT, RunbookStepT } from './content.js';
import type { RunbookDiffT, RunbookVersionMetaT } from './schemas.js';

/**
 * The Markdown source of a runbook in the seeds' "Runbook Structure" layout. Used for export.md and,
 * section by section, for the version diff, so the diff shows what an author typed.
 */
export interface RenderInput {
  title: string;
  meta: RunbookVersionMetaT;
  content: RunbookContentT;
  lastReviewedAt?: string | null;
}

const fence = (text: string) => {
  // A command containing ``` must not end the fence early.
  const ticks = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${ticks}\n${text}\n${ticks}`;
};

export function stepMarkdown(step: RunbookStepT, index: number): string {
  const parts = [`### Step ${index + 1}: ${step.title}`, '', step.instruction.trim()];
  if (step.command) parts.push('', fence(step.command));
  if (step.http_action) parts.push('', `**HTTP action:** \`${step.http_action.method} ${step.http_action.url}\``);
  parts.push('', `**Expected outcome:** ${step.expected.trim()}`, '', `**If this fails:** ${step.on_failure.trim()}`);
  return parts.filter((p, i, a) => !(p === '' && a[i - 1] === '')).join('\n');
}

function detailsMarkdown(meta: RunbookVersionMetaT): string {
  return [
    `- **Kind:** ${meta.kind}${meta.subkind ? ` (${meta.subkind})` : ''}`,
    `- **Owner:** ${meta.team}${meta.owner ? ` (${meta.owner})` : ''}`,
    `- **Services:** ${meta.services.join(', ') || '—'}`,
    `- **Tags:** ${meta.tags.join(', ') || '—'}`,
    `- **Review every:** ${meta.review_cadence_days} days`,
  ].join('\n');
}

function contactsMarkdown(c: RunbookContentT['contacts']): string {
  return c.map((x) => `- **${x.role}:** ${x.who}${x.team ? ` (team ${x.team})` : ''}`).join('\n');
}

/** Ordered sections: [name, Markdown source]. */
export function sections(input: RenderInput): [string, string][] {
  const c = input.content;
  return [
    ['Title', input.title],
    ['Details', detailsMarkdown(input.meta)],
    ['Purpose', c.purpose.trim()],
    ['Prerequisites', c.prerequisites.trim()],
    ['Steps', c.steps.map(stepMarkdown).join('\n\n')],
    ['Verification', c.verification.trim()],
    ['Rollback', c.rollback.trim()],
    ['Contacts', contactsMarkdown(c.contacts)],
    ['Related runbooks', c.related.map((s) => `- ${s}`).join('\n')],
  ];
}

export function runbookMarkdown(input: RenderInput): string {
  const out = [`# Runbook: ${input.title}`, ''];
  if (input.lastReviewedAt) out.push(`**Last reviewed:** ${input.lastReviewedAt.slice(0, 10)}`);
  out.push(`**Owner:** ${input.meta.team}${input.meta.owner ? ` (${input.meta.owner})` : ''}`, '');
  for (const [name, body] of sections(input).slice(1)) {
    if (name === 'Details') {
      out.push(body, '');
      continue;
    }
    out.push(`## ${name}`, '', body || '_None._', '');
  }
  return out.join('\n').trimEnd() + '\n';
}

export function contentHtml(c: RunbookContentT) {
  return {
    purpose: renderMarkdown(c.purpose),
    prerequisites: renderMarkdown(c.prerequisites),
    verification: renderMarkdown(c.verification),
    rollback: renderMarkdown(c.rollback),
    steps: c.steps.map((s) => ({ id: s.id, instruction: renderMarkdown(s.instruction), expected: renderMarkdown(s.expected), on_failure: renderMarkdown(s.on_failure) })),
  };
}

const STEP_FIELDS = ['title', 'instruction', 'command', 'expected', 'on_failure', 'http_action'] as const;

/** Per-section line diff of the Markdown source, plus what happened to each step (by its stable id). */
export function diffVersions(fromN: number, from: RenderInput, toN: number, to: RenderInput): RunbookDiffT {
  const a = sections(from);
  const b = sections(to);
  const out: RunbookDiffT['sections'] = a.map(([name, before], i) => {
    const after = b[i]![1];
    const lines: RunbookDiffT['sections'][number]['lines'] = [];
    for (const part of diffLines(before ? before + '\n' : '', after ? after + '\n' : '')) {
      const op = part.added ? 'add' : part.removed ? 'del' : 'eq';
      for (const text of part.value.replace(/\n$/, '').split('\n')) lines.push({ op, text });
    }
    return { section: name, changed: before !== after, lines: before === '' && after === '' ? [] : lines };
  });
  const fromSteps = new Map(from.content.steps.map((s, i) => [s.id, { s, i }]));
  const toSteps = new Map(to.content.steps.map((s, i) => [s.id, { s, i }]));
  const steps: RunbookDiffT['steps'] = { added: [], removed: [], changed: [], moved: [] };
  for (const [id, { s }] of toSteps) if (!fromSteps.has(id)) steps.added.push({ id, title: s.title });
  for (const [id, { s }] of fromSteps) if (!toSteps.has(id)) steps.removed.push({ id, title: s.title });
  for (const [id, { s: after, i: ti }] of toSteps) {
    const prev = fromSteps.get(id);
    if (!prev) continue;
    const fields = STEP_FIELDS.filter((f) => JSON.stringify(prev.s[f] ?? null) !== JSON.stringify(after[f] ?? null));
    if (fields.length) steps.changed.push({ id, title: after.title, fields: [...fields] });
    if (prev.i !== ti) steps.moved.push({ id, title: after.title, from: prev.i + 1, to: ti + 1 });
  }
  return { from: fromN, to: toN, sections: out, steps };
}

/** Lowercased text the library search matches against (title first so ranking can prefer it). */
export function searchText(title: string, tags: string[], c: RunbookContentT): string {
  return [
    title,
    tags.join(' '),
    c.purpose,
    ...c.steps.flatMap((s) => [s.title, s.instruction, s.command ?? '']),
    c.prerequisites,
    c.verification,
    c.rollback,
  ]
    .join('\n')
    .toLowerCase()
    .slice(0, 200_000);
}
