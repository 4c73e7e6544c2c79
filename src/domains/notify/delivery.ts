import { performance } from 'node:perf_hooks';
import type { Ctx } from '../../core/context.js';
import { fromJson, toJson } from '../../core/json.js';
import { addMs, iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import { groupBy, padded, updateRows, whereIn } from '../../db/bulk.js';
import type { Engine, Job } from '../../engine/engine.js';
import type { JobSpec } from '../../engine/jobs.js';
import { CHANNELS } from './channels/index.js';
import { errorMessage, truncate, type ChannelResult, type OutboundMessage } from './channels/types.js';
import { actionLinkSigner } from './links.js';
import { DELIVER, insertPending, type DeliverPayload, type MessagePayload } from './notify.js';
import type { ContactMethodsTable, NotificationsTable } from './tables.js';

/** Attempts on one contact method before falling over to the user's next one. */
export const MAX_ATTEMPTS_PER_METHOD = 3;
/** More than this many messages to one contact method within the window are folded into one summary. */
export const RATE_LIMIT_PER_WINDOW = 5;
export const RATE_WINDOW_MS = 60_000;
/** How long one-click links in a message stay valid. */
export const LINK_TTL_MS = 24 * 3600_000;
/** Messages of one batch in flight at once. */
const SEND_CONCURRENCY = 16;

const present = <T>(x: T | null | undefined): x is T => x !== null && x !== undefined;
const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]));

/** The messages as they go out, with one-click links signed for each recipient. */
export async function prepareAll(uow: Uow, items: Array<{ row: NotificationsTable; msg: MessagePayload }>): Promise<OutboundMessage[]> {
  const sign = items.some((i) => i.msg.alert_group_id) ? await actionLinkSigner(uow.db, uow.ctx.deps.config.publicUrl) : null;
  const expiresAt = addMs(uow.now, LINK_TTL_MS);
  return items.map(({ row, msg }) => {
    const out: OutboundMessage = {
      notificationId: row.id,
      subject: msg.subject,
      text: msg.text,
      urgency: msg.urgency,
      url: msg.url,
      alertGroupId: msg.alert_group_id,
      incidentId: msg.incident_id,
    };
    if (sign && msg.alert_group_id) {
      out.acknowledgeUrl = sign({ action: 'acknowledge', alertGroupId: msg.alert_group_id, userId: row.user_id, expiresAt });
      out.resolveUrl = sign({ action: 'resolve', alertGroupId: msg.alert_group_id, userId: row.user_id, expiresAt });
    }
    return out;
  });
}

export interface Sent {
  result: ChannelResult;
  latency: number;
}

