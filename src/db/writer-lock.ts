import { threadId } from 'node:worker_threads';
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type QueryResult, type SqliteDialectConfig } from 'kysely';

/**
 * A waiter that sees no progress for this long assumes the holder died (a thread terminated mid-
 * transaction) and goes ahead. Long enough for big legitimate transactions (an `apply` of thousands of
 * objects); if one runs longer, the two writers meet SQLite's own lock and busy timeout, as without this.
 */
const STUCK_MS = 30_000;

/**
 * Hands SQLite's single write lock between the threads of one process without blocking either. SQLite's
 * own busy handler would make a second writer sleep in growing steps (1, 2, 5 … 100 ms) inside a
 * synchronous call, stalling that whole thread, and the lock often sits free meanwhile; here a waiter
 * awaits a release and is woken the moment the holder commits. SQLite's lock still guarantees
 * correctness; this only schedules the writers (other processes, such as a CLI `apply`, still meet
 * SQLite's busy timeout).
 *
 * Whoever is ready first takes a free lock (no queue): a thread busy with other work when the lock is
 * released does not keep it idle, and both threads release it after every transaction. `state` is 0
 * when free, else the holder's thread id + 1 (so the host of a thread that died can free what it held);
 * `releases` counts releases, which waiters watch.
 */
export class WriterLock {
  private readonly cells: Int32Array;

  constructor(
    readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8),
    private readonly stuckMs = STUCK_MS,
  ) {
    this.cells = new Int32Array(buffer);
  }

  async acquire(): Promise<void> {
    for (;;) {
      const seen = Atomics.load(this.cells, RELEASES);
      if (Atomics.compareExchange(this.cells, STATE, 0, OWNER) === 0) return;
      const waited = waitAsync(this.cells, RELEASES, seen, this.stuckMs);
      const outcome = waited.async ? await keepingAlive(waited.value, this.stuckMs) : waited.value;
      // No release for stuckMs: the holder's thread is gone or runs a very long transaction (which
      // SQLite's own lock still serialises against us). Go ahead.
      if (outcome === 'timed-out' && Atomics.load(this.cells, RELEASES) === seen) return;
    }
  }

  release(): void {
    Atomics.store(this.cells, STATE, 0);
    this.wakeWaiters();
  }

  /**
   * Frees the lock if the thread with this id holds it: for the host of a thread that ended mid-
   * transaction (its connection closed with it, and SQLite rolled the transaction back), so the other
   * writers go on at once instead of after the stuck timeout.
   */
  releaseHeldBy(deadThreadId: number): boolean {
    if (Atomics.compareExchange(this.cells, STATE, deadThreadId + 1, 0) !== deadThreadId + 1) return false;
    this.wakeWaiters();
    return true;
  }

  private wakeWaiters(): void {
    Atomics.add(this.cells, RELEASES, 1);
    Atomics.notify(this.cells, RELEASES);
  }
}

/** A pending waitAsync does not keep the event loop alive; a timer does, for as long as we wait. */
async function keepingAlive<T>(waiting: Promise<T>, ms: number): Promise<T> {
  const alive = setTimeout(() => undefined, ms + 1000);
  try {
    return await waiting;
  } finally {
    clearTimeout(alive);
  }
}

const STATE = 0;
const RELEASES = 1;
const OWNER = threadId + 1;

// Atomics.waitAsync is in Node since 16, but in TypeScript's ES2024 library (we target ES2022).
type WaitAsync = (cells: Int32Array, index: number, value: number, timeoutMs: number) => { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

interface StatementInfo {
  /** Whether the statement cannot write (better-sqlite3's `readonly`; `reader` is also true for UPDATE … RETURNING). */
  reads(sql: string): boolean;
  inTransaction(): boolean;
}

/** Kysely's SQLite dialect, with every write transaction (and lone write) taking `lock` first. */
export class LockedSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly lock: WriterLock,
    private readonly info: StatementInfo,
  ) {
    super(config);
  }

  override createDriver(): SqliteDriver {
    return new LockedSqliteDriver(this.config, this.lock, this.info);
  }
}

class LockedSqliteDriver extends SqliteDriver {
  private wrapped: DatabaseConnection | null = null;

  constructor(
    config: SqliteDialectConfig,
    private readonly lock: WriterLock,
    private readonly info: StatementInfo,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    this.wrapped ??= new LockedConnection(inner, this.lock, this.info);
    return this.wrapped;
  }
}

class LockedConnection implements DatabaseConnection {
  private held = false;

  constructor(
    private readonly inner: DatabaseConnection,
    private readonly lock: WriterLock,
    private readonly info: StatementInfo,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const text = query.sql;
    if (text === 'begin') {
      await this.take();
      try {
        return await this.inner.executeQuery<R>(query);
      } catch (err) {
        this.give();
        throw err;
      }
    }
    if (text === 'commit' || text === 'rollback') {
      try {
        return await this.inner.executeQuery<R>(query);
      } finally {
        if (!this.info.inTransaction()) this.give();
      }
    }
    if (this.held || this.info.inTransaction() || this.info.reads(text)) return this.inner.executeQuery<R>(query);
    await this.take();
    try {
      return await this.inner.executeQuery<R>(query);
    } finally {
      this.give();
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }

  private async take(): Promise<void> {
    await this.lock.acquire();
    this.held = true;
  }

  private give(): void {
    if (!this.held) return;
    this.held = false;
    this.lock.release();
  }
}
