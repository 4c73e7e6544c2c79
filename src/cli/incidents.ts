import type { Command } from 'commander';
import { withBackend, type Backend } from './backend.js';
import { CliError } from './client.js';
import { table } from './format.js';

const print = (json: boolean, value: unknown, human: () => string) => process.stdout.write((json ? JSON.stringify(value, null, 2) : human()) + '\n');
const when = (iso: string | null | undefined) => (iso ? iso.replace('T', ' ').replace(/:\d{2}\.\d{3}Z$/, 'Z') : '-');
const enc = encodeURIComponent;
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `--sev 2`, `--sev sev2` and `--sev SEV2` all mean SEV2. */
export function severityKey(v: string): string {
  const s = v.trim().toUpperCase();
  return /^\d+$/.test(s) ? `SEV${s}` : s;
}

const incidents = () => import('../domains/incidents/services.js');

function get(b: Backend, ref: string) {
  return b.call({ method: 'GET', path: `/api/v1/incidents/${enc(ref)}` }, async (ctx) => (await incidents()).getIncident(ctx, ref));
}
function timeline(b: Backend, ref: string) {
  return b.call({ method: 'GET', path: `/api/v1/incidents/${enc(ref)}/timeline` }, async (ctx) => (await incidents()).getTimeline(ctx, ref));
}

function summaryLine(i: any): string {
  const roles = Object.entries(i.roles ?? {})
    .filter(([, u]) => u)
    .map(([r, u]: [string, any]) => `${r}: ${u.email}`)
    .join(', ');
  return [
    `${i.ref} [${i.severity}] ${i.title}`,
    `  status:   ${i.status}${i.status === 'resolved' ? ` at ${when(i.resolved_at)}` : ''}`,
    `  declared: ${when(i.declared_at)}${i.declared_by ? ` by ${i.declared_by.email}` : ''}`,
    `  services: ${i.services.map((s: any) => s.slug).join(', ') || '-'}`,
    `  roles:    ${roles || '-'}`,
    `  ack:      ${i.acknowledged_at ? `acknowledged ${when(i.acknowledged_at)}` : `due ${when(i.ack_due_at)}`}${i.ack_breached_at ? ' (target missed)' : ''}`,
    `  mitigate: ${i.mitigated_at ? `mitigated ${when(i.mitigated_at)}` : i.mitigate_due_at ? `due ${when(i.mitigate_due_at)}` : '-'}${i.mitigate_breached_at ? ' (target missed)' : ''}`,
    ...(i.impact ? [`  impact:   ${i.impact}${i.users_affected != null ? ` (${i.users_affected} users)` : ''}`] : []),
  ].join('\n');
}

