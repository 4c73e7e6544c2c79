import { Type, type Static } from '@sinclair/typebox';
import { errors } from '../../core/errors.js';
import { Name } from '../../core/schemas.js';
import type { Kysely } from 'kysely';
import type { Uow } from '../../core/uow.js';
import type { Database } from '../../db/schema.js';
import { createIntegrationIn, IntegrationKey, IntegrationTypeSchema } from './integrations.js';
import { AlertSettingsPatch, DEFAULT_SETTINGS, putAlertSettingsIn, type AlertSettingsT } from './settings.js';
import { iso } from '../../core/time.js';
import { fromJson } from '../../core/json.js';

/** `services[].integrations` in the apply document. A key may be given (to keep senders' config) or generated. */
export const OpsIntegration = Type.Object(
  { type: IntegrationTypeSchema, key: Type.Optional(IntegrationKey), name: Type.Optional(Name) },
  { additionalProperties: false },
);
export type OpsIntegrationT = Static<typeof OpsIntegration>;
export const OpsAlertSettings = AlertSettingsPatch;

interface Change {
  from: unknown;
  to: unknown;
}

/**
 * Makes sure each listed integration exists on the service. Entries with a key match by key; entries
 * without one match an existing integration of that type, so re-applying never mints a second key.
 * Integrations the document does not list are left alone, like every other omitted item.
 */
export async function reconcileIntegrations(uow: Uow, serviceId: string, serviceSlug: string, desired: OpsIntegrationT[]): Promise<Change | null> {
  const existing = await uow.db.selectFrom('integrations').selectAll().where('service_id', '=', serviceId).orderBy('id').execute();
  const before = existing.map((i) => ({ type: i.type, key: i.key }));
  const used = new Set<string>();
  let changed = false;
  for (const d of desired) {
    let match = d.key ? existing.find((i) => i.key === d.key) : existing.find((i) => i.type === d.type && !used.has(i.id));
    if (d.key && !match) {
      const elsewhere = await uow.db.selectFrom('integrations').select('service_id').where('key', '=', d.key).executeTakeFirst();
      if (elsewhere) throw errors.conflict(`Integration key ${d.key.slice(0, 4)}… belongs to another service`, { service: serviceSlug });
    }
    if (!match) {
      await createIntegrationIn(uow, serviceId, d);
      changed = true;
      continue;
    }
    used.add(match.id);
    const name = d.name ?? match.name;
    if (match.type !== d.type || match.name !== name) {
      await uow.db.updateTable('integrations').set({ type: d.type, name, updated_at: iso(uow.now) }).where('id', '=', match.id).execute();
      await uow.audit({ action: 'integration.update', targetType: 'integration', targetId: match.id, before: { type: match.type, name: match.name }, after: { type: d.type, name } });
      match = { ...match, type: d.type, name };
      changed = true;
    }
  }
  if (!changed) return null;
  const after = await uow.db.selectFrom('integrations').select(['type', 'key']).where('service_id', '=', serviceId).orderBy('id').execute();
  return { from: before, to: after };
}

export async function reconcileAlertSettings(uow: Uow, serviceId: string, desired: Static<typeof AlertSettingsPatch>): Promise<Change | null> {
  const row = await uow.db.selectFrom('service_alert_settings').selectAll().where('service_id', '=', serviceId).executeTakeFirst();
  const current: AlertSettingsT = row
    ? {
        auto_resolve_minutes: row.auto_resolve_minutes,
        ack_timeout_minutes: row.ack_timeout_minutes,
        grouping: { mode: row.group_mode as 'dedup_key' | 'labels', labels: fromJson(row.group_labels, []), window_minutes: row.group_window_minutes },
      }
    : DEFAULT_SETTINGS;
  const after = await putAlertSettingsIn(uow, serviceId, desired);
  return JSON.stringify(after) === JSON.stringify(current) ? null : { from: current, to: after };
}

/** The service's integrations and non-default alert settings, in apply format, for `ballast export`. */
export async function exportAlerting(uow: { db: Kysely<Database> }, serviceId: string) {
  const integrations = await uow.db.selectFrom('integrations').select(['type', 'key', 'name']).where('service_id', '=', serviceId).orderBy('id').execute();
  const row = await uow.db.selectFrom('service_alert_settings').selectAll().where('service_id', '=', serviceId).executeTakeFirst();
  const alerts: Static<typeof AlertSettingsPatch> | undefined = row
    ? {
        auto_resolve_minutes: row.auto_resolve_minutes,
        ack_timeout_minutes: row.ack_timeout_minutes,
        grouping: { mode: row.group_mode as 'dedup_key' | 'labels', labels: fromJson(row.group_labels, []), window_minutes: row.group_window_minutes },
      }
    : undefined;
  return {
    ...(integrations.length ? { integrations: integrations.map((i) => ({ type: i.type as OpsIntegrationT['type'], key: i.key, name: i.name })) } : {}),
    ...(alerts ? { alerts } : {}),
  };
}
