import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { forbiddenReason, OutboundBlockedError, OutboundError, parseAllowlist, safeFetch, type Lookup } from '../../src/core/net/ssrf.js';

describe('SSRF guard', () => {
  let server: http.Server;
  let port: number;
  const seen: { host?: string; path?: string }[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      seen.push({ host: req.headers.host, path: req.url });
      if (req.url === '/redirect-private') return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      if (req.url === '/redirect-ok') return void res.writeHead(307, { location: `/ok` }).end();
      if (req.url === '/big') return void res.end('x'.repeat(50_000));
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const deps = (allow: string[] = [], lookup?: Lookup) => ({ config: { outboundAllowlist: allow }, lookup });

  test('address classification', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255',
      '::1', '::', '::ffff:127.0.0.1', '::ffff:8.8.8.8', 'fe80::1', 'fc00::1', 'fd12::1', 'ff02::1', '64:ff9b::a00:1', '2002:7f00:1::1']) {
      assert.notEqual(forbiddenReason(a), null, a);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111']) assert.equal(forbiddenReason(a), null, a);
  });

  test('loopback is refused without the allowlist, allowed with a CIDR or the host name', async () => {
    await assert.rejects(safeFetch(deps(), `http://127.0.0.1:${port}/ok`), OutboundBlockedError);
    await assert.rejects(safeFetch(deps(), `http://[::1]:${port}/ok`), OutboundBlockedError);
    await assert.rejects(safeFetch(deps(), `http://[::ffff:127.0.0.1]:${port}/ok`), OutboundBlockedError);
    await assert.rejects(safeFetch(deps(), `http://localhost:${port}/ok`), OutboundBlockedError);
    const r = await safeFetch(deps(['127.0.0.0/8']), `http://127.0.0.1:${port}/ok`);
    assert.equal(r.status, 200);
    assert.equal(r.text(), 'ok');
    const byName = await safeFetch(deps(['localhost'], async () => [{ address: '127.0.0.1', family: 4 }]), `http://localhost:${port}/ok`);
    assert.equal(byName.status, 200);
  });

  test('only http and https; no credentials in URLs', async () => {
    await assert.rejects(safeFetch(deps(['0.0.0.0/0']), 'ftp://example.com/x'), OutboundBlockedError);
    await assert.rejects(safeFetch(deps(['0.0.0.0/0']), 'file:///etc/passwd'), OutboundBlockedError);
    await assert.rejects(safeFetch(deps(['127.0.0.0/8']), `http://u:p@127.0.0.1:${port}/ok`), OutboundBlockedError);
  });

  test('a name resolving to any private address is refused', async () => {
    await assert.rejects(safeFetch(deps([], async () => [{ address: '10.0.0.5', family: 4 }]), 'http://internal.example/x'), /10\.0\.0\.5/);
    await assert.rejects(
      safeFetch(deps([], async () => [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }]), 'http://mixed.example/x'),
      OutboundBlockedError,
    );
  });

  test('connects to the checked address (pinned): no second lookup, Host header kept', async () => {
    let lookups = 0;
    const lookup: Lookup = async () => {
      lookups++;
      // A rebinding resolver would answer differently the second time; we must never ask again.
      return lookups === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.9.9.9', family: 4 }];
    };
    seen.length = 0;
    const r = await safeFetch(deps(['127.0.0.0/8'], lookup), `http://rebind.example:${port}/ok`);
    assert.equal(r.status, 200);
    assert.equal(r.address, '127.0.0.1');
    assert.equal(lookups, 1);
    assert.equal(seen[0]!.host, `rebind.example:${port}`);
  });

  test('keep-alive: requests to one checked address reuse a connection, each with its own Host header', async () => {
    const hosts: string[] = [];
    let connections = 0;
    const counting = http.createServer((req, res) => {
      hosts.push(req.headers.host ?? '');
      res.end('ok');
    });
    counting.on('connection', () => connections++);
    await new Promise<void>((r) => counting.listen(0, '127.0.0.1', r));
    const p = (counting.address() as AddressInfo).port;
    try {
      const lookup: Lookup = async () => [{ address: '127.0.0.1', family: 4 }];
      const d = deps(['127.0.0.0/8'], lookup);
      for (let i = 0; i < 5; i++) assert.equal((await safeFetch(d, `http://127.0.0.1:${p}/ok`, { method: 'POST', body: '{}' })).status, 200);
      assert.equal(connections, 1, 'five sequential requests, one connection');
      // A name that was checked and resolved to the same address may share it; the Host header stays the name.
      assert.equal((await safeFetch(d, `http://hooks.example:${p}/ok`)).status, 200);
      assert.equal(connections, 1);
      assert.deepEqual(hosts.slice(-2), [`127.0.0.1:${p}`, `hooks.example:${p}`]);
      // Concurrent requests open more connections, up to the pool's limit.
      await Promise.all(Array.from({ length: 4 }, () => safeFetch(d, `http://127.0.0.1:${p}/ok`)));
      assert.ok(connections > 1 && connections <= 4, `${connections} connections for 4 concurrent requests`);
    } finally {
      counting.closeAllConnections();
      await new Promise((r) => counting.close(r));
    }
  });

  test('redirects: not followed by default; followed ones are re-checked', async () => {
    const d = deps(['127.0.0.0/8']);
    const manual = await safeFetch(d, `http://127.0.0.1:${port}/redirect-private`);
    assert.equal(manual.status, 302);
    await assert.rejects(safeFetch(d, `http://127.0.0.1:${port}/redirect-private`, { redirect: 'follow' }), OutboundBlockedError);
    const ok = await safeFetch(d, `http://127.0.0.1:${port}/redirect-ok`, { redirect: 'follow' });
    assert.equal(ok.text(), 'ok');
  });

  test('response size cap and timeout', async () => {
    const d = deps(['127.0.0.0/8']);
    await assert.rejects(safeFetch(d, `http://127.0.0.1:${port}/big`, { maxBytes: 1000 }), (e: unknown) => e instanceof OutboundError && e.code === 'response_too_large');
    await assert.rejects(safeFetch(d, `http://127.0.0.1:${port}/slow`, { timeoutMs: 200 }), (e: unknown) => e instanceof OutboundError && e.code === 'timeout');
  });

  test('allowlist parsing', () => {
    const a = parseAllowlist(['127.0.0.0/8', ' hooks.internal ', '::1', '10.0.0.1']);
    assert.ok(a.blocks.check('127.5.5.5', 'ipv4'));
    assert.ok(a.blocks.check('10.0.0.1', 'ipv4'));
    assert.ok(!a.blocks.check('10.0.0.2', 'ipv4'));
    assert.ok(a.blocks.check('::1', 'ipv6'));
    assert.ok(a.hosts.has('hooks.internal'));
    assert.throws(() => parseAllowlist(['10.0.0.0/99']));
  });
});
