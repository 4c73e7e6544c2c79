import { Type, type Static } from '@sinclair/typebox';
import { isPrivileged } from '../../core/actor.js';
import type { Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { fromJson } from '../../core/json.js';
import { pageRequest, pageResult } from '../../core/pagination.js';
import { Id, Nullable, Timestamp } from '../../core/schemas.js';
import { transaction } from '../../core/uow.js';
import { requireSignedIn } from '../accounts/authz.js';
import { mustFindContactMethod } from './contacts.js';
import { finish, prepareAll, recordMany, send } from './delivery.js';
import { insertPending, type MessagePayload } from './notify.js';
import type { NotificationsTable } from './tables.js';

/** The delivery log as the API shows it, and the contact-method test that writes one entry. */

export const Notification = Type.Object({
  id: Id,
  user_id: Id,
  contact_method_id: Nullable(Id),
  channel: Type.String(),
  target: Type.String(),
  subject: Type.String(),
  alert_group_id: Nullable(Type.String()),
  incident_id: Nullable(Type.String()),
  status: Type.Union(['pending', 'sending', 'sent', 'failed', 'suppressed', 'cancelled'].map((s) => Type.Literal(s))),
  attempts: Type.Integer(),
  latency_ms: Nullable(Type.Integer()),
  provider_status: Nullable(Type.String()),
  provider_response: Nullable(Type.String()),
  error: Nullable(Type.String()),
  attempt_log: Type.Array(Type.Object({}, { additionalProperties: true })),
  folded_into: Nullable(Id),
  created_at: Timestamp,
  sent_at: Nullable(Timestamp),
});
export type NotificationDto = Static<typeof Notification>;

export function notificationDto(r: NotificationsTable): NotificationDto {
  return {
    id: r.id,
    user_id: r.user_id,
    contact_method_id: r.contact_method_id,
    channel: r.channel,
    target: r.target,
    subject: r.subject,
    alert_group_id: r.alert_group_id,
    incident_id: r.incident_id,
    status: r.status as NotificationDto['status'],
    attempts: r.attempts,
    latency_ms: r.latency_ms,
    provider_status: r.provider_status,
    provider_response: r.provider_response,
    error: r.error,
    attempt_log: fromJson(r.history, []),
    folded_into: r.folded_into,
    created_at: r.created_at,
    sent_at: r.sent_at,
  };
}

/** POST /contact-methods/:id/test: one attempt now, no retry, no rate limit; returns the log entry. */
export async function sendTestNotification(ctx: Ctx, id: string): Promise<NotificationDto> {
  requireSignedIn(ctx.actor);
  const planned = await transaction(ctx, async (uow) => {
    const cm = await mustFindContactMethod(uow, id);
    const msg: MessagePayload = { subject: 'Test notification from Ballast', text: `This is a test of your ${cm.type} contact method "${cm.label}".`, urgency: 'low', url: uow.ctx.deps.config.publicUrl };
    const row = await insertPending(uow, cm.user_id, cm, msg, null, null);
    const [out] = await prepareAll(uow, [{ row, msg }]);
    return { cm, row, out: out! };
  });
  const sent = await send(ctx, planned.cm, planned.out);
  return transaction(ctx, async (uow) => {
    const [after] = await recordMany(uow, [{ id: planned.row.id, sent }]);
    if (!after) throw errors.notFound('Notification', planned.row.id);
    if (!sent.result.ok) await finish(uow, after.id, 'failed', sent.result.error);
    await uow.audit({ action: 'contact_method.test', targetType: 'contact_method', targetId: planned.cm.id, after: { notification_id: after.id, ok: sent.result.ok } });
    return notificationDto({ ...after, status: sent.result.ok ? 'sent' : 'failed', job_key: null });
  });
}

/** The delivery log, newest first. Users see their own; admins anyone's (`user=` filters). */
export async function listNotifications(ctx: Ctx, query: { user?: unknown; alert_group_id?: unknown; limit?: unknown; cursor?: unknown }) {
  requireSignedIn(ctx.actor);
  const page = pageRequest(query);
  const a = ctx.actor;
  let userId: string | null = typeof query.user === 'string' && query.user ? query.user : null;
  if (userId === 'me') userId = a.kind === 'user' ? a.userId : null;
  if (!isPrivileged(a)) {
    if (a.kind !== 'user') throw errors.forbidden();
    if (userId && userId !== a.userId) throw errors.forbidden('You can only see your own notifications');
    userId = a.userId;
  }
  let q = ctx.deps.db.selectFrom('notifications').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
  if (userId) q = q.where('user_id', '=', userId);
  if (typeof query.alert_group_id === 'string' && query.alert_group_id) q = q.where('alert_group_id', '=', query.alert_group_id);
  if (page.after) q = q.where('id', '<', page.after);
  const rows = await q.execute();
  return pageResult(rows, page, (r) => r.id, notificationDto);
}
