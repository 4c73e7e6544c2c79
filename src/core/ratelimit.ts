/**
 * Fixed-window counters kept in process memory. Good enough to blunt password guessing and floods
 * per instance; with N instances the effective limit is at most N times higher (documented).
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Returns 0 when allowed (and counts the hit), else seconds until the window resets. */
  hit(key: string, nowMs: number): number {
    const w = this.windows.get(key);
    if (!w || nowMs - w.start >= this.windowMs) {
      if (this.windows.size >= this.maxKeys) this.sweep(nowMs);
      this.windows.set(key, { start: nowMs, count: 1 });
      return 0;
    }
    if (w.count >= this.limit) return (w.start + this.windowMs - nowMs) / 1000;
    w.count++;
    return 0;
  }

  /** Peek without counting. */
  blockedFor(key: string, nowMs: number): number {
    const w = this.windows.get(key);
    if (!w || nowMs - w.start >= this.windowMs || w.count < this.limit) return 0;
    return (w.start + this.windowMs - nowMs) / 1000;
  }

  reset(key: string): void {
    this.windows.delete(key);
  }

  private sweep(nowMs: number): void {
    for (const [k, w] of this.windows) if (nowMs - w.start >= this.windowMs) this.windows.delete(k);
    if (this.windows.size >= this.maxKeys) this.windows.clear();
  }
}
