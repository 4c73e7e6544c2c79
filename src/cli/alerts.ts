import type { Command } from 'commander';
import { withBackend } from './backend.js';
import { table } from './format.js';

const print = (json: boolean, value: unknown, human: () => string) =>
  process.stdout.write((json ? JSON.stringify(value, null, 2) : human()) + '\n');

function age(iso: string): string {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** `ballast alerts`, `ballast ack ID`, `ballast resolve ID`. */
export function registerAlertCommands(program: Command): void {
  program
    .command('alerts')
    .description('List alerts, newest first (default: open ones)')
    .option('--status <list>', 'triggered, acknowledged, resolved (comma-separated)', 'triggered,acknowledged')
    .option('--service <slug>')
    .option('--severity <list>')
    .option('--limit <n>', 'how many', '50')
    .option('--json')
    .action(async (o: { status: string; service?: string; severity?: string; limit: string; json?: boolean }) => {
      const page = await withBackend((b) => b.listAlerts({ status: o.status, service: o.service, severity: o.severity, limit: o.limit }));
      print(!!o.json, page.data, () =>
        page.data.length === 0
          ? 'No alerts.'
          : table(
              page.data.map((a: any) => ({
                id: a.id,
                group: a.group_id,
                status: a.status + (a.silenced ? ' (silenced)' : ''),
                severity: a.severity,
                service: a.service.slug,
                age: age(a.first_seen_at),
                count: a.trigger_count,
                summary: a.summary.slice(0, 80),
              })),
              ['id', 'group', 'status', 'severity', 'service', 'age', 'count', 'summary'],
            ),
      );
    });

  for (const action of ['acknowledge', 'resolve'] as const) {
    program
      .command(`${action === 'acknowledge' ? 'ack' : 'resolve'} <id>`)
      .description(`${action === 'acknowledge' ? 'Acknowledge' : 'Resolve'} an alert group (or a single alert) by id`)
      .option('--json')
      .action(async (id: string, o: { json?: boolean }) => {
        const r = await withBackend((b) => b.actOnAlert(id, action));
        print(!!o.json, r, () => `${r.kind === 'alert_group' ? 'Alert group' : 'Alert'} ${r.id} is now ${r.status}`);
      });
  }
}
