import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { assertError, failingFields } from '../support/http.js';
import { content, createIncident, createRunbook, step, timelineOf } from './runs-support.js';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local endpoint standing in for a CI server: answers by path. */
async function receiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url === '/ok') res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ job: 42, echo: body }));
      else if (req.url === '/huge') res.writeHead(200).end('y'.repeat(300 * 1024));
      else if (req.url === '/big') res.writeHead(200).end('x'.repeat(10_000));
      else if (req.url === '/teapot') res.writeHead(418).end('no coffee');
      else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end('late'), 300);
      else res.writeHead(500).end('boom');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(() => r())) };
}

forEachDatabase('runbook runs: HTTP action steps', (kind) => {
  let t: TestApp;
  let rx: Awaited<ReturnType<typeof receiver>>;
  let member: { id: string; token: string };

  const act = (runId: string, stepId: string, body: unknown, token?: string) =>
    t.request('POST', `/api/v1/runbook-runs/${runId}/steps/${stepId}/http-action`, { body, token });

  before(async () => {
    rx = await receiver();
    // Only this exact loopback address is allowed, as an operator would allow one internal CI host.
    t = await startTestApp(kind, { config: { outboundAllowlist: ['127.0.0.1/32'] } });
    await t.request('POST', '/api/v1/teams', { body: { slug: 'ci', name: 'CI' } });
    member = await t.user({ teams: { ci: 'viewer' } });
    await createRunbook(t, {
      slug: 'deploy',
      teamSlug: 'ci',
      versions: [
        content([
          step('trigger', { title: 'Trigger the deploy job', http_action: { method: 'POST', url: `${rx.url}/ok`, headers: { authorization: 'Bearer s3cret' }, body: '{"ref":"main"}' } }),
          step('teapot', { http_action: { method: 'GET', url: `${rx.url}/teapot` } }),
          step('teapot-expected', { http_action: { method: 'GET', url: `${rx.url}/teapot`, expect_status: [418] } }),
          step('big', { http_action: { method: 'GET', url: `${rx.url}/big` } }),
          step('huge', { http_action: { method: 'GET', url: `${rx.url}/huge` } }),
          step('private', { http_action: { method: 'POST', url: 'http://10.1.2.3/hook' } }),
          step('loopback-v6', { http_action: { method: 'GET', url: 'http://[::1]:9/' } }),
          step('manual'),
          step('slow', { http_action: { method: 'GET', url: `${rx.url}/slow` } }),
        ]),
      ],
    });
  });
  after(async () => {
    await t.close();
    await rx.close();
  });

  test('refuses without confirmation and sends nothing', async () => {
    const run = (await t.request('POST', '/api/v1/runbook-runs', { body: { runbook: 'deploy' } })).body;
    assert.deepEqual(failingFields(await act(run.id, 'trigger', {})), ['/confirm']);
    assert.deepEqual(failingFields(await act(run.id, 'trigger', { confirm: false })), ['/confirm']);
    assertError(await act(run.id, 'manual', { confirm: true }), 400, 'bad_request');
    assertError(await act(run.id, 'nope', { confirm: true }), 404, 'not_found');
    assert.equal(rx.received.length, 0);
  });

  test('calls the endpoint, records method, url, status, duration and body, and marks the step done', async () => {
    const inc = await createIncident(t);
    const run = (await t.request('POST', '/api/v1/runbook-runs', { body: { runbook: 'deploy', incident: inc.ref }, token: member.token })).body;
    const res = await act(run.id, 'trigger', { confirm: true }, member.token);
    assert.equal(res.status, 200, res.text);
    const got = rx.received.at(-1)!;
    assert.equal(got.method, 'POST');
    assert.equal(got.url, '/ok');
    assert.equal(got.headers.authorization, 'Bearer s3cret');
    assert.equal(got.body, '{"ref":"main"}');
    const a = res.body.action;
    assert.equal(a.method, 'POST');
    assert.equal(a.url, `${rx.url}/ok`);
    assert.equal(a.result, 'succeeded');
    assert.equal(a.status_code, 201);
    assert.ok(a.duration_ms >= 0 && a.duration_ms < 10_000);
    assert.deepEqual(JSON.parse(a.response_body), { job: 42, echo: '{"ref":"main"}' });
    assert.equal(a.by.user_id, member.id);
    assert.equal(res.body.mark.outcome, 'done');
    assert.equal(res.body.mark.action_id, a.id);
    assert.equal(res.body.guidance, null);
    const stepView = res.body.run.steps.find((s: any) => s.id === 'trigger');
    assert.equal(stepView.state.outcome, 'done');
    assert.deepEqual(stepView.http_action.header_names, ['authorization']);
    assert.ok(!JSON.stringify(res.body.run).includes('s3cret'), 'header values are not shown');
    const tl = await timelineOf(t, inc.id);
    assert.deepEqual(tl.map((e) => e.kind), ['runbook_run_started', 'runbook_step']);
  });

  test('an unexpected status marks the step failed with guidance; expect_status is honoured; long bodies are truncated', async () => {
    const run = (await t.request('POST', '/api/v1/runbook-runs', { body: { runbook: 'deploy' } })).body;
    const bad = await act(run.id, 'teapot', { confirm: true });
    assert.equal(bad.status, 200, bad.text);
    assert.equal(bad.body.action.result, 'failed');
    assert.equal(bad.body.action.status_code, 418);
    assert.equal(bad.body.action.response_body, 'no coffee');
    assert.match(bad.body.action.error, /expected 2xx, got 418/);
    assert.equal(bad.body.mark.outcome, 'failed');
    assert.equal(bad.body.guidance.on_failure, 'If teapot fails, page the database team.');
    assert.match(bad.body.guidance.rollback, /deploy rollback/);

    const expected = await act(run.id, 'teapot-expected', { confirm: true });
    assert.equal(expected.body.action.result, 'succeeded');
    assert.equal(expected.body.mark.outcome, 'done');

    const big = await act(run.id, 'big', { confirm: true });
    assert.equal(big.body.action.response_body.length, 4000);
    assert.equal(big.body.action.response_truncated, true);

    // Above the size cap the response is not read to the end: the action fails.
    const huge = await act(run.id, 'huge', { confirm: true });
    assert.equal(huge.body.action.result, 'failed');
    assert.match(huge.body.action.error, /exceeds 262144 bytes/);
    assert.equal(huge.body.mark.outcome, 'failed');
  });

  test('private and loopback addresses outside the allowlist are refused, recorded, and nothing is marked', async () => {
    const run = (await t.request('POST', '/api/v1/runbook-runs', { body: { runbook: 'deploy' } })).body;
    for (const stepId of ['private', 'loopback-v6']) {
      const res = await act(run.id, stepId, { confirm: true });
      const e = assertError(res, 422, 'outbound_blocked');
      assert.match(e.message, /not allowed for outbound requests/);
    }
    const got = (await t.request('GET', `/api/v1/runbook-runs/${run.id}`)).body;
    const priv = got.steps.find((s: any) => s.id === 'private');
    assert.equal(priv.state, null, 'a refused call does not mark the step');
    assert.equal(priv.actions.length, 1);
    assert.equal(priv.actions[0].result, 'refused');
    assert.match(priv.actions[0].error, /10\.1\.2\.3 .*private/);
    const audit = await t.app.deps.db.selectFrom('audit_log').select('after').where('target_id', '=', run.id).where('action', '=', 'runbook_run.http_action').execute();
    assert.equal(audit.length, 2);
  });

  test('the call holds no transaction: a mark made while it is in flight completes first', async () => {
    const run = (await t.request('POST', '/api/v1/runbook-runs', { body: { runbook: 'deploy' } })).body;
    const order: string[] = [];
    const slow = act(run.id, 'slow', { confirm: true }).then((r) => (order.push('action'), r));
    await new Promise((r) => setTimeout(r, 100));
    const m = await t.request('POST', `/api/v1/runbook-runs/${run.id}/steps/manual`, { body: { outcome: 'done' } });
    order.push('mark');
    assert.equal(m.status, 200);
    assert.equal((await slow).status, 200);
    assert.deepEqual(order, ['mark', 'action']);
  });

  test('a finished run refuses HTTP actions (409) without calling out', async () => {
    const run = (await t.request('POST', '/api/v1/runbook-runs', { body: { runbook: 'deploy' } })).body;
    await t.request('POST', `/api/v1/runbook-runs/${run.id}/finish`, { body: { outcome: 'aborted' } });
    const before = rx.received.length;
    assertError(await act(run.id, 'trigger', { confirm: true }), 409, 'conflict');
    assert.equal(rx.received.length, before);
  });
});

forEachDatabase('runbook runs: HTTP action without an allowlist', (kind) => {
  let t: TestApp;
  let rx: Awaited<ReturnType<typeof receiver>>;
  before(async () => {
    rx = await receiver();
    t = await startTestApp(kind, { config: { outboundAllowlist: [] } });
    await t.request('POST', '/api/v1/teams', { body: { slug: 'ci', name: 'CI' } });
    await createRunbook(t, { slug: 'deploy', teamSlug: 'ci', versions: [content([step('trigger', { http_action: { method: 'POST', url: `${rx.url}/ok` } })])] });
  });
  after(async () => {
    await t.close();
    await rx.close();
  });

  test('loopback is refused by default', async () => {
    const run = (await t.request('POST', '/api/v1/runbook-runs', { body: { runbook: 'deploy' } })).body;
    const e = assertError(await t.request('POST', `/api/v1/runbook-runs/${run.id}/steps/trigger/http-action`, { body: { confirm: true } }), 422, 'outbound_blocked');
    assert.match(e.message, /127\.0\.0\.1 \(loopback\)/);
    assert.equal(rx.received.length, 0);
  });
});
