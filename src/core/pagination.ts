import { errors } from './errors.js';

export interface PageRequest {
  limit: number;
  /** Exclusive lower bound on the sort key (ids are time-ordered UUIDv7). */
  after: string | null;
}

export interface PageResult<T> {
  data: T[];
  next_cursor: string | null;
}

export function pageRequest(q: { limit?: unknown; cursor?: unknown }): PageRequest {
  const limit = q.limit === undefined ? 50 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw errors.validation([{ path: '/limit', message: 'Expected an integer from 1 to 500' }]);
  }
  let after: string | null = null;
  if (q.cursor !== undefined && q.cursor !== '') {
    if (typeof q.cursor !== 'string') throw errors.validation([{ path: '/cursor', message: 'Expected a string' }]);
    after = Buffer.from(q.cursor, 'base64url').toString('utf8');
    if (!/^[\w:.\-@]{1,200}$/.test(after)) throw errors.validation([{ path: '/cursor', message: 'Malformed cursor' }]);
  }
  return { limit, after };
}

/** Callers fetch `limit + 1` rows; the extra row only tells whether another page exists. */
export function pageResult<R, T>(rows: R[], req: PageRequest, key: (r: R) => string, map: (r: R) => T): PageResult<T> {
  const more = rows.length > req.limit;
  const page = more ? rows.slice(0, req.limit) : rows;
  const last = page.at(-1);
  return {
    data: page.map(map),
    next_cursor: more && last ? Buffer.from(key(last), 'utf8').toString('base64url') : null,
  };
}
