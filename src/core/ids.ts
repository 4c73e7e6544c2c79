import { randomBytes, randomFillSync } from 'node:crypto';

let lastMs = 0;
let seq = 0;

// One getrandom call per 512 ids instead of one per id: id generation sits on the ingest hot path.
const pool = Buffer.alloc(8 * 512);
let poolPos = pool.length;
function randomInto(target: Buffer, offset: number): void {
  if (poolPos >= pool.length) {
    randomFillSync(pool);
    poolPos = 0;
  }
  pool.copy(target, offset, poolPos, poolPos + 8);
  poolPos += 8;
}

/**
 * UUIDv7 (RFC 9562): time-ordered, so primary keys double as stable cursors and insert locality is good
 * for both SQLite and PostgreSQL B-trees. A 12-bit counter keeps ids from one process monotonic within a ms.
 */
export function newId(nowMs: number = Date.now()): string {
  if (nowMs <= lastMs) {
    seq++;
    if (seq > 0xfff) {
      lastMs++;
      seq = 0;
    }
    nowMs = lastMs;
  } else {
    lastMs = nowMs;
    seq = 0;
  }
  const b = Buffer.alloc(16);
  randomInto(b, 8);
  b.writeUIntBE(nowMs, 0, 6);
  b[6] = 0x70 | ((seq >> 8) & 0x0f);
  b[7] = seq & 0xff;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
