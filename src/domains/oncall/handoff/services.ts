import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { AppDeps, Ctx } from '../../../core/context.js';
import { SYSTEM } from '../../../core/actor.js';
import { errors } from '../../../core/errors.js';
import { newId, UUID_RE } from '../../../core/ids.js';
import { fromJson, toJson } from '../../../core/json.js';
import { pageRequest, pageResult, type PageResult } from '../../../core/pagination.js';
import { Id, Nullable, Timestamp } from '../../../core/schemas.js';
import { addMs, iso } from '../../../core/time.js';
import { transaction, type Uow } from '../../../core/uow.js';
import { validate } from '../../../core/validate.js';
import type { Database } from '../../../db/schema.js';
import type { Engine, Job } from '../../../engine/engine.js';
import { requireAdmin, requireSignedIn, requireTeamRole } from '../../accounts/authz.js';
import { findUserRow } from '../../accounts/users.js';
import { notifyUser } from '../../notify/notify.js';
import type { Level } from '../escalation/policies.js';
import { finalSchedule, type FinalEntry } from '../schedule/index.js';
import { engineSchedule, mustFindSchedule, userRefs, usersOnCall } from '../schedules/services.js';
import type { SchedulesTable } from '../schedules/tables.js';
import { md, mdBlock } from './markdown.js';
import type { HandoffTables } from './tables.js';

type Db = Kysely<Database>;
type ReportRow = HandoffTables['handoff_reports'];
type UserRef = { id: string; email: string; name: string };

export const HANDOFF_SCAN = 'oncall.handoff_scan';
/** Fixed key: arming at every start is a no-op while a scan is pending. */
export const HANDOFF_SCAN_KEY = 'oncall.handoff_scan';
export const SCAN_INTERVAL_MS = 5 * 60_000;
/** After a long outage, changes older than this are not reported any more (no flood of stale reports). */
export const MAX_LOOKBACK_MS = 24 * 3_600_000;
/** How far back the outgoing shift is looked up (its start bounds "the last shift"). */
const SHIFT_LOOKBACK_MS = 14 * 24 * 3_600_000;
const ACTIVE_LIMIT = 25;
const TOP_TITLES = 5;

// ---------------------------------------------------------------------------------------------------
// Extension point for other modules' sections (incidents, upcoming changes/maintenance).

export interface HandoffSectionInput {
  db: Db;
  scheduleId: string;
  /** The services the schedule answers for (see scheduleServiceIds). */
  serviceIds: string[];
  /** The outgoing shift, [shiftStart, changeAt). */
  shiftStart: Date;
  changeAt: Date;
}

export interface HandoffSection {
  /** Section title in the report, e.g. 'Recent Incidents' or 'Upcoming Changes'. */
  title: string;
  /** Markdown lines; the contributor escapes its own user-supplied text (see ./markdown.ts). */
  lines: string[];
  data: unknown;
}

/**
 * A module that has something for the report registers here. The incidents module (not built yet) is
 * meant to contribute "Recent Incidents" (and open incidents), a change/maintenance module "Upcoming
 * Changes". Nothing is registered today, so those template sections are simply left out of reports.
 * Returning null omits the section.
 */
export type HandoffContributor = (input: HandoffSectionInput) => Promise<HandoffSection | null>;

const contributors: HandoffContributor[] = [];

export function registerHandoffContributor(c: HandoffContributor): void {
  contributors.push(c);
}

// ---------------------------------------------------------------------------------------------------
// DTOs

const UserRefOut = Type.Object({ id: Type.String(), email: Type.String(), name: Type.String() });
export const HandoffReport = Type.Object({
  id: Id,
  schedule: Type.Object({ id: Id, slug: Type.String(), name: Type.String() }),
  change_at: Timestamp,
  shift_start: Timestamp,
  from: Nullable(UserRefOut),
  to: UserRefOut,
  body: Type.String({ description: 'Markdown, following the on-call handoff template' }),
  sections: Type.Object({}, { additionalProperties: true }),
  created_at: Timestamp,
});
export type HandoffReportDto = Static<typeof HandoffReport>;

