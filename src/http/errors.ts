import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';

export interface ErrorBody {
  error: { code: string; message: string; details: unknown };
}

/** Fastify's own client errors (body parsing, size, media type) mapped to Ballast's codes. */
const FASTIFY_CODES: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'Send JSON with Content-Type: application/json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'Body is empty but Content-Type is application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad_request', message: 'Content-Length does not match the body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json' },
  FST_ERR_BAD_URL: { status: 400, code: 'bad_request', message: 'The URL is malformed (bad percent-encoding)' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'uri_too_long', message: 'A path parameter is too long' },
};

export function toErrorResponse(err: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (err instanceof AppError) {
    return { status: err.status, body: { error: { code: err.code, message: err.message, details: err.details } }, headers: err.headers };
  }
  const fe = err as FastifyError;
  const mapped = fe?.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped) {
    return { status: mapped.status, body: { error: { code: mapped.code, message: mapped.message ?? fe.message, details: null } }, headers: {} };
  }
  // JSON.parse failures and prototype-poisoning rejections from the body parser.
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = err instanceof SyntaxError || /JSON|proto/i.test(fe.message) ? 'invalid_json' : 'bad_request';
    return { status: fe.statusCode, body: { error: { code, message: fe.message, details: null } }, headers: {} };
  }
  return { status: 500, body: { error: { code: 'internal_error', message: 'Internal server error', details: null } }, headers: {} };
}

/**
 * PagerDuty Events API clients read `status`, `message` and `errors`; /v2/ responses carry those next to
 * Ballast's own `error` object so both kinds of client understand them.
 */
function pagerDutyFields(status: number, body: ErrorBody): Record<string, unknown> {
  const details = body.error.details as { errors?: unknown } | null;
  const list = Array.isArray(details?.errors) ? details.errors : [body.error.message];
  if (status === 429) return { status: 'throttle event', message: 'Requests for this integration are arriving too quickly. Please retry later.', errors: list };
  if (status >= 500) return { status: 'error', message: body.error.message, errors: list };
  return { status: 'invalid event', message: body.error.message, errors: list };
}

export function sendError(req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const { status, body, headers } = toErrorResponse(err);
  if (status >= 500) {
    req.log.error({ err, reqId: req.id }, 'request failed');
    body.error.details = { request_id: req.id };
  }
  const out = req.url.startsWith('/v2/') ? { ...pagerDutyFields(status, body), ...body } : body;
  return reply.status(status).headers(headers).type('application/json; charset=utf-8').send(out);
}
