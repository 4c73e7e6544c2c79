// The one way the UI talks to the Ballast API. Features add typed helpers to `api` below and
// never call fetch() themselves, so CSRF, error decoding and "session expired" stay in one place.

import type {
  Alert,
  AlertDetail,
  AlertGroup,
  AlertGroupDetail,
  AlertSettings,
  ApiToken,
  ApiTokenCreated,
  AuditEntry,
  ChangeEvent,
  ContactMethod,
  ContactType,
  EscalationPolicy,
  FeedUrl,
  NotificationLog,
  NotificationRule,
  OnCallNow,
  PolicyInput,
  Schedule,
  ScheduleInput,
  ScheduleOverride,
  Timeline,
  Urgency,
  FieldProblem,
  Integration,
  IntegrationType,
  Page,
  RoutingRule,
  Service,
  ServiceInput,
  SessionInfo,
  Silence,
  SilenceInput,
  SilenceState,
  StreamEvent,
  Team,
  TeamLoad,
  TeamRole,
  User,
  UserLoad,
} from './types';

const BASE = '/api/v1';

/** Any non-2xx answer, decoded from the API's `{"error":{"code","message","details"}}` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Per-field validation problems (`details.fields`), if the server sent any. */
  get fields(): FieldProblem[] {
    const d = this.details as { fields?: unknown } | null;
    return Array.isArray(d?.fields) ? (d.fields as FieldProblem[]) : [];
  }
}

/** Message for any thrown value, for banners and toasts. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

// The session cookie is HttpOnly; the CSRF token is its readable twin that writes must echo.
let csrfToken = '';
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

let unauthorizedHandler: (() => void) | null = null;
/** Called on any 401, so an expired session anywhere sends the user back to the login page. */
export function onUnauthorized(handler: (() => void) | null): void {
  unauthorizedHandler = handler;
}

export type QueryValue = string | number | boolean | null | undefined;
export type Query = Record<string, QueryValue>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** Extra request headers (e.g. `X-Ballast-Client: ui`, so the alert event log records the origin). */
  headers?: Record<string, string>;
  /** Login uses this: a 401 there means "wrong password", not "session expired". */
  ignoreUnauthorized?: boolean;
}

function buildUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    // Empty filters are left out rather than sent as `?team=`.
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return BASE + path + (qs ? `?${qs}` : '');
}

async function decodeError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Proxies and crashed upstreams answer with HTML or nothing.
  }
  const e = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (e && typeof e.message === 'string') {
    return new ApiError(res.status, typeof e.code === 'string' ? e.code : 'error', e.message, e.details ?? null);
  }
  return new ApiError(res.status, 'http_error', `Request failed (${res.status} ${res.statusText})`);
}

async function send(method: string, path: string, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  try {
    return await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'Cannot reach the Ballast server. Check your connection and try again.');
  }
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  let res = await send(method, path, opts);

  // Signing in from another tab rotates the CSRF token; pick up the current one and retry once.
  if (res.status === 403 && method !== 'GET') {
    const err = await decodeError(res.clone());
    if (err.code === 'csrf_failed') {
      const me = await send('GET', '/auth/me', {});
      if (me.ok) {
        setCsrfToken(((await me.json()) as SessionInfo).csrf_token);
        res = await send(method, path, opts);
      }
    }
  }

  if (res.status === 401 && !opts.ignoreUnauthorized) {
    const err = await decodeError(res);
    unauthorizedHandler?.();
    throw err;
  }
  if (!res.ok) throw await decodeError(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

const get = <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal });
const post = <T>(path: string, body?: unknown) => request<T>('POST', path, { body: body ?? {} });
const put = <T>(path: string, body?: unknown) => request<T>('PUT', path, { body: body ?? {} });
const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, { body });
const del = <T = void>(path: string) => request<T>('DELETE', path);
const seg = encodeURIComponent;

// Alert actions say they come from the web UI, so the alert's event log shows "via ui".
const UI_CLIENT = { 'x-ballast-client': 'ui' };
const act = <T>(path: string) => request<T>('POST', path, { body: {}, headers: UI_CLIENT });