/** The network part of an attempt; runs outside any transaction so a slow receiver holds no lock. */
export async function send(ctx: Ctx, cm: ContactMethodsTable, out: OutboundMessage): Promise<Sent> {
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

/**
 * Writes the outcome of attempts into their delivery-log rows, re-read first (a row may have changed
 * while its message was in flight). The result is aligned with `items`; a vanished row is undefined.
 */
export async function recordMany(uow: Uow, items: Array<{ id: string; sent: Sent }>): Promise<Array<NotificationsTable | undefined>> {
  const rows = byId(await whereIn(items.map((i) => i.id), (part) => uow.db.selectFrom('notifications').selectAll().where('id', 'in', part).execute()));
  const after = items.map(({ id, sent: { result, latency } }) => {
    const row = rows.get(id);
    if (!row) return undefined;
    const history = fromJson<unknown[]>(row.history, []);
    history.push({ at: iso(uow.now), ok: result.ok, latency_ms: latency, provider_status: result.providerStatus, error: result.error });
    return {
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
  });
  const columns = ['attempts', 'latency_ms', 'provider_status', 'provider_response', 'error', 'history', 'status', 'sent_at', 'job_key'] as const;
  await updateRows(uow.db, uow.ctx.deps.dialect, 'notifications', [...columns], after.filter(present), ['attempts', 'latency_ms']);
  return after;
}

const backoffMs = (attempts: number) => Math.min(600_000, 1000 * 2 ** Math.max(0, attempts - 1));

export async function finish(uow: Uow, id: string, status: 'failed' | 'suppressed' | 'cancelled', error: string | null): Promise<void> {
  await uow.db.updateTable('notifications').set({ status, error, job_key: null }).where('id', '=', id).execute();
}

interface Item {
  job: Job;
  p: DeliverPayload;
}
interface Planned extends Item {
  row: NotificationsTable;
  cm: ContactMethodsTable;
  out: OutboundMessage;
}

/**
 * Decides, in one short transaction for the whole batch, whether and where each notification goes
 * now: rows, recipients, alert groups, contact methods and recent sends are read with one statement
 * each, and the messages that go are marked `sending` with one more.
 */
async function planMany(uow: Uow, items: Item[]): Promise<Planned[]> {
  const db = uow.db;
  const rows = byId(await whereIn(items.map((i) => i.p.notification_id), (part) => db.selectFrom('notifications').selectAll().where('id', 'in', part).execute()));
  // 'sending' means an earlier run of this job died mid-send (its lease expired): send again.
  const live = items.flatMap((it) => {
    const row = rows.get(it.p.notification_id);
    return row && (row.status === 'pending' || row.status === 'sending') ? [{ ...it, row }] : [];
  });
  if (live.length === 0) return [];
  const users = byId(await whereIn(live.map((l) => l.row.user_id), (part) => db.selectFrom('users').select(['id', 'disabled']).where('id', 'in', part).execute()));
  const groups = byId(
    await whereIn(live.map((l) => l.row.alert_group_id).filter(present), (part) => db.selectFrom('alert_groups').select(['id', 'status']).where('id', 'in', part).execute()),
  );
  const cms = byId(
    await whereIn(live.map((l) => l.row.contact_method_id).filter(present), (part) => db.selectFrom('contact_methods').selectAll().where('id', 'in', part).execute()),
  );
  // Deliveries run concurrently (engine lanes, instances): one contact method's rate check and claim
  // happen one at a time. Locks are taken in one order everywhere, so two batches cannot deadlock.
  const methodIds = [...cms.keys()].sort();
  await uow.ctx.deps.dialect.lockNamedMany(db, methodIds.map((id) => `notify:${id}`));
  const firstTries = live.filter((l) => l.row.attempts === 0).map((l) => l.row.contact_method_id).filter(present);
  const cutoff = iso(addMs(uow.now, -RATE_WINDOW_MS));
  const sentRows = await whereIn(firstTries, (part) =>
    db.selectFrom('notifications').select(['contact_method_id', 'sent_at']).where('contact_method_id', 'in', part).where('status', 'in', ['sent', 'sending']).where('sent_at', '>', cutoff).orderBy('sent_at').execute(),
  );
  const recent = new Map([...groupBy(sentRows, (r) => r.contact_method_id!)].map(([cm, rows]) => [cm, rows.map((r) => r.sent_at!)]));
  const going: Array<Item & { row: NotificationsTable; cm: ContactMethodsTable }> = [];
  const summaries: JobSpec[] = [];
  for (const l of live) {
    const { row } = l;
    const user = users.get(row.user_id);
    if (!user || user.disabled) {
      await finish(uow, row.id, 'cancelled', 'User is disabled');
      continue;
    }
    // Safety net when nobody cancelled: a page about an alert group that is no longer triggered is moot.
    const group = row.alert_group_id ? groups.get(row.alert_group_id) : undefined;
    if (group && group.status !== 'triggered') {
      await finish(uow, row.id, 'cancelled', `Alert group is ${group.status}`);
      continue;
    }
    const cm = row.contact_method_id ? cms.get(row.contact_method_id) : undefined;
    if (!cm) {
      await finish(uow, row.id, 'failed', 'Contact method was deleted');
      await fallover(uow, l.p);
      continue;
    }
    if (row.attempts === 0) {
      const sends = recent.get(cm.id) ?? [];
      recent.set(cm.id, sends);
      if (sends.length >= RATE_LIMIT_PER_WINDOW) {
        await finish(uow, row.id, 'suppressed', `More than ${RATE_LIMIT_PER_WINDOW} messages in ${RATE_WINDOW_MS / 1000}s to this contact method; folded into a summary`);
        const windowEnd = addMs(new Date(sends[0]!), RATE_WINDOW_MS);
        summaries.push({ kind: 'notify.summary', key: `notify.summary:${cm.id}`, dueAt: windowEnd, payload: { contact_method_id: cm.id }, maxAttempts: 5 });
        continue;
      }
      // Later messages of this batch to the same method count this one, as if planned one by one.
      sends.push(iso(uow.now));
    }
    going.push({ ...l, cm });
  }
  await uow.scheduleMany(summaries);
  const ids = going.map((g) => g.row.id);
  for (let i = 0; i < ids.length; i += 512) {
    await db.updateTable('notifications').set({ status: 'sending', sent_at: iso(uow.now) }).where('id', 'in', padded(ids.slice(i, i + 512))).execute();
  }
  const outs = await prepareAll(uow, going.map((g) => ({ row: g.row, msg: g.p.message })));
  return going.map((g, i) => ({ ...g, out: outs[i]! }));
}

/** Sends every planned message, SEND_CONCURRENCY at a time, outside any transaction. */
async function sendAll(ctx: Ctx, planned: Planned[]): Promise<Sent[]> {
  const sent: Sent[] = new Array(planned.length);
  let next = 0;
  const lane = async () => {
    while (next < planned.length) {
      const i = next++;
      sent[i] = await send(ctx, planned[i]!.cm, planned[i]!.out);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SEND_CONCURRENCY, planned.length) }, lane));
  return sent;
}