export const HandoffNoteCreate = Type.Object({ text: Type.String({ minLength: 1, maxLength: 10_000 }) }, { additionalProperties: false });
export const HandoffNote = Type.Object({ id: Id, schedule_id: Id, author: UserRefOut, text: Type.String(), created_at: Timestamp });

async function toDtos(db: Db, rows: ReportRow[]): Promise<HandoffReportDto[]> {
  if (rows.length === 0) return [];
  const schedules = await db.selectFrom('schedules').select(['id', 'slug', 'name']).where('id', 'in', [...new Set(rows.map((r) => r.schedule_id))]).execute();
  const users = await userRefs(db, rows.flatMap((r) => [r.to_user_id, ...(r.from_user_id ? [r.from_user_id] : [])]));
  return rows.map((r) => ({
    id: r.id,
    schedule: schedules.find((s) => s.id === r.schedule_id) ?? { id: r.schedule_id, slug: '', name: '(deleted schedule)' },
    change_at: r.change_at,
    shift_start: r.shift_start,
    from: r.from_user_id ? users.get(r.from_user_id)! : null,
    to: users.get(r.to_user_id)!,
    body: r.body,
    sections: fromJson<Record<string, unknown>>(r.data, {}),
    created_at: r.created_at,
  }));
}

// ---------------------------------------------------------------------------------------------------
// Reads

async function resolveUserId(ctx: Ctx, ref: string): Promise<string> {
  if (ref === 'me') {
    if (ctx.actor.kind !== 'user') throw errors.badRequest("'me' needs a signed-in user");
    return ctx.actor.userId;
  }
  const u = await findUserRow(ctx.deps.db, ref);
  if (!u) throw errors.notFound('User', ref);
  return u.id;
}

export async function listHandoffs(ctx: Ctx, query: { limit?: unknown; cursor?: unknown; schedule?: unknown; user?: unknown }): Promise<PageResult<HandoffReportDto>> {
  requireSignedIn(ctx.actor);
  const page = pageRequest(query);
  const { db } = ctx.deps;
  let q = db.selectFrom('handoff_reports').selectAll().orderBy('id').limit(page.limit + 1);
  if (page.after) q = q.where('id', '>', page.after);
  if (typeof query.schedule === 'string' && query.schedule) q = q.where('schedule_id', '=', (await mustFindSchedule(db, query.schedule)).id);
  if (typeof query.user === 'string' && query.user) q = q.where('to_user_id', '=', await resolveUserId(ctx, query.user));
  const rows = await q.execute();
  const dtos = await toDtos(db, rows.slice(0, page.limit));
  return pageResult(rows, page, (r) => r.id, (r) => dtos.find((d) => d.id === r.id)!);
}

export async function getHandoff(ctx: Ctx, id: string): Promise<HandoffReportDto> {
  requireSignedIn(ctx.actor);
  const row = UUID_RE.test(id) ? await ctx.deps.db.selectFrom('handoff_reports').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw errors.notFound('Handoff report', id);
  return (await toDtos(ctx.deps.db, [row]))[0]!;
}

// ---------------------------------------------------------------------------------------------------
// Notes

/** The person on call now may leave notes; so may a responder of the owning team (or an admin for team-less schedules). */
export async function addHandoffNote(ctx: Ctx, idOrSlug: string, input: unknown) {
  const data = validate(HandoffNoteCreate, input);
  requireSignedIn(ctx.actor);
  if (ctx.actor.kind !== 'user') throw errors.forbidden('Handoff notes are written by a person');
  const userId = ctx.actor.userId;
  return transaction(ctx, async (uow) => {
    const row = await mustFindSchedule(uow.db, idOrSlug);
    const onCall = await usersOnCall(uow.db, row.id, uow.now);
    if (!onCall.some((u) => u.id === userId)) {
      if (row.team_id) await requireTeamRole(uow.db, ctx.actor, row.team_id, 'responder');
      else requireAdmin(ctx.actor);
    }
    const note = { id: newId(uow.now.getTime()), schedule_id: row.id, author_id: userId, text: data.text, created_at: iso(uow.now), report_id: null };
    await uow.db.insertInto('handoff_notes').values(note).execute();
    await uow.audit({ action: 'schedule.handoff_note', targetType: 'schedule', targetId: row.id, after: { note_id: note.id } });
    await uow.emit('handoff.note_added', 'schedule', row.id, { note_id: note.id, author_id: userId });
    const author = (await userRefs(uow.db, [userId])).get(userId)!;
    return { id: note.id, schedule_id: row.id, author, text: note.text, created_at: note.created_at };
  });
}

