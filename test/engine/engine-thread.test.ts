// The engine in its worker thread (the server's default): pages go out from the thread on both databases,
// /metrics shows the thread's engine counters next to the main thread's process metrics, and closing
// the app ends the thread.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { startPageCounter, type PageCounter } from '../support/receiver.js';

/** One user, policy and service per alert: a contact method gets at most 5 pages a minute, the rest folded into a summary. */
const ALERTS = 30;

forEachDatabase('engine thread', (kind) => {
  let t: TestApp;
  let receiver: PageCounter;

  before(async () => {
    receiver = await startPageCounter();
    t = await startTestApp(kind, { startEngine: true, config: { engineThread: true, enginePollMs: 50, outboundAllowlist: ['127.0.0.0/8'] } });
  });
  after(async () => {
    await t?.close();
    await receiver?.close();
  });

  test('alerts page their on-call user from the engine thread: every page once, counted in /metrics', async () => {
    const { received, url: hook } = receiver;
    const applied = await t.request('POST', '/api/v1/apply', {
      body: {
        document: {
          teams: [{ slug: 'ops', name: 'Ops' }],
          users: each((i) => ({ email: `pager${i}@example.com`, name: `Pager ${i}`, teams: { ops: 'responder' }, contact_methods: [{ type: 'webhook', url: hook }] })),
          escalation_policies: each((i) => ({ slug: `p${i}`, team: 'ops', levels: [{ delay_minutes: 5, targets: [`user:pager${i}@example.com`] }] })),
          services: each((i) => ({ slug: `s${i}`, name: `S${i}`, team: 'ops', escalation_policy: `p${i}`, integrations: [{ type: 'pagerduty' }] })),
        },
      },
    });
    assert.equal(applied.status, 200, applied.text);
    await Promise.all(
      each(async (i) => {
        const key = ((await t.request('GET', `/api/v1/services/s${i}/integrations`)).body as any).data[0].key;
        const r = await fetch(`${t.url}/v2/enqueue`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ routing_key: key, event_action: 'trigger', dedup_key: `th-${i}`, payload: { summary: `thread ${i}`, source: 's', severity: 'critical' } }),
        });
        assert.equal(r.status, 202);
      }),
    );

    const deadline = Date.now() + 30_000;
    while (received.size < ALERTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(received.size, ALERTS, 'every alert group paged');
    assert.ok([...received.values()].every((n) => n === 1), 'no page delivered twice');

    // The main thread's own engine never ran: every delivery job was claimed by another instance id.
    const claimers = await t.app.deps.db.selectFrom('engine_jobs').select('claimed_by').where('kind', '=', 'notify.deliver').groupBy('claimed_by').execute();
    assert.equal(claimers.length, 1);
    assert.ok(claimers[0]!.claimed_by && claimers[0]!.claimed_by !== t.app.engine.instanceId, 'delivered by the thread, not the main engine');

    // A delivery is completed (and counted) after its webhook went out and was recorded.
    let metrics = '';
    let done: RegExpExecArray | null = null;
    while (Date.now() < deadline) {
      metrics = await (await fetch(`${t.url}/metrics`)).text();
      done = /^ballast_engine_jobs_total\{outcome="done"\} (\d+)/m.exec(metrics);
      if (done && Number(done[1]) >= ALERTS) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(done && Number(done[1]) >= ALERTS, `engine jobs done in /metrics: ${done?.[0]}`);
    assert.equal(metrics.match(/^ballast_process_cpu_user_seconds_total /gm)?.length, 1, 'process metrics once, from the main thread');
    assert.equal(metrics.match(/^# TYPE ballast_engine_jobs_total /gm)?.length, 1, 'one series family per metric');
    assert.match(metrics, /^ballast_engine_up 1$/m, 'the engine (thread) is reported up');
  });

  test('a thread that dies is restarted, and pages raised while it was down still go out', async () => {
    const thread = t.app.engineThread;
    assert.ok(thread, 'the engine runs in a thread');
    // White-box: end the worker as a crash would (the host did not ask it to stop).
    const worker = (thread as unknown as { worker: Worker | null }).worker;
    assert.ok(worker);
    await worker.terminate();
    assert.match(await metricsText(), /^ballast_engine_up 0$/m, 'reported down while no engine runs');

    const key = ((await t.request('GET', '/api/v1/services/s0/integrations')).body as any).data[0].key;
    const before = receiver.received.size;
    const sent = await fetch(`${t.url}/v2/enqueue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ routing_key: key, event_action: 'trigger', dedup_key: 'while-down', payload: { summary: 'raised while the engine thread is down', source: 's', severity: 'critical' } }),
    });
    assert.equal(sent.status, 202);

    // Restarted after 1 s; its first pass delivers the page that waited.
    const deadline = Date.now() + 30_000;
    while (receiver.received.size === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(receiver.received.size, before + 1, 'the page raised while the thread was down was delivered');
    assert.notEqual((thread as unknown as { worker: Worker | null }).worker, worker, 'a new worker runs');
    assert.match(await metricsText(), /^ballast_engine_up 1$/m, 'reported up again');
  });

  const metricsText = async () => (await fetch(`${t.url}/metrics`)).text();
});

function each<T>(make: (i: number) => T): T[] {
  return Array.from({ length: ALERTS }, (_, i) => make(i));
}
