import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { forEachDatabase } from '../support/app.js';
import { createTestPgDatabase, tempDir } from '../support/db.js';
import { startServerProcess, stopProcess, type ServerProcess } from '../support/process.js';

const ADMIN = { BALLAST_ADMIN_EMAIL: 'admin@example.com', BALLAST_ADMIN_PASSWORD: 'correct horse battery staple' };

async function api(s: ServerProcess, token: string, method: string, path: string, body?: unknown) {
  const r = await fetch(s.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await r.json()) as any;
  assert.ok(r.ok, `${method} ${path} → ${r.status} ${JSON.stringify(json)}`);
  return json;
}

async function adminToken(s: ServerProcess): Promise<string> {
  const login = await fetch(s.url + '/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN.BALLAST_ADMIN_EMAIL, password: ADMIN.BALLAST_ADMIN_PASSWORD }),
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const { csrf_token } = (await login.json()) as any;
  const t = await fetch(s.url + '/api/v1/tokens', {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': csrf_token, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'durability' }),
  });
  return ((await t.json()) as any).token;
}

forEachDatabase('ingest durability', (kind) => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('every event acknowledged with 202 survives SIGKILL of the server mid-load', async () => {
    const dir = await tempDir('ballast-dur-');
    cleanups.push(() => dir.remove());
    const env: Record<string, string> = { ...ADMIN, BALLAST_DATA_DIR: dir.path, BALLAST_INGEST_RATE_LIMIT: '1000000' };
    if (kind === 'postgres') {
      const db = await createTestPgDatabase();
      cleanups.push(() => db.drop());
      env.DATABASE_URL = db.url;
    }
    let server = await startServerProcess(env);
    cleanups.push(async () => void (await stopProcess(server.child, 'SIGKILL')));
    const token = await adminToken(server);
    await api(server, token, 'POST', '/api/v1/teams', { slug: 'ops', name: 'Ops' });
    await api(server, token, 'POST', '/api/v1/services', { slug: 'api', name: 'API', team: 'ops' });
    const { key } = await api(server, token, 'POST', '/api/v1/services/api/integrations', { type: 'pagerduty' });

    const acknowledged: string[] = [];
    let failed = 0;
    let n = 0;
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const dedup = `dur-${n++}`;
        try {
          const r = await fetch(server.url + '/v2/enqueue', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ routing_key: key, event_action: 'trigger', dedup_key: dedup, payload: { summary: `event ${dedup}`, source: 'load', severity: 'error' } }),
          });
          if (r.status === 202) acknowledged.push(dedup);
          else failed++;
        } catch {
          failed++;
        }
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    // Kill once a good number of events are in, while requests are still in flight.
    while (acknowledged.length < 400) await new Promise((r) => setTimeout(r, 20));
    const exited = stopProcess(server.child, 'SIGKILL');
    killed = true;
    await Promise.all(workers);
    await exited;
    assert.ok(acknowledged.length >= 400);

    server = await startServerProcess(env);
    const stored = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: any = await api(server, token, 'GET', `/api/v1/alerts?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      for (const a of page.data) stored.add(a.dedup_key);
      cursor = page.next_cursor;
    } while (cursor);
    const lost = acknowledged.filter((d) => !stored.has(d));
    assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged events were lost`);
    assert.equal(await stopProcess(server.child), 0, 'clean shutdown on SIGTERM');
  });
});
