import { Type, type Static } from '@sinclair/typebox';
import type { Kysely, Selectable } from 'kysely';
import { perApp, TtlCache } from '../../core/cache.js';
import type { AppDeps, Ctx } from '../../core/context.js';
import { fromJson, toJson } from '../../core/json.js';
import { iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import { validate } from '../../core/validate.js';
import { whereIn } from '../../db/bulk.js';
import type { Database, ServiceAlertSettingsTable } from '../../db/schema.js';
import { requireSignedIn, requireTeamRole } from '../accounts/authz.js';
import { mustFindService } from '../catalog/services.js';

export const AlertSettings = Type.Object(
  {
    auto_resolve_minutes: Type.Union([Type.Integer({ minimum: 1, maximum: 60 * 24 * 90 }), Type.Null()], {
      description: 'Resolve an alert after this long without a new trigger; null = never',
    }),
    ack_timeout_minutes: Type.Union([Type.Integer({ minimum: 1, maximum: 60 * 24 * 7 }), Type.Null()], {
      description: 'Re-trigger an acknowledged alert group after this long; null = never',
    }),
    grouping: Type.Object(
      {
        mode: Type.Union([Type.Literal('dedup_key'), Type.Literal('labels')], {
          description: 'dedup_key: one group per alert; labels: alerts with equal values of `labels` fold together',
        }),
        labels: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 20 }),
        window_minutes: Type.Integer({ minimum: 1, maximum: 60 * 24 * 7, description: 'labels mode: join a group only if its last alert is this recent' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type AlertSettingsT = Static<typeof AlertSettings>;
export const AlertSettingsPatch = Type.Partial(AlertSettings, { additionalProperties: false });

export const DEFAULT_SETTINGS: AlertSettingsT = {
  auto_resolve_minutes: null,
  ack_timeout_minutes: null,
  grouping: { mode: 'dedup_key', labels: [], window_minutes: 60 },
};

function fromRow(row: Selectable<ServiceAlertSettingsTable> | undefined): AlertSettingsT {
  if (!row) return DEFAULT_SETTINGS;
  return {
    auto_resolve_minutes: row.auto_resolve_minutes,
    ack_timeout_minutes: row.ack_timeout_minutes,
    grouping: { mode: row.group_mode as 'dedup_key' | 'labels', labels: fromJson(row.group_labels, []), window_minutes: row.group_window_minutes },
  };
}

/** Settings of these services, defaults for those without a row: one query however many. */
async function readMany(db: Kysely<Database>, serviceIds: Iterable<string>): Promise<Map<string, AlertSettingsT>> {
  const ids = [...new Set(serviceIds)];
  const rows = await whereIn(ids, (part) => db.selectFrom('service_alert_settings').selectAll().where('service_id', 'in', part).execute());
  const byService = new Map(rows.map((r) => [r.service_id, r]));
  return new Map(ids.map((id) => [id, fromRow(byService.get(id))]));
}

async function readSettings(db: Kysely<Database>, serviceId: string): Promise<AlertSettingsT> {
  return (await readMany(db, [serviceId])).get(serviceId)!;
}

const cacheOf = (deps: AppDeps) => perApp(deps, 'alerts.settings', () => new TtlCache<string, AlertSettingsT>(5000));

/**
 * Settings for many services at once, cached for the ingest path. Misses are read with one query: an
 * ingest batch spans hundreds of services, and it holds the alert writers' lock while it reads.
 */
export async function settingsFor(deps: AppDeps, db: Kysely<Database>, serviceIds: Iterable<string>): Promise<Map<string, AlertSettingsT>> {
  const cache = cacheOf(deps);
  const now = Date.now();
  const out = new Map<string, AlertSettingsT>();
  const missing = new Set<string>();
  for (const id of serviceIds) {
    const s = cache.get(id, now);
    if (s) out.set(id, s);
    else missing.add(id);
  }
  if (!missing.size) return out;
  for (const [id, s] of await readMany(db, missing)) {
    cache.set(id, s, now);
    out.set(id, s);
  }
  return out;
}

export async function getAlertSettings(ctx: Ctx, serviceRef: string): Promise<AlertSettingsT> {
  requireSignedIn(ctx.actor);
  const svc = await mustFindService(ctx.deps.db, serviceRef);
  return readSettings(ctx.deps.db, svc.id);
}

export async function putAlertSettingsIn(uow: Uow, serviceRef: string, patch: Static<typeof AlertSettingsPatch>): Promise<AlertSettingsT> {
  const svc = await mustFindService(uow.db, serviceRef);
  await requireTeamRole(uow.db, uow.ctx.actor, svc.team_id, 'manager');
  const before = await readSettings(uow.db, svc.id);
  const after: AlertSettingsT = {
    auto_resolve_minutes: patch.auto_resolve_minutes !== undefined ? patch.auto_resolve_minutes : before.auto_resolve_minutes,
    ack_timeout_minutes: patch.ack_timeout_minutes !== undefined ? patch.ack_timeout_minutes : before.ack_timeout_minutes,
    grouping: patch.grouping ?? before.grouping,
  };
  if (JSON.stringify(before) === JSON.stringify(after)) return before;
  const row = {
    service_id: svc.id,
    auto_resolve_minutes: after.auto_resolve_minutes,
    ack_timeout_minutes: after.ack_timeout_minutes,
    group_mode: after.grouping.mode,
    group_labels: toJson(after.grouping.labels),
    group_window_minutes: after.grouping.window_minutes,
    updated_at: iso(uow.now),
  };
  await uow.db
    .insertInto('service_alert_settings')
    .values(row)
    .onConflict((oc) => oc.column('service_id').doUpdateSet(row))
    .execute();
  cacheOf(uow.ctx.deps).clear();
  await uow.audit({ action: 'service.alert_settings', targetType: 'service', targetId: svc.id, before, after });
  return after;
}

export async function putAlertSettings(ctx: Ctx, serviceRef: string, input: unknown): Promise<AlertSettingsT> {
  const patch = validate(AlertSettingsPatch, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, (uow) => putAlertSettingsIn(uow, serviceRef, patch));
}
