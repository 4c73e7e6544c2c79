/**
 * The one module that knows SQLite and PostgreSQL differ. Everything else asks this module
 * (connection setup, column types, claim locking, error classification) instead of branching itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, sql, type ColumnDataType, type SelectQueryBuilder } from 'kysely';
import type { Database } from './schema.js';
import { LockedSqliteDialect, WriterLock } from './writer-lock.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Dialect {
  readonly name: DialectName;
  /** Column type for an auto-incrementing integer primary key. */
  readonly serialPk: 'integer' | 'bigserial';
  /** Large integer column type. */
  readonly bigint: ColumnDataType;
  /** Adds row-claim locking where the database needs it (SQLite already serialises writers). */
  lockForClaim<DB, TB extends keyof DB, O>(qb: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>;
  /** Case-insensitive substring match operator. */
  readonly ilike: 'like' | 'ilike';
  /**
   * Serialises writers of one kind across instances until the transaction ends (PostgreSQL advisory
   * lock). SQLite already admits one writer at a time, so there it does nothing.
   */
  lockNamed(db: Kysely<any>, name: string): Promise<void>;
  /** `lockNamed` for several names in one statement, taken in the order given (callers sort them). */
  lockNamedMany(db: Kysely<any>, names: string[]): Promise<void>;
  /** Bound-parameter placeholder for the n-th (1-based) parameter in hand-written SQL. */
  placeholder(n: number): string;
  /**
   * How db/bulk.ts splits a multi-row write. SQLite prepares each distinct statement text once and
   * reuses it from a cache, so there writes go in power-of-two chunks of at most 64 rows, a handful of
   * texts. PostgreSQL plans every unnamed statement afresh, so there an extra statement is only an
   * extra round trip: one statement carries as many rows as its bound parameters allow.
   */
  readonly bulkChunks: { maxRows: number; powersOfTwo: boolean };
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, for logs (never includes a password). */
  describe: string;
  /** SQLite: hand to a connection opened in another thread of this process (OpenOptions.writerLock). */
  writerLock?: SharedArrayBuffer;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string;
  dataDir: string;
  /** SQLite `synchronous` level; FULL by default so an acknowledged commit survives power loss. */
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  poolSize?: number;
  /**
   * Commits return before they reach the disk (SQLite `synchronous = NORMAL`, PostgreSQL
   * `synchronous_commit = off`). Still atomic, and durable once any later commit is flushed; a power
   * loss can drop only the last moments of them. For the engine's own connection: every write it makes
   * is either part of a job's completion or repeated by running the job again, so a lost commit means a
   * job runs again (a page may go out twice, never not at all). Requests keep full durability.
   */
  replayableCommits?: boolean;
  /** SQLite: the write lock of another thread's connection to the same file (DatabaseHandle.writerLock). */
  writerLock?: SharedArrayBuffer;
}

const sqliteDialect: Dialect = {
  name: 'sqlite',
  serialPk: 'integer',
  bigint: 'integer',
  lockForClaim: (qb) => qb,
  ilike: 'like',
  lockNamed: async () => undefined,
  lockNamedMany: async () => undefined,
  placeholder: () => '?',
  bulkChunks: { maxRows: 64, powersOfTwo: true },
};

const postgresDialect: Dialect = {
  name: 'postgres',
  serialPk: 'bigserial',
  bigint: 'bigint',
  lockForClaim: (qb) => qb.forUpdate().skipLocked(),
  ilike: 'ilike',
  lockNamed: async (db, name) => {
    await sql`select pg_advisory_xact_lock(hashtext(${name}))`.execute(db);
  },
  lockNamedMany: async (db, names) => {
    if (names.length === 0) return;
    // unnest yields the array's elements in order, and the function runs as each row is produced.
    await sql`select pg_advisory_xact_lock(hashtext(n)) from unnest(${names}::text[]) as t(n)`.execute(db);
  },
  placeholder: (n) => `$${n}`,
  bulkChunks: { maxRows: 4096, powersOfTwo: false },
};

