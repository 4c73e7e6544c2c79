// Worker-thread entry for multi-instance.test.ts: one more Engine on its own database handle.
// (Started via tsx's register(); see startEngineWorker in multi-instance.test.ts.)

import { parentPort, workerData } from 'node:worker_threads';
import { openStorage } from '../../src/storage.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/core/logger.js';
import { Engine } from '../../src/engine/engine.js';
import { countingHandler, MULTI_KIND, SharedClock } from './multi-support.js';

interface WorkerInput {
  dataDir: string;
  databaseUrl?: string;
  instanceId: string;
  clockBuffer: SharedArrayBuffer;
  batchSize: number;
  pollMs: number;
  leaseMs: number;
  handlerDelayMs: number;
}

const input = workerData as WorkerInput;
const port = parentPort!;

async function main(): Promise<void> {
  const config = { ...loadConfig({}), dataDir: input.dataDir, databaseUrl: input.databaseUrl, sqliteSynchronous: 'NORMAL' as const, logLevel: 'silent' };
  const { deps, database } = await openStorage(config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), { clock: new SharedClock(input.clockBuffer) });
  const engine = new Engine(deps, { instanceId: input.instanceId, batchSize: input.batchSize, pollMs: input.pollMs, leaseMs: input.leaseMs });
  engine.register(MULTI_KIND, countingHandler(input.instanceId, input.handlerDelayMs));
  engine.start();
  port.on('message', (msg: { type: string }) => {
    if (msg.type !== 'stop') return;
    void (async () => {
      await engine.stop();
      await database.close();
      port.postMessage({ type: 'stopped' });
      port.close();
    })().catch((err: unknown) => port.postMessage({ type: 'error', message: String((err as Error)?.stack ?? err) }));
  });
  port.postMessage({ type: 'started' });
}

main().catch((err: unknown) => port.postMessage({ type: 'error', message: String((err as Error)?.stack ?? err) }));
