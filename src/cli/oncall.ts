import type { Command } from 'commander';
import { withBackend } from './backend.js';
import { CliError } from './client.js';
import { table } from './format.js';

const print = (json: boolean, value: unknown, human: () => string) =>
  process.stdout.write((json ? JSON.stringify(value, null, 2) : human()) + '\n');

const who = (u: { name: string; email: string } | undefined | null) => (u ? `${u.name} <${u.email}>` : '-');
const when = (iso: string | null | undefined) => (iso ? iso.replace('T', ' ').replace(/:\d{2}\.\d{3}Z$/, 'Z') : '-');

function parseAt(at: string | undefined): string | undefined {
  if (at === undefined) return undefined;
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new CliError(`--at: not a date-time: ${at}`);
  return new Date(ms).toISOString();
}

/** `ballast oncall [--schedule S] [--at TIME] [--json]`. */
export function registerOncallCommands(program: Command): void {
  program
    .command('oncall')
    .description('Who is on call now on every schedule, or the current and next shifts of one schedule')
    .option('--schedule <slug>', 'one schedule (slug or id): current shift and the next ones')
    .option('--at <time>', 'ISO date-time instead of now')
    .option('--json', 'machine-readable output')
    .action(async (o: { schedule?: string; at?: string; json?: boolean }) => {
      const at = parseAt(o.at);
      if (!o.schedule) {
        const r = await withBackend((b) => b.onCallNow(at));
        print(!!o.json, r, () =>
          r.schedules.length === 0
            ? 'No schedules.'
            : table(
                r.schedules.map((s: any) => ({
                  schedule: s.schedule.slug,
                  team: s.schedule.team?.slug ?? '-',
                  on_call: s.on_call.length ? s.on_call.map(who).join(', ') : '(nobody)',
                  until: when(s.until),
                  next: s.next ? who(s.next.user) : '-',
                })),
                ['schedule', 'team', 'on_call', 'until', 'next'],
              ),
        );
        return;
      }
      const from = at ?? new Date().toISOString();
      const tl = await withBackend((b) => b.scheduleTimeline(o.schedule!, from));
      const t = Date.parse(tl.from);
      const current = tl.final.find((e: any) => Date.parse(e.start) <= t && t < Date.parse(e.end)) ?? null;
      const next = tl.final.filter((e: any) => Date.parse(e.start) > t).slice(0, 5);
      const result = { schedule: tl.schedule, at: tl.from, current, next };
      print(!!o.json, result, () =>
        [
          `${tl.schedule.name} (${tl.schedule.slug}, ${tl.schedule.time_zone})`,
          current ? `  now:  ${who(current.user)} until ${when(current.end)}` : '  now:  nobody (gap)',
          next.length ? '  next:' : '  next: none in the next 14 days',
          ...next.map((e: any) => `    ${when(e.start)} → ${e.end === tl.to ? '…' : when(e.end)}  ${who(e.user)}`),
        ].join('\n'),
      );
    });
}
