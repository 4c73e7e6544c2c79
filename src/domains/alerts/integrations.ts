import { randomBytes } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { isPrivileged } from '../../core/actor.js';
import { LoadingCache, perApp } from '../../core/cache.js';
import type { AppDeps, Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { Id, Name, Nullable, Timestamp } from '../../core/schemas.js';
import { addMs, iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import { validate } from '../../core/validate.js';
import { whereIn } from '../../db/bulk.js';
import type { Database, IntegrationsTable } from '../../db/schema.js';
import { requireSignedIn, requireTeamRole, roleAtLeast, teamRoleOf } from '../accounts/authz.js';
import { mustFindService } from '../catalog/services.js';
import { INTEGRATION_TYPES, type IntegrationType } from './model.js';

export const IntegrationKey = Type.String({ pattern: '^[0-9a-f]{32}$', description: '32 lowercase hex characters' });
export const IntegrationTypeSchema = Type.Union(INTEGRATION_TYPES.map((t) => Type.Literal(t)));

export const Integration = Type.Object({
  id: Id,
  service_id: Id,
  type: IntegrationTypeSchema,
  name: Type.String(),
  key: Type.String({ description: 'Full key for responders and above on the owning team; masked for others' }),
  previous_key_expires_at: Nullable(Timestamp),
  endpoint: Type.String({ description: 'Where senders post events' }),
  created_at: Timestamp,
  updated_at: Timestamp,
});
type IntegrationDto = Static<typeof Integration>;

export const IntegrationCreate = Type.Object(
  { type: IntegrationTypeSchema, name: Type.Optional(Name), key: Type.Optional(IntegrationKey) },
  { additionalProperties: false },
);
export const IntegrationRotate = Type.Object(
  { grace_minutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 60 * 24 * 7, description: 'Keep accepting the old key this long (default 0)' })) },
  { additionalProperties: false },
);

export function generateIntegrationKey(): string {
  return randomBytes(16).toString('hex');
}

export function endpointFor(type: IntegrationType, key: string): string {
  return type === 'pagerduty' ? '/v2/enqueue' : `/api/v1/integrations/${key}/${type}`;
}

function toDto(r: IntegrationsTable, reveal: boolean): IntegrationDto {
  const key = reveal ? r.key : `${r.key.slice(0, 4)}…${r.key.slice(-4)}`;
  return {
    id: r.id,
    service_id: r.service_id,
    type: r.type as IntegrationType,
    name: r.name,
    key,
    previous_key_expires_at: r.previous_key_expires_at,
    endpoint: endpointFor(r.type as IntegrationType, key),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

/** Keys are sender credentials: responders and above on the owning team see them in full. */
async function canSeeKeys(db: Kysely<Database>, ctx: Ctx, teamId: string): Promise<boolean> {
  if (isPrivileged(ctx.actor)) return true;
  if (ctx.actor.kind !== 'user') return false;
  return roleAtLeast(await teamRoleOf(db, ctx.actor.userId, teamId), 'responder');
}

export async function listIntegrations(ctx: Ctx, serviceRef: string): Promise<{ data: IntegrationDto[] }> {
  requireSignedIn(ctx.actor);
  const svc = await mustFindService(ctx.deps.db, serviceRef);
  const reveal = await canSeeKeys(ctx.deps.db, ctx, svc.team_id);
  const rows = await ctx.deps.db.selectFrom('integrations').selectAll().where('service_id', '=', svc.id).orderBy('id').execute();
  return { data: rows.map((r) => toDto(r, reveal)) };
}

export async function createIntegrationIn(uow: Uow, serviceRef: string, data: Static<typeof IntegrationCreate>): Promise<IntegrationDto> {
  const svc = await mustFindService(uow.db, serviceRef);
  await requireTeamRole(uow.db, uow.ctx.actor, svc.team_id, 'manager');
  const key = data.key ?? generateIntegrationKey();
  const clash = await uow.db
    .selectFrom('integrations')
    .select('id')
    .where((eb) => eb.or([eb('key', '=', key), eb('previous_key', '=', key)]))
    .executeTakeFirst();
  if (clash) throw errors.conflict('That integration key is already in use', { field: 'key' });
  const row: IntegrationsTable = {
    id: newId(uow.now.getTime()),
    service_id: svc.id,
    type: data.type,
    name: data.name ?? defaultName(data.type),
    key,
    previous_key: null,
    previous_key_expires_at: null,
    created_at: iso(uow.now),
    updated_at: iso(uow.now),
  };
  await uow.db.insertInto('integrations').values(row).execute();
  await uow.audit({ action: 'integration.create', targetType: 'integration', targetId: row.id, after: toDto(row, false) });
  await uow.emit('integration.created', 'integration', row.id, { service_id: svc.id, type: row.type });
  return toDto(row, true);
}

function defaultName(t: IntegrationType): string {
  return { pagerduty: 'Events API v2', alertmanager: 'Prometheus Alertmanager', grafana: 'Grafana', generic: 'Generic webhook' }[t];
}

export async function createIntegration(ctx: Ctx, serviceRef: string, input: unknown): Promise<IntegrationDto> {
  const data = validate(IntegrationCreate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => createIntegrationIn(uow, serviceRef, data));
}

async function mustFindIntegration(db: Kysely<Database>, id: string): Promise<IntegrationsTable> {
  const row = await db.selectFrom('integrations').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('Integration', id);
  return row;
}

/** A new key at once; the old one keeps working for `grace_minutes` so senders can be updated without loss. */
export async function rotateIntegrationKey(ctx: Ctx, id: string, input: unknown): Promise<IntegrationDto> {
  const { grace_minutes = 0 } = validate(IntegrationRotate, input ?? {});
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const before = await mustFindIntegration(uow.db, id);
    const svc = await mustFindService(uow.db, before.service_id);
    await requireTeamRole(uow.db, ctx.actor, svc.team_id, 'manager');
    const after: IntegrationsTable = {
      ...before,
      key: generateIntegrationKey(),
      previous_key: grace_minutes > 0 ? before.key : null,
      previous_key_expires_at: grace_minutes > 0 ? iso(addMs(uow.now, grace_minutes * 60_000)) : null,
      updated_at: iso(uow.now),
    };
    await uow.db.updateTable('integrations').set(after).where('id', '=', id).execute();
    keyCache(ctx.deps).clear();
    await uow.audit({ action: 'integration.rotate_key', targetType: 'integration', targetId: id, before: toDto(before, false), after: toDto(after, false) });
    return toDto(after, true);
  });
}

