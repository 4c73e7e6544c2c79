import type { TSchema } from '@sinclair/typebox';
import type { RouteDef } from './route.js';

const ErrorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
};

/** JSON round-trip drops TypeBox's symbol metadata, leaving plain JSON Schema 2020-12 (what OpenAPI 3.1 uses). */
const plain = (s: TSchema) => JSON.parse(JSON.stringify(s)) as Record<string, unknown>;

/** Generated from the same route table and schemas that validate requests, so it cannot drift. */
export function buildOpenApi(routes: RouteDef[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const query = r.query
      ? Object.entries((plain(r.query).properties ?? {}) as Record<string, unknown>).map(([name, schema]) => ({
          name,
          in: 'query',
          required: false,
          schema,
        }))
      : [];
    const status = String(r.status ?? 200);
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters: [...params, ...query],
      responses: {
        [status]:
          status === '204' || !r.response
            ? { description: 'Success' }
            : { description: 'Success', content: { 'application/json': { schema: plain(r.response) } } },
        '4XX': { description: 'Client error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
    if (r.auth === 'user') op.security = [{ bearer: [] }, { session: [] }];
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: plain(r.body) } } };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Ballast API',
      version,
      description: 'Every error has the shape {"error":{"code","message","details"}}. Lists use cursor pagination (limit, cursor → next_cursor).',
    },
    servers: [{ url: '/' }],
    components: {
      schemas: { Error: ErrorSchema },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API token created at /api/v1/tokens' },
        session: { type: 'apiKey', in: 'cookie', name: 'ballast_session', description: 'UI session; writes need the X-CSRF-Token header' },
      },
    },
    paths,
  };
}
