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

function parse<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvalidEvent) throw new AppError(400, 'invalid_event', 'Event object is invalid', { errors: err.errors });
    throw err;
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
      const { routingKey, event } = parse(() => parsePagerDutyEvent(body));
      const integ = await integrationFor(ctx.deps, routingKey, true);
      const [r] = await accept(ctx.deps, integ, [event]);
      return { status: 'success', message: 'Event processed', dedup_key: r!.dedupKey };
    },
  }),
  route({
    method: 'POST', path: '/v2/change/enqueue', tag: 'ingest', auth: 'public', status: 202, bodyLimit: PD_LIMIT, anyContentType: true,
    summary: 'PagerDuty Change Events: recorded as change events on the service', response: Type.Object({ status: Type.String(), message: Type.String(), id: Type.String() }),
    handler: async ({ ctx, body }) => {
      const change = parse(() => parsePagerDutyChange(body));
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
        const events = parse(() => (type === 'generic' ? parseGeneric(body) : parseAlertmanagerLike(body, type)));
        const results = await accept(ctx.deps, integ, events);
        return { status: 'success', events: results.length, results: results.map((r) => ({ dedup_key: r.dedupKey, outcome: r.outcome })) };
      },
    }),
  ),
];