// ---------------------------------------------------------------------------------------------------
// Shift changes and the scan job

export interface ShiftChange {
  at: number;
  fromUserId: string | null;
  toUserId: string;
  /** Start of the outgoing shift; the change itself when the schedule had a gap before. */
  shiftStart: number;
}

/**
 * Changes of the on-call person in (since, until] from final-schedule entries. A change is an entry start
 * where the person differs from whoever was on just before (same person continuing, e.g. from a layer into
 * their own override, is not a handoff). A change into a gap has no incoming person and is not reported.
 */
export function shiftChanges(entries: readonly FinalEntry[], since: number, until: number): ShiftChange[] {
  const out: ShiftChange[] = [];
  entries.forEach((e, i) => {
    if (!(e.start > since && e.start <= until)) return;
    const prev = i > 0 ? entries[i - 1]! : null;
    const outgoing = prev && prev.end === e.start ? prev : null;
    if (outgoing && outgoing.user_id === e.user_id) return;
    out.push({ at: e.start, fromUserId: outgoing?.user_id ?? null, toUserId: e.user_id, shiftStart: outgoing ? outgoing.start : prev ? prev.start : e.start });
  });
  return out;
}

/** Services whose escalation policy pages this schedule, plus the services of the schedule's team. */
export async function scheduleServiceIds(db: Db, row: SchedulesTable): Promise<string[]> {
  const ids = new Set<string>();
  const policies = await db.selectFrom('escalation_policies').select(['id', 'levels']).execute();
  const targeting = policies.filter((p) => fromJson<Level[]>(p.levels, []).some((l) => l.targets.some((t) => t.type === 'schedule' && t.id === row.id))).map((p) => p.id);
  if (targeting.length) {
    for (const s of await db.selectFrom('service_escalation_policies').select('service_id').where('policy_id', 'in', targeting).execute()) ids.add(s.service_id);
  }
  if (row.team_id) for (const s of await db.selectFrom('services').select('id').where('team_id', '=', row.team_id).execute()) ids.add(s.id);
  return [...ids];
}

/** Arms the first scan. Called by createApp; idempotent (fixed key), so every instance start may call it. */
export async function armHandoffScan(deps: AppDeps): Promise<void> {
  await transaction({ deps, actor: SYSTEM }, async (uow) => {
    await uow.schedule({ kind: HANDOFF_SCAN, key: HANDOFF_SCAN_KEY, payload: { since: iso(uow.now) } });
  });
}

export function registerHandoffJobs(engine: Engine): void {
  engine.register(HANDOFF_SCAN, (uow, job) => scan(uow, job));
}

async function scan(uow: Uow, job: Job): Promise<void> {
  const now = uow.now.getTime();
  const sinceRaw = typeof job.payload.since === 'string' ? Date.parse(job.payload.since) : NaN;
  const since = Math.max(Number.isNaN(sinceRaw) ? job.dueAt.getTime() - SCAN_INTERVAL_MS : sinceRaw, now - MAX_LOOKBACK_MS);
  if (since < now) {
    const schedules = await uow.db.selectFrom('schedules').selectAll().orderBy('id').execute();
    for (const row of schedules) await scanSchedule(uow, row, since, now);
  }
  await uow.schedule({ kind: HANDOFF_SCAN, key: HANDOFF_SCAN_KEY, dueAt: addMs(uow.now, SCAN_INTERVAL_MS), payload: { since: iso(Math.max(since, now)) } });
}

