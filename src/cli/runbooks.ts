import type { Command } from 'commander';
import { withBackend } from './backend.js';
import { CliError } from './client.js';
import { table } from './format.js';
import { registerRunbookRunCommand } from './runbook-run.js';

const print = (json: boolean, value: unknown, human: () => string) => process.stdout.write((json ? JSON.stringify(value, null, 2) : human()) + '\n');
const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '-');
const indent = (text: string, pad = '    ') => text.trim().split('\n').map((l) => (l ? pad + l : l)).join('\n');

/** Human rendering of one runbook: the structured sections and numbered steps. */
export function formatRunbook(r: any, version?: { number: number; content: any; title: string }): string {
  const c = version?.content ?? r.content;
  const lines: string[] = [];
  lines.push(`${version?.title ?? r.title}  (${r.slug}, version ${version?.number ?? r.current_version}${version && version.number !== r.current_version ? `, current ${r.current_version}` : ''})`);
  lines.push(`Kind: ${r.kind}${r.subkind ? ` / ${r.subkind}` : ''}   Team: ${r.team.slug}${r.owner ? `   Owner: ${r.owner.email}` : ''}`);
  lines.push(`Services: ${r.services.map((s: any) => s.slug).join(', ') || '-'}   Tags: ${r.tags.join(', ') || '-'}`);
  lines.push(`Last reviewed: ${day(r.last_reviewed_at)} (every ${r.review_cadence_days} days)${r.stale ? '  ** STALE: review due ' + day(r.review_due_at) + ' **' : ''}   Last verified in a run: ${day(r.last_verified_at)}`);
  const section = (title: string, body: string) => {
    lines.push('', `## ${title}`, body.trim() ? indent(body, '  ') : '  (none)');
  };
  section('Purpose', c.purpose);
  section('Prerequisites', c.prerequisites);
  lines.push('', '## Steps');
  c.steps.forEach((s: any, i: number) => {
    lines.push('', `  ${i + 1}. ${s.title}  [${s.id}]`);
    if (s.instruction.trim()) lines.push(indent(s.instruction, '     '));
    if (s.command) lines.push('     $ ' + s.command.trim().split('\n').join('\n       '));
    if (s.http_action) lines.push(`     HTTP action: ${s.http_action.method} ${s.http_action.url}`);
    lines.push(`     Expected: ${s.expected.trim().split('\n').join('\n               ')}`);
    lines.push(`     If it fails: ${s.on_failure.trim().split('\n').join('\n                   ')}`);
  });
  section('Verification', c.verification);
  section('Rollback', c.rollback);
  section('Contacts', c.contacts.map((x: any) => `- ${x.role}: ${x.who}${x.team ? ` (team ${x.team})` : ''}`).join('\n'));
  section('Related runbooks', c.related.map((x: string) => `- ${x}`).join('\n'));
  return lines.join('\n');
}

/** `ballast runbook list|show` (and `run`, from runbook-run.ts). */
export function registerRunbookCommands(program: Command): void {
  const runbook = program.command('runbook').description('Runbooks: list, show, and run one step by step');

  runbook
    .command('list')
    .description('The runbook library (search and filters)')
    .option('--service <slug>', 'only runbooks of this service')
    .option('--q <text>', 'full-text search over titles, steps and tags')
    .option('--kind <kind>', 'incident_response, sop, troubleshooting or an SOP subkind')
    .option('--tag <tag>', 'only runbooks with this tag')
    .option('--team <slug>', 'only runbooks owned by this team')
    .option('--stale', 'only runbooks overdue for review')
    .option('--json', 'machine-readable output')
    .action(async (o: { service?: string; q?: string; kind?: string; tag?: string; team?: string; stale?: boolean; json?: boolean }) => {
      const query = { service: o.service, q: o.q, kind: o.kind, tag: o.tag, team: o.team, stale: o.stale ? 'true' : undefined };
      const r = await withBackend((b) =>
        b.call({ method: 'GET', path: '/api/v1/runbooks', query }, async (ctx) => (await import('../domains/runbooks/service.js')).listRunbooks(ctx, query)),
      );
      print(!!o.json, r, () =>
        r.data.length === 0
          ? 'No runbooks.'
          : table(
              r.data.map((x: any) => ({
                slug: x.slug,
                title: x.title,
                kind: x.subkind ? `${x.kind}/${x.subkind}` : x.kind,
                team: x.team.slug,
                services: x.services.map((s: any) => s.slug).join(',') || '-',
                steps: x.step_count,
                version: x.current_version,
                reviewed: day(x.last_reviewed_at) + (x.stale ? ' STALE' : ''),
              })),
              ['slug', 'title', 'kind', 'team', 'services', 'steps', 'version', 'reviewed'],
            ),
      );
    });

  runbook
    .command('show <slug>')
    .description('Show a runbook: its sections and numbered steps')
    .option('--version <n>', 'an older version')
    .option('--json', 'machine-readable output')
    .action(async (slug: string, o: { version?: string; json?: boolean }) => {
      if (o.version !== undefined && !/^\d+$/.test(o.version)) throw new CliError(`--version: expected a number, got ${o.version}`);
      const path = `/api/v1/runbooks/${encodeURIComponent(slug)}`;
      const result = await withBackend(async (b) => {
        const rb = await b.call({ method: 'GET', path }, async (ctx) => (await import('../domains/runbooks/service.js')).getRunbook(ctx, slug));
        const version =
          o.version === undefined
            ? undefined
            : await b.call({ method: 'GET', path: `${path}/versions/${o.version}` }, async (ctx) => (await import('../domains/runbooks/service.js')).getVersion(ctx, slug, o.version));
        return { rb, version };
      });
      print(!!o.json, result.version ? { ...result.rb, content: result.version.content, version: result.version } : result.rb, () => formatRunbook(result.rb, result.version));
    });

  registerRunbookRunCommand(runbook);
}
