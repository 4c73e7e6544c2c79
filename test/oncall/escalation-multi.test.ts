import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApp, type App } from '../../src/app.js';
import { SYSTEM } from '../../src/core/actor.js';
import { ManualClock } from '../../src/core/clock.js';
import { createTokenIn } from '../../src/domains/accounts/tokens.js';
import { transaction } from '../../src/core/uow.js';
import { createTestPgDatabase, pgAdminUrl, tempDir } from '../support/db.js';
import { startPageCounter } from '../support/receiver.js';

const GROUPS = 1000;
const LEVELS = 3;
const noPg = !pgAdminUrl && 'BALLAST_TEST_PG_URL is not set: the two-server escalation test needs PostgreSQL (run it via `npm test`)';

/**
 * Two Ballast servers (separate processes in production; separate apps, pools and engines here) on one
 * PostgreSQL database page 1,000 alert groups through a three-level policy. Every (group, level) page must
 * happen exactly once, whichever engine claims it, and no notification is delivered twice.
 */
test('two servers on one PostgreSQL escalate 1,000 alert groups through 3 levels: every page exactly once', { skip: noPg }, async () => {
  const db = await createTestPgDatabase();
  const dir = await tempDir('ballast-multi-');
  const clock = new ManualClock('2026-11-23T10:00:00.000Z');
  const receiver = await startPageCounter();
  const { received, url: hook } = receiver;
  const apps: App[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      apps.push(
        await createApp({
          clock,
          startEngine: true,
          config: {
            port: 0,
            host: '127.0.0.1',
            dataDir: dir.path,
            databaseUrl: db.url,
            adminEmail: 'admin@example.com',
            adminPassword: 'correct horse battery staple',
            logLevel: 'silent',
            enginePollMs: 20,
            outboundAllowlist: ['127.0.0.0/8'],
            ingestRateLimit: 1_000_000,
            dbPoolSize: 5,
          },
        }),
      );
    }
    const urls = await Promise.all(apps.map((a) => a.listen()));
    const admin = await apps[0]!.deps.db.selectFrom('users').select('id').where('email', '=', 'admin@example.com').executeTakeFirstOrThrow();
    const token = (await transaction({ deps: apps[0]!.deps, actor: SYSTEM }, (uow) => createTokenIn(uow, admin.id, { name: 't' }))).token;
    const api = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(urls[0] + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const json = (await r.json()) as any;
      assert.ok(r.ok, `${method} ${path}: ${JSON.stringify(json)}`);
      return json;
    };
    await api('POST', '/api/v1/apply', {
      document: {
        teams: [{ slug: 'ops', name: 'Ops' }],
        users: [{ email: 'pager@example.com', name: 'Pager', teams: { ops: 'responder' }, contact_methods: [{ type: 'webhook', url: hook }] }],
        escalation_policies: [
          { slug: 'three', team: 'ops', levels: Array.from({ length: LEVELS }, () => ({ delay_minutes: 1, targets: ['user:pager@example.com'] })) },
        ],
        services: [{ slug: 'api', name: 'API', team: 'ops', escalation_policy: 'three', integrations: [{ type: 'pagerduty' }] }],
      },
    });
    const key = (await api('GET', '/api/v1/services/api/integrations')).data[0].key;

    // Triggers alternate between the two servers, a few in flight at a time.
    for (let i = 0; i < GROUPS; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          fetch(urls[(i + j) % 2] + '/v2/enqueue', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ routing_key: key, event_action: 'trigger', dedup_key: `m-${i + j}`, payload: { summary: `g${i + j}`, source: 's', severity: 'critical' } }),
          }).then((r) => assert.equal(r.status, 202)),
        ),
      );
    }

    const pg = apps[0]!.deps.db;
    const waitIdle = async () => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const now = clock.now().toISOString();
        const busy = await pg
          .selectFrom('engine_jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where((eb) => eb.or([eb('state', '=', 'claimed'), eb.and([eb('state', '=', 'pending'), eb('due_at', '<=', now)])]))
          .executeTakeFirstOrThrow();
        if (Number(busy.n) === 0) return;
        assert.ok(Date.now() < deadline, `engines still busy: ${busy.n} jobs`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitIdle();
    for (let level = 1; level < LEVELS + 1; level++) {
      clock.advance(60_000);
      await waitIdle();
    }

    const paged = await pg.selectFrom('events').select(['subject_id', 'payload']).where('type', '=', 'escalation.paged').execute();
    const perStep = new Map<string, number>();
    for (const p of paged) {
      const k = `${p.subject_id}:${JSON.parse(p.payload).level}`;
      perStep.set(k, (perStep.get(k) ?? 0) + 1);
    }
    assert.equal(perStep.size, GROUPS * LEVELS, 'every group paged at every level');
    assert.deepEqual([...new Set(perStep.values())], [1], 'no level paged twice');
    const notes = await pg.selectFrom('notifications').select(['alert_group_id', 'status']).where('alert_group_id', 'is not', null).execute();
    assert.equal(notes.length, GROUPS * LEVELS, 'one delivery-log entry per page');
    assert.ok([...received.values()].every((n) => n === 1), 'no notification delivered twice');
    const claimers = await pg.selectFrom('engine_jobs').select('claimed_by').where('kind', '=', 'escalation.step').groupBy('claimed_by').execute();
    assert.equal(claimers.filter((c) => c.claimed_by).length, 2, 'both servers did escalation work');
  } finally {
    for (const a of apps) await a.close();
    await receiver.close();
    await db.drop();
    await dir.remove();
  }
});
