import { Type } from '@sinclair/typebox';
import type { RouteDef } from '../../http/route.js';
import { route } from '../../http/route.js';
import { alertGroupRunbooks, alertRunbooks, allCoverage, incidentRunbooks, LookupResults, serviceCoverage, serviceRunbookLookup, ServiceCoverage } from './lookup.js';
import { createRule, deleteRule, getRule, listRules, Rule, RuleCreate, RuleUpdate, updateRule } from './rules.js';
import {
  RestoreBody,
  ReviewBody,
  Runbook,
  RunbookCreate,
  RunbookDiff,
  RunbookListQuery,
  RunbookSummary,
  RunbookUpdate,
  RunbookVersion,
  RunbookVersionSummary,
} from './schemas.js';
import {
  createRunbook,
  deleteRunbook,
  diffRunbookVersions,
  exportRunbookMarkdown,
  getRunbook,
  getTemplate,
  getVersion,
  listRunbooks,
  listTemplates,
  listVersions,
  markReviewed,
  restoreVersion,
  updateRunbook,
} from './service.js';

const tag = 'runbooks';
const Template = Type.Object({ key: Type.String(), title: Type.String(), description: Type.String(), kind: Type.String(), subkind: Type.Union([Type.String(), Type.Null()]), tags: Type.Array(Type.String()), content: Type.Unknown() });

