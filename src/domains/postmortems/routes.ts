import { Type } from '@sinclair/typebox';
import { Page } from '../../core/schemas.js';
import type { RouteDef } from '../../http/route.js';
import { route } from '../../http/route.js';
import { ActionItem, ActionItemCreate, ActionItemQuery, ActionItemUpdate, createActionItem, getActionItem, listActionItems, updateActionItem } from './actionItems.js';
import { FollowUps, getFollowUps } from './followups.js';
import { incidentMetrics, MetricsOut, MetricsQuery } from './metrics.js';
import {
  addComment,
  addReviewer,
  Comment,
  CommentCreate,
  createPostmortem,
  exportPostmortem,
  getPostmortem,
  listComments,
  listPostmortems,
  Postmortem,
  PostmortemCreate,
  PostmortemQuery,
  PostmortemSummary,
  PostmortemTransition,
  PostmortemUpdate,
  removeReviewer,
  ReviewerAdd,
  transitionPostmortem,
  updatePostmortem,
} from './postmortems.js';

const tag = 'postmortems';

export const postmortemRoutes: RouteDef[] = [
  route({ method: 'GET', path: '/api/v1/postmortems', tag, auth: 'user', summary: 'List postmortems (newest first; filters: status, overdue, incident)',
    query: PostmortemQuery, response: Page(PostmortemSummary), handler: ({ ctx, query }) => listPostmortems(ctx, query) }),
  route({ method: 'POST', path: '/api/v1/postmortems', tag, auth: 'user', summary: 'Start the postmortem of an incident (one per incident)',
    body: PostmortemCreate, response: Postmortem, status: 201, handler: ({ ctx, body }) => createPostmortem(ctx, body) }),
  route({ method: 'GET', path: '/api/v1/postmortems/:id', tag, auth: 'user', summary: 'Get a postmortem by its id or its incident (INC-<n>)',
    response: Postmortem, handler: ({ ctx, params }) => getPostmortem(ctx, params.id!) }),
  route({ method: 'PATCH', path: '/api/v1/postmortems/:id', tag, auth: 'user', summary: 'Edit title, author or sections (not once published)',
    body: PostmortemUpdate, response: Postmortem, handler: ({ ctx, params, body }) => updatePostmortem(ctx, params.id!, body) }),
  route({ method: 'POST', path: '/api/v1/postmortems/:id/status', tag, auth: 'user',
    summary: 'Move draft → in_review → published (or in_review → draft); 409 with the reason otherwise',
    body: PostmortemTransition, response: Postmortem, handler: ({ ctx, params, body }) => transitionPostmortem(ctx, params.id!, body) }),
  route({ method: 'POST', path: '/api/v1/postmortems/:id/reviewers', tag, auth: 'user', summary: 'Add a reviewer',
    body: ReviewerAdd, response: Postmortem, handler: ({ ctx, params, body }) => addReviewer(ctx, params.id!, body) }),
  route({ method: 'DELETE', path: '/api/v1/postmortems/:id/reviewers/:user', tag, auth: 'user', summary: 'Remove a reviewer',
    response: Postmortem, handler: ({ ctx, params }) => removeReviewer(ctx, params.id!, params.user!) }),
  route({ method: 'GET', path: '/api/v1/postmortems/:id/comments', tag, auth: 'user', summary: 'Comments, oldest first (body_html is sanitized)',
    response: Type.Object({ data: Type.Array(Comment) }), handler: ({ ctx, params }) => listComments(ctx, params.id!) }),
  route({ method: 'POST', path: '/api/v1/postmortems/:id/comments', tag, auth: 'user', summary: 'Comment (reviewers and the incident’s responders)',
    body: CommentCreate, response: Comment, status: 201, handler: ({ ctx, params, body }) => addComment(ctx, params.id!, body) }),
  route({ method: 'GET', path: '/api/v1/postmortems/:id/export.md', tag, auth: 'user', summary: 'The postmortem as Markdown (seed template order)',
    handler: async ({ ctx, params, reply }) => {
      const text = await exportPostmortem(ctx, params.id!);
      reply.type('text/markdown; charset=utf-8');
      return text;
    } }),
  route({ method: 'GET', path: '/api/v1/action-items', tag, auth: 'user', summary: 'Action items across all incidents (filters: status, owner, service, team, incident, overdue)',
    query: ActionItemQuery, response: Page(ActionItem), handler: ({ ctx, query }) => listActionItems(ctx, query) }),
  route({ method: 'POST', path: '/api/v1/action-items', tag, auth: 'user', summary: 'Create an action item on an incident (and its postmortem)',
    body: ActionItemCreate, response: ActionItem, status: 201, handler: ({ ctx, body }) => createActionItem(ctx, body) }),
  route({ method: 'GET', path: '/api/v1/action-items/:id', tag, auth: 'user', summary: 'Get an action item',
    response: ActionItem, handler: ({ ctx, params }) => getActionItem(ctx, params.id!) }),
  route({ method: 'PATCH', path: '/api/v1/action-items/:id', tag, auth: 'user', summary: 'Update an action item (responders, or its owner)',
    body: ActionItemUpdate, response: ActionItem, handler: ({ ctx, params, body }) => updateActionItem(ctx, params.id!, body) }),
  route({ method: 'GET', path: '/api/v1/incidents/:id/follow-ups', tag, auth: 'user',
    summary: "The incident's postmortem and open action items from earlier incidents on its services",
    response: FollowUps, handler: ({ ctx, params }) => getFollowUps(ctx, params.id!) }),
  route({ method: 'GET', path: '/api/v1/incident-metrics', tag, auth: 'user', summary: 'MTTA/MTTM/MTTR, severities, breaches, postmortem and action-item rates per period',
    query: MetricsQuery, response: MetricsOut, handler: ({ ctx, query }) => incidentMetrics(ctx, query) }),
];
