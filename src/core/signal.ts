/**
 * "Jobs are due now": raised after a transaction that scheduled an immediate job commits, so the engine
 * in this process starts a pass at once instead of waiting out its poll interval. Other instances still
 * find the job on their next poll; this only shortens the common single-instance path.
 */
export class EngineSignal {
  private readonly listeners = new Set<() => void>();

  listen(fn: () => void): void {
    this.listeners.add(fn);
  }

  notify(): void {
    for (const fn of this.listeners) fn();
  }
}
