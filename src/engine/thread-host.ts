import { Worker } from 'node:worker_threads';
import type { AppDeps } from '../core/context.js';
import type { MetricsSnapshot } from '../core/metrics.js';
import type { DatabaseHandle } from '../db/dialect.js';
import { WriterLock } from '../db/writer-lock.js';
import type { EngineThreadData, FromEngineThread, ToEngineThread } from './thread.js';

/** A scrape waits this long for the engine thread's metrics before leaving them out. */
const METRICS_TIMEOUT_MS = 2000;
/** Restart delays after the thread dies unexpectedly: doubling from the first, capped at the last. */
const RESTART_FIRST_MS = 1000;
const RESTART_MAX_MS = 30_000;

/**
 * The engine in a worker thread of the server process. Paging is CPU work (claim, plan, sign, send,
 * record) that would otherwise queue behind request handling on one thread; on its own thread, with its
 * own database connection, it keeps a core to itself. It is the same Engine as inline (leases and fencing
 * make it safe next to any other instance), so a crash of the thread loses nothing: it is restarted, and
 * jobs it held are taken again when their lease expires.
 */
export class EngineThread {
  private worker: Worker | null = null;
  private stopping = false;
  private restartDelayMs = RESTART_FIRST_MS;
  private restartTimer: NodeJS.Timeout | null = null;
  private nextRequestId = 0;
  private readonly waiting = new Map<number, (snapshot: MetricsSnapshot) => void>();
  private readonly peer = () => this.metrics();

  private constructor(
    private readonly deps: AppDeps,
    private readonly database: DatabaseHandle,
  ) {}

  /** Starts the thread and resolves once its engine runs; rejects if it cannot start. */
  static async start(deps: AppDeps, database: DatabaseHandle): Promise<EngineThread> {
    const thread = new EngineThread(deps, database);
    await thread.spawn();
    deps.engineSignal.listen(() => thread.post({ type: 'wake' }));
    deps.metrics.peers.add(thread.peer);
    return thread;
  }

  private spawn(): Promise<void> {
    const worker = newWorker({ config: this.deps.config, writerLock: this.database.writerLock });
    this.worker = worker;
    // Read now: a worker's threadId is -1 once it has stopped.
    const threadId = worker.threadId;
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on('message', (msg: FromEngineThread) => {
        if (msg.type === 'started') {
          started = true;
          this.restartDelayMs = RESTART_FIRST_MS;
          this.deps.metrics.engineUp.set(1);
          this.deps.log.info({ instanceId: msg.instanceId }, 'engine thread started');
          resolve();
        } else if (msg.type === 'metrics') {
          this.waiting.get(msg.id)?.(msg.snapshot);
        } else if (msg.type === 'failed') {
          if (!started) reject(new Error(`engine thread failed to start: ${msg.message}`));
          else this.deps.log.error({ err: msg.message }, 'engine thread failed');
        }
      });
      worker.on('error', (err) => {
        if (!started) reject(err);
        else this.deps.log.error({ err: err.stack ?? err.message }, 'engine thread crashed');
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = null;
        if (this.database.writerLock && new WriterLock(this.database.writerLock).releaseHeldBy(threadId)) {
          this.deps.log.warn({ threadId }, 'engine thread ended holding the SQLite writer lock; released it');
        }
        this.deps.metrics.engineUp.set(0);
        if (!started) reject(new Error(`engine thread exited (${code}) before it started`));
        else if (!this.stopping) this.restartLater(code);
      });
    });
  }

  private restartLater(code: number): void {
    const delayMs = this.restartDelayMs;
    this.restartDelayMs = Math.min(RESTART_MAX_MS, delayMs * 2);
    this.deps.log.error({ code, restartInMs: delayMs }, 'engine thread exited; restarting it');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.spawn().catch((err: unknown) => {
        this.deps.log.error({ err: err instanceof Error ? err.message : String(err) }, 'engine thread restart failed');
        this.restartLater(1);
      });
    }, delayMs);
  }

  private post(msg: ToEngineThread): void {
    this.worker?.postMessage(msg);
  }

  /** The thread's metrics (its engine counters and lag), for /metrics. */
  metrics(): Promise<MetricsSnapshot> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new Error('engine thread is not running'));
    const id = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error('engine thread did not answer'));
      }, METRICS_TIMEOUT_MS);
      this.waiting.set(id, (snapshot) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(snapshot);
      });
      worker.postMessage({ type: 'metrics', id } satisfies ToEngineThread);
    });
  }

  /** Lets passes in flight finish, closes the thread's connection and ends it. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.deps.metrics.peers.delete(this.peer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      worker.on('message', (msg: FromEngineThread) => {
        if (msg.type === 'stopped' || msg.type === 'failed') resolve();
      });
      worker.on('exit', () => resolve());
      worker.postMessage({ type: 'stop' } satisfies ToEngineThread);
    });
    await worker.terminate();
    this.worker = null;
  }
}

/**
 * The compiled server starts thread.js directly. Run from TypeScript sources (tsx), a worker does not
 * inherit the loader, so it registers tsx itself before importing thread.ts.
 */
function newWorker(workerData: EngineThreadData): Worker {
  const entry = new URL(`./thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  if (entry.pathname.endsWith('.js')) return new Worker(entry, { workerData });
  const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(code, { eval: true, workerData });
}
