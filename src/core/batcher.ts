/**
 * Group commit. Callers submit items and wait; one batch at a time is handed to `process`, which
 * commits them together. While a batch commits, new items queue up and form the next batch, so under
 * load batches grow by themselves and at low load an item waits for at most one commit.
 *
 * `process` returns one result per item (in order) or throws; when a whole batch fails, each item is
 * retried alone so one poisonous item cannot fail its neighbours.
 */
export class Batcher<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private running = false;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: (() => void) | null = null;

  constructor(
    private readonly process: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = 500,
    private readonly onBatch?: (size: number, ms: number) => void,
  ) {}

  submit(item: T): Promise<R> {
    if (this.closed) return Promise.reject(new Error('batcher is closed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    this.running = true;
    this.idle = new Promise((r) => (this.markIdle = r));
    // Let the current tick's other requests join the first batch.
    await new Promise((r) => setImmediate(r));
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      const started = performance.now();
      try {
        const results = await this.process(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(results[i]!));
      } catch {
        for (const b of batch) {
          try {
            b.resolve((await this.process([b.item]))[0]!);
          } catch (err) {
            b.reject(err);
          }
        }
      }
      this.onBatch?.(batch.length, performance.now() - started);
    }
    this.running = false;
    this.markIdle?.();
  }

  /** Stops accepting items and waits for queued ones to commit. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle;
  }
}
