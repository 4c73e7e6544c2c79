import type { Static } from '@sinclair/typebox';
import { isPrivileged } from '../../core/actor.js';
import type { Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { newId, randomToken } from '../../core/ids.js';
import { addMs, iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import { validate } from '../../core/validate.js';
import type { ApiTokensTable } from '../../db/schema.js';
import { requireSignedIn } from './authz.js';
import { hashToken } from './passwords.js';
import { ApiToken, ApiTokenCreate } from './schemas.js';

type TokenDto = Static<typeof ApiToken>;

const TOKEN_PREFIX = 'blt_';

function toDto(t: ApiTokensTable): TokenDto {
  return {
    id: t.id,
    user_id: t.user_id,
    name: t.name,
    prefix: t.prefix,
    created_at: t.created_at,
    expires_at: t.expires_at,
    last_used_at: t.last_used_at,
    revoked_at: t.revoked_at,
  };
}

function actingUserId(ctx: Ctx): string {
  if (ctx.actor.kind !== 'user') throw errors.forbidden('API tokens belong to users');
  return ctx.actor.userId;
}

/** Own tokens; admins may pass `user_id` (or `all`) to see others'. */
export async function listTokens(ctx: Ctx, query: { user_id?: unknown }): Promise<{ data: TokenDto[] }> {
  requireSignedIn(ctx.actor);
  let q = ctx.deps.db.selectFrom('api_tokens').selectAll().orderBy('created_at', 'desc');
  const wanted = typeof query.user_id === 'string' ? query.user_id : undefined;
  if (wanted && wanted !== (ctx.actor.kind === 'user' ? ctx.actor.userId : '')) {
    if (!isPrivileged(ctx.actor)) throw errors.forbidden('Only administrators can list other users’ tokens');
    if (wanted !== 'all') q = q.where('user_id', '=', wanted);
  } else {
    q = q.where('user_id', '=', actingUserId(ctx));
  }
  return { data: (await q.execute()).map(toDto) };
}

export async function createTokenIn(uow: Uow, userId: string, data: Static<typeof ApiTokenCreate>) {
  const secret = TOKEN_PREFIX + randomToken(32);
  const row: ApiTokensTable = {
    id: newId(uow.now.getTime()),
    user_id: userId,
    name: data.name,
    token_hash: hashToken(secret),
    prefix: secret.slice(0, 10),
    created_at: iso(uow.now),
    expires_at: data.expires_in_days ? iso(addMs(uow.now, data.expires_in_days * 86400_000)) : null,
    last_used_at: null,
    revoked_at: null,
  };
  await uow.db.insertInto('api_tokens').values(row).execute();
  const dto = toDto(row);
  await uow.audit({ action: 'token.create', targetType: 'api_token', targetId: row.id, after: dto });
  return { ...dto, token: secret };
}

export async function createToken(ctx: Ctx, input: unknown) {
  const data = validate(ApiTokenCreate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    let userId: string;
    if (data.user_id && (ctx.actor.kind !== 'user' || data.user_id !== ctx.actor.userId)) {
      if (!isPrivileged(ctx.actor)) throw errors.forbidden('Only administrators can create tokens for other users');
      const u = await uow.db.selectFrom('users').select('id').where('id', '=', data.user_id).executeTakeFirst();
      if (!u) throw errors.notFound('User', data.user_id);
      userId = u.id;
    } else {
      userId = actingUserId(ctx);
    }
    return createTokenIn(uow, userId, data);
  });
}

export async function revokeToken(ctx: Ctx, id: string): Promise<TokenDto> {
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const t = await uow.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    const own = t && ctx.actor.kind === 'user' && t.user_id === ctx.actor.userId;
    // Someone else's token is reported as missing, not forbidden, so ids cannot be probed.
    if (!t || (!own && !isPrivileged(ctx.actor))) throw errors.notFound('API token', id);
    if (t.revoked_at) return toDto(t);
    const after = { ...t, revoked_at: iso(uow.now) };
    await uow.db.updateTable('api_tokens').set({ revoked_at: after.revoked_at }).where('id', '=', id).execute();
    await uow.audit({ action: 'token.revoke', targetType: 'api_token', targetId: id, before: toDto(t), after: toDto(after) });
    return toDto(after);
  });
}
