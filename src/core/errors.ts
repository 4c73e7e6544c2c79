/** The one error type services throw; the HTTP layer maps it to `{"error":{"code","message","details"}}`. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export interface FieldProblem {
  path: string;
  message: string;
}

export const errors = {
  validation: (problems: FieldProblem[], message = 'Request validation failed') =>
    new AppError(400, 'validation_failed', message, { fields: problems }),
  badRequest: (message: string, details: unknown = null) => new AppError(400, 'bad_request', message, details),
  unauthenticated: (message = 'Authentication required') => new AppError(401, 'unauthenticated', message),
  forbidden: (message = 'You do not have permission to do this') => new AppError(403, 'forbidden', message),
  notFound: (what: string, id?: string) =>
    new AppError(404, 'not_found', id ? `${what} '${id}' not found` : `${what} not found`, id ? { id } : null),
  conflict: (message: string, details: unknown = null) => new AppError(409, 'conflict', message, details),
  tooLarge: (limitBytes: number) =>
    new AppError(413, 'payload_too_large', `Request body exceeds ${limitBytes} bytes`, { limit_bytes: limitBytes }),
  rateLimited: (retryAfterSeconds: number) =>
    new AppError(429, 'rate_limited', 'Too many requests; retry later', { retry_after_seconds: retryAfterSeconds }, {
      'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    }),
};
