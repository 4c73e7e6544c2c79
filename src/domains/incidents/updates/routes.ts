import { Type } from '@sinclair/typebox';
import { Page } from '../../../core/schemas.js';
import { route, type RouteDef } from '../../../http/route.js';
import { listSuspects, Suspects, SuspectsQuery } from './suspects.js';
import { createTemplate, deleteTemplate, getTemplate, listTemplates, Template, TemplateCreate, TemplateListQuery, TemplateUpdate, updateTemplate } from './templates.js';
import { TEMPLATE_VARIABLES } from './render.js';
import {
  IncidentUpdate,
  IncidentUpdates,
  listAllUpdates,
  listIncidentUpdates,
  postUpdate,
  previewUpdate,
  PreviewRequest,
  UpdateCreate,
  UpdateListQuery,
  UpdatePreview,
} from './updates.js';

const tag = 'incidents';

export const incidentUpdateRoutes: RouteDef[] = [
  route({ method: 'GET', path: '/api/v1/communication-templates', tag, auth: 'user', summary: 'List communication templates',
    query: TemplateListQuery, response: Type.Object({ data: Type.Array(Template) }), handler: ({ ctx, query }) => listTemplates(ctx, query) }),
  route({ method: 'GET', path: '/api/v1/communication-templates/variables', tag, auth: 'user', summary: 'Variables templates may use',
    response: Type.Object({ data: Type.Array(Type.Object({ name: Type.String(), description: Type.String() })) }),
    handler: async () => ({ data: Object.entries(TEMPLATE_VARIABLES).map(([name, description]) => ({ name, description })) }) }),
  route({ method: 'POST', path: '/api/v1/communication-templates', tag, auth: 'user', summary: 'Create a communication template (admin or team manager)',
    body: TemplateCreate, response: Template, status: 201, handler: ({ ctx, body }) => createTemplate(ctx, body) }),
  route({ method: 'GET', path: '/api/v1/communication-templates/:id', tag, auth: 'user', summary: 'Get a communication template by id or slug',
    response: Template, handler: ({ ctx, params }) => getTemplate(ctx, params.id!) }),
  route({ method: 'PATCH', path: '/api/v1/communication-templates/:id', tag, auth: 'user', summary: 'Update a communication template (admin or team manager)',
    body: TemplateUpdate, response: Template, handler: ({ ctx, params, body }) => updateTemplate(ctx, params.id!, body) }),
  route({ method: 'DELETE', path: '/api/v1/communication-templates/:id', tag, auth: 'user', summary: 'Delete a communication template (admin or team manager)',
    status: 204, handler: ({ ctx, params }) => deleteTemplate(ctx, params.id!) }),

  route({ method: 'GET', path: '/api/v1/incidents/:id/updates', tag, auth: 'user', summary: 'Status updates of an incident (newest first) and the next-update promise',
    response: IncidentUpdates, handler: ({ ctx, params }) => listIncidentUpdates(ctx, params.id!) }),
  route({ method: 'POST', path: '/api/v1/incidents/:id/updates', tag, auth: 'user', summary: 'Post a status update (responder on an affected service’s team)',
    body: UpdateCreate, response: IncidentUpdate, status: 201, handler: ({ ctx, params, body }) => postUpdate(ctx, params.id!, body) }),
  route({ method: 'POST', path: '/api/v1/incidents/:id/updates/preview', tag, auth: 'user', summary: 'Fill a communication template with the incident’s current values',
    body: PreviewRequest, response: UpdatePreview, handler: ({ ctx, params, body }) => previewUpdate(ctx, params.id!, body) }),
  route({ method: 'GET', path: '/api/v1/incident-updates', tag, auth: 'user', summary: 'Status updates across incidents, newest first (?audience=external: what the status page shows)',
    query: UpdateListQuery, response: Page(IncidentUpdate), handler: ({ ctx, query }) => listAllUpdates(ctx, query) }),
  route({ method: 'GET', path: '/api/v1/incidents/:id/suspects', tag, auth: 'user', summary: 'Changes on the affected services (and their direct dependencies) in the hours before the incident',
    query: SuspectsQuery, response: Suspects, handler: ({ ctx, params, query }) => listSuspects(ctx, params.id!, query) }),
];
