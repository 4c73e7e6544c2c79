import { describe } from 'node:test';
import { createApp, type App } from '../../src/app.js';
import type { Clock } from '../../src/core/clock.js';
import type { Config } from '../../src/config.js';
import { SYSTEM } from '../../src/core/actor.js';
import { transaction } from '../../src/core/uow.js';
import { createUserIn } from '../../src/domains/accounts/users.js';
import { createTokenIn } from '../../src/domains/accounts/tokens.js';
import type { TeamRole } from '../../src/domains/accounts/authz.js';
import { createTestPgDatabase, tempDir, testDatabaseKinds } from './db.js';

export type DbKind = 'sqlite' | 'postgres';

export interface TestApp {
  kind: DbKind;
  app: App;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  adminToken: string;
  /** Sends a request; JSON body in and out. */
  request(method: string, path: string, opts?: RequestOpts): Promise<TestResponse>;
  /** Creates a user with an API token; returns both. */
  user(spec?: { email?: string; teams?: Record<string, TeamRole>; admin?: boolean; password?: string }): Promise<{ id: string; email: string; token: string }>;
  close(): Promise<void>;
}

export interface RequestOpts {
  token?: string | null;
  body?: unknown;
  /** Raw body string (sent as-is with the given or JSON content type). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'correct horse battery staple';

let userSeq = 0;

/** A real Ballast (HTTP server on a free port) on a fresh SQLite file or a fresh PostgreSQL database. */
export async function startTestApp(kind: DbKind, opts: { clock?: Clock; config?: Partial<Config>; uiDir?: string; startEngine?: boolean } = {}): Promise<TestApp> {
  const dir = await tempDir('ballast-test-');
  const pgdb = kind === 'postgres' ? await createTestPgDatabase() : null;
  const app = await createApp({
    clock: opts.clock,
    startEngine: opts.startEngine ?? false,
    // Parallel work can build the UI into its own folder (BALLAST_TEST_UI_DIR) instead of dist/ui.
    uiDir: opts.uiDir ?? (process.env.BALLAST_TEST_UI_DIR || undefined),
    config: {
      port: 0,
      host: '127.0.0.1',
      dataDir: dir.path,
      databaseUrl: pgdb?.url,
      adminEmail: ADMIN_EMAIL,
      adminPassword: ADMIN_PASSWORD,
      logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
      sqliteSynchronous: 'NORMAL',
      ...opts.config,
    },
  });
  const url = await app.listen();
  const ctx = { deps: app.deps, actor: SYSTEM };
  const admin = await app.deps.db.selectFrom('users').select('id').where('email', '=', ADMIN_EMAIL).executeTakeFirstOrThrow();
  const adminToken = (await transaction(ctx, (uow) => createTokenIn(uow, admin.id, { name: 'test-admin' }))).token;

  const request = async (method: string, path: string, o: RequestOpts = {}): Promise<TestResponse> => {
    const token = o.token === undefined ? adminToken : o.token;
    const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...o.headers };
    let body: string | Buffer | undefined;
    if (o.raw !== undefined) {
      body = o.raw;
      headers['content-type'] ??= 'application/json';
    } else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers, body: body as BodyInit | undefined });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };

  return {
    kind,
    app,
    url,
    adminToken,
    request,
    async user(spec = {}) {
      const email = spec.email ?? `user${++userSeq}-${Date.now()}@example.com`;
      const u = await transaction(ctx, (uow) =>
        createUserIn(uow, { email, name: email.split('@')[0]!, password: spec.password, is_admin: spec.admin, teams: spec.teams }),
      );
      const t = await transaction(ctx, (uow) => createTokenIn(uow, u.id, { name: 'test' }));
      return { id: u.id, email: u.email, token: t.token };
    },
    async close() {
      await app.close();
      await pgdb?.drop();
      await dir.remove();
    },
  };
}

/** Runs the same suite on every database kind available (both in CI). */
export function forEachDatabase(title: string, fn: (kind: DbKind) => void): void {
  for (const kind of testDatabaseKinds()) describe(`${title} [${kind}]`, () => fn(kind));
}
