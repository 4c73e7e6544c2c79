import { Type } from '@sinclair/typebox';
import { Page, PageQuery } from '../../core/schemas.js';
import { route } from '../../http/route.js';
import { Service, ServiceCreate, ServiceUpdate } from './schemas.js';
import { createService, deleteService, getService, listServices, updateService } from './services.js';

const ServiceQuery = Type.Composite([
  PageQuery,
  Type.Object({ team: Type.Optional(Type.String()), tier: Type.Optional(Type.Integer()), q: Type.Optional(Type.String()) }),
]);

export const catalogRoutes = [
  route({ method: 'GET', path: '/api/v1/services', tag: 'services', auth: 'user', summary: 'List services (filter by team, tier, q)',
    query: ServiceQuery, response: Page(Service), handler: ({ ctx, query }) => listServices(ctx, query) }),
  route({ method: 'POST', path: '/api/v1/services', tag: 'services', auth: 'user', summary: 'Create a service (manager of the owning team)',
    body: ServiceCreate, response: Service, status: 201, handler: ({ ctx, body }) => createService(ctx, body) }),
  route({ method: 'GET', path: '/api/v1/services/:id', tag: 'services', auth: 'user', summary: 'Get a service by id or slug',
    response: Service, handler: ({ ctx, params }) => getService(ctx, params.id!) }),
  route({ method: 'PATCH', path: '/api/v1/services/:id', tag: 'services', auth: 'user', summary: 'Update a service (manager of the owning team)',
    body: ServiceUpdate, response: Service, handler: ({ ctx, params, body }) => updateService(ctx, params.id!, body) }),
  route({ method: 'DELETE', path: '/api/v1/services/:id', tag: 'services', auth: 'user', summary: 'Delete a service nothing depends on',
    status: 204, handler: ({ ctx, params }) => deleteService(ctx, params.id!) }),
];