export interface AlertQuery extends PageQuery {
  /** Comma-separated statuses: triggered, acknowledged, resolved. */
  status?: string;
  /** Service slug or id. */
  service?: string;
  /** Comma-separated severities. */
  severity?: string;
  group_id?: string;
  /** Text in the summary. */
  q?: string;
}

export interface PageQuery {
  limit?: number;
  cursor?: string | null;
}

/** Follows `next_cursor` to the end; for small reference lists (teams in a picker). */
export async function fetchAll<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>, maxPages = 20): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const page: Page<T> = await fetchPage(cursor);
    out.push(...page.data);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return out;
}

export const api = {
  auth: {
    login: (email: string, password: string) =>
      request<SessionInfo>('POST', '/auth/login', { body: { email, password }, ignoreUnauthorized: true }),
    logout: () => request<void>('POST', '/auth/logout', { ignoreUnauthorized: true }),
    /** The current session; `ignoreUnauthorized` because "not signed in" is an answer here, not an error. */
    me: () => request<SessionInfo>('GET', '/auth/me', { ignoreUnauthorized: true }),
  },

  services: {
    list: (q: PageQuery & { q?: string; team?: string; tier?: number | string }, signal?: AbortSignal) =>
      get<Page<Service>>('/services', { ...q }, signal),
    get: (idOrSlug: string) => get<Service>(`/services/${seg(idOrSlug)}`),
    create: (body: ServiceInput) => post<Service>('/services', body),
    update: (idOrSlug: string, body: ServiceInput) => patch<Service>(`/services/${seg(idOrSlug)}`, body),
    remove: (idOrSlug: string) => del(`/services/${seg(idOrSlug)}`),
  },

  teams: {
    list: (q: PageQuery = {}) => get<Page<Team>>('/teams', { ...q }),
    all: () => fetchAll((cursor) => api.teams.list({ limit: 500, cursor })),
    get: (idOrSlug: string) => get<Team>(`/teams/${seg(idOrSlug)}`),
    create: (body: { slug: string; name: string; description?: string }) => post<Team>('/teams', body),
    update: (idOrSlug: string, body: { name?: string; description?: string }) => patch<Team>(`/teams/${seg(idOrSlug)}`, body),
    remove: (idOrSlug: string) => del(`/teams/${seg(idOrSlug)}`),
    putMember: (team: string, user: string, role: TeamRole) => put<Team>(`/teams/${seg(team)}/members/${seg(user)}`, { role }),
    removeMember: (team: string, user: string) => del<Team>(`/teams/${seg(team)}/members/${seg(user)}`),
  },

  users: {
    list: (q: PageQuery & { q?: string } = {}, signal?: AbortSignal) => get<Page<User>>('/users', { ...q }, signal),
    get: (idOrEmail: string, signal?: AbortSignal) => get<User>(`/users/${seg(idOrEmail)}`, undefined, signal),
    create: (body: { email: string; name: string; timezone?: string; password?: string; is_admin?: boolean }) =>
      post<User>('/users', body),
    update: (idOrEmail: string, body: Partial<Pick<User, 'name' | 'timezone' | 'is_admin' | 'disabled'>>) =>
      patch<User>(`/users/${seg(idOrEmail)}`, body),
  },

  tokens: {
    list: () => get<{ data: ApiToken[] }>('/tokens'),
    create: (body: { name: string; expires_in_days?: number }) => post<ApiTokenCreated>('/tokens', body),
    revoke: (id: string) => del<ApiToken>(`/tokens/${seg(id)}`),
  },

  alerts: {
    list: (q: AlertQuery, signal?: AbortSignal) => get<Page<Alert>>('/alerts', { ...q }, signal),
    get: (id: string, signal?: AbortSignal) => get<AlertDetail>(`/alerts/${seg(id)}`, undefined, signal),
    acknowledge: (id: string) => act<Alert>(`/alerts/${seg(id)}/acknowledge`),
    resolve: (id: string) => act<Alert>(`/alerts/${seg(id)}/resolve`),
  },

  alertGroups: {
    list: (q: AlertQuery, signal?: AbortSignal) => get<Page<AlertGroup>>('/alert-groups', { ...q }, signal),
    get: (id: string) => get<AlertGroupDetail>(`/alert-groups/${seg(id)}`),
    acknowledge: (id: string) => act<AlertGroup>(`/alert-groups/${seg(id)}/acknowledge`),
    resolve: (id: string) => act<AlertGroup>(`/alert-groups/${seg(id)}/resolve`),
  },

  silences: {
    list: (q: PageQuery & { state?: SilenceState }, signal?: AbortSignal) => get<Page<Silence>>('/silences', { ...q }, signal),
    get: (id: string) => get<Silence>(`/silences/${seg(id)}`),
    create: (body: SilenceInput) => post<Silence>('/silences', body),
    /** Ends the silence now; the API keeps it, as expired. */
    expire: (id: string) => del<Silence>(`/silences/${seg(id)}`),
  },

  integrations: {
    list: (service: string) => get<{ data: Integration[] }>(`/services/${seg(service)}/integrations`),
    create: (service: string, body: { type: IntegrationType; name?: string }) => post<Integration>(`/services/${seg(service)}/integrations`, body),
    rotate: (id: string, graceMinutes: number) => post<Integration>(`/integrations/${seg(id)}/rotate`, graceMinutes ? { grace_minutes: graceMinutes } : {}),
    remove: (id: string) => del(`/integrations/${seg(id)}`),
  },

  alertSettings: {
    get: (service: string) => get<AlertSettings>(`/services/${seg(service)}/alert-settings`),
    put: (service: string, body: Partial<AlertSettings>) => put<AlertSettings>(`/services/${seg(service)}/alert-settings`, body),
  },

  routingRules: {
    list: (q: { integration_id?: string } = {}) => get<{ data: RoutingRule[] }>('/routing-rules', { ...q }),
    create: (body: Omit<RoutingRule, 'id' | 'created_at' | 'updated_at' | 'position' | 'enabled'> & { position?: number; enabled?: boolean }) =>
      post<RoutingRule>('/routing-rules', body),
    update: (id: string, body: Partial<Pick<RoutingRule, 'name' | 'position' | 'conditions' | 'actions' | 'enabled'>>) => patch<RoutingRule>(`/routing-rules/${seg(id)}`, body),
    remove: (id: string) => del(`/routing-rules/${seg(id)}`),
  },

  changeEvents: {
    list: (q: PageQuery & { service?: string; since?: string }, signal?: AbortSignal) => get<Page<ChangeEvent>>('/change-events', { ...q }, signal),
  },

  schedules: {
    list: (q: PageQuery & { team?: string } = {}, signal?: AbortSignal) => get<Page<Schedule>>('/schedules', { ...q }, signal),
    all: () => fetchAll((cursor) => api.schedules.list({ limit: 500, cursor })),
    get: (idOrSlug: string) => get<Schedule>(`/schedules/${seg(idOrSlug)}`),
    create: (body: ScheduleInput) => post<Schedule>('/schedules', body),
    update: (idOrSlug: string, body: ScheduleInput) => patch<Schedule>(`/schedules/${seg(idOrSlug)}`, body),
    remove: (idOrSlug: string) => del(`/schedules/${seg(idOrSlug)}`),
    addOverride: (idOrSlug: string, body: { user: string; start: string; end: string; note?: string }) =>
      post<ScheduleOverride>(`/schedules/${seg(idOrSlug)}/overrides`, body),
    removeOverride: (idOrSlug: string, overrideId: string) => del(`/schedules/${seg(idOrSlug)}/overrides/${seg(overrideId)}`),
    timeline: (idOrSlug: string, q: { from?: string; to?: string }, signal?: AbortSignal) => get<Timeline>(`/schedules/${seg(idOrSlug)}/timeline`, { ...q }, signal),
    feed: (idOrSlug: string) => get<FeedUrl>(`/schedules/${seg(idOrSlug)}/feed`),
  },

  oncall: {
    now: (signal?: AbortSignal) => get<OnCallNow>('/oncall/now', undefined, signal),
    /** A user's on-call load (id, email or `me`) over [from, to). */
    userLoad: (user: string, q: { from?: string; to?: string }, signal?: AbortSignal) =>
      get<UserLoad>(`/users/${seg(user)}/oncall-load`, { ...q }, signal),
    teamLoad: (team: string, q: { from?: string; to?: string }, signal?: AbortSignal) =>
      get<TeamLoad>(`/teams/${seg(team)}/oncall-load`, { ...q }, signal),
  },

  escalationPolicies: {
    list: () => get<{ data: EscalationPolicy[] }>('/escalation-policies'),
    get: (idOrSlug: string) => get<EscalationPolicy>(`/escalation-policies/${seg(idOrSlug)}`),
    create: (body: PolicyInput) => post<EscalationPolicy>('/escalation-policies', body),
    update: (idOrSlug: string, body: PolicyInput) => patch<EscalationPolicy>(`/escalation-policies/${seg(idOrSlug)}`, body),
    remove: (idOrSlug: string) => del(`/escalation-policies/${seg(idOrSlug)}`),
    /** Every service with its policy, in one request (the On-call "By service" view). */
    byService: (signal?: AbortSignal) =>
      get<{ data: { service: { id: string; slug: string; name: string }; policy: EscalationPolicy | null }[] }>('/oncall/services', undefined, signal),
    forService: (service: string, signal?: AbortSignal) =>
      get<{ service: string; policy: EscalationPolicy | null }>(`/services/${seg(service)}/escalation-policy`, undefined, signal),
    setForService: (service: string, policy: string | null) =>
      put<{ service: string; policy: string | null }>(`/services/${seg(service)}/escalation-policy`, { policy }),
  },

  contactMethods: {
    list: (user: string) => get<{ data: ContactMethod[] }>(`/users/${seg(user)}/contact-methods`),
    create: (user: string, body: { type: ContactType; address: string; label?: string }) => post<ContactMethod>(`/users/${seg(user)}/contact-methods`, body),
    remove: (id: string) => del(`/contact-methods/${seg(id)}`),
    test: (id: string) => post<NotificationLog>(`/contact-methods/${seg(id)}/test`),
  },

  notificationRules: {
    list: (user: string) => get<{ data: NotificationRule[] }>(`/users/${seg(user)}/notification-rules`),
    create: (user: string, body: { contact_method_id: string; urgency: Urgency; delay_minutes: number }) =>
      post<NotificationRule>(`/users/${seg(user)}/notification-rules`, body),
    remove: (id: string) => del(`/notification-rules/${seg(id)}`),
  },

  notifications: {
    list: (q: PageQuery & { user?: string; alert_group_id?: string }, signal?: AbortSignal) => get<Page<NotificationLog>>('/notifications', { ...q }, signal),
  },

  audit: {
    list: (q: PageQuery & { target_type?: string; target_id?: string; actor_id?: string; action?: string }, signal?: AbortSignal) =>
      get<Page<AuditEntry>>('/audit', { ...q }, signal),
  },
};

