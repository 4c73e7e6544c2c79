import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { Type, type Static } from '@sinclair/typebox';
import { isPrivileged } from '../../core/actor.js';
import type { Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { fromJson, toJson } from '../../core/json.js';
import { pageRequest, pageResult } from '../../core/pagination.js';
import { Id, Nullable, Timestamp } from '../../core/schemas.js';
import { addMs, iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import type { Engine, Job } from '../../engine/engine.js';
import { cancelJobs } from '../../engine/jobs.js';
import { requireSignedIn } from '../accounts/authz.js';
import { CHANNELS } from './channels/index.js';
import { errorMessage, truncate, type ChannelResult, type OutboundMessage } from './channels/types.js';
import { maskTarget, mustFindContactMethod } from './contacts.js';
import { signedActionUrl } from './links.js';
import type { ContactMethodsTable, NotificationsTable } from './tables.js';

/** Attempts on one contact method before falling over to the user's next one. */
export const MAX_ATTEMPTS_PER_METHOD = 3;
/** More than this many messages to one contact method within the window are folded into one summary. */
export const RATE_LIMIT_PER_WINDOW = 5;
export const RATE_WINDOW_MS = 60_000;
/** How long one-click links in a message stay valid. */
export const LINK_TTL_MS = 24 * 3600_000;

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

interface MessagePayload {
  subject: string;
  text: string;
  urgency: 'high' | 'low';
  url?: string;
  alert_group_id?: string;
  incident_id?: string;
}

interface DeliverPayload {
  notification_id: string;
  message: MessagePayload;
  /** Contact methods already used for this message (fallover never goes back to them). */
  tried: string[];
  base_key: string;
}

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

async function insertPending(uow: Uow, userId: string, cm: ContactMethodsTable, msg: MessagePayload, dedupeKey: string | null, jobKey: string | null): Promise<NotificationsTable> {
  const row: NotificationsTable = {
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
  await uow.db.insertInto('notifications').values(row).execute();
  return row;
}

/**
 * Pages a user: one durable delivery job per notification rule of the urgency (after its delay), or
 * — for a user without any rules — one per contact method, immediately. Returns the jobs scheduled.
 */
export async function notifyUser(uow: Uow, spec: NotifySpec): Promise<number> {
  const user = await uow.db.selectFrom('users').select(['id', 'disabled']).where('id', '=', spec.userId).executeTakeFirst();
  if (!user || user.disabled) return 0;
  const msg: MessagePayload = {
    subject: spec.subject,
    text: spec.text,
    urgency: spec.urgency,
    ...(spec.url ? { url: spec.url } : {}),
    ...(spec.alertGroupId ? { alert_group_id: spec.alertGroupId } : {}),
    ...(spec.incidentId ? { incident_id: spec.incidentId } : {}),
  };
  const methods = await uow.db.selectFrom('contact_methods').selectAll().where('user_id', '=', user.id).orderBy('created_at').orderBy('id').execute();
  const byId = new Map(methods.map((m) => [m.id, m]));
  const rules = await uow.db.selectFrom('notification_rules').selectAll().where('user_id', '=', user.id).orderBy('delay_minutes').orderBy('id').execute();
  const targets =
    rules.length === 0
      ? methods.map((cm) => ({ cm, delay: 0, key: `notify:${spec.dedupeKey}:cm:${cm.id}` }))
      : rules.filter((r) => r.urgency === spec.urgency && byId.has(r.contact_method_id)).map((r) => ({ cm: byId.get(r.contact_method_id)!, delay: r.delay_minutes, key: `notify:${spec.dedupeKey}:${r.id}` }));
  let scheduled = 0;
  for (const t of targets) {
    const live = await uow.db.selectFrom('notifications').select('id').where('job_key', '=', t.key).where('status', '=', 'pending').executeTakeFirst();
    if (live) continue;
    const row = await insertPending(uow, user.id, t.cm, msg, spec.dedupeKey, t.key);
    const payload: DeliverPayload = { notification_id: row.id, message: msg, tried: [t.cm.id], base_key: t.key };
    await uow.schedule({ kind: 'notify.deliver', key: t.key, dueAt: addMs(uow.now, t.delay * 60_000), payload: payload as unknown as Record<string, unknown>, maxAttempts: 5 });
    scheduled++;
  }
  return scheduled;
}

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

/** The message as it goes out, with one-click links signed for the recipient (needs the database). */
async function prepare(uow: Uow, row: NotificationsTable, msg: MessagePayload): Promise<OutboundMessage> {
  const out: OutboundMessage = {
    notificationId: row.id,
    subject: msg.subject,
    text: msg.text,
    urgency: msg.urgency,
    url: msg.url,
    alertGroupId: msg.alert_group_id,
    incidentId: msg.incident_id,
  };
  if (msg.alert_group_id) {
    const linkDeps = { db: uow.db, config: uow.ctx.deps.config };
    const expiresAt = addMs(uow.now, LINK_TTL_MS);
    out.acknowledgeUrl = await signedActionUrl(linkDeps, { action: 'acknowledge', alertGroupId: msg.alert_group_id, userId: row.user_id, expiresAt });
    out.resolveUrl = await signedActionUrl(linkDeps, { action: 'resolve', alertGroupId: msg.alert_group_id, userId: row.user_id, expiresAt });
  }
  return out;
}

interface Sent {
  result: ChannelResult;
  latency: number;
}

/** The network part of an attempt; runs outside any transaction so a slow receiver holds no lock. */
async function send(ctx: Ctx, cm: ContactMethodsTable, out: OutboundMessage): Promise<Sent> {
  const channel = CHANNELS[cm.type];
  const started = performance.now();
  let result: ChannelResult;
  try {
    result = channel
      ? await channel({ config: ctx.deps.config, clock: ctx.deps.clock }, cm, out)
      : { ok: false, providerStatus: null, providerResponse: null, error: `Unknown channel '${cm.type}'` };
  } catch (err) {
    result = { ok: false, providerStatus: null, providerResponse: null, error: truncate(errorMessage(err)) };
  }
  return { result, latency: Math.round(performance.now() - started) };
}

/** Writes the outcome of one attempt into the delivery log row (re-read: it may have changed meanwhile). */
async function record(uow: Uow, id: string, { result, latency }: Sent): Promise<NotificationsTable> {
  const row = await uow.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const history = fromJson<unknown[]>(row.history, []);
  history.push({ at: iso(uow.now), ok: result.ok, latency_ms: latency, provider_status: result.providerStatus, error: result.error });
  const next: NotificationsTable = {
    ...row,
    attempts: row.attempts + 1,
    latency_ms: latency,
    provider_status: result.providerStatus,
    provider_response: truncate(result.providerResponse),
    error: result.error,
    history: toJson(history),
    status: result.ok ? 'sent' : row.status === 'sending' ? 'pending' : row.status,
    sent_at: result.ok ? iso(uow.now) : null,
    job_key: result.ok ? null : row.job_key,
  };
  await uow.db
    .updateTable('notifications')
    .set({
      attempts: next.attempts,
      latency_ms: next.latency_ms,
      provider_status: next.provider_status,
      provider_response: next.provider_response,
      error: next.error,
      history: next.history,
      status: next.status,
      sent_at: next.sent_at,
      job_key: next.job_key,
    })
    .where('id', '=', id)
    .execute();
  return next;
}

const backoffMs = (attempts: number) => Math.min(600_000, 1000 * 2 ** Math.max(0, attempts - 1));

async function finish(uow: Uow, id: string, status: 'failed' | 'suppressed' | 'cancelled', error: string | null): Promise<void> {
  await uow.db.updateTable('notifications').set({ status, error, job_key: null }).where('id', '=', id).execute();
}

/** Sent messages to this contact method within the last window, oldest first. */
async function recentSends(uow: Uow, cmId: string): Promise<string[]> {
  const rows = await uow.db
    .selectFrom('notifications')
    .select('sent_at')
    .where('contact_method_id', '=', cmId)
    .where('status', 'in', ['sent', 'sending'])
    .where('sent_at', '>', iso(addMs(uow.now, -RATE_WINDOW_MS)))
    .orderBy('sent_at')
    .execute();
  return rows.map((r) => r.sent_at!);
}

interface Planned {
  row: NotificationsTable;
  cm: ContactMethodsTable;
  out: OutboundMessage;
}

/** Decides (in a short transaction) whether and where this notification goes now. */
async function plan(uow: Uow, p: DeliverPayload): Promise<Planned | null> {
  const row = await uow.db.selectFrom('notifications').selectAll().where('id', '=', p.notification_id).executeTakeFirst();
  // 'sending' means an earlier run of this job died mid-send (its lease expired): send again.
  if (!row || (row.status !== 'pending' && row.status !== 'sending')) return null;
  const user = await uow.db.selectFrom('users').select(['id', 'disabled']).where('id', '=', row.user_id).executeTakeFirst();
  if (!user || user.disabled) {
      await finish(uow, row.id, 'cancelled', 'User is disabled');
      return null;
    }
  // Safety net when nobody cancelled: a page about an alert group that is no longer triggered is moot.
  if (row.alert_group_id) {
    const g = await uow.db.selectFrom('alert_groups').select('status').where('id', '=', row.alert_group_id).executeTakeFirst();
    if (g && g.status !== 'triggered') {
      await finish(uow, row.id, 'cancelled', `Alert group is ${g.status}`);
      return null;
    }
  }
  const cm = row.contact_method_id ? await uow.db.selectFrom('contact_methods').selectAll().where('id', '=', row.contact_method_id).executeTakeFirst() : undefined;
  if (!cm) {
    await finish(uow, row.id, 'failed', 'Contact method was deleted');
    await fallover(uow, p);
    return null;
  }
  // Deliveries run concurrently: one contact method's rate check and claim happen one at a time.
  await uow.ctx.deps.dialect.lockNamed(uow.db, `notify:${cm.id}`);
  if (row.attempts === 0) {
    const recent = await recentSends(uow, cm.id);
    if (recent.length >= RATE_LIMIT_PER_WINDOW) {
      await finish(uow, row.id, 'suppressed', `More than ${RATE_LIMIT_PER_WINDOW} messages in ${RATE_WINDOW_MS / 1000}s to this contact method; folded into a summary`);
      const windowEnd = addMs(new Date(recent[0]!), RATE_WINDOW_MS);
      await uow.schedule({ kind: 'notify.summary', key: `notify.summary:${cm.id}`, dueAt: windowEnd, payload: { contact_method_id: cm.id }, maxAttempts: 5 });
      return null;
    }
  }
  await uow.db.updateTable('notifications').set({ status: 'sending', sent_at: iso(uow.now) }).where('id', '=', row.id).execute();
  return { row, cm, out: await prepare(uow, row, p.message) };
}

/** Plan, send outside any transaction, then record the outcome and arm a retry or the fallover. */
async function deliver(ctx: Ctx, job: Job): Promise<void> {
  const p = job.payload as unknown as DeliverPayload;
  const planned = await transaction(ctx, (uow) => plan(uow, p));
  if (!planned) return;
  const sent = await send(ctx, planned.cm, planned.out);
  await transaction(ctx, (uow) => settle(uow, job, p, planned, sent));
}

/** Messages of one batch in flight at once. */
const SEND_CONCURRENCY = 16;

/**
 * `deliver` for a batch, sharing the commits: every message is planned in one transaction, sent
 * concurrently outside any transaction, and every outcome recorded in one transaction. On SQLite each
 * commit is an fsync, so a burst of pages costs two commits per batch instead of two per page. If a
 * transaction fails the engine runs the batch's jobs one by one; a failure after sending can then send
 * a message twice, which is the at-least-once contract of external jobs anyway.
 */
async function deliverMany(ctx: Ctx, jobs: Job[]): Promise<void> {
  const items = jobs.map((job) => ({ job, p: job.payload as unknown as DeliverPayload }));
  // One lock order (by contact method) in every instance, so concurrent batches on PostgreSQL cannot
  // deadlock on the per-method locks that `plan` takes.
  const methods = await ctx.deps.db
    .selectFrom('notifications')
    .select(['id', 'contact_method_id'])
    .where('id', 'in', items.map((i) => i.p.notification_id))
    .execute();
  const methodOf = new Map(methods.map((m) => [m.id, m.contact_method_id ?? '']));
  items.sort((a, b) => (methodOf.get(a.p.notification_id) ?? '').localeCompare(methodOf.get(b.p.notification_id) ?? ''));
  const planned = await transaction(ctx, async (uow) => {
    const out: Array<{ job: Job; p: DeliverPayload; planned: Planned }> = [];
    for (const it of items) {
      const pl = await plan(uow, it.p);
      if (pl) out.push({ ...it, planned: pl });
    }
    return out;
  });
  if (planned.length === 0) return;
  const sent: Sent[] = new Array(planned.length);
  let next = 0;
  const lane = async () => {
    while (next < planned.length) {
      const i = next++;
      sent[i] = await send(ctx, planned[i]!.planned.cm, planned[i]!.planned.out);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SEND_CONCURRENCY, planned.length) }, lane));
  await transaction(ctx, async (uow) => {
    for (const [i, x] of planned.entries()) await settle(uow, x.job, x.p, x.planned, sent[i]!);
  });
}

/** Records one attempt's outcome, then arms a retry or, after the last attempt, the fallover. */
async function settle(uow: Uow, job: Job, p: DeliverPayload, planned: Planned, sent: Sent): Promise<void> {
  const after = await record(uow, planned.row.id, sent);
  if (sent.result.ok) return;
  if (after.attempts < MAX_ATTEMPTS_PER_METHOD) {
    await uow.schedule({ kind: 'notify.deliver', key: after.job_key ?? undefined, dueAt: addMs(uow.now, backoffMs(after.attempts)), payload: job.payload, maxAttempts: 5 });
    return;
  }
  await finish(uow, after.id, 'failed', sent.result.error);
  await fallover(uow, p);
}

/** After the last attempt on one contact method failed: the user's next contact method not yet tried. */
async function fallover(uow: Uow, p: DeliverPayload): Promise<void> {
  const source = await uow.db.selectFrom('notifications').select(['user_id', 'dedupe_key']).where('id', '=', p.notification_id).executeTakeFirstOrThrow();
  // Skip methods already tried in this chain and those another rule already pages for the same message.
  const skip = new Set(p.tried);
  if (source.dedupe_key) {
    const used = await uow.db.selectFrom('notifications').select('contact_method_id').where('dedupe_key', '=', source.dedupe_key).where('user_id', '=', source.user_id).execute();
    for (const u of used) if (u.contact_method_id) skip.add(u.contact_method_id);
  }
  const methods = await uow.db.selectFrom('contact_methods').selectAll().where('user_id', '=', source.user_id).orderBy('created_at').orderBy('id').execute();
  const next = methods.find((m) => !skip.has(m.id));
  if (!next) return;
  const key = `${p.base_key}:fb:${next.id}`;
  const row = source;
  const fresh = await insertPending(uow, row.user_id, next, p.message, source.dedupe_key, key);
  const payload: DeliverPayload = { notification_id: fresh.id, message: p.message, tried: [...p.tried, next.id], base_key: p.base_key };
  await uow.schedule({ kind: 'notify.deliver', key, payload: payload as unknown as Record<string, unknown>, maxAttempts: 5 });
}

/** At the end of a rate-limit window: one message standing for everything that was held back. */
async function summarize(ctx: Ctx, job: Job): Promise<void> {
  const planned = await transaction(ctx, async (uow) => {
    let summary: NotificationsTable | undefined;
    let cm: ContactMethodsTable | undefined;
    let text = typeof job.payload.text === 'string' ? job.payload.text : '';
    if (typeof job.payload.summary_id === 'string') {
      summary = await uow.db.selectFrom('notifications').selectAll().where('id', '=', job.payload.summary_id).executeTakeFirst();
      if (!summary || summary.status !== 'pending' || !summary.contact_method_id) return null;
      cm = await uow.db.selectFrom('contact_methods').selectAll().where('id', '=', summary.contact_method_id).executeTakeFirst();
      if (!cm) {
      await finish(uow, summary.id, 'failed', 'Contact method was deleted');
      return null;
    }
    } else {
      cm = await uow.db.selectFrom('contact_methods').selectAll().where('id', '=', String(job.payload.contact_method_id)).executeTakeFirst();
      if (!cm) return null;
      const held = await uow.db
        .selectFrom('notifications')
        .select(['id', 'subject'])
        .where('contact_method_id', '=', cm.id)
        .where('status', '=', 'suppressed')
        .where('folded_into', 'is', null)
        .orderBy('created_at')
        .execute();
      if (held.length === 0) return null;
      const subject = `${held.length} more notification${held.length === 1 ? '' : 's'} held back`;
      const lines = held.slice(0, 10).map((h) => `- ${h.subject}`);
      if (held.length > 10) lines.push(`… and ${held.length - 10} more`);
      text = `Ballast sent more than ${RATE_LIMIT_PER_WINDOW} messages to this address within a minute and held these back:\n${lines.join('\n')}\n\nOpen Ballast to see them: ${uow.ctx.deps.config.publicUrl}`;
      summary = await insertPending(uow, cm.user_id, cm, { subject, text, urgency: 'high' }, null, null);
      await uow.db.updateTable('notifications').set({ folded_into: summary.id }).where('id', 'in', held.map((h) => h.id)).execute();
    }
    const msg: MessagePayload = { subject: summary.subject, text, urgency: 'high' };
    return { summary, cm, text, out: await prepare(uow, summary, msg) };
  });
  if (!planned) return;
  const sent = await send(ctx, planned.cm, planned.out);
  await transaction(ctx, async (uow) => {
    const row = await record(uow, planned.summary.id, sent);
    if (sent.result.ok) return;
    if (row.attempts < MAX_ATTEMPTS_PER_METHOD) {
      await uow.schedule({ kind: 'notify.summary', key: `notify.summary.retry:${row.id}`, dueAt: addMs(uow.now, backoffMs(row.attempts)), payload: { summary_id: row.id, text: planned.text }, maxAttempts: 5 });
      return;
    }
    await finish(uow, row.id, 'failed', sent.result.error);
  });
}

export function registerNotifyJobs(engine: Engine): void {
  engine.registerExternal('notify.deliver', deliver, { urgent: true, batch: deliverMany });
  engine.registerExternal('notify.summary', summarize);
}

/** POST /contact-methods/:id/test: one attempt now, no retry, no rate limit; returns the log entry. */
export async function sendTestNotification(ctx: Ctx, id: string): Promise<NotificationDto> {
  requireSignedIn(ctx.actor);
  const planned = await transaction(ctx, async (uow) => {
    const cm = await mustFindContactMethod(uow, id);
    const msg: MessagePayload = { subject: 'Test notification from Ballast', text: `This is a test of your ${cm.type} contact method "${cm.label}".`, urgency: 'low', url: uow.ctx.deps.config.publicUrl };
    const row = await insertPending(uow, cm.user_id, cm, msg, null, null);
    return { cm, row, out: await prepare(uow, row, msg) };
  });
  const sent = await send(ctx, planned.cm, planned.out);
  return transaction(ctx, async (uow) => {
    const after = await record(uow, planned.row.id, sent);
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
