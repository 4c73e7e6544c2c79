import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

/**
 * Guarded outbound HTTP. Every request Ballast makes on behalf of a user-supplied URL (webhooks,
 * chat webhooks, runbook HTTP steps) goes through `safeFetch`, which:
 * - accepts only http/https;
 * - resolves the host once and refuses private, loopback, link-local, CGNAT, multicast, reserved,
 *   unspecified and IPv4-mapped/translated addresses unless BALLAST_OUTBOUND_ALLOWLIST lists the
 *   address (CIDR) or the host name;
 * - connects to the address it checked (no second DNS lookup, so DNS rebinding cannot swap it);
 * - never follows a redirect unless asked to, and then checks every hop the same way;
 * - bounds the whole exchange in time and the response body in size.
 */

export type Lookup = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface SafeFetchDeps {
  config: { outboundAllowlist: string[] };
  /** Name resolution; tests inject fakes. Defaults to dns.lookup with all: true. */
  lookup?: Lookup;
}

export interface SafeFetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Whole request, connect to last byte. Default 10 s. */
  timeoutMs?: number;
  /** Response bodies above this fail the request. Default 1 MiB. */
  maxBytes?: number;
  /** 'manual' (default) returns 3xx responses as they are; 'follow' follows up to 5, re-checking each target. */
  redirect?: 'manual' | 'follow';
}

export interface SafeResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Final URL (after redirects) and the address actually connected to. */
  url: string;
  address: string;
  text(): string;
  json<T = unknown>(): T;
}

export class OutboundBlockedError extends Error {
  readonly code = 'outbound_blocked';
  constructor(message: string) {
    super(message);
    this.name = 'OutboundBlockedError';
  }
}

export class OutboundError extends Error {
  constructor(
    readonly code: 'timeout' | 'response_too_large' | 'too_many_redirects' | 'network',
    message: string,
  ) {
    super(message);
    this.name = 'OutboundError';
  }
}

const V4_DENY: [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified/"this network"'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved/broadcast'],
];
const V6_DENY: [string, number, string][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::ffff:0:0', 96, 'IPv4-mapped'],
  ['::', 96, 'IPv4-compatible'],
  ['64:ff9b::', 96, 'NAT64'],
  ['64:ff9b:1::', 48, 'NAT64 local'],
  ['100::', 64, 'discard'],
  ['2001::', 23, 'IETF protocol assignments'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4'],
  ['fc00::', 7, 'unique local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

const DENY = [...V4_DENY.map((d) => [...d, 'ipv4'] as const), ...V6_DENY.map((d) => [...d, 'ipv6'] as const)].map(([addr, prefix, reason, type]) => {
  const b = new net.BlockList();
  b.addSubnet(addr, prefix, type);
  return { b, reason, type };
});

/** Why an address must not be contacted, or null when it is a public unicast address. */
export function forbiddenReason(address: string): string | null {
  const family = net.isIP(address);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const d of DENY) if (d.type === type && d.b.check(address, type)) return d.reason;
  return null;
}

export interface Allowlist {
  blocks: net.BlockList;
  hosts: Set<string>;
}

/** `127.0.0.0/8`, `10.1.2.3`, `::1/128`, `hooks.internal.example` (exact host name). */
export function parseAllowlist(entries: string[]): Allowlist {
  const blocks = new net.BlockList();
  const hosts = new Set<string>();
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    const [addr, bits] = entry.split('/');
    const fam = net.isIP(addr!);
    if (fam) {
      const type = fam === 4 ? 'ipv4' : 'ipv6';
      const prefix = bits === undefined ? (fam === 4 ? 32 : 128) : Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (fam === 4 ? 32 : 128)) throw new Error(`BALLAST_OUTBOUND_ALLOWLIST: bad prefix in '${raw}'`);
      blocks.addSubnet(addr!, prefix, type);
    } else {
      hosts.add(entry.replace(/\.$/, ''));
    }
  }
  return { blocks, hosts };
}

const allowlists = new WeakMap<string[], Allowlist>();
function allowlistOf(deps: SafeFetchDeps): Allowlist {
  let a = allowlists.get(deps.config.outboundAllowlist);
  if (!a) {
    a = parseAllowlist(deps.config.outboundAllowlist);
    allowlists.set(deps.config.outboundAllowlist, a);
  }
  return a;
}

