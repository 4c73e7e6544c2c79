import { Type } from '@sinclair/typebox';
import YAML from 'yaml';
import { Page, PageQuery } from '../../../core/schemas.js';
import { route, type RouteDef } from '../../../http/route.js';
import { escalateWalk } from './escalate.js';
import { Example, ExampleInstall, installExample, listExamples } from './examples.js';
import { createTree, deleteTree, exportTree, ExportQuery, getTree, listTrees, Tree, TreeCreate, TreeSummary, TreeUpdate, updateTree } from './trees.js';
import { answerWalk, backWalk, getWalk, listWalks, startWalk, Walk, WalkAnswer, WalkQuery, WalkStart } from './walks.js';

const TAG = 'decision-trees';
const BASE = '/api/v1/decision-trees';
const TreeQuery = Type.Composite([
  PageQuery,
  Type.Object({
    team: Type.Optional(Type.String({ maxLength: 100 })),
    service: Type.Optional(Type.String({ maxLength: 100 })),
    tag: Type.Optional(Type.String({ maxLength: 100 })),
    q: Type.Optional(Type.String({ maxLength: 200 })),
  }),
]);
const TreePageQuery = Type.Composite([PageQuery]);

// Static segments (`examples`, `walks`) are registered before `:slug` routes and are reserved slugs.
export const decisionTreeRoutes: RouteDef[] = [
  route({ method: 'GET', path: BASE, tag: TAG, auth: 'user', summary: 'List decision trees (filters: team, service, tag, q)',
    query: TreeQuery, response: Page(TreeSummary), handler: ({ ctx, query }) => listTrees(ctx, query) }),
  route({ method: 'POST', path: BASE, tag: TAG, auth: 'user', summary: 'Create a decision tree (responder or above on the owning team)',
    body: TreeCreate, response: Tree, status: 201, handler: ({ ctx, body }) => createTree(ctx, body) }),

  route({ method: 'GET', path: `${BASE}/examples`, tag: TAG, auth: 'user', summary: 'Built-in example trees',
    response: Type.Object({ data: Type.Array(Example) }), handler: ({ ctx }) => listExamples(ctx) }),
  route({ method: 'POST', path: `${BASE}/examples/:key`, tag: TAG, auth: 'user', summary: 'Install an example tree for a team (missing runbooks become info leaves, with warnings)',
    body: ExampleInstall, response: Type.Object({ tree: Tree, warnings: Type.Array(Type.String()) }), status: 201,
    handler: ({ ctx, params, body }) => installExample(ctx, params.key!, body) }),

  route({ method: 'GET', path: `${BASE}/walks`, tag: TAG, auth: 'user', summary: 'List walks, newest first (filters: tree, incident)',
    query: WalkQuery, response: Page(Walk), handler: ({ ctx, query }) => listWalks(ctx, query) }),
  route({ method: 'GET', path: `${BASE}/walks/:id`, tag: TAG, auth: 'user', summary: 'Get a walk: current node, path taken, and the leaf action once complete',
    response: Walk, handler: ({ ctx, params }) => getWalk(ctx, params.id!) }),
  route({ method: 'POST', path: `${BASE}/walks/:id/answer`, tag: TAG, auth: 'user', summary: 'Answer the current question (409 if the walk is elsewhere or complete)',
    body: WalkAnswer, response: Walk, handler: ({ ctx, params, body }) => answerWalk(ctx, params.id!, body) }),
  route({ method: 'POST', path: `${BASE}/walks/:id/back`, tag: TAG, auth: 'user', summary: 'Undo the last answer',
    body: Type.Object({}, { additionalProperties: false }), response: Walk, handler: ({ ctx, params }) => backWalk(ctx, params.id!) }),
  route({ method: 'POST', path: `${BASE}/walks/:id/escalate`, tag: TAG, auth: 'user', summary: 'Perform an escalate leaf: page the team (level 1 on call, else its managers) once',
    body: Type.Object({}, { additionalProperties: false }), response: Walk, handler: ({ ctx, params }) => escalateWalk(ctx, params.id!) }),

  route({ method: 'GET', path: `${BASE}/:slug`, tag: TAG, auth: 'user', summary: 'Get a decision tree by slug or id',
    response: Tree, handler: ({ ctx, params }) => getTree(ctx, params.slug!) }),
  route({ method: 'PATCH', path: `${BASE}/:slug`, tag: TAG, auth: 'user', summary: 'Update a decision tree (fields given replace; the whole tree is re-validated)',
    body: TreeUpdate, response: Tree, handler: ({ ctx, params, body }) => updateTree(ctx, params.slug!, body) }),
  route({ method: 'DELETE', path: `${BASE}/:slug`, tag: TAG, auth: 'user', summary: 'Delete a decision tree and its walks',
    status: 204, handler: ({ ctx, params }) => deleteTree(ctx, params.slug!) }),
  route({ method: 'GET', path: `${BASE}/:slug/export`, tag: TAG, auth: 'user', summary: 'The tree as a `decision_trees:` apply document (JSON, or YAML with ?format=yaml)',
    query: ExportQuery, handler: async ({ ctx, params, query, reply }) => {
      const doc = await exportTree(ctx, params.slug!);
      if (query.format !== 'yaml') return doc;
      reply.type('application/yaml; charset=utf-8');
      return YAML.stringify(doc);
    } }),
  route({ method: 'GET', path: `${BASE}/:slug/walks`, tag: TAG, auth: 'user', summary: 'Walks of one tree, newest first',
    query: TreePageQuery, response: Page(Walk), handler: ({ ctx, params, query }) => listWalks(ctx, { ...query, tree: params.slug! }) }),
  route({ method: 'POST', path: `${BASE}/:slug/walks`, tag: TAG, auth: 'user', summary: 'Start walking a tree, optionally recorded on an incident',
    body: WalkStart, response: Walk, status: 201, handler: ({ ctx, params, body }) => startWalk(ctx, params.slug!, body ?? {}) }),
];
