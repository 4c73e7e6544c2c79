import { Type } from '@sinclair/typebox';
import { Page, PageQuery } from '../../core/schemas.js';
import { route } from '../../http/route.js';
import { actOnAlert, actOnGroup } from './actions.js';
import { createIntegration, deleteIntegration, Integration, IntegrationCreate, IntegrationRotate, listIntegrations, rotateIntegrationKey } from './integrations.js';
import { getAlert, getGroup, listAlerts, listChangeEvents, listGroups } from './queries.js';
import { createRoutingRule, deleteRoutingRule, listRoutingRules, RoutingRule, RoutingRuleCreate, RoutingRuleUpdate, updateRoutingRule } from './routing.js';
import { Alert, AlertDetail, AlertGroup, AlertGroupDetail, ChangeEvent } from './schemas.js';
import { AlertSettings, AlertSettingsPatch, getAlertSettings, putAlertSettings } from './settings.js';
import { createSilence, expireSilence, getSilence, listSilences, Silence, SilenceCreate } from './silences.js';

const AlertQuery = Type.Composite([
  PageQuery,
  Type.Object({
    status: Type.Optional(Type.String({ description: 'Comma-separated: triggered, acknowledged, resolved' })),
    service: Type.Optional(Type.String({ description: 'Service slug or id' })),
    severity: Type.Optional(Type.String({ description: 'Comma-separated severities' })),
    group_id: Type.Optional(Type.String()),
    q: Type.Optional(Type.String({ description: 'Text in the summary' })),
  }),
]);
const origin = (req: { headers: Record<string, unknown> }) => (req.headers['x-ballast-client'] === 'ui' ? 'ui' : req.headers['x-ballast-client'] === 'cli' ? 'cli' : 'api');

