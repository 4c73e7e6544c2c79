import { Type } from '@sinclair/typebox';
import { route } from '../../../http/route.js';
import {
  createPolicy,
  deletePolicy,
  getPolicy,
  getServicePolicy,
  listPolicies,
  listServicePolicies,
  Policy,
  PolicyCreate,
  PolicyUpdate,
  ServicePolicyPut,
  setServicePolicy,
  updatePolicy,
} from './policies.js';

export const escalationRoutes = [
  route({ method: 'GET', path: '/api/v1/escalation-policies', tag: 'escalation', auth: 'user', summary: 'List escalation policies',
    response: Type.Object({ data: Type.Array(Policy) }), handler: ({ ctx }) => listPolicies(ctx) }),
  route({ method: 'POST', path: '/api/v1/escalation-policies', tag: 'escalation', auth: 'user', summary: 'Create an escalation policy (team manager)',
    body: PolicyCreate, response: Policy, status: 201, handler: ({ ctx, body }) => createPolicy(ctx, body) }),
  route({ method: 'GET', path: '/api/v1/escalation-policies/:id', tag: 'escalation', auth: 'user', summary: 'Get an escalation policy by id or slug',
    response: Policy, handler: ({ ctx, params }) => getPolicy(ctx, params.id!) }),
  route({ method: 'PATCH', path: '/api/v1/escalation-policies/:id', tag: 'escalation', auth: 'user', summary: 'Update an escalation policy (team manager)',
    body: PolicyUpdate, response: Policy, handler: ({ ctx, params, body }) => updatePolicy(ctx, params.id!, body) }),
  route({ method: 'DELETE', path: '/api/v1/escalation-policies/:id', tag: 'escalation', auth: 'user', summary: 'Delete a policy no service uses',
    status: 204, handler: ({ ctx, params }) => deletePolicy(ctx, params.id!) }),
  route({ method: 'GET', path: '/api/v1/oncall/services', tag: 'escalation', auth: 'user', summary: 'Every service with the escalation policy that pages for it (null: nobody is paged)',
    response: Type.Object({ data: Type.Array(Type.Object({ service: Type.Object({ id: Type.String(), slug: Type.String(), name: Type.String() }), policy: Type.Union([Policy, Type.Null()]) })) }),
    handler: ({ ctx }) => listServicePolicies(ctx) }),
  route({ method: 'GET', path: '/api/v1/services/:id/escalation-policy', tag: 'escalation', auth: 'user', summary: 'The policy that pages for a service',
    handler: ({ ctx, params }) => getServicePolicy(ctx, params.id!) }),
  route({ method: 'PUT', path: '/api/v1/services/:id/escalation-policy', tag: 'escalation', auth: 'user', summary: 'Set (or clear with null) the service’s policy',
    body: ServicePolicyPut, handler: ({ ctx, params, body }) => setServicePolicy(ctx, params.id!, body) }),
];
