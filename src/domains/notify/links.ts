import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Tx } from '../../core/context.js';
import { AppError } from '../../core/errors.js';
import type { Database } from '../../db/schema.js';

/**
 * Server-side secrets (random, generated on first use, stored in `server_secrets`). Concurrent first
 * uses race on the primary key: the loser's insert does nothing and both read the winner's value.
 */
export async function serverSecret(db: Kysely<Database> | Tx, name: string): Promise<string> {
  const found = await db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirst();
  if (found) return found.value;
  await db
    .insertInto('server_secrets')
    .values({ name, value: crypto.randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  return (await db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow()).value;
}

export type LinkAction = 'acknowledge' | 'resolve';

export interface ActionClaims {
  action: LinkAction;
  alertGroupId: string;
  userId: string;
  expiresAt: Date;
}

const LINK_SECRET = 'action_links';
/** Domain separation: this MAC only ever means "one-click alert action". */
const PURPOSE = 'ballast.act.v1';

function mac(secret: string, payload: string): string {
  return crypto.createHmac('sha256', secret).update(`${PURPOSE}.${payload}`).digest('base64url');
}

const uuidBytes = (id: string) => {
  const hex = id.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a UUID: ${id}`);
  return Buffer.from(hex, 'hex');
};
const bytesUuid = (b: Buffer) => {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};
const ACTION_CODES: Record<LinkAction, number> = { acknowledge: 1, resolve: 2 };

/**
 * Signs one-click links: `${publicUrl}/act/<token>`. The token is `<payload>.<mac>` in base64url, payload
 * = version, action, alert group id, user id, expiry (unix seconds): 38 bytes, so links stay short
 * enough for SMS. The secret is read once per signer, so a batch of pages costs one lookup.
 */
export async function actionLinkSigner(db: Kysely<Database> | Tx, publicUrl: string): Promise<(claims: ActionClaims) => string> {
  const secret = await serverSecret(db, LINK_SECRET);
  return (claims) => {
    const buf = Buffer.alloc(38);
    buf.writeUInt8(1, 0);
    buf.writeUInt8(ACTION_CODES[claims.action], 1);
    uuidBytes(claims.alertGroupId).copy(buf, 2);
    uuidBytes(claims.userId).copy(buf, 18);
    buf.writeUInt32BE(Math.floor(claims.expiresAt.getTime() / 1000), 34);
    const payload = buf.toString('base64url');
    return `${publicUrl}/act/${payload}.${mac(secret, payload)}`;
  };
}

/** Checks signature and expiry; throws 403 (invalid) or 410 (expired). */
export async function verifyActionToken(db: Kysely<Database> | Tx, token: string, now: Date): Promise<ActionClaims> {
  const invalid = () => new AppError(403, 'invalid_link', 'This link is invalid');
  const m = /^([A-Za-z0-9_-]{51})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) throw invalid();
  const payload = m[1]!;
  const sig = m[2]!;
  const secret = await serverSecret(db, LINK_SECRET);
  const expected = Buffer.from(mac(secret, payload));
  if (!crypto.timingSafeEqual(expected, Buffer.from(sig))) throw invalid();
  const buf = Buffer.from(payload, 'base64url');
  if (buf.length !== 38 || buf.readUInt8(0) !== 1) throw invalid();
  const code = buf.readUInt8(1);
  const action = (Object.keys(ACTION_CODES) as LinkAction[]).find((k) => ACTION_CODES[k] === code);
  if (!action) throw invalid();
  const expiresAt = new Date(buf.readUInt32BE(34) * 1000);
  if (expiresAt.getTime() <= now.getTime()) throw new AppError(410, 'link_expired', 'This link has expired');
  return { action, alertGroupId: bytesUuid(buf.subarray(2, 18)), userId: bytesUuid(buf.subarray(18, 34)), expiresAt };
}
