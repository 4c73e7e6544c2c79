import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoadingCache } from '../../src/core/cache.js';

/** A loader that records each call's keys and answers only when told to. */
function gatedLoader() {
  const calls: string[][] = [];
  const gates: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const load = (keys: string[]) => {
    const n = calls.push([...keys]);
    return new Promise<Map<string, string>>((resolve, reject) => {
      gates.push({ resolve: () => resolve(new Map(keys.map((k) => [k, `v:${k}:${n}`]))), reject });
    });
  };
  return { calls, gates, load };
}

const turn = () => new Promise((r) => setImmediate(r));

test('keys asked for in one turn of the event loop are loaded with one call', async () => {
  const l = gatedLoader();
  const cache = new LoadingCache<string, string>(l.load, () => 60_000);
  const asked = ['a', 'b', 'a', 'c'].map((k) => cache.get(k));
  await turn();
  assert.deepEqual(l.calls, [['a', 'b', 'c']]);
  l.gates[0]!.resolve();
  assert.deepEqual(await Promise.all(asked), ['v:a:1', 'v:b:1', 'v:a:1', 'v:c:1']);
});

test('a key being loaded is waited for, not loaded again; a loaded key is served from the cache', async () => {
  const l = gatedLoader();
  const cache = new LoadingCache<string, string>(l.load, () => 60_000);
  const first = cache.get('a');
  await turn();
  const second = cache.get('a'); // asked while the first load is still running
  await turn();
  assert.equal(l.calls.length, 1);
  l.gates[0]!.resolve();
  assert.equal(await first, 'v:a:1');
  assert.equal(await second, 'v:a:1');
  assert.equal(await cache.get('a'), 'v:a:1');
  await turn();
  assert.equal(l.calls.length, 1);
});

test('entries expire after the time-to-live chosen per value', async () => {
  const values = new Map<string, string | null>([['hit', 'x']]);
  let loads = 0;
  const cache = new LoadingCache<string, string | null>(
    async (keys) => {
      loads++;
      return new Map(keys.map((k) => [k, values.get(k) ?? null]));
    },
    (v) => (v === null ? 0 : 60_000),
  );
  assert.equal(await cache.get('hit'), 'x');
  assert.equal(await cache.get('miss'), null);
  assert.equal(loads, 2);
  assert.equal(await cache.get('hit'), 'x');
  assert.equal(loads, 2, 'a hit within its TTL is not reloaded');
  await new Promise((r) => setTimeout(r, 2));
  assert.equal(await cache.get('miss'), null);
  assert.equal(loads, 3, 'a value whose TTL is over is loaded again');
});

test('a failed load rejects every waiter and is not cached', async () => {
  const l = gatedLoader();
  const cache = new LoadingCache<string, string>(l.load, () => 60_000);
  const a = cache.get('a');
  const b = cache.get('b');
  await turn();
  l.gates[0]!.reject(new Error('database down'));
  await assert.rejects(a, /database down/);
  await assert.rejects(b, /database down/);
  const again = cache.get('a');
  await turn();
  assert.equal(l.calls.length, 2, 'the next ask loads again');
  l.gates[1]!.resolve();
  assert.equal(await again, 'v:a:2');
});

test('a loader that leaves out a key rejects that key only', async () => {
  const cache = new LoadingCache<string, number>(async (keys) => new Map(keys.filter((k) => k !== 'gone').map((k) => [k, k.length])), () => 60_000);
  const [ok, gone] = await Promise.allSettled([cache.get('here'), cache.get('gone')]);
  assert.deepEqual(ok, { status: 'fulfilled', value: 4 });
  assert.equal(gone.status, 'rejected');
});

test('clear() during a load: the load still answers its callers, but cannot refill the cache with what it read before', async () => {
  const l = gatedLoader();
  const cache = new LoadingCache<string, string>(l.load, () => 60_000);
  const before = cache.get('a');
  await turn();
  cache.clear(); // e.g. the integration key was rotated while the old value was being read
  const after = cache.get('a');
  await turn();
  assert.equal(l.calls.length, 2, 'a get after clear() does not join the older load');
  l.gates[0]!.resolve();
  assert.equal(await before, 'v:a:1');
  l.gates[1]!.resolve();
  assert.equal(await after, 'v:a:2');
  assert.equal(await cache.get('a'), 'v:a:2', 'the cache holds the value read after clear()');
});
