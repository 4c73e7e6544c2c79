import type { FastifyRequest } from 'fastify';
import { ANONYMOUS, type Actor } from '../core/actor.js';
import type { AppDeps } from '../core/context.js';
import { AppError, errors } from '../core/errors.js';
import { resolveApiToken, resolveSession } from '../domains/accounts/sessions.js';

export const SESSION_COOKIE = 'ballast_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Bearer tokens (API, CLI) or the session cookie (UI). Cookie-authenticated writes must echo the
 * session's CSRF token in a header, which a cross-site form or image cannot do.
 */
export async function authenticate(deps: AppDeps, req: FastifyRequest): Promise<Actor> {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw errors.unauthenticated('Authorization header must be "Bearer <token>"');
    const cred = await resolveApiToken(deps, m[1]!);
    if (!cred) throw errors.unauthenticated('API token is invalid, expired or revoked');
    return cred.actor;
  }
  const cookie = req.cookies?.[SESSION_COOKIE];
  if (!cookie) return ANONYMOUS;
  const cred = await resolveSession(deps, cookie);
  if (!cred) return ANONYMOUS;
  if (!SAFE_METHODS.has(req.method) && req.headers[CSRF_HEADER] !== cred.csrfToken) {
    throw new AppError(403, 'csrf_failed', `Missing or wrong ${CSRF_HEADER} header for a cookie-authenticated request`);
  }
  return cred.actor;
}
