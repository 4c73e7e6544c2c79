// Assertions and helpers shared by the API tests in test/api/.

import assert from 'node:assert/strict';
import type { TestApp, TestResponse } from './app.js';

/**
 * Every error response is exactly `{"error":{"code","message","details"}}` with a JSON content type.
 * Returns the `error` object for further checks.
 */
export function assertErrorShape(res: TestResponse, context = '', opts: { path?: string } = {}): { code: string; message: string; details: any } {
  const where = `${context} → ${res.status} ${res.text.slice(0, 500)}`;
  assert.ok(res.status >= 400, `expected an error status ${where}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `error content-type ${where}`);
  assert.ok(res.body && typeof res.body === 'object' && !Array.isArray(res.body), `error body is a JSON object ${where}`);
  // The one documented exception: PagerDuty-compatible /v2/ endpoints add PagerDuty's own error fields
  // (status, message, errors) next to Ballast's `error` object (src/http/errors.ts).
  const expectedKeys = opts.path?.startsWith('/v2/') ? ['error', 'errors', 'message', 'status'] : ['error'];
  assert.deepEqual(Object.keys(res.body).sort(), expectedKeys, `top-level keys ${where}`);
  const e = res.body.error;
  assert.ok(e && typeof e === 'object' && !Array.isArray(e), `error is an object ${where}`);
  assert.deepEqual(Object.keys(e).sort(), ['code', 'details', 'message'], `error keys ${where}`);
  assert.equal(typeof e.code, 'string', `error.code is a string ${where}`);
  assert.match(e.code, /^[a-z][a-z_]*$/, `error.code is snake_case ${where}`);
  assert.equal(typeof e.message, 'string', `error.message is a string ${where}`);
  assert.ok(e.message.length > 0, `error.message is not empty ${where}`);
  assert.ok(e.details === null || typeof e.details === 'object', `error.details is null or an object ${where}`);
  return e;
}

/** Asserts status and error code (and the shape). */
export function assertError(res: TestResponse, status: number, code: string, context = '', opts: { path?: string } = {}): { code: string; message: string; details: any } {
  assert.equal(res.status, status, `${context} expected ${status} ${code}, got ${res.status} ${res.text.slice(0, 500)}`);
  const e = assertErrorShape(res, context, opts);
  assert.equal(e.code, code, `${context} error code`);
  return e;
}

/** Field paths named in a validation error's details. */
export function failingFields(res: TestResponse): string[] {
  const fields = res.body?.error?.details?.fields;
  assert.ok(Array.isArray(fields), `details.fields is an array: ${res.text}`);
  for (const f of fields) {
    assert.equal(typeof f.path, 'string');
    assert.equal(typeof f.message, 'string');
  }
  return fields.map((f: { path: string }) => f.path);
}

export interface Session {
  /** `ballast_session=<value>`, ready for a Cookie header. */
  cookie: string;
  /** The raw session token (cookie value). */
  token: string;
  csrf: string;
  /** The full Set-Cookie header of the login response. */
  setCookie: string;
  res: TestResponse;
}

/** Signs in through the API and returns the session cookie and CSRF token. */
export async function login(t: TestApp, email: string, password: string, headers: Record<string, string> = {}): Promise<Session> {
  const res = await t.request('POST', '/api/v1/auth/login', { token: null, body: { email, password }, headers });
  assert.equal(res.status, 200, `login ${email}: ${res.text}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const m = /(?:^|[,\s])ballast_session=([^;]+)/.exec(setCookie);
  assert.ok(m, `login sets ballast_session: ${setCookie}`);
  const token = decodeURIComponent(m[1]!);
  return { cookie: `ballast_session=${m[1]}`, token, csrf: res.body.csrf_token, setCookie, res };
}

/** Unique, slug-safe suffix. */
let seq = 0;
export function uniq(prefix = 'x'): string {
  return `${prefix}-${(++seq).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
