import type { Actor } from '../core/actor.js';
import type { Ctx } from '../core/context.js';
import { ApiClient, CliError } from './client.js';

/**
 * What CLI commands need, served either by a running Ballast (BALLAST_URL) or directly by the local
 * database. Both go through the same services, so validation, authorization and audit are identical.
 */
export interface Backend {
  where: string;
  apply(document: unknown, dryRun: boolean): Promise<any>;
  export(): Promise<any>;
  createUser(input: Record<string, unknown>): Promise<any>;
  createToken(input: { name: string; user?: string; expires_in_days?: number }): Promise<any>;
  listServices(query: Record<string, unknown>): Promise<any>;
  getService(idOrSlug: string): Promise<any>;
  listIntegrations(service: string): Promise<any>;
  listAlerts(query: Record<string, unknown>): Promise<any>;
  /** Acknowledge or resolve an alert group or an alert, by id. */
  actOnAlert(id: string, action: 'acknowledge' | 'resolve'): Promise<any>;
  /** Who is on call on every schedule at `at` (ISO; default now). */
  onCallNow(at?: string): Promise<any>;
  /** A schedule's timeline over [from, to) (ISO; defaults now … +14 days). */
  scheduleTimeline(schedule: string, from?: string, to?: string): Promise<any>;
  /**
   * The generic seam for module commands (incidents, runbooks, …): the same operation as an HTTP call
   * against BALLAST_URL, or as a direct service call on the local database. `local` should import its
   * service lazily so remote commands don't load the app.
   */
  call<T = any>(http: HttpCall, local: (ctx: Ctx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface HttpCall {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  query?: Record<string, unknown>;
}

const qs = (query: Record<string, unknown>) =>
  new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])).toString();

function remote(url: string, token: string | undefined): Backend {
  const api = new ApiClient(url, token);
  return {
    where: url,
    apply: (document, dryRun) => api.request('POST', '/api/v1/apply', { document, dry_run: dryRun }),
    export: () => api.request('GET', '/api/v1/export'),
    createUser: (input) => api.request('POST', '/api/v1/users', input),
    createToken: async (input) => {
      let user_id: string | undefined;
      if (input.user) user_id = (await api.request<{ id: string }>('GET', `/api/v1/users/${encodeURIComponent(input.user)}`)).id;
      return api.request('POST', '/api/v1/tokens', { name: input.name, expires_in_days: input.expires_in_days, user_id });
    },
    listServices: (query) => api.request('GET', `/api/v1/services?${qs(query)}`),
    getService: (id) => api.request('GET', `/api/v1/services/${encodeURIComponent(id)}`),
    listIntegrations: (service) => api.request('GET', `/api/v1/services/${encodeURIComponent(service)}/integrations`),
    listAlerts: (query) => api.request('GET', `/api/v1/alerts?${qs(query)}`),
    actOnAlert: async (id, action) => {
      const path = encodeURIComponent(id);
      try {
        return { kind: 'alert_group', ...(await api.request<object>('POST', `/api/v1/alert-groups/${path}/${action}`, undefined, { 'x-ballast-client': 'cli' })) };
      } catch (err) {
        if (!(err instanceof CliError) || !err.message.startsWith('404')) throw err;
        return { kind: 'alert', ...(await api.request<object>('POST', `/api/v1/alerts/${path}/${action}`, undefined, { 'x-ballast-client': 'cli' })) };
      }
    },
    onCallNow: (at) => api.request('GET', `/api/v1/oncall/now?${qs({ at })}`),
    scheduleTimeline: (schedule, from, to) => api.request('GET', `/api/v1/schedules/${encodeURIComponent(schedule)}/timeline?${qs({ from, to })}`),
    call: (http) => {
      const q = http.query ? qs(http.query) : '';
      return api.request(http.method, q ? `${http.path}?${q}` : http.path, http.body);
    },
    close: async () => undefined,
  };
}

/** Local mode acts as the CLI system actor: whoever can open the database file already controls Ballast. */
async function local(): Promise<Backend> {
  // Loaded here, not at the top: remote commands (and --help) then start without loading the whole app.
  const [
    { loadConfig },
    { createLogger },
    { openStorage },
    { createUser, findUserRow },
    { createToken },
    { getService, listServices },
    { applyDocument, exportDocument },
    { listIntegrations },
    { listAlerts },
    { actOnAny },
    { onCallNow, getTimeline },
  ] = await Promise.all([
      import('../config.js'),
      import('../core/logger.js'),
      import('../storage.js'),
      import('../domains/accounts/users.js'),
      import('../domains/accounts/tokens.js'),
      import('../domains/catalog/services.js'),
      import('../domains/ops/apply.js'),
      import('../domains/alerts/integrations.js'),
      import('../domains/alerts/queries.js'),
      import('../domains/alerts/actions.js'),
      import('../domains/oncall/schedules/services.js'),
    ]);
  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const { deps, database } = await openStorage(config, log);
  const actor: Actor = { kind: 'system', name: 'cli' };
  const ctx: Ctx = { deps, actor };
  return {
    where: database.describe,
    apply: (document, dryRun) => applyDocument(ctx, { document, dry_run: dryRun }),
    export: () => exportDocument(ctx),
    createUser: (input) => createUser(ctx, input),
    createToken: async (input) => {
      if (!input.user) throw new CliError('Without BALLAST_URL, say whose token it is: --user <email>');
      const u = await findUserRow(deps.db, input.user);
      if (!u) throw new CliError(`No user '${input.user}'`);
      return createToken({ deps, actor: { kind: 'user', userId: u.id, email: u.email, isAdmin: !!u.is_admin, via: 'cli' } }, {
        name: input.name,
        expires_in_days: input.expires_in_days,
      });
    },
    listServices: (query) => listServices(ctx, query),
    getService: (id) => getService(ctx, id),
    listIntegrations: (service) => listIntegrations(ctx, service),
    listAlerts: (query) => listAlerts(ctx, query),
    actOnAlert: (id, action) => actOnAny(ctx, id, action, 'cli'),
    onCallNow: (at) => onCallNow(ctx, { at }),
    scheduleTimeline: (schedule, from, to) => getTimeline(ctx, schedule, { from, to }),
    call: (_http, fn) => fn(ctx),
    close: () => database.close(),
  };
}

export async function withBackend<T>(fn: (b: Backend) => Promise<T>): Promise<T> {
  const url = process.env.BALLAST_URL;
  const b = url ? remote(url, process.env.BALLAST_TOKEN) : await local();
  try {
    return await fn(b);
  } finally {
    await b.close();
  }
}
