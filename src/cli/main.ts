import fs from 'node:fs';
import { Command } from 'commander';
import YAML from 'yaml';
import { loadConfig } from '../config.js';
import { AppError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { VERSION } from '../version.js';
import { withBackend } from './backend.js';
import { CliError } from './client.js';
import { formatApplyResult, table } from './format.js';
import { registerAlertCommands } from './alerts.js';
import { registerOncallCommands } from './oncall.js';
import { registerIncidentCommands } from './incidents.js';
import { registerRunbookCommands } from './runbooks.js';

const program = new Command();
program.name('ballast').description('Ballast: fail small, detect fast, recover predictably.').version(VERSION);
// Subcommands own their options (`runbook show --version 3` is the runbook's version, not Ballast's).
program.enablePositionalOptions();

const print = (json: boolean, value: unknown, human: () => string) =>
  process.stdout.write((json ? JSON.stringify(value, null, 2) : human()) + '\n');

program
  .command('serve')
  .description('Run the HTTP API, web UI and background engine in one process')
  .action(async () => {
    // The app is imported on demand so commands that don't need it (remote ones, --help) start fast.
    const { createApp } = await import('../app.js');
    const app = await createApp();
    let closing = false;
    const shutdown = async (signal: string) => {
      if (closing) return;
      closing = true;
      app.deps.log.info({ signal }, 'shutting down');
      await app.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    await app.listen();
  });

program
  .command('migrate')
  .description('Apply pending database migrations and exit')
  .action(async () => {
    const config = loadConfig();
    const { openStorage } = await import('../storage.js');
    const { database } = await openStorage(config, createLogger(config.logLevel === 'silent' ? 'silent' : 'info'));
    process.stdout.write(`Database is up to date (${database.describe})\n`);
    await database.close();
  });

program
  .command('apply')
  .description('Create or update teams, users and services from an ops YAML file; prints a diff')
  .requiredOption('-f, --file <path>', 'ops document (YAML or JSON); - for stdin')
  .option('--dry-run', 'show what would change without changing anything')
  .option('--json', 'machine-readable output')
  .action(async (opts: { file: string; dryRun?: boolean; json?: boolean }) => {
    let text: string;
    try {
      text = fs.readFileSync(opts.file === '-' ? 0 : opts.file, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read ${opts.file === '-' ? 'stdin' : opts.file}: ${(err as Error).message}`);
    }
    let document: unknown;
    try {
      document = YAML.parse(text, { maxAliasCount: 100 }) ?? {};
    } catch (err) {
      throw new CliError(`${opts.file} is not valid YAML: ${(err as Error).message}`);
    }
    const result = await withBackend((b) => b.apply(document, !!opts.dryRun));
    print(!!opts.json, result, () => formatApplyResult(result));
  });

program
  .command('export')
  .description('Print the current teams, users and services in the apply format')
  .option('--json', 'JSON instead of YAML')
  .action(async (opts: { json?: boolean }) => {
    const doc = await withBackend((b) => b.export());
    process.stdout.write(opts.json ? JSON.stringify(doc, null, 2) + '\n' : YAML.stringify(doc));
  });

const user = program.command('user').description('Manage users');
user
  .command('create')
  .description('Create a user')
  .requiredOption('--email <email>')
  .requiredOption('--name <name>')
  .option('--timezone <tz>', 'IANA time zone', 'UTC')
  .option('--password <password>', 'initial password (or set BALLAST_NEW_PASSWORD)')
  .option('--admin', 'make the user an administrator')
  .option('--team <slug=role...>', 'team membership, e.g. payments=manager (repeatable)')
  .option('--json')
  .action(async (o: { email: string; name: string; timezone: string; password?: string; admin?: boolean; team?: string[]; json?: boolean }) => {
    const teams = Object.fromEntries((o.team ?? []).map((t) => t.split('=') as [string, string]));
    const input = {
      email: o.email,
      name: o.name,
      timezone: o.timezone,
      password: o.password ?? process.env.BALLAST_NEW_PASSWORD,
      is_admin: !!o.admin,
      ...(o.team ? { teams } : {}),
    };
    const u = await withBackend((b) => b.createUser(input));
    print(!!o.json, u, () => `Created user ${u.email} (${u.id})`);
  });

const token = program.command('token').description('Manage API tokens');
token
  .command('create')
  .description('Create an API token; the secret is printed once')
  .requiredOption('--name <name>')
  .option('--user <email>', 'whose token (required without BALLAST_URL; admins only with it)')
  .option('--expires-in-days <n>', 'expiry', (v) => Number(v))
  .option('--json')
  .action(async (o: { name: string; user?: string; expiresInDays?: number; json?: boolean }) => {
    const t = await withBackend((b) => b.createToken({ name: o.name, user: o.user, expires_in_days: o.expiresInDays }));
    print(!!o.json, t, () => `${t.token}\n(token ${t.id} for user ${t.user_id}; store it now, it is not shown again)`);
  });

const services = program.command('services').description('Browse the service catalog');
services
  .command('list')
  .option('--team <slug>')
  .option('--tier <n>')
  .option('--json')
  .action(async (o: { team?: string; tier?: string; json?: boolean }) => {
    const all: any[] = [];
    await withBackend(async (b) => {
      let cursor: string | undefined;
      do {
        const page = await b.listServices({ team: o.team, tier: o.tier, limit: 500, cursor });
        all.push(...page.data);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
    });
    print(!!o.json, all, () =>
      table(
        all.map((s) => ({ slug: s.slug, name: s.name, team: s.team.slug, tier: s.tier, depends_on: s.depends_on.map((d: any) => d.slug) })),
        ['slug', 'name', 'team', 'tier', 'depends_on'],
      ),
    );
  });
services
  .command('show <service>')
  .option('--json')
  .action(async (id: string, o: { json?: boolean }) => {
    const s = await withBackend(async (b) => ({ ...(await b.getService(id)), integrations: (await b.listIntegrations(id)).data }));
    print(!!o.json, s, () =>
      [
        `${s.name} (${s.slug})`,
        `  id:          ${s.id}`,
        `  team:        ${s.team.slug}`,
        `  tier:        ${s.tier}`,
        `  description: ${s.description || '-'}`,
        `  depends on:  ${s.depends_on.map((d: any) => d.slug).join(', ') || '-'}`,
        `  dependents:  ${s.dependents.map((d: any) => d.slug).join(', ') || '-'}`,
        ...Object.entries(s.links as Record<string, string>).map(([k, v]) => `  ${(k + ':').padEnd(12)} ${v}`),
        `  integrations:${s.integrations.length ? '' : ' -'}`,
        ...s.integrations.map((i: any) => `    ${i.type.padEnd(13)} key ${i.key}  → POST ${i.endpoint}`),
      ].join('\n'),
    );
  });

registerAlertCommands(program);
registerOncallCommands(program);
registerIncidentCommands(program);
registerRunbookCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CliError || err instanceof AppError) {
    process.stderr.write(`error: ${err.message}\n`);
    const details = (err as { details?: unknown }).details;
    if (details) process.stderr.write(JSON.stringify(details, null, 2) + '\n');
  } else {
    process.stderr.write(`error: ${err instanceof Error ? err.stack : String(err)}\n`);
  }
  process.exit(1);
});
