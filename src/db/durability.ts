import { AsyncLocalStorage } from 'node:async_hooks';

const replayable = new AsyncLocalStorage<true>();

/**
 * Runs `fn` with writes that may be replayed: their commits need not reach the disk before they return.
 * For the engine, whose every write is either part of a job's completion or repeatable by running the
 * job again: if a power loss drops its last commits, the jobs are simply still due and run again (a page
 * may go out twice, never not at all). Requests keep full durability: a 2xx still means on disk.
 */
export function withReplayableWrites<T>(fn: () => Promise<T>): Promise<T> {
  return replayable.run(true, fn);
}

export function writesAreReplayable(): boolean {
  return replayable.getStore() === true;
}