export const alertRoutes = [
  route({ method: 'GET', path: '/api/v1/alerts', tag: 'alerts', auth: 'user', summary: 'List alerts, newest first', query: AlertQuery, response: Page(Alert),
    handler: ({ ctx, query }) => listAlerts(ctx, query) }),
  route({ method: 'GET', path: '/api/v1/alerts/:id', tag: 'alerts', auth: 'user', summary: 'An alert with its event log', response: AlertDetail,
    handler: ({ ctx, params }) => getAlert(ctx, params.id!) }),
  route({ method: 'POST', path: '/api/v1/alerts/:id/acknowledge', tag: 'alerts', auth: 'user', summary: 'Acknowledge an alert (responder)', response: Alert,
    handler: ({ ctx, params, req }) => actOnAlert(ctx, params.id!, 'acknowledge', origin(req)) }),
  route({ method: 'POST', path: '/api/v1/alerts/:id/resolve', tag: 'alerts', auth: 'user', summary: 'Resolve an alert (responder)', response: Alert,
    handler: ({ ctx, params, req }) => actOnAlert(ctx, params.id!, 'resolve', origin(req)) }),

  route({ method: 'GET', path: '/api/v1/alert-groups', tag: 'alerts', auth: 'user', summary: 'List alert groups (what pages), newest first', query: AlertQuery,
    response: Page(AlertGroup), handler: ({ ctx, query }) => listGroups(ctx, query) }),
  route({ method: 'GET', path: '/api/v1/alert-groups/:id', tag: 'alerts', auth: 'user', summary: 'An alert group with its alerts', response: AlertGroupDetail,
    handler: ({ ctx, params }) => getGroup(ctx, params.id!) }),
  route({ method: 'POST', path: '/api/v1/alert-groups/:id/acknowledge', tag: 'alerts', auth: 'user', summary: 'Acknowledge a group and all its open alerts',
    response: AlertGroup, handler: ({ ctx, params, req }) => actOnGroup(ctx, params.id!, 'acknowledge', origin(req)) }),
  route({ method: 'POST', path: '/api/v1/alert-groups/:id/resolve', tag: 'alerts', auth: 'user', summary: 'Resolve a group and all its open alerts',
    response: AlertGroup, handler: ({ ctx, params, req }) => actOnGroup(ctx, params.id!, 'resolve', origin(req)) }),

  route({ method: 'GET', path: '/api/v1/silences', tag: 'silences', auth: 'user', summary: 'List silences (state=active|pending|expired)',
    query: Type.Composite([PageQuery, Type.Object({ state: Type.Optional(Type.String()) })]), response: Page(Silence),
    handler: ({ ctx, query }) => listSilences(ctx, query) }),
  route({ method: 'POST', path: '/api/v1/silences', tag: 'silences', auth: 'user', summary: 'Create a silence (Alertmanager-style label matchers)',
    body: SilenceCreate, response: Silence, status: 201, handler: ({ ctx, body }) => createSilence(ctx, body) }),
  route({ method: 'GET', path: '/api/v1/silences/:id', tag: 'silences', auth: 'user', summary: 'Get a silence', response: Silence,
    handler: ({ ctx, params }) => getSilence(ctx, params.id!) }),
  route({ method: 'DELETE', path: '/api/v1/silences/:id', tag: 'silences', auth: 'user', summary: 'Expire a silence now', response: Silence,
    handler: ({ ctx, params }) => expireSilence(ctx, params.id!) }),

  route({ method: 'GET', path: '/api/v1/routing-rules', tag: 'routing', auth: 'user', summary: 'List routing rules (integration_id=…|global)',
    query: Type.Object({ integration_id: Type.Optional(Type.String()) }), response: Type.Object({ data: Type.Array(RoutingRule) }),
    handler: ({ ctx, query }) => listRoutingRules(ctx, query) }),
  route({ method: 'POST', path: '/api/v1/routing-rules', tag: 'routing', auth: 'user', summary: 'Create a routing rule (global: admin; per integration: team manager)',
    body: RoutingRuleCreate, response: RoutingRule, status: 201, handler: ({ ctx, body }) => createRoutingRule(ctx, body) }),
  route({ method: 'PATCH', path: '/api/v1/routing-rules/:id', tag: 'routing', auth: 'user', summary: 'Update a routing rule', body: RoutingRuleUpdate,
    response: RoutingRule, handler: ({ ctx, params, body }) => updateRoutingRule(ctx, params.id!, body) }),
  route({ method: 'DELETE', path: '/api/v1/routing-rules/:id', tag: 'routing', auth: 'user', summary: 'Delete a routing rule', status: 204,
    handler: ({ ctx, params }) => deleteRoutingRule(ctx, params.id!) }),

  route({ method: 'GET', path: '/api/v1/services/:id/integrations', tag: 'integrations', auth: 'user', summary: 'A service’s integrations (keys shown to responders)',
    response: Type.Object({ data: Type.Array(Integration) }), handler: ({ ctx, params }) => listIntegrations(ctx, params.id!) }),
  route({ method: 'POST', path: '/api/v1/services/:id/integrations', tag: 'integrations', auth: 'user', summary: 'Add an integration (team manager)',
    body: IntegrationCreate, response: Integration, status: 201, handler: ({ ctx, params, body }) => createIntegration(ctx, params.id!, body) }),
  route({ method: 'POST', path: '/api/v1/integrations/:id/rotate', tag: 'integrations', auth: 'user', summary: 'Issue a new key; the old one may stay valid for a grace period',
    body: IntegrationRotate, response: Integration, handler: ({ ctx, params, body }) => rotateIntegrationKey(ctx, params.id!, body) }),
  route({ method: 'DELETE', path: '/api/v1/integrations/:id', tag: 'integrations', auth: 'user', summary: 'Delete an integration', status: 204,
    handler: ({ ctx, params }) => deleteIntegration(ctx, params.id!) }),

  route({ method: 'GET', path: '/api/v1/services/:id/alert-settings', tag: 'alerts', auth: 'user', summary: 'Auto-resolve, acknowledgement timeout and grouping',
    response: AlertSettings, handler: ({ ctx, params }) => getAlertSettings(ctx, params.id!) }),
  route({ method: 'PUT', path: '/api/v1/services/:id/alert-settings', tag: 'alerts', auth: 'user', summary: 'Change alert settings (team manager)',
    body: AlertSettingsPatch, response: AlertSettings, handler: ({ ctx, params, body }) => putAlertSettings(ctx, params.id!, body) }),

  route({ method: 'GET', path: '/api/v1/change-events', tag: 'alerts', auth: 'user', summary: 'Change events (from PagerDuty Change Events), newest first',
    query: Type.Composite([PageQuery, Type.Object({ service: Type.Optional(Type.String()), since: Type.Optional(Type.String()) })]),
    response: Page(ChangeEvent), handler: ({ ctx, query }) => listChangeEvents(ctx, query) }),
];