/** Records each attempt's outcome, then arms a retry or, after the last attempt, the fallover. */
async function settleMany(uow: Uow, planned: Planned[], sent: Sent[]): Promise<void> {
  const after = await recordMany(uow, planned.map((p, i) => ({ id: p.row.id, sent: sent[i]! })));
  const retries: JobSpec[] = [];
  for (const [i, x] of planned.entries()) {
    const row = after[i];
    const result = sent[i]!.result;
    if (!row || result.ok) continue;
    if (row.attempts < MAX_ATTEMPTS_PER_METHOD) {
      retries.push({ kind: DELIVER, key: row.job_key ?? undefined, dueAt: addMs(uow.now, backoffMs(row.attempts)), payload: x.job.payload, maxAttempts: 5 });
      continue;
    }
    await finish(uow, row.id, 'failed', result.error);
    await fallover(uow, x.p);
  }
  await uow.scheduleMany(retries);
}

/**
 * Delivers a batch of pages sharing the commits: every message is planned in one transaction, sent
 * concurrently outside any transaction, and every outcome recorded in one transaction. On SQLite each
 * commit is an fsync, so a burst of pages costs two commits per batch instead of two per page. If a
 * transaction fails the engine runs the batch's jobs one by one; a failure after sending can then send
 * a message twice, which is the at-least-once contract of external jobs anyway.
 */
async function deliverMany(ctx: Ctx, jobs: Job[]): Promise<void> {
  const items = jobs.map((job) => ({ job, p: job.payload as unknown as DeliverPayload }));
  const planned = await transaction(ctx, (uow) => planMany(uow, items));
  if (planned.length === 0) return;
  const sent = await sendAll(ctx, planned);
  await transaction(ctx, (uow) => settleMany(uow, planned, sent));
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
  const fresh = await insertPending(uow, source.user_id, next, p.message, source.dedupe_key, key);
  const payload: DeliverPayload = { notification_id: fresh.id, message: p.message, tried: [...p.tried, next.id], base_key: p.base_key };
  await uow.schedule({ kind: DELIVER, key, payload: payload as unknown as Record<string, unknown>, maxAttempts: 5 });
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
    const [out] = await prepareAll(uow, [{ row: summary, msg: { subject: summary.subject, text, urgency: 'high' } }]);
    return { summary, cm, text, out: out! };
  });
  if (!planned) return;
  const sent = await send(ctx, planned.cm, planned.out);
  await transaction(ctx, async (uow) => {
    const [row] = await recordMany(uow, [{ id: planned.summary.id, sent }]);
    if (!row || sent.result.ok) return;
    if (row.attempts < MAX_ATTEMPTS_PER_METHOD) {
      await uow.schedule({ kind: 'notify.summary', key: `notify.summary.retry:${row.id}`, dueAt: addMs(uow.now, backoffMs(row.attempts)), payload: { summary_id: row.id, text: planned.text }, maxAttempts: 5 });
      return;
    }
    await finish(uow, row.id, 'failed', sent.result.error);
  });
}

export function registerNotifyJobs(engine: Engine): void {
  engine.registerExternal(DELIVER, (ctx, job) => deliverMany(ctx, [job]), { urgent: true, batch: deliverMany });
  engine.registerExternal('notify.summary', summarize);
}
