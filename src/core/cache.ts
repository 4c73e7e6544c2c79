import type { AppDeps } from './context.js';

/**
 * Small read-through cache with a time-to-live. Used for configuration read on every ingest request
 * (integration keys, routing rules, silences); local writes invalidate at once, other instances
 * pick changes up within the TTL.
 */
export class TtlCache<K, V> {
  private readonly map = new Map<K, { value: V; expires: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  get(key: K, nowMs: number): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expires <= nowMs) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: K, value: V, nowMs: number, ttlMs = this.ttlMs): void {
    if (this.map.size >= this.maxEntries) this.map.clear();
    this.map.set(key, { value, expires: nowMs + ttlMs });
  }

  clear(): void {
    this.map.clear();
  }
}

const stores = new WeakMap<AppDeps, Map<string, unknown>>();

/** Process-local state owned by one app instance (tests run several apps in one process). */
export function perApp<T>(deps: AppDeps, name: string, make: () => T): T {
  let m = stores.get(deps);
  if (!m) {
    m = new Map();
    stores.set(deps, m);
  }
  if (!m.has(name)) m.set(name, make());
  return m.get(name) as T;
}

/**
 * A `TtlCache` that loads its own misses, for configuration read on every ingest request. Keys asked
 * for within one turn of the event loop are loaded together with one `loadMany` call, and a key already
 * being loaded is waited for, not loaded again: when an entry expires under load, hundreds of
 * concurrent requests would otherwise each send the same query and crowd the connection pool.
 *
 * `loadMany` must not depend on who asks (it reads through the shared pool, never a transaction), and
 * must return a value for every key it is given. Failed loads are not cached.
 */
export class LoadingCache<K, V> {
  private readonly entries: TtlCache<K, V>;
  private readonly inflight = new Map<K, Promise<V>>();
  private queued = new Map<K, { resolve: (v: V) => void; reject: (e: unknown) => void }[]>();
  private generation = 0;

  constructor(
    private readonly loadMany: (keys: K[]) => Promise<Map<K, V>>,
    private readonly ttlMs: (value: V) => number,
  ) {
    this.entries = new TtlCache<K, V>(0);
  }

  get(key: K): Promise<V> {
    const hit = this.entries.get(key, Date.now());
    if (hit !== undefined) return Promise.resolve(hit);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const loading = new Promise<V>((resolve, reject) => {
      if (this.queued.size === 0) setImmediate(() => this.flush());
      const waiters = this.queued.get(key) ?? [];
      waiters.push({ resolve, reject });
      this.queued.set(key, waiters);
    });
    this.inflight.set(key, loading);
    return loading;
  }

  /** Forgets every entry, and keeps loads started before now from filling the cache. */
  clear(): void {
    this.entries.clear();
    this.inflight.clear();
    this.generation++;
  }

  private flush(): void {
    const batch = this.queued;
    this.queued = new Map();
    const generation = this.generation;
    const keys = [...batch.keys()];
    const settle = (key: K) => {
      if (generation === this.generation) this.inflight.delete(key);
    };
    this.loadMany(keys).then(
      (values) => {
        for (const key of keys) {
          settle(key);
          const value = values.get(key);
          if (value === undefined) {
            for (const w of batch.get(key)!) w.reject(new Error('cache loader returned no value for a key'));
            continue;
          }
          if (generation === this.generation) this.entries.set(key, value, Date.now(), this.ttlMs(value));
          for (const w of batch.get(key)!) w.resolve(value);
        }
      },
      (err: unknown) => {
        for (const key of keys) {
          settle(key);
          for (const w of batch.get(key)!) w.reject(err);
        }
      },
    );
  }
}

/** One loaded value (a small table read whole), reloaded like a `LoadingCache` entry: once, however many wait. */
export class LoadingValue<V> {
  private readonly cache: LoadingCache<'value', V>;

  constructor(load: () => Promise<V>, ttlMs: number) {
    this.cache = new LoadingCache<'value', V>(async () => new Map<'value', V>([['value', await load()]]), () => ttlMs);
  }

  get(): Promise<V> {
    return this.cache.get('value');
  }

  clear(): void {
    this.cache.clear();
  }
}
