import type { IncidentRow } from './access.js';
import { incidentRef } from './access.js';

/** The seed template's sections, in its order. Action items are structured rows, not free text. */
export const SECTIONS = [
  { key: 'summary', heading: 'Summary' },
  { key: 'impact', heading: 'Impact' },
  { key: 'timeline', heading: 'Timeline' },
  { key: 'root_cause', heading: 'Root Cause' },
  { key: 'went_well', heading: 'What Went Well' },
  { key: 'went_poorly', heading: 'What Went Poorly' },
  { key: 'action_items', heading: 'Action Items' },
  { key: 'lessons_learned', heading: 'Lessons Learned' },
] as const;

export type SectionKey = Exclude<(typeof SECTIONS)[number]['key'], 'action_items'>;
export const SECTION_KEYS: SectionKey[] = SECTIONS.map((s) => s.key).filter((k): k is SectionKey => k !== 'action_items');

/** One line of user or incident text inside a Markdown table cell or list item, shown literally. */
export function inline(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/[\\|*_[\]<>`]/g, (c) => `\\${c}`).trim();
}

export function formatDuration(ms: number): string {
  if (!(ms >= 0)) return 'unknown';
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  const m = min % 60;
  if (h < 48) return m ? `${h} h ${m} min` : `${h} h`;
  const d = Math.floor(h / 24);
  const rh = h % 24;
  return rh ? `${d} d ${rh} h` : `${d} d`;
}

/** "YYYY-MM-DD HH:MM UTC", the way times read in exported documents. */
export function formatTime(isoText: string): string {
  return `${isoText.slice(0, 10)} ${isoText.slice(11, 16)} UTC`;
}

export interface KeyEvent {
  at: string;
  summary: string;
}

/** Section texts a new postmortem starts with: impact and timeline from the incident, hints elsewhere. */
export function prefill(incident: IncidentRow, keyEvents: KeyEvent[]): Record<SectionKey, string> {
  const duration = incident.resolved_at ? formatDuration(Date.parse(incident.resolved_at) - Date.parse(incident.declared_at)) : 'ongoing';
  const users = incident.users_affected === null ? 'unknown' : String(incident.users_affected);
  const impact = [`- Duration: ${duration}`, `- Users affected: ${users}`, '- Revenue impact: n/a'];
  if (incident.impact.trim()) impact.push('', incident.impact.trim());
  const rows = keyEvents.length
    ? keyEvents.map((e) => `| ${formatTime(e.at)} | ${inline(e.summary)} |`)
    : [`| ${formatTime(incident.declared_at)} | Incident declared |`, ...(incident.resolved_at ? [`| ${formatTime(incident.resolved_at)} | Incident resolved |`] : [])];
  return {
    summary: incident.summary.trim(),
    impact: impact.join('\n'),
    timeline: ['| Time | Event |', '|------|-------|', ...rows].join('\n'),
    root_cause: '',
    went_well: '',
    went_poorly: '',
    lessons_learned: '',
  };
}

export interface ExportInput {
  incident: IncidentRow;
  postmortem: Record<SectionKey, string> & { status: string; created_at: string; published_at: string | null };
  author: string | null;
  actionItems: Array<{ title: string; owner: string | null; due_date: string | null; priority: string; status: string }>;
}

/** The postmortem as one Markdown document, following the seed template (header, then sections in order). */
export function exportMarkdown(x: ExportInput): string {
  const pm = x.postmortem;
  const out: string[] = [
    `# Postmortem: ${incidentRef(x.incident.number)}`,
    '',
    `**Incident:** ${inline(x.incident.title)}  `,
    `**Date:** ${(pm.published_at ?? pm.created_at).slice(0, 10)}  `,
    `**Author:** ${x.author ? inline(x.author) : 'unassigned'}  `,
    `**Severity:** ${inline(x.incident.severity)}  `,
    `**Status:** ${pm.status.replace('_', ' ')}`,
  ];
  for (const s of SECTIONS) {
    out.push('', `## ${s.heading}`, '');
    if (s.key === 'action_items') {
      out.push('| Item | Owner | Due Date | Priority | Status |', '|------|-------|----------|----------|--------|');
      for (const a of x.actionItems) {
        out.push(`| ${inline(a.title)} | ${a.owner ? inline(a.owner) : 'unassigned'} | ${a.due_date ?? '—'} | ${a.priority} | ${a.status.replace('_', ' ')} |`);
      }
    } else {
      out.push(pm[s.key].trim() || '_Not written yet._');
    }
  }
  return out.join('\n') + '\n';
}
