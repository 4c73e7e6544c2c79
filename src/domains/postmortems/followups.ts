import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Ctx } from '../../core/context.js';
import type { Uow } from '../../core/uow.js';
import type { Database } from '../../db/schema.js';
import { addTimelineEntry } from '../incidents/timeline.js';
import { incidentRef, incidentServiceIds, mustFindIncident, requireIncidentViewer, type IncidentRow } from './access.js';
import { ActionItem, toActionItemDtos } from './actionItems.js';
import { Nullable } from '../../core/schemas.js';
import { OPEN_AI_STATUSES } from './model.js';
import { PostmortemSummary, getPostmortem } from './postmortems.js';
import { inline } from './template.js';

type Db = Kysely<Database>;

export const FollowUps = Type.Object({
  postmortem: Nullable(PostmortemSummary),
  recurring: Type.Array(ActionItem, { description: "Open action items from earlier incidents on this incident's services" }),
});

/** Open action items of incidents declared before this one on any of its services ("we said we'd fix this"). */
export async function recurringItems(db: Db, incident: IncidentRow) {
  const services = await incidentServiceIds(db, incident.id);
  if (!services.length) return [];
  return db
    .selectFrom('action_items')
    .innerJoin('incidents', 'incidents.id', 'action_items.incident_id')
    .selectAll('action_items')
    .where('action_items.status', 'in', OPEN_AI_STATUSES)
    .where('action_items.incident_id', '!=', incident.id)
    .where('incidents.declared_at', '<=', incident.declared_at)
    .where('action_items.incident_id', 'in', (eb) => eb.selectFrom('incident_services').select('incident_id').where('service_id', 'in', services))
    .orderBy('action_items.id')
    .limit(100)
    .execute();
}

export async function getFollowUps(ctx: Ctx, ref: string) {
  requireIncidentViewer(ctx.actor);
  const { db } = ctx.deps;
  const incident = await mustFindIncident(db, ref);
  const pm = await db.selectFrom('postmortems').select('id').where('incident_id', '=', incident.id).executeTakeFirst();
  let postmortem = null;
  if (pm) {
    const { sections: _s, reviewers: _r, action_items: _a, comment_count: _c, can_edit: _e, ...summary } = await getPostmortem(ctx, pm.id);
    postmortem = summary;
  }
  return { postmortem, recurring: await toActionItemDtos(ctx, db, await recurringItems(db, incident)) };
}

/** `incident.declared`: put the unfinished promises of earlier incidents on the new incident's timeline. */
export async function onIncidentDeclared(uow: Uow, incidentId: string): Promise<void> {
  const incident = await uow.db.selectFrom('incidents').selectAll().where('id', '=', incidentId).executeTakeFirst();
  if (!incident) return;
  const items = await recurringItems(uow.db, incident);
  if (!items.length) return;
  const incs = new Map((await uow.db.selectFrom('incidents').select(['id', 'number']).where('id', 'in', [...new Set(items.map((i) => i.incident_id))]).execute()).map((r) => [r.id, r.number]));
  const lines = items.slice(0, 20).map((i) => `- ${inline(i.title)} (${i.priority}, ${i.status.replace('_', ' ')}${i.due_date ? `, due ${i.due_date}` : ''}) from ${incidentRef(incs.get(i.incident_id) ?? 0)}`);
  if (items.length > 20) lines.push(`- … and ${items.length - 20} more`);
  await addTimelineEntry(uow, incident.id, {
    kind: 'recurrence',
    summary: `${items.length} open action item${items.length === 1 ? '' : 's'} from earlier incidents on these services (we said we'd fix this)`,
    body: lines.join('\n'),
    data: { action_item_ids: items.map((i) => i.id) },
    at: incident.declared_at,
  });
}
