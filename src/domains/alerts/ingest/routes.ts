import { Type } from '@sinclair/typebox';
import { SYSTEM } from '../../../core/actor.js';
import type { AppDeps } from '../../../core/context.js';
import { AppError, errors } from '../../../core/errors.js';
import { route } from '../../../http/route.js';
import { recordChangeEvent } from '../actions.js';
import { resolveIntegrationKey, type ResolvedIntegration } from '../integrations.js';
import type { NormalizedEvent } from '../model.js';
import { InvalidEvent, parsePagerDutyChange, parsePagerDutyEvent } from './pagerduty.js';
import { alertIngest } from './pipeline.js';
import { parseAlertmanagerLike, parseGeneric } from './webhooks.js';

const PD_LIMIT = 512 * 1024;
const WEBHOOK_LIMIT = 4 * 1024 * 1024;

/**
 * Far deeper than any sender nests. Bodies are stored (raw event, details) with JSON.stringify, which is
 * recursive: a few thousand levels — about 10 KB of brackets — overflowed the stack and answered 500.
 */
const MAX_DEPTH = 100;

function checkDepth(body: unknown): void {
  const stack: [unknown, number][] = [[body, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MAX_DEPTH) throw new InvalidEvent([`Body is nested more than ${MAX_DEPTH} levels deep`]);
    for (const child of Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
}

/** NUL, or a lone UTF-16 surrogate (JSON allows "\ud800"; UTF-8 cannot encode it). */
const BAD_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Values stored in text columns must round-trip: PostgreSQL rejects NUL (a 500), and both databases store a
 * lone surrogate as U+FFFD, so the dedup key read back never matched the one sent (409 on re-trigger, and
 * the alert could not be resolved by its sender). JSON-stored values (details, labels, raw) are unaffected.
 */
function checkText(fields: Record<string, unknown>[], names: Record<string, string>): void {
  const errors: string[] = [];
  fields.forEach((f, i) => {
    for (const [k, name] of Object.entries(names)) {
      const v = f[k];
      if (typeof v === 'string' && BAD_TEXT.test(v)) {
        errors.push(`${fields.length > 1 ? `event ${i}: ` : ''}'${name}' must not contain NUL characters or unpaired surrogates`);
      }
    }
  });
  if (errors.length) throw new InvalidEvent(errors.slice(0, 50));
}

const EVENT_TEXT = { dedupKey: 'dedup_key', summary: 'summary', source: 'source', component: 'component', group: 'group', class: 'class', client: 'client', clientUrl: 'client_url' };
const CHANGE_TEXT = { summary: 'payload.summary', source: 'payload.source' };

function parse<T>(deps: AppDeps, origin: string, body: unknown, fn: (body: unknown) => T, text: (parsed: T) => void): T {
  try {
    checkDepth(body);
    const parsed = fn(body);
    text(parsed);
    return parsed;
  } catch (err) {
    if (!(err instanceof InvalidEvent)) throw err;
    deps.metrics.ingestEvents.inc({ origin, outcome: 'invalid' });
    throw new AppError(400, 'invalid_event', 'Event object is invalid', { errors: err.errors });
  }
}

async function integrationFor(deps: AppDeps, key: string, inBody: boolean): Promise<ResolvedIntegration> {
  const integ = await resolveIntegrationKey(deps, key);
  if (integ) return integ;
  // PagerDuty clients get a validation error (key is a body field); URL keys are a missing resource.
  if (inBody) throw new AppError(400, 'invalid_event', 'Event object is invalid', { errors: ['routing_key does not match any integration'] });
  throw errors.notFound('Integration key');
}

async function accept(deps: AppDeps, integ: ResolvedIntegration, events: NormalizedEvent[]) {
  const ingest = alertIngest(deps);
  ingest.checkRate(integ.id);
  return ingest.ingest(integ, events);
}

const PdAccepted = Type.Object({ status: Type.Literal('success'), message: Type.String(), dedup_key: Type.String() });
const WebhookAccepted = Type.Object({
  status: Type.Literal('success'),
  events: Type.Integer(),
  results: Type.Array(Type.Object({ dedup_key: Type.String(), outcome: Type.String() })),
});

/** Sender-facing endpoints. 202 means the events are committed to the database. */
export const ingestRoutes = [
  route({
    method: 'POST', path: '/v2/enqueue', tag: 'ingest', auth: 'public', status: 202, bodyLimit: PD_LIMIT, anyContentType: true,
    summary: 'PagerDuty Events API v2 (wire-compatible): trigger, acknowledge, resolve', response: PdAccepted,
    handler: async ({ ctx, body }) => {
      const { routingKey, event } = parse(ctx.deps, 'pagerduty', body, parsePagerDutyEvent, (p) => checkText([p.event as unknown as Record<string, unknown>], EVENT_TEXT));
      const integ = await integrationFor(ctx.deps, routingKey, true);
      const [r] = await accept(ctx.deps, integ, [event]);
      return { status: 'success', message: 'Event processed', dedup_key: r!.dedupKey };
    },
  }),
  route({
    method: 'POST', path: '/v2/change/enqueue', tag: 'ingest', auth: 'public', status: 202, bodyLimit: PD_LIMIT, anyContentType: true,
    summary: 'PagerDuty Change Events: recorded as change events on the service', response: Type.Object({ status: Type.String(), message: Type.String(), id: Type.String() }),
    handler: async ({ ctx, body }) => {
      const change = parse(ctx.deps, 'pagerduty_change', body, parsePagerDutyChange, (c) => checkText([c as unknown as Record<string, unknown>], CHANGE_TEXT));
      const integ = await integrationFor(ctx.deps, change.routingKey, true);
      alertIngest(ctx.deps).checkRate(integ.id);
      const id = await recordChangeEvent({ deps: ctx.deps, actor: SYSTEM, requestId: ctx.requestId }, integ, change);
      return { status: 'success', message: 'Change event processed', id };
    },
  }),
  ...(['alertmanager', 'grafana', 'generic'] as const).map((type) =>
    route({
      method: 'POST', path: `/api/v1/integrations/:key/${type}`, tag: 'ingest', auth: 'public', status: 202, bodyLimit: WEBHOOK_LIMIT, anyContentType: true,
      summary: {
        alertmanager: 'Prometheus Alertmanager webhook (payload version 4)',
        grafana: 'Grafana alerting webhook (unified alerting, and legacy dashboard alerts)',
        generic: 'Generic JSON: {summary, severity, dedup_key, action, source, details, labels, links} or an array of them',
      }[type],
      response: WebhookAccepted,
      handler: async ({ ctx, body, params }) => {
        const integ = await integrationFor(ctx.deps, params.key!, false);
        const events = parse(
          ctx.deps,
          type,
          body,
          (b) => (type === 'generic' ? parseGeneric(b) : parseAlertmanagerLike(b, type)),
          (evs) => checkText(evs as unknown as Record<string, unknown>[], EVENT_TEXT),
        );
        const results = await accept(ctx.deps, integ, events);
        return { status: 'success', events: results.length, results: results.map((r) => ({ dedup_key: r.dedupKey, outcome: r.outcome })) };
      },
    }),
  ),
];