export const runbookRoutes: RouteDef[] = [
  route({ method: 'GET', path: '/api/v1/runbooks', tag, auth: 'user', summary: 'The runbook library: full-text q (title, steps, tags) and filters service, team, kind, tag, stale',
    query: RunbookListQuery, response: Type.Object({ data: Type.Array(RunbookSummary) }), handler: ({ ctx, query }) => listRunbooks(ctx, query) }),
  route({ method: 'POST', path: '/api/v1/runbooks', tag, auth: 'user', summary: 'Create a runbook, optionally from a template (responder on the owning team)',
    body: RunbookCreate, response: Runbook, status: 201, handler: ({ ctx, body }) => createRunbook(ctx, body) }),
  route({ method: 'GET', path: '/api/v1/runbooks/:id', tag, auth: 'user', summary: 'A runbook by id or slug, with its current version’s content (any signed-in user)',
    response: Runbook, handler: ({ ctx, params }) => getRunbook(ctx, params.id!) }),
  route({ method: 'PATCH', path: '/api/v1/runbooks/:id', tag, auth: 'user', summary: 'Edit a runbook: a new immutable version; base_version must be current (409 otherwise)',
    body: RunbookUpdate, response: Runbook, handler: ({ ctx, params, body }) => updateRunbook(ctx, params.id!, body) }),
  route({ method: 'DELETE', path: '/api/v1/runbooks/:id', tag, auth: 'user', summary: 'Delete a runbook and its versions (responder on the owning team)',
    status: 204, handler: ({ ctx, params }) => deleteRunbook(ctx, params.id!) }),
  route({ method: 'POST', path: '/api/v1/runbooks/:id/review', tag, auth: 'user', summary: 'Mark reviewed: restarts the review cadence',
    body: ReviewBody, response: Runbook, handler: ({ ctx, params, body }) => markReviewed(ctx, params.id!, body) }),
  route({ method: 'GET', path: '/api/v1/runbooks/:id/versions', tag, auth: 'user', summary: 'Versions, newest first',
    response: Type.Object({ data: Type.Array(RunbookVersionSummary) }), handler: ({ ctx, params }) => listVersions(ctx, params.id!) }),
  route({ method: 'GET', path: '/api/v1/runbooks/:id/versions/diff', tag, auth: 'user', summary: 'Diff between two versions (from, to; default previous → current): per-section lines and step changes',
    query: Type.Object({ from: Type.Optional(Type.Integer({ minimum: 1 })), to: Type.Optional(Type.Integer({ minimum: 1 })) }), response: RunbookDiff,
    handler: ({ ctx, params, query }) => diffRunbookVersions(ctx, params.id!, query) }),
  route({ method: 'GET', path: '/api/v1/runbooks/:id/versions/:n', tag, auth: 'user', summary: 'One version’s content',
    response: RunbookVersion, handler: ({ ctx, params }) => getVersion(ctx, params.id!, params.n) }),
  route({ method: 'POST', path: '/api/v1/runbooks/:id/versions/:n/restore', tag, auth: 'user', summary: 'Make version n current again, as a new version',
    body: RestoreBody, response: Runbook, handler: ({ ctx, params, body }) => restoreVersion(ctx, params.id!, params.n, body) }),
  route({ method: 'GET', path: '/api/v1/runbooks/:id/export.md', tag, auth: 'user', summary: 'The runbook as Markdown (seed "Runbook Structure"); ?version=n for an older one',
    query: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }),
    handler: async ({ ctx, params, query, reply }) => {
      const { slug, markdown } = await exportRunbookMarkdown(ctx, params.id!, query.version);
      reply.type('text/markdown; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="${slug}.md"`);
      return markdown;
    } }),
  route({ method: 'GET', path: '/api/v1/runbook-templates', tag, auth: 'user', summary: 'Starter templates (service restart, database failover, cache clear, …)',
    response: Type.Object({ data: Type.Array(Template) }), handler: ({ ctx }) => listTemplates(ctx) }),
  route({ method: 'GET', path: '/api/v1/runbook-templates/:key', tag, auth: 'user', summary: 'One starter template',
    response: Template, handler: ({ ctx, params }) => getTemplate(ctx, params.key!) }),

  route({ method: 'GET', path: '/api/v1/runbook-rules', tag, auth: 'user', summary: 'Runbook lookup rules in evaluation order (filters service, runbook)',
    query: Type.Object({ service: Type.Optional(Type.String()), runbook: Type.Optional(Type.String()) }), response: Type.Object({ data: Type.Array(Rule) }),
    handler: ({ ctx, query }) => listRules(ctx, query) }),
  route({ method: 'POST', path: '/api/v1/runbook-rules', tag, auth: 'user', summary: 'Map service + alert-kind pattern to a runbook (service responder; global: admin)',
    body: RuleCreate, response: Rule, status: 201, handler: ({ ctx, body }) => createRule(ctx, body) }),
  route({ method: 'GET', path: '/api/v1/runbook-rules/:id', tag, auth: 'user', summary: 'A lookup rule', response: Rule, handler: ({ ctx, params }) => getRule(ctx, params.id!) }),
  route({ method: 'PATCH', path: '/api/v1/runbook-rules/:id', tag, auth: 'user', summary: 'Update a lookup rule', body: RuleUpdate, response: Rule,
    handler: ({ ctx, params, body }) => updateRule(ctx, params.id!, body) }),
  route({ method: 'DELETE', path: '/api/v1/runbook-rules/:id', tag, auth: 'user', summary: 'Delete a lookup rule', status: 204, handler: ({ ctx, params }) => deleteRule(ctx, params.id!) }),

  route({ method: 'GET', path: '/api/v1/alerts/:id/runbooks', tag, auth: 'user', summary: 'Runbooks for an alert, each with why it matched (label, annotation, rule, service)',
    response: LookupResults, handler: ({ ctx, params }) => alertRunbooks(ctx, params.id!) }),
  route({ method: 'GET', path: '/api/v1/alert-groups/:id/runbooks', tag, auth: 'user', summary: 'Runbooks for an alert group (its alerts and service)',
    response: LookupResults, handler: ({ ctx, params }) => alertGroupRunbooks(ctx, params.id!) }),
  route({ method: 'GET', path: '/api/v1/incidents/:id/runbooks', tag, auth: 'user', summary: 'Runbooks for an incident (id or INC-n): its services and linked alert groups',
    response: LookupResults, handler: ({ ctx, params }) => incidentRunbooks(ctx, params.id!) }),
  route({ method: 'GET', path: '/api/v1/services/:id/runbooks', tag, auth: 'user', summary: 'A service’s runbooks (linked, or targeted by its rules)',
    response: LookupResults, handler: ({ ctx, params }) => serviceRunbookLookup(ctx, params.id!) }),
  route({ method: 'GET', path: '/api/v1/services/:id/runbook-coverage', tag, auth: 'user', summary: 'Share of the service’s alert kinds (last 30 days) that have a runbook; uncovered kinds listed',
    response: ServiceCoverage, handler: ({ ctx, params }) => serviceCoverage(ctx, params.id!) }),
  route({ method: 'GET', path: '/api/v1/runbook-coverage', tag, auth: 'user', summary: 'Runbook coverage of every service',
    response: Type.Object({ data: Type.Array(ServiceCoverage) }), handler: ({ ctx }) => allCoverage(ctx) }),
];