export async function scanSchedule(uow: Uow, row: SchedulesTable, since: number, until: number): Promise<number> {
  const from = since - SHIFT_LOOKBACK_MS;
  const to = until + 1;
  let entries: FinalEntry[];
  try {
    entries = finalSchedule(await engineSchedule(uow.db, row, from, to), from, to);
  } catch (err) {
    // One schedule the engine cannot compute must not stall handoffs of every other schedule.
    uow.ctx.deps.log.warn({ schedule: row.id, err: err instanceof Error ? err.message : String(err) }, 'handoff scan: schedule skipped');
    return 0;
  }
  let created = 0;
  for (const change of shiftChanges(entries, since, until)) if (await createReport(uow, row, change)) created++;
  return created;
}

/** Creates the report for one change and notifies the incoming person; false if it already exists. */
async function createReport(uow: Uow, row: SchedulesTable, change: ShiftChange): Promise<boolean> {
  const changeAt = iso(change.at);
  const exists = await uow.db.selectFrom('handoff_reports').select('id').where('schedule_id', '=', row.id).where('change_at', '=', changeAt).executeTakeFirst();
  if (exists) return false;
  const id = newId(uow.now.getTime());
  const { body, data } = await buildReport(uow.db, row, change, id);
  const report: ReportRow = {
    id,
    schedule_id: row.id,
    change_at: changeAt,
    shift_start: iso(change.shiftStart),
    from_user_id: change.fromUserId,
    to_user_id: change.toUserId,
    body,
    data: toJson(data),
    created_at: iso(uow.now),
  };
  const inserted = await uow.db.insertInto('handoff_reports').values(report).onConflict((oc) => oc.columns(['schedule_id', 'change_at']).doNothing()).executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
  // The notes this report carries are consumed: the next report starts with a clean slate.
  await uow.db
    .updateTable('handoff_notes')
    .set({ report_id: id })
    .where('schedule_id', '=', row.id)
    .where('report_id', 'is', null)
    .where('created_at', '<=', changeAt)
    .execute();
  await uow.emit('handoff.created', 'schedule', row.id, { report_id: id, change_at: changeAt, from_user_id: change.fromUserId, to_user_id: change.toUserId });
  await notifyUser(uow, {
    userId: change.toUserId,
    urgency: 'low',
    subject: `On-call handoff: ${row.name}`,
    text: body,
    url: `${uow.ctx.deps.config.publicUrl}/api/v1/handoffs/${id}`,
    dedupeKey: `handoff:${id}`,
  });
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Report content

const userLabel = (u: UserRef | undefined | null) => (u ? u.name || u.email : '(nobody)');

async function buildReport(db: Db, row: SchedulesTable, change: ShiftChange, reportId: string) {
  const changeAt = iso(change.at);
  const shiftStart = iso(change.shiftStart);
  const serviceIds = await scheduleServiceIds(db, row);
  const services = serviceIds.length ? await db.selectFrom('services').select(['id', 'name']).where('id', 'in', serviceIds).execute() : [];
  const serviceName = (id: string) => services.find((s) => s.id === id)?.name ?? id;

  const groupCols = ['id', 'service_id', 'status', 'title', 'severity', 'alert_count', 'first_alert_at', 'acknowledged_at', 'acknowledged_by'] as const;
  const active = serviceIds.length
    ? await db.selectFrom('alert_groups').select([...groupCols]).where('service_id', 'in', serviceIds).where('status', '!=', 'resolved').orderBy('first_alert_at', 'desc').orderBy('id').execute()
    : [];
  const lastShift = serviceIds.length
    ? await db.selectFrom('alert_groups').select([...groupCols]).where('service_id', 'in', serviceIds).where('first_alert_at', '>=', shiftStart).where('first_alert_at', '<', changeAt).execute()
    : [];
  const notes = await db
    .selectFrom('handoff_notes')
    .selectAll()
    .where('schedule_id', '=', row.id)
    .where('report_id', 'is', null)
    .where('created_at', '<=', changeAt)
    .orderBy('created_at')
    .orderBy('id')
    .execute();

  const ackerIds = [...active, ...lastShift].map((g) => g.acknowledged_by).filter((a): a is string => !!a && UUID_RE.test(a));
  const users = await userRefs(db, [change.toUserId, ...(change.fromUserId ? [change.fromUserId] : []), ...ackerIds, ...notes.map((n) => n.author_id)]);
  const ackerLabel = (a: string) => (UUID_RE.test(a) ? userLabel(users.get(a)) : a);

  const titleCounts = new Map<string, number>();
  for (const g of lastShift) titleCounts.set(g.title, (titleCounts.get(g.title) ?? 0) + 1);
  const topTitles = [...titleCounts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, TOP_TITLES).map(([title, count]) => ({ title, count }));
  const ackCounts = new Map<string, number>();
  for (const g of lastShift) if (g.acknowledged_by) ackCounts.set(g.acknowledged_by, (ackCounts.get(g.acknowledged_by) ?? 0) + 1);
  const ackedBy = [...ackCounts].sort((a, b) => b[1] - a[1]).map(([by, count]) => ({ by: ackerLabel(by), user_id: UUID_RE.test(by) ? by : null, count }));
  const unacked = lastShift.filter((g) => !g.acknowledged_at).length;

  const extra: HandoffSection[] = [];
  for (const c of contributors) {
    const s = await c({ db, scheduleId: row.id, serviceIds, shiftStart: new Date(change.shiftStart), changeAt: new Date(change.at) });
    if (s) extra.push(s);
  }

  const L: string[] = [];
  L.push('## On-Call Handoff', '');
  L.push(`**Schedule:** ${md(row.name)}  `);
  L.push(`**From:** ${md(userLabel(change.fromUserId ? users.get(change.fromUserId) : null))}  `);
  L.push(`**To:** ${md(userLabel(users.get(change.toUserId)))}  `);
  L.push(`**Date:** ${changeAt}`, '');
  L.push('### Active Issues', '');
  if (active.length === 0) L.push('No open alert groups.');
  for (const g of active.slice(0, ACTIVE_LIMIT)) {
    const state = g.status === 'acknowledged' ? `acknowledged by ${md(g.acknowledged_by ? ackerLabel(g.acknowledged_by) : 'someone')}` : 'triggered, not acknowledged';
    L.push(`- \\[${md(g.severity.toUpperCase())}\\] ${md(serviceName(g.service_id))}: ${md(g.title)} — ${state}; ${g.alert_count} alert(s) since ${g.first_alert_at}`);
  }
  if (active.length > ACTIVE_LIMIT) L.push(`- …and ${active.length - ACTIVE_LIMIT} more`);
  L.push('');
  for (const s of extra) L.push(`### ${md(s.title)}`, '', ...s.lines, '');
  L.push('### Last Shift', '');
  L.push(`${lastShift.length} alert group(s) from ${shiftStart} to ${changeAt}.`);
  if (topTitles.length) {
    L.push('', 'Top titles:');
    for (const t of topTitles) L.push(`- ${md(t.title)} (${t.count})`);
  }
  if (lastShift.length) {
    L.push('', 'Acknowledged by:');
    for (const a of ackedBy) L.push(`- ${md(a.by)}: ${a.count}`);
    if (unacked) L.push(`- not acknowledged: ${unacked}`);
  }
  L.push('');
  L.push('### Notes', '');
  if (notes.length === 0) L.push('No notes were left.');
  for (const n of notes) L.push(`- ${md(userLabel(users.get(n.author_id)))} (${n.created_at}):  \n${mdBlock(n.text, '  ')}`);
  L.push('');

  const data = {
    report_id: reportId,
    active_issues: active.map((g) => ({
      alert_group_id: g.id,
      service: serviceName(g.service_id),
      title: g.title,
      severity: g.severity,
      status: g.status,
      alert_count: g.alert_count,
      first_alert_at: g.first_alert_at,
      acknowledged_by: g.acknowledged_by ? ackerLabel(g.acknowledged_by) : null,
    })),
    last_shift: { from: shiftStart, to: changeAt, alert_groups: lastShift.length, top_titles: topTitles, acknowledged_by: ackedBy, not_acknowledged: unacked },
    notes: notes.map((n) => ({ id: n.id, author: users.get(n.author_id)!, text: n.text, created_at: n.created_at })),
    extra: extra.map((s) => ({ title: s.title, data: s.data })),
  };
  return { body: L.join('\n'), data };
}
