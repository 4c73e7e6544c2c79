import type { Static } from '@sinclair/typebox';
import type { Actor } from '../../core/actor.js';
import type { AppDeps, Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { newId, randomToken } from '../../core/ids.js';
import { RateLimiter } from '../../core/ratelimit.js';
import { addMs, iso } from '../../core/time.js';
import { transaction } from '../../core/uow.js';
import { validate } from '../../core/validate.js';
import { hashToken, verifyPassword } from './passwords.js';
import { LoginRequest, type UserDto } from './schemas.js';
import { findUserRow, loadUser } from './users.js';

const LOGIN_WINDOW_MS = 15 * 60_000;
const limiters = new WeakMap<AppDeps, { perAccount: RateLimiter; perIp: RateLimiter }>();

function loginLimiters(deps: AppDeps) {
  let l = limiters.get(deps);
  if (!l) {
    const n = deps.config.loginRateLimit;
    l = { perAccount: new RateLimiter(n, LOGIN_WINDOW_MS), perIp: new RateLimiter(n * 10, LOGIN_WINDOW_MS) };
    limiters.set(deps, l);
  }
  return l;
}

export interface LoginResult {
  user: UserDto;
  sessionToken: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface ClientInfo {
  ip: string;
  userAgent: string;
}

/**
 * Failed attempts count against both the account+IP pair and the IP alone, so one address cannot
 * guess many passwords and a shared address (office NAT) does not lock everyone out at once.
 */
export async function login(ctx: Ctx, input: unknown, client: ClientInfo): Promise<LoginResult> {
  const data = validate(LoginRequest, input);
  const email = data.email.trim().toLowerCase();
  const limit = loginLimiters(ctx.deps);
  const nowMs = ctx.deps.clock.now().getTime();
  const accountKey = `${email}|${client.ip}`;
  const wait = Math.max(limit.perAccount.blockedFor(accountKey, nowMs), limit.perIp.blockedFor(client.ip, nowMs));
  if (wait > 0) throw errors.rateLimited(wait);

  const user = await findUserRow(ctx.deps.db, email);
  const ok = await verifyPassword(data.password, user?.password_hash ?? null);
  if (!ok || !user || user.disabled) {
    limit.perAccount.hit(accountKey, nowMs);
    limit.perIp.hit(client.ip, nowMs);
    ctx.deps.log.info({ email, ip: client.ip }, 'login failed');
    throw errors.unauthenticated('Email or password is incorrect');
  }
  limit.perAccount.reset(accountKey);

  const sessionToken = randomToken(32);
  const csrfToken = randomToken(24);
  const actor: Actor = { kind: 'user', userId: user.id, email: user.email, isAdmin: !!user.is_admin, via: 'session' };
  return transaction({ ...ctx, actor }, async (uow) => {
    const expiresAt = addMs(uow.now, ctx.deps.config.sessionTtlHours * 3600_000);
    const id = newId(uow.now.getTime());
    await uow.db
      .insertInto('sessions')
      .values({
        id,
        user_id: user.id,
        token_hash: hashToken(sessionToken),
        csrf_token: csrfToken,
        created_at: iso(uow.now),
        expires_at: iso(expiresAt),
        last_seen_at: iso(uow.now),
        user_agent: client.userAgent.slice(0, 300),
        ip: client.ip,
      })
      .execute();
    await uow.audit({ action: 'auth.login', targetType: 'user', targetId: user.id, after: { session_id: id, ip: client.ip } });
    return { user: await loadUser(uow.db, user.id), sessionToken, csrfToken, expiresAt };
  });
}

export async function logout(ctx: Ctx, sessionToken: string | undefined): Promise<void> {
  if (!sessionToken) return;
  await transaction(ctx, async (uow) => {
    const s = await uow.db.selectFrom('sessions').select(['id', 'user_id']).where('token_hash', '=', hashToken(sessionToken)).executeTakeFirst();
    if (!s) return;
    await uow.db.deleteFrom('sessions').where('id', '=', s.id).execute();
    await uow.audit({ action: 'auth.logout', targetType: 'user', targetId: s.user_id, before: { session_id: s.id } });
  });
}

export interface ResolvedCredential {
  actor: Actor;
  /** Set for cookie sessions: state-changing requests must echo it. */
  csrfToken: string | null;
}

// Writing "last seen" on every request would turn every read into a write; a coarse mark is enough.
const TOUCH_EVERY_MS = 60_000;

export async function resolveSession(deps: AppDeps, token: string): Promise<ResolvedCredential | null> {
  const now = deps.clock.now();
  const row = await deps.db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id', 's.csrf_token', 's.expires_at', 's.last_seen_at', 'u.id as user_id', 'u.email', 'u.is_admin', 'u.disabled'])
    .where('s.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.disabled || row.expires_at <= iso(now)) return null;
  if (now.getTime() - Date.parse(row.last_seen_at) > TOUCH_EVERY_MS) {
    await deps.db.updateTable('sessions').set({ last_seen_at: iso(now) }).where('id', '=', row.id).execute();
  }
  return {
    actor: { kind: 'user', userId: row.user_id, email: row.email, isAdmin: !!row.is_admin, via: 'session' },
    csrfToken: row.csrf_token,
  };
}

export async function resolveApiToken(deps: AppDeps, token: string): Promise<ResolvedCredential | null> {
  const now = deps.clock.now();
  const row = await deps.db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.id', 't.expires_at', 't.revoked_at', 't.last_used_at', 'u.id as user_id', 'u.email', 'u.is_admin', 'u.disabled'])
    .where('t.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.disabled || row.revoked_at || (row.expires_at && row.expires_at <= iso(now))) return null;
  if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > TOUCH_EVERY_MS) {
    await deps.db.updateTable('api_tokens').set({ last_used_at: iso(now) }).where('id', '=', row.id).execute();
  }
  return {
    actor: { kind: 'user', userId: row.user_id, email: row.email, isAdmin: !!row.is_admin, via: 'token' },
    csrfToken: null,
  };
}

export type LoginInput = Static<typeof LoginRequest>;
