import { sql } from 'kysely';
import { groupBy, insertRows, whereIn } from '../../db/bulk.js';
import { cancelJobs } from '../../engine/jobs.js';
import { newId } from '../../core/ids.js';
import { addMs, iso } from '../../core/time.js';
import type { Uow } from '../../core/uow.js';
import type { JobSpec } from '../../engine/jobs.js';
import { maskTarget } from './contacts.js';
import type { ContactMethodsTable, NotificationRulesTable, NotificationsTable } from './tables.js';

export interface NotifySpec {
  userId: string;
  urgency: 'high' | 'low';
  subject: string;
  text: string;
  url?: string;
  alertGroupId?: string;
  incidentId?: string;
  /** Identifies this page (e.g. `alert_group:<id>:step:1`): re-notifying the same key while pending is a no-op. */
  dedupeKey: string;
}

export interface MessagePayload {
  subject: string;
  text: string;
  urgency: 'high' | 'low';
  url?: string;
  alert_group_id?: string;
  incident_id?: string;
}

export interface DeliverPayload {
  notification_id: string;
  message: MessagePayload;
  /** Contact methods already used for this message (fallover never goes back to them). */
  tried: string[];
  base_key: string;
}

export const DELIVER = 'notify.deliver';

/** A delivery-log row in its first state, before any attempt. */
export function pendingRow(uow: Uow, userId: string, cm: ContactMethodsTable, msg: MessagePayload, dedupeKey: string | null, jobKey: string | null): NotificationsTable {
  return {
    id: newId(uow.now.getTime()),
    user_id: userId,
    contact_method_id: cm.id,
    channel: cm.type,
    target: maskTarget(cm.type, cm.address),
    subject: msg.subject.slice(0, 500),
    alert_group_id: msg.alert_group_id ?? null,
    incident_id: msg.incident_id ?? null,
    dedupe_key: dedupeKey,
    job_key: jobKey,
    status: 'pending',
    attempts: 0,
    latency_ms: null,
    provider_status: null,
    provider_response: null,
    error: null,
    history: '[]',
    folded_into: null,
    created_at: iso(uow.now),
    sent_at: null,
  };
}

export async function insertPending(uow: Uow, userId: string, cm: ContactMethodsTable, msg: MessagePayload, dedupeKey: string | null, jobKey: string | null): Promise<NotificationsTable> {
  const row = pendingRow(uow, userId, cm, msg, dedupeKey, jobKey);
  await insertRows(uow.db, uow.ctx.deps.dialect, 'notifications', [row]);
  return row;
}

const messageOf = (spec: NotifySpec): MessagePayload => ({
  subject: spec.subject,
  text: spec.text,
  urgency: spec.urgency,
  ...(spec.url ? { url: spec.url } : {}),
  ...(spec.alertGroupId ? { alert_group_id: spec.alertGroupId } : {}),
  ...(spec.incidentId ? { incident_id: spec.incidentId } : {}),
});

/**
 * Pages users: one durable delivery job per notification rule of the urgency (after its delay), or —
 * for a user without any rules — one per contact method, immediately. Set-based: a page storm of
 * hundreds of users costs a handful of statements. Returns the jobs scheduled.
 */
export async function notifyUsers(uow: Uow, specs: NotifySpec[]): Promise<number> {
  if (specs.length === 0) return 0;
  const db = uow.db;
  const userIds = specs.map((s) => s.userId);
  const users = await whereIn(userIds, (part) => db.selectFrom('users').select(['id', 'disabled']).where('id', 'in', part).execute());
  const active = new Set(users.filter((u) => !u.disabled).map((u) => u.id));
  const live = specs.filter((s) => active.has(s.userId));
  if (live.length === 0) return 0;
  const methods = groupBy(
    await whereIn([...active], (part) => db.selectFrom('contact_methods').selectAll().where('user_id', 'in', part).orderBy('created_at').orderBy('id').execute()),
    (m) => m.user_id,
  );
  const rules = groupBy(
    await whereIn([...active], (part) => db.selectFrom('notification_rules').selectAll().where('user_id', 'in', part).orderBy('delay_minutes').orderBy('id').execute()),
    (r: NotificationRulesTable) => r.user_id,
  );
  const targets = live.flatMap((spec) => {
    const ms = methods.get(spec.userId) ?? [];
    const rs = rules.get(spec.userId) ?? [];
    const byId = new Map(ms.map((m) => [m.id, m]));
    const list =
      rs.length === 0
        ? ms.map((cm) => ({ cm, delay: 0, key: `notify:${spec.dedupeKey}:cm:${cm.id}` }))
        : rs.filter((r) => r.urgency === spec.urgency && byId.has(r.contact_method_id)).map((r) => ({ cm: byId.get(r.contact_method_id)!, delay: r.delay_minutes, key: `notify:${spec.dedupeKey}:${r.id}` }));
    return list.map((t) => ({ ...t, spec }));
  });
  const pending = new Set(
    (await whereIn(targets.map((t) => t.key), (part) => db.selectFrom('notifications').select('job_key').where('job_key', 'in', part).where('status', '=', 'pending').execute())).map((r) => r.job_key),
  );
  const rows: NotificationsTable[] = [];
  const jobs: JobSpec[] = [];
  for (const t of targets) {
    if (pending.has(t.key)) continue;
    pending.add(t.key);
    const msg = messageOf(t.spec);
    const row = pendingRow(uow, t.spec.userId, t.cm, msg, t.spec.dedupeKey, t.key);
    rows.push(row);
    const payload: DeliverPayload = { notification_id: row.id, message: msg, tried: [t.cm.id], base_key: t.key };
    jobs.push({ kind: DELIVER, key: t.key, dueAt: addMs(uow.now, t.delay * 60_000), payload: payload as unknown as Record<string, unknown>, maxAttempts: 5 });
  }
  await insertRows(db, uow.ctx.deps.dialect, 'notifications', rows);
  await uow.scheduleMany(jobs);
  return jobs.length;
}

export const notifyUser = (uow: Uow, spec: NotifySpec): Promise<number> => notifyUsers(uow, [spec]);

/** Cancels pending deliveries (including ones waiting to retry): an acknowledgement stops paging. */
export async function cancelNotifications(uow: Uow, by: { dedupeKeyPrefix?: string; alertGroupId?: string }): Promise<number> {
  if (!by.dedupeKeyPrefix && !by.alertGroupId) return 0;
  const rows = await uow.db
    .selectFrom('notifications')
    .select(['id', 'job_key'])
    .where('status', '=', 'pending')
    .where((eb) => {
      const ors = [];
      if (by.alertGroupId) ors.push(eb('alert_group_id', '=', by.alertGroupId));
      if (by.dedupeKeyPrefix) {
        const pattern = `${by.dedupeKeyPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        ors.push(sql<boolean>`dedupe_key like ${pattern} escape '\\'`);
      }
      return eb.or(ors);
    })
    .execute();
  if (rows.length === 0) return 0;
  await cancelJobs(uow.db, uow.now, rows.map((r) => r.job_key).filter((k): k is string => !!k));
  await uow.db.updateTable('notifications').set({ status: 'cancelled', job_key: null }).where('id', 'in', rows.map((r) => r.id)).execute();
  return rows.length;
}
