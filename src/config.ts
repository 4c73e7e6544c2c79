import path from 'node:path';

/** Every environment variable Ballast reads, in one place (docs/operations.md lists them for users). */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  /** Externally visible base URL, used in links Ballast sends out. */
  publicUrl: string;
  outboundAllowlist: string[];
  logLevel: string;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  /** Trust X-Forwarded-* (set when behind a reverse proxy that terminates TLS). */
  trustProxy: boolean;
  sessionTtlHours: number;
  engineEnabled: boolean;
  /**
   * The engine runs in a worker thread of the server process, with its own database connection, so
   * paging keeps its own core while requests saturate the main thread. Off (`BALLAST_ENGINE=inline`),
   * it shares the main thread; an injected clock (tests) always runs it inline.
   */
  engineThread: boolean;
  enginePollMs: number;
  /** Engine jobs run concurrently per instance (network waits overlap). */
  engineConcurrency: number;
  dbPoolSize: number;
  /** Login attempts allowed per email+IP per 15 minutes. */
  loginRateLimit: number;
  /** Ingest requests accepted per integration key per second; more get 429 with Retry-After. */
  ingestRateLimit: number;
  /** Outgoing mail server, e.g. smtp://user:pass@mail.example.com:587 (smtps:// for implicit TLS). */
  smtpUrl: string | undefined;
  smtpFrom: string;
  /** Twilio-compatible REST API for SMS and voice. */
  twilioUrl: string;
  twilioAccountSid: string | undefined;
  twilioAuthToken: string | undefined;
  twilioFrom: string | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = intEnv(env, 'PORT', 8080);
  const dataDir = path.resolve(env.BALLAST_DATA_DIR ?? './data');
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    adminEmail: env.BALLAST_ADMIN_EMAIL || undefined,
    adminPassword: env.BALLAST_ADMIN_PASSWORD || undefined,
    publicUrl: (env.BALLAST_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    outboundAllowlist: (env.BALLAST_OUTBOUND_ALLOWLIST ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    sqliteSynchronous: env.BALLAST_SQLITE_SYNCHRONOUS === 'NORMAL' ? 'NORMAL' : 'FULL',
    trustProxy: env.BALLAST_TRUST_PROXY === '1' || env.BALLAST_TRUST_PROXY === 'true',
    sessionTtlHours: intEnv(env, 'BALLAST_SESSION_TTL_HOURS', 24 * 7),
    engineEnabled: env.BALLAST_ENGINE !== 'off',
    engineThread: env.BALLAST_ENGINE !== 'inline',
    enginePollMs: intEnv(env, 'BALLAST_ENGINE_POLL_MS', 250),
    engineConcurrency: Math.max(1, intEnv(env, 'BALLAST_ENGINE_CONCURRENCY', 8)),
    dbPoolSize: intEnv(env, 'BALLAST_DB_POOL_SIZE', 10),
    loginRateLimit: intEnv(env, 'BALLAST_LOGIN_RATE_LIMIT', 10),
    ingestRateLimit: intEnv(env, 'BALLAST_INGEST_RATE_LIMIT', 2000),
    smtpUrl: env.BALLAST_SMTP_URL || undefined,
    smtpFrom: env.BALLAST_SMTP_FROM || 'Ballast <ballast@localhost>',
    twilioUrl: (env.BALLAST_TWILIO_URL || 'https://api.twilio.com').replace(/\/+$/, ''),
    twilioAccountSid: env.BALLAST_TWILIO_ACCOUNT_SID || undefined,
    twilioAuthToken: env.BALLAST_TWILIO_AUTH_TOKEN || undefined,
    twilioFrom: env.BALLAST_TWILIO_FROM || undefined,
  };
}

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return n;
}