/** `ballast incident declare|update|resolve|list|show|ack`. */
export function registerIncidentCommands(program: Command): void {
  const cmd = program.command('incident').description('Declare, update, resolve and look at incidents');

  cmd
    .command('declare')
    .description('Declare an incident; pages through the services’ escalation policies unless --no-page-services')
    .requiredOption('--sev <severity>', 'severity: 1-4 or a key such as SEV2')
    .requiredOption('--title <title>', 'what is happening')
    .option('--service <slug>', 'affected service (repeatable)', collect, [])
    .option('--summary <text>', 'longer description (Markdown)')
    .option('--alert-group <id>', 'promote an alert group (repeatable)', collect, [])
    .option('--page <target>', 'also page user:<email> or schedule:<slug> (repeatable)', collect, [])
    .option('--no-page-services', 'do not page through the services’ escalation policies')
    .option('--commander <email>', 'incident commander')
    .option('--json', 'machine-readable output')
    .action(async (o: { sev: string; title: string; service: string[]; summary?: string; alertGroup: string[]; page: string[]; pageServices: boolean; commander?: string; json?: boolean }) => {
      const users: string[] = [];
      const schedules: string[] = [];
      for (const p of o.page) {
        const m = /^(user|schedule):(.+)$/.exec(p);
        if (!m) throw new CliError(`--page: expected user:<email> or schedule:<slug>, got '${p}'`);
        (m[1] === 'user' ? users : schedules).push(m[2]!);
      }
      const body = {
        title: o.title,
        severity: severityKey(o.sev),
        ...(o.summary ? { summary: o.summary } : {}),
        ...(o.service.length ? { services: o.service } : {}),
        ...(o.alertGroup.length ? { alert_group_ids: o.alertGroup } : {}),
        ...(o.commander ? { commander: o.commander } : {}),
        page: { services: o.pageServices, ...(users.length ? { users } : {}), ...(schedules.length ? { schedules } : {}) },
      };
      const inc = await withBackend((b) => b.call({ method: 'POST', path: '/api/v1/incidents', body }, async (ctx) => (await incidents()).declareIncident(ctx, body)));
      print(!!o.json, inc, () => `Declared ${inc.ref} [${inc.severity}] ${inc.title}`);
    });

  cmd
    .command('update <incident>')
    .description('Change status, severity or title, assign the commander, or add a note')
    .option('--status <status>', 'investigating, identified, mitigated (resolve with `incident resolve`)')
    .option('--sev <severity>', 'new severity: 1-4 or a key')
    .option('--title <title>', 'new title')
    .option('--commander <email>', 'hand the commander role to this user')
    .option('--note <text>', 'timeline note (Markdown); with --status it is the transition’s note')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, o: { status?: string; sev?: string; title?: string; commander?: string; note?: string; json?: boolean }) => {
      if (!o.status && !o.sev && !o.title && !o.note && !o.commander) throw new CliError('Nothing to update: give --status, --sev, --title, --commander or --note');
      const inc = await withBackend(async (b) => {
        if (o.sev || o.title) {
          const body = { ...(o.sev ? { severity: severityKey(o.sev) } : {}), ...(o.title ? { title: o.title } : {}) };
          await b.call({ method: 'PATCH', path: `/api/v1/incidents/${enc(ref)}`, body }, async (ctx) => (await incidents()).updateIncident(ctx, ref, body));
        }
        if (o.commander) {
          const body = { role: 'commander', user: o.commander };
          await b.call({ method: 'POST', path: `/api/v1/incidents/${enc(ref)}/roles`, body }, async (ctx) => (await incidents()).assignRole(ctx, ref, body));
        }
        if (o.status) {
          const body = { status: o.status.toLowerCase(), ...(o.note ? { note: o.note } : {}) };
          await b.call({ method: 'POST', path: `/api/v1/incidents/${enc(ref)}/status`, body }, async (ctx) => (await incidents()).changeStatus(ctx, ref, body));
        } else if (o.note) {
          const body = { body: o.note };
          await b.call({ method: 'POST', path: `/api/v1/incidents/${enc(ref)}/timeline`, body }, async (ctx) => (await incidents()).addNote(ctx, ref, body));
        }
        return get(b, ref);
      });
      print(!!o.json, inc, () => summaryLine(inc));
    });

  cmd
    .command('resolve <incident>')
    .description('Resolve an incident, recording the customer impact')
    .requiredOption('--impact <text>', 'what was affected and who')
    .option('--users-affected <n>', 'how many users were affected')
    .option('--note <text>', 'note on the transition')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, o: { impact: string; usersAffected?: string; note?: string; json?: boolean }) => {
      let users: number | undefined;
      if (o.usersAffected !== undefined) {
        users = Number(o.usersAffected);
        if (!Number.isInteger(users) || users < 0) throw new CliError(`--users-affected: expected a whole number, got '${o.usersAffected}'`);
      }
      const body = { status: 'resolved', impact: o.impact, ...(users !== undefined ? { users_affected: users } : {}), ...(o.note ? { note: o.note } : {}) };
      const inc = await withBackend((b) => b.call({ method: 'POST', path: `/api/v1/incidents/${enc(ref)}/status`, body }, async (ctx) => (await incidents()).changeStatus(ctx, ref, body)));
      print(!!o.json, inc, () => `Resolved ${inc.ref} [${inc.severity}] ${inc.title}`);
    });

  cmd
    .command('ack <incident>')
    .description('Acknowledge an incident (stops its pages)')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, o: { json?: boolean }) => {
      const inc = await withBackend((b) => b.call({ method: 'POST', path: `/api/v1/incidents/${enc(ref)}/acknowledge`, body: {} }, async (ctx) => (await incidents()).acknowledgeIncident(ctx, ref, {})));
      print(!!o.json, inc, () => `Acknowledged ${inc.ref}`);
    });

  cmd
    .command('list')
    .description('Incidents, newest first')
    .option('--status <status>', 'open, or a comma list of statuses')
    .option('--sev <severity>', 'comma list of severities')
    .option('--service <slug>', 'affecting this service')
    .option('--team <slug>', 'affecting this team’s services')
    .option('--q <text>', 'text in the title')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'machine-readable output')
    .action(async (o: { status?: string; sev?: string; service?: string; team?: string; q?: string; limit: string; json?: boolean }) => {
      const query = {
        limit: o.limit,
        ...(o.status ? { status: o.status } : {}),
        ...(o.sev ? { severity: o.sev.split(',').map(severityKey).join(',') } : {}),
        ...(o.service ? { service: o.service } : {}),
        ...(o.team ? { team: o.team } : {}),
        ...(o.q ? { q: o.q } : {}),
      };
      const page = await withBackend((b) => b.call({ method: 'GET', path: '/api/v1/incidents', query }, async (ctx) => (await incidents()).listIncidents(ctx, query)));
      print(!!o.json, page.data, () =>
        page.data.length === 0
          ? 'No incidents.'
          : table(
              page.data.map((i: any) => ({
                ref: i.ref,
                sev: i.severity,
                status: i.status,
                title: i.title.length > 60 ? `${i.title.slice(0, 59)}…` : i.title,
                services: i.services.map((s: any) => s.slug).join(',') || '-',
                commander: i.roles.commander?.email ?? '-',
                declared: when(i.declared_at),
              })),
              ['ref', 'sev', 'status', 'title', 'services', 'commander', 'declared'],
            ),
      );
    });

  cmd
    .command('show <incident>')
    .description('One incident with its timeline (by INC-<n>, number or id)')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, o: { json?: boolean }) => {
      const { inc, tl } = await withBackend(async (b) => ({ inc: await get(b, ref), tl: await timeline(b, ref) }));
      print(!!o.json, { ...inc, timeline: tl.data }, () =>
        [
          summaryLine(inc),
          ...(inc.alert_groups.length ? ['', 'Linked alerts:', ...inc.alert_groups.map((g: any) => `  ${g.status.padEnd(12)} ${g.title} (${g.service.slug})`)] : []),
          '',
          'Timeline:',
          ...tl.data.map((e: any) => `  ${when(e.at)} ${e.key_event ? '*' : ' '} ${e.summary}  — ${e.actor.label}`),
        ].join('\n'),
      );
    });
}