export type StreamStatus = 'connecting' | 'live' | 'offline';

/**
 * Subscribes to the live event stream (Server-Sent Events, cookie auth). `types` are event-type
 * prefixes ("alert", "alert_group"). The browser reconnects by itself after network blips; when the
 * server refuses the stream (restart, 401, 5xx) EventSource gives up, so this retries with backoff.
 * Returns an unsubscribe function.
 */
export function subscribeEvents(types: string[], onEvent: (e: StreamEvent) => void, onStatus: (s: StreamStatus) => void): () => void {
  let source: EventSource | null = null;
  let retry: number | undefined;
  let attempts = 0;
  let closed = false;

  const connect = () => {
    if (closed) return;
    onStatus('connecting');
    const es = new EventSource(buildUrl('/events/stream', { types: types.join(',') }));
    source = es;
    es.onopen = () => {
      attempts = 0;
      onStatus('live');
    };
    const handle = (msg: MessageEvent<string>) => {
      try {
        onEvent(JSON.parse(msg.data) as StreamEvent);
      } catch {
        // A malformed frame is not worth breaking the page over.
      }
    };
    es.onmessage = handle;
    es.onerror = () => {
      if (closed) return;
      if (es.readyState === EventSource.CLOSED) {
        onStatus('offline');
        es.close();
        const delay = Math.min(30_000, 2000 * 2 ** attempts++);
        retry = window.setTimeout(connect, delay);
      } else {
        onStatus('connecting');
      }
    };
  };

  connect();
  return () => {
    closed = true;
    window.clearTimeout(retry);
    source?.close();
  };
}