const systemLookup: Lookup = async (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * Checks a URL and returns the one address to connect to. Every address the name resolves to must
 * pass (a name with one public and one private record is refused: the attacker picks which one a
 * client would use).
 */
export async function checkOutboundUrl(deps: SafeFetchDeps, url: URL): Promise<{ address: string; family: number }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundBlockedError(`Only http and https URLs are allowed, not ${url.protocol}`);
  if (url.username || url.password) throw new OutboundBlockedError('URLs with credentials are not allowed');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  if (!host) throw new OutboundBlockedError('URL has no host');
  const allow = allowlistOf(deps);
  const hostAllowed = allow.hosts.has(host);
  let addresses: { address: string; family: number }[];
  if (net.isIP(host)) addresses = [{ address: host, family: net.isIP(host) }];
  else {
    try {
      addresses = await (deps.lookup ?? systemLookup)(host);
    } catch (err) {
      throw new OutboundError('network', `Cannot resolve ${host}: ${(err as Error).message}`);
    }
    if (addresses.length === 0) throw new OutboundError('network', `Cannot resolve ${host}`);
  }
  for (const a of addresses) {
    const reason = forbiddenReason(a.address);
    if (reason === null || hostAllowed) continue;
    if (allow.blocks.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4')) continue;
    throw new OutboundBlockedError(`${host} resolves to ${a.address} (${reason}); not allowed for outbound requests (see BALLAST_OUTBOUND_ALLOWLIST)`);
  }
  return addresses[0]!;
}

/** The only way Ballast makes HTTP requests to user-supplied URLs. */
export async function safeFetch(deps: SafeFetchDeps, url: string | URL, init: SafeFetchInit = {}): Promise<SafeResponse> {
  const timeoutMs = init.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  let current = new URL(url);
  let method = (init.method ?? 'GET').toUpperCase();
  let body = init.body;
  for (let hop = 0; ; hop++) {
    const target = await checkOutboundUrl(deps, current);
    const res = await requestOnce(current, target, { ...init, method, body }, Math.max(1, deadline - Date.now()));
    const location = res.headers.location;
    if (init.redirect !== 'follow' || res.status < 300 || res.status > 399 || !location) return res;
    if (hop >= 5) throw new OutboundError('too_many_redirects', 'Too many redirects');
    current = new URL(location, current);
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
  }
}

/**
 * Keep-alive pools. A pool is keyed by the address Ballast connects to (always the checked IP, never a
 * name) and the port (plus the TLS server name), so a reused connection goes where the guard allowed.
 * A page storm to one receiver then reuses connections instead of opening one per message. Idle
 * connections close after a few seconds.
 */
const KEEP_ALIVE = { keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 4000 };
const agents = { http: new http.Agent(KEEP_ALIVE), https: new https.Agent(KEEP_ALIVE) };

function requestOnce(url: URL, target: { address: string; family: number }, init: SafeFetchInit, timeoutMs: number): Promise<SafeResponse> {
  const maxBytes = init.maxBytes ?? 1024 * 1024;
  const isHttps = url.protocol === 'https:';
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const headers: Record<string, string> = { 'user-agent': 'Ballast', ...init.headers };
  if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
  const options: https.RequestOptions = {
    method: init.method,
    // Connect to the checked address; Host header and TLS name stay the original host.
    host: target.address,
    family: target.family,
    port: url.port || (isHttps ? 443 : 80),
    path: `${url.pathname}${url.search}`,
    headers: { host: url.host, ...headers },
    agent: isHttps ? agents.https : agents.http,
  };
  if (isHttps && !net.isIP(hostname)) options.servername = hostname;
  const mod = isHttps ? https : http;
  return new Promise<SafeResponse>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new OutboundError('timeout', `Request to ${url.host} timed out after ${timeoutMs} ms`)), timeoutMs);
    const req = mod.request(options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          res.destroy();
          fail(new OutboundError('response_too_large', `Response from ${url.host} exceeds ${maxBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('error', (err) => fail(new OutboundError('network', err.message)));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          url: url.toString(),
          address: target.address,
          text: () => body.toString('utf8'),
          json: <T>() => JSON.parse(body.toString('utf8')) as T,
        });
      });
    });
    req.on('error', (err) => fail(new OutboundError('network', `Request to ${url.host} failed: ${err.message}`)));
    if (init.body !== undefined) req.end(init.body);
    else req.end();
  });
}