export async function deleteIntegration(ctx: Ctx, id: string): Promise<void> {
  requireSignedIn(ctx.actor);
  await transaction(ctx, async (uow) => {
    const before = await mustFindIntegration(uow.db, id);
    const svc = await mustFindService(uow.db, before.service_id);
    await requireTeamRole(uow.db, ctx.actor, svc.team_id, 'manager');
    await uow.db.deleteFrom('integrations').where('id', '=', id).execute();
    keyCache(ctx.deps).clear();
    await uow.audit({ action: 'integration.delete', targetType: 'integration', targetId: id, before: toDto(before, false) });
  });
}

export interface ResolvedIntegration {
  id: string;
  serviceId: string;
  type: IntegrationType;
}

const keyCache = (deps: AppDeps) =>
  perApp(deps, 'alerts.integration-keys', () => new LoadingCache<string, ResolvedIntegration | null>((keys) => loadKeys(deps, keys), (v) => (v ? 10_000 : 2_000)));

async function loadKeys(deps: AppDeps, keys: string[]): Promise<Map<string, ResolvedIntegration | null>> {
  const now = iso(deps.clock.now());
  const rows = await whereIn(keys, (part) =>
    deps.db
      .selectFrom('integrations')
      .select(['id', 'service_id', 'type', 'key', 'previous_key'])
      .where((eb) => eb.or([eb('key', 'in', part), eb.and([eb('previous_key', 'in', part), eb('previous_key_expires_at', '>', now)])]))
      .execute(),
  );
  const found = new Map<string, ResolvedIntegration | null>(keys.map((key) => [key, null]));
  for (const row of rows) {
    const value = { id: row.id, serviceId: row.service_id, type: row.type as IntegrationType };
    // A key that is one integration's current key and another's expiring previous key belongs to the former.
    if (found.has(row.key)) found.set(row.key, value);
    if (row.previous_key && found.get(row.previous_key) === null) found.set(row.previous_key, value);
  }
  return found;
}

/**
 * The ingest hot path resolves a key on every request. Hits and misses are cached (misses briefly, so a
 * misconfigured sender cannot turn every request into a query); key changes on this instance clear it.
 */
export async function resolveIntegrationKey(deps: AppDeps, key: string): Promise<ResolvedIntegration | null> {
  if (!/^[0-9a-f]{32}$/.test(key)) return null;
  return keyCache(deps).get(key);
}

export function clearIntegrationCache(deps: AppDeps): void {
  keyCache(deps).clear();
}