let pgTypesConfigured = false;
function configurePgTypes(): void {
  if (pgTypesConfigured) return;
  // int8/count(*) arrive as strings by default; our values (sequence numbers, counts) fit in a double.
  pg.types.setTypeParser(20, (v) => Number(v));
  pgTypesConfigured = true;
}

export function isPostgresUrl(url: string | undefined): boolean {
  return !!url && /^postgres(ql)?:\/\//i.test(url);
}

export function openDatabase(opts: OpenOptions): DatabaseHandle {
  if (isPostgresUrl(opts.databaseUrl)) {
    configurePgTypes();
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl!,
      max: opts.poolSize ?? 10,
      ...(opts.replayableCommits ? { options: '-c synchronous_commit=off' } : {}),
    });
    // An idle client erroring (server restart) must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const u = new URL(opts.databaseUrl!);
    return {
      db,
      dialect: postgresDialect,
      describe: `postgres://${u.host}${u.pathname}`,
      close: () => db.destroy(),
    };
  }
  const url: string | undefined = opts.databaseUrl;
  if (url && !url.startsWith('sqlite:')) {
    throw new Error(`Unsupported DATABASE_URL scheme: ${url.split(':')[0]} (use postgres:// or sqlite:)`);
  }
  const file = url ? url.slice('sqlite:'.length).replace(/^\/\//, '') : path.join(opts.dataDir, 'ballast.sqlite');
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const raw = new SQLite(file);
  raw.pragma('journal_mode = WAL');
  const synchronous = opts.replayableCommits ? 'NORMAL' : (opts.sqliteSynchronous ?? 'FULL');
  raw.pragma(`synchronous = ${synchronous}`);
  raw.pragma('foreign_keys = ON');
  // A CLI `apply` against the same file as a running server waits instead of failing.
  raw.pragma('busy_timeout = 5000');
  const database = withStatementCache(raw);
  const lock = new WriterLock(opts.writerLock);
  const info = { reads: (text: string) => database.prepare(text).readonly, inTransaction: () => raw.inTransaction };
  const db = new Kysely<Database>({ dialect: new LockedSqliteDialect({ database }, lock, info) });
  return {
    db,
    dialect: sqliteDialect,
    describe: `sqlite:${file}`,
    writerLock: lock.buffer,
    close: () => db.destroy(),
  };
}

/** Prepared statements kept per connection, least recently used evicted first. */
const STATEMENT_CACHE_SIZE = 1000;

/**
 * Kysely prepares every query afresh; on SQLite preparing costs as much CPU as running a typical
 * statement (a fifth of the server's time under paging load). The service code issues a bounded set of
 * distinct SQL texts, so prepared statements are reused by text. SQLite re-prepares a cached statement
 * by itself if the schema changes under it (migrations).
 */
function withStatementCache(raw: SQLite.Database) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => raw.close(),
    prepare(text: string) {
      // Another connection (the engine thread, a CLI `apply`) may write to the same file. A deferred
      // transaction that reads and then writes fails at once with SQLITE_BUSY_SNAPSHOT if the other
      // one committed in between; taking the write lock at BEGIN waits out the busy timeout instead.
      const sqlText = text === 'begin' ? 'begin immediate' : text;
      let stmt = cache.get(sqlText);
      if (stmt) {
        cache.delete(sqlText);
      } else {
        stmt = raw.prepare(sqlText);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sqlText, stmt);
      return stmt;
    },
  };
}

export type ConstraintKind = 'unique' | 'foreign_key' | 'check' | null;

/** Classifies a driver error so services can turn constraint violations into 409s. */
export function constraintViolation(err: unknown): ConstraintKind {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return null;
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'unique';
  if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign_key';
  if (code === '23514' || code === 'SQLITE_CONSTRAINT_CHECK') return 'check';
  return null;
}

/** True for errors that mean "the database is unreachable", as opposed to a bad query. */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '08006', '08001'].includes(code);
}

export async function ping(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
