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
