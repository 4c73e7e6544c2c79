import { cancelJobs } from '../../engine/jobs.js';
import { iso } from '../../core/time.js';
import type { Uow } from '../../core/uow.js';
import { notifyUser } from '../notify/notify.js';
import { incidentRef } from './access.js';
import { overdueAt } from './calendar.js';
import { OPEN_AI_STATUSES } from './model.js';
import type { PostmortemTables } from './tables.js';

type PmRow = PostmortemTables['postmortems'];
type ItemRow = PostmortemTables['action_items'];

export const PM_OVERDUE = 'postmortem.overdue';
export const AI_OVERDUE = 'action_item.overdue';
export const SWEEP = 'postmortems.sweep';
export const SWEEP_KEY = 'postmortems.sweep';
export const SWEEP_INTERVAL_MS = 24 * 3_600_000;

const pmKey = (id: string) => `${PM_OVERDUE}:${id}`;
const aiKey = (id: string) => `${AI_OVERDUE}:${id}`;

/** (Re-)arms the postmortem's overdue timer for its current due time; none once published or without a due time. */
export async function armPostmortemTimer(uow: Uow, pm: Pick<PmRow, 'id' | 'status' | 'due_at'>): Promise<void> {
  await cancelJobs(uow.db, uow.now, [pmKey(pm.id)]);
  if (pm.status === 'published' || !pm.due_at) return;
  await uow.schedule({ kind: PM_OVERDUE, key: pmKey(pm.id), dueAt: new Date(pm.due_at), payload: { postmortem_id: pm.id, due_at: pm.due_at } });
}

/** (Re-)arms the item's timer for its current due date; none when done, won't do, or without a date. */
export async function armActionItemTimer(uow: Uow, item: Pick<ItemRow, 'id' | 'status' | 'due_date'>): Promise<void> {
  await cancelJobs(uow.db, uow.now, [aiKey(item.id)]);
  if (!OPEN_AI_STATUSES.includes(item.status) || !item.due_date) return;
  await uow.schedule({ kind: AI_OVERDUE, key: aiKey(item.id), dueAt: overdueAt(item.due_date), payload: { action_item_id: item.id, due_date: item.due_date } });
}

/** The people a late postmortem is chased with: the incident commander (current) and the author. */
async function postmortemOwners(uow: Uow, pm: PmRow): Promise<string[]> {
  const commander = await uow.db
    .selectFrom('incident_roles')
    .select('user_id')
    .where('incident_id', '=', pm.incident_id)
    .where('role', '=', 'commander')
    .where('ended_at', 'is', null)
    .orderBy('assigned_at', 'desc')
    .executeTakeFirst();
  const ids = new Set<string>();
  if (commander) ids.add(commander.user_id);
  if (pm.author_id) ids.add(pm.author_id);
  if (ids.size === 0) {
    const inc = await uow.db.selectFrom('incidents').select('declared_by').where('id', '=', pm.incident_id).executeTakeFirst();
    if (inc?.declared_by) ids.add(inc.declared_by);
  }
  return [...ids];
}

/** Reminds once per postmortem when it is past due and still unpublished. Returns whether it reminded. */
export async function remindPostmortemIfOverdue(uow: Uow, id: string): Promise<boolean> {
  const pm = await uow.db.selectFrom('postmortems').selectAll().where('id', '=', id).executeTakeFirst();
  if (!pm || pm.status === 'published' || !pm.due_at || pm.reminded_at || pm.due_at > iso(uow.now)) return false;
  const inc = await uow.db.selectFrom('incidents').select(['number', 'title']).where('id', '=', pm.incident_id).executeTakeFirstOrThrow();
  const ref = incidentRef(inc.number);
  for (const userId of await postmortemOwners(uow, pm)) {
    await notifyUser(uow, {
      userId,
      urgency: 'low',
      subject: `Postmortem overdue: ${ref} ${inc.title}`.slice(0, 200),
      text: `The postmortem for ${ref} was due ${pm.due_at} and is still ${pm.status.replace('_', ' ')}.`,
      url: `/postmortems/${pm.id}`,
      incidentId: pm.incident_id,
      dedupeKey: `postmortem:${pm.id}:overdue`,
    });
  }
  await uow.db.updateTable('postmortems').set({ reminded_at: iso(uow.now) }).where('id', '=', pm.id).execute();
  await uow.emit('postmortem.overdue', 'postmortem', pm.id, { incident_id: pm.incident_id, due_at: pm.due_at });
  return true;
}

/** Reminds an item's owner once per due date when it is past due and still open. */
export async function remindActionItemIfOverdue(uow: Uow, id: string): Promise<boolean> {
  const item = await uow.db.selectFrom('action_items').selectAll().where('id', '=', id).executeTakeFirst();
  if (!item || !OPEN_AI_STATUSES.includes(item.status) || !item.due_date || !item.owner_id) return false;
  if (item.reminded_due_date === item.due_date || overdueAt(item.due_date) > uow.now) return false;
  const inc = await uow.db.selectFrom('incidents').select(['number']).where('id', '=', item.incident_id).executeTakeFirstOrThrow();
  await notifyUser(uow, {
    userId: item.owner_id,
    urgency: 'low',
    subject: `Action item overdue: ${item.title}`.slice(0, 200),
    text: `"${item.title}" (${item.priority}, from ${incidentRef(inc.number)}) was due ${item.due_date} and is still ${item.status.replace('_', ' ')}.`,
    url: `/postmortems/action-items?incident=${incidentRef(inc.number)}`,
    incidentId: item.incident_id,
    dedupeKey: `action_item:${item.id}:due:${item.due_date}`,
  });
  await uow.db.updateTable('action_items').set({ reminded_due_date: item.due_date }).where('id', '=', item.id).execute();
  await uow.emit('action_item.overdue', 'action_item', item.id, { incident_id: item.incident_id, owner_id: item.owner_id, due_date: item.due_date });
  return true;
}

/** Daily safety net: anything overdue whose timer was lost (restored backup, job died) still gets its one reminder. */
export async function sweepOverdue(uow: Uow): Promise<number> {
  const now = iso(uow.now);
  let n = 0;
  const pms = await uow.db.selectFrom('postmortems').select('id').where('status', '!=', 'published').where('reminded_at', 'is', null).where('due_at', '<=', now).execute();
  for (const p of pms) if (await remindPostmortemIfOverdue(uow, p.id)) n++;
  const today = now.slice(0, 10);
  const items = await uow.db
    .selectFrom('action_items')
    .select('id')
    .where('status', 'in', OPEN_AI_STATUSES)
    .where('owner_id', 'is not', null)
    .where('due_date', '<', today)
    .where((eb) => eb.or([eb('reminded_due_date', 'is', null), eb('reminded_due_date', '!=', eb.ref('due_date'))]))
    .execute();
  for (const i of items) if (await remindActionItemIfOverdue(uow, i.id)) n++;
  return n;
}
