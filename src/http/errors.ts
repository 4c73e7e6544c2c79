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

export function sendError(req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const { status, body, headers } = toErrorResponse(err);
  if (status >= 500) {
    req.log.error({ err, reqId: req.id }, 'request failed');
    body.error.details = { request_id: req.id };
  }
  return reply.status(status).headers(headers).type('application/json; charset=utf-8').send(body);
}
