import fs from 'node:fs';
import path from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import type { AppDeps, Ctx } from '../core/context.js';
import { errors } from '../core/errors.js';
import { rejectNul } from '../core/validate.js';
import { newId } from '../core/ids.js';
import { ping } from '../db/dialect.js';
import { pendingMigrations } from '../db/migrate.js';
import { authenticate } from './auth.js';
import { sendError } from './errors.js';
import { renderMetrics, type Metrics } from '../core/metrics.js';
import { buildOpenApi } from './openapi.js';
import type { RouteDef } from './route.js';
import { PACKAGE_ROOT, VERSION } from '../version.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface ServerOptions {
  deps: AppDeps;
  routes: RouteDef[];
  metrics: Metrics;
  /** Directory with the built UI (index.html); the UI is not served when missing. */
  uiDir?: string;
}

export function defaultUiDir(): string {
  return path.join(PACKAGE_ROOT, 'dist', 'ui');
}

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const { deps, routes, metrics } = opts;
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // One structured line per request comes from our onResponse hook (with the route template).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: DEFAULT_BODY_LIMIT,
    trustProxy: deps.config.trustProxy,
    genReqId: () => newId(),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    return503OnClosing: true,
    // Router-level failures (malformed percent-encoding, over-long path parameters) skip the error
    // handler unless routed here; without this they leave in Fastify's own error shape.
    frameworkErrors: (err, req, reply) => sendError(req, reply, err),
  });

  // The API speaks JSON only: Fastify's built-in text/plain parser would hand a bare string to the
  // services (a misleading "Expected object" 400) instead of the 415 every other media type gets.
  app.removeContentTypeParser('text/plain');

  await app.register(fastifyCookie);

  app.setErrorHandler((err, req, reply) => sendError(req, reply, err));

  app.addHook('onResponse', async (req, reply) => {
    const routeUrl = req.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: req.method, route: routeUrl, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    if (routeUrl !== '/metrics' && routeUrl !== '/healthz' && routeUrl !== '/readyz') {
      req.log.info({ method: req.method, route: routeUrl, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
    }
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
    return payload;
  });

  const register = (scope: FastifyInstance, r: RouteDef) =>
    scope.route({
      method: r.method,
      url: r.path,
      bodyLimit: r.bodyLimit,
      handler: async (req, reply) => {
        const actor = await authenticate(deps, req);
        if (r.auth === 'user' && actor.kind === 'anonymous') throw errors.unauthenticated();
        const ctx: Ctx = { deps, actor, requestId: req.id };
        const query = (req.query ?? {}) as Record<string, unknown>;
        const params = (req.params ?? {}) as Record<string, string>;
        // Bodies are checked by the services' validate(); path and query values reach lookups directly.
        rejectNul(params);
        rejectNul(query);
        const result = await r.handler({ ctx, body: req.body, query, params, req, reply });
        if (reply.sent) return reply;
        if (r.status === 204) return reply.status(204).send();
        return reply.status(r.status ?? 200).send(result);
      },
    });

  for (const r of routes.filter((r) => !r.anyContentType)) register(app, r);
  // Senders (monitoring tools, curl one-liners) often mislabel JSON; ingest parses any body as JSON.
  await app.register(async (scope) => {
    scope.addContentTypeParser('*', { parseAs: 'string' }, scope.getDefaultJsonParser('error', 'error'));
    for (const r of routes.filter((r) => r.anyContentType)) register(scope, r);
  });

  const openapi = buildOpenApi(routes, VERSION);
  app.get('/api/v1/openapi.json', async () => openapi);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await ping(deps.db);
      const pending = await pendingMigrations(deps.db, deps.dialect);
      if (pending.length) {
        return reply.status(503).send({ error: { code: 'not_ready', message: 'Database migrations are pending', details: { pending } } });
      }
      return { status: 'ready', database: deps.dialect.name };
    } catch (err) {
      deps.log.warn({ err: (err as Error).message }, 'readiness check failed');
      return reply.status(503).send({ error: { code: 'not_ready', message: 'Database is unreachable', details: null } });
    }
  });
  app.get('/metrics', async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return renderMetrics(metrics);
  });

  const uiDir = opts.uiDir ?? defaultUiDir();
  const indexHtml = path.join(uiDir, 'index.html');
  const hasUi = fs.existsSync(indexHtml);
  if (hasUi) {
    await app.register(fastifyStatic, { root: uiDir, prefix: '/', wildcard: false, index: false, cacheControl: false });
  }

  app.setNotFoundHandler((req, reply) => {
    const isApi = req.url.startsWith('/api/') || req.url.startsWith('/v2/');
    if (!isApi && hasUi && (req.method === 'GET' || req.method === 'HEAD')) {
      // Client-side routes (/services/x) all load the single-page app.
      return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(fs.createReadStream(indexHtml));
    }
    return sendError(req, reply, errors.notFound(`Route ${req.method} ${req.url.split('?')[0]}`));
  });

  return app;
}
