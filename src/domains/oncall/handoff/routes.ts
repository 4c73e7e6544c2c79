import { Type } from '@sinclair/typebox';
import { Page, PageQuery } from '../../../core/schemas.js';
import { route } from '../../../http/route.js';
import { addHandoffNote, getHandoff, HandoffNote, HandoffNoteCreate, HandoffReport, listHandoffs } from './services.js';

const HandoffQuery = Type.Composite([
  PageQuery,
  Type.Object({
    schedule: Type.Optional(Type.String({ description: 'Schedule id or slug' })),
    user: Type.Optional(Type.String({ description: "Incoming user: id, email or 'me'" })),
  }),
]);

export const handoffRoutes = [
  route({ method: 'GET', path: '/api/v1/handoffs', tag: 'schedules', auth: 'user', summary: 'List on-call handoff reports (one per shift change)',
    query: HandoffQuery, response: Page(HandoffReport), handler: ({ ctx, query }) => listHandoffs(ctx, query) }),
  route({ method: 'GET', path: '/api/v1/handoffs/:id', tag: 'schedules', auth: 'user', summary: 'Get a handoff report',
    response: HandoffReport, handler: ({ ctx, params }) => getHandoff(ctx, params.id!) }),
  route({ method: 'POST', path: '/api/v1/schedules/:id/handoff-notes', tag: 'schedules', auth: 'user',
    summary: 'Leave notes for the next handoff (the person on call, or a responder of the owning team)',
    body: HandoffNoteCreate, response: HandoffNote, status: 201, handler: ({ ctx, params, body }) => addHandoffNote(ctx, params.id!, body) }),
];
