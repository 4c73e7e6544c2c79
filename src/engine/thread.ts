// Entry of the engine thread (see thread-host.ts): the server's engine, on its own database connection.
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.js';
import { createLogger } from '../core/logger.js';
import type { MetricsSnapshot } from '../core/metrics.js';
import { registerJobs } from '../jobs.js';
import { openStorage } from '../storage.js';
import { Engine } from './engine.js';

export interface EngineThreadData {
  config: Config;
  writerLock?: SharedArrayBuffer;
}

export type ToEngineThread = { type: 'wake' } | { type: 'metrics'; id: number } | { type: 'stop' };
export type FromEngineThread =
  | { type: 'started'; instanceId: string }
  | { type: 'metrics'; id: number; snapshot: MetricsSnapshot }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };

const port = parentPort!;
const send = (msg: FromEngineThread) => port.postMessage(msg);
const { config, writerLock } = workerData as EngineThreadData;

async function main(): Promise<void> {
  const log = createLogger(config.logLevel).child({ thread: 'engine' });
  const { deps, database } = await openStorage(config, log, { engineThread: true, writerLock });
  const engine = new Engine(deps);
  registerJobs(engine, deps.bus);
  engine.start();
  port.on('message', (msg: ToEngineThread) => {
    if (msg.type === 'wake') deps.engineSignal.notify();
    else if (msg.type === 'metrics') void deps.metrics.registry.getMetricsAsJSON().then((snapshot) => send({ type: 'metrics', id: msg.id, snapshot: snapshot as MetricsSnapshot }));
    else if (msg.type === 'stop') {
      void (async () => {
        await engine.stop();
        await database.close();
        send({ type: 'stopped' });
        port.close();
      })().catch(fail);
    }
  });
  send({ type: 'started', instanceId: engine.instanceId });
}

function fail(err: unknown): void {
  send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  port.close();
}

main().catch(fail);
