import type { Kysely } from 'kysely';
import { actorLabel } from '../../../core/actor.js';
import type { Ctx } from '../../../core/context.js';
import { errors } from '../../../core/errors.js';
import { fromJson, toJson } from '../../../core/json.js';
import { iso } from '../../../core/time.js';
import { transaction } from '../../../core/uow.js';
import type { Database } from '../../../db/schema.js';
import { requireSignedIn } from '../../accounts/authz.js';
import { canEditForTeams, requireIncidentEditor } from '../../incidents/access.js';
import { addTimelineEntry } from '../../incidents/timeline.js';
import { notifyUser } from '../../notify/notify.js';
import type { Level } from '../../oncall/escalation/policies.js';
import { usersOnCall } from '../../oncall/schedules/services.js';
import type { TreeNodeT } from './model.js';
import { getWalkIn, mustFindWalk, type EscalationRecord, type PathStep, type WalkDto } from './walks.js';

type Db = Kysely<Database>;

/**
 * Who to page for a team: level 1 of the escalation policies of the team's services (its users and
 * whoever is on call now on its schedules), as the escalation runner would page for an alert there;
 * when that finds nobody, the team's managers.
 */
export async function escalationTargets(db: Db, teamId: string, at: Date): Promise<{ users: string[]; via: EscalationRecord['via']; policies: string[] }> {
  const policies = await db
    .selectFrom('escalation_policies as p')
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('service_escalation_policies as sp')
          .innerJoin('services as s', 's.id', 'sp.service_id')
          .select('sp.policy_id')
          .whereRef('sp.policy_id', '=', 'p.id')
          .where('s.team_id', '=', teamId),
      ),
    )
    .select(['p.slug', 'p.levels'])
    .orderBy('p.slug')
    .execute();
  const users = new Set<string>();
  for (const p of policies) {
    const first = fromJson<Level[]>(p.levels, [])[0];
    for (const t of first?.targets ?? []) {
      if (t.type === 'user') users.add(t.id);
      else for (const u of await usersOnCall(db, t.id, at).catch(() => [])) users.add(u.id);
    }
  }
  if (users.size) return { users: [...users], via: 'escalation_policy', policies: policies.map((p) => p.slug) };
  const managers = await db.selectFrom('team_members').select('user_id').where('team_id', '=', teamId).where('role', '=', 'manager').orderBy('user_id').execute();
  return { users: managers.map((m) => m.user_id), via: 'team_managers', policies: [] };
}

/**
 * Performs an escalate leaf: pages the team once per walk through each person's notification rules,
 * records who was paged on the walk and on the incident timeline. Paging needs the responder role
 * somewhere (or the incident's editor role when the walk is on an incident).
 */
export async function escalateWalk(ctx: Ctx, id: string): Promise<WalkDto> {
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const row = await mustFindWalk(uow.db, id);
    if (row.incident_id) await requireIncidentEditor(uow.db, ctx.actor, row.incident_id);
    else if (!(await canEditForTeams(uow.db, ctx.actor, []))) throw errors.forbidden("Paging a team needs the 'responder' role on a team");
    const nodes = fromJson<TreeNodeT[]>(row.nodes, []);
    const leaf = nodes.find((n) => n.id === row.current_node)!;
    if (row.status !== 'completed' || leaf.action?.type !== 'escalate') throw errors.conflict('The walk has not reached an escalate action', { status: row.status });
    if (row.escalation) throw errors.conflict('This walk already paged the team', { escalation: fromJson(row.escalation, null) });
    const action = leaf.action;
    const team = await uow.db.selectFrom('teams').select(['id', 'slug', 'name']).where('slug', '=', action.team).executeTakeFirst();
    if (!team) throw errors.conflict(`Team '${action.team}' no longer exists`);
    const targets = await escalationTargets(uow.db, team.id, uow.now);
    if (!targets.users.length) throw errors.conflict(`Nobody to page for team '${team.slug}': no one is on call at level 1 of its services' policies and it has no managers`);
    const path = fromJson<PathStep[]>(row.path, []);
    const incident = row.incident_id ? await uow.db.selectFrom('incidents').select(['number', 'title']).where('id', '=', row.incident_id).executeTakeFirst() : undefined;
    const base = uow.ctx.deps.config.publicUrl;
    const treeSlug = (await uow.db.selectFrom('decision_trees').select('slug').where('id', '=', row.tree_id).executeTakeFirst())?.slug ?? '';
    const subject = `[Escalation] ${incident ? `INC-${incident.number} ` : ''}${row.title}`;
    const text = [
      `${actorLabel(ctx.actor)} escalated to ${team.name} while troubleshooting “${row.title}”.`,
      action.message ? `\n${action.message}` : '',
      path.length ? `\nPath: ${path.map((p) => `${p.question} → ${p.answer}`).join('; ')}` : '',
      incident ? `\nIncident: INC-${incident.number} ${incident.title}` : '',
    ].join('');
    const named = await uow.db.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', targets.users).execute();
    for (const userId of targets.users) {
      await notifyUser(uow, {
        userId,
        urgency: 'high',
        subject,
        text,
        url: incident ? `${base}/incidents/INC-${incident.number}` : `${base}/runbooks/trees/${encodeURIComponent(treeSlug)}?walk=${row.id}`,
        ...(row.incident_id ? { incidentId: row.incident_id } : {}),
        dedupeKey: `tree_walk:${row.id}:escalate:${userId}`,
      });
    }
    const record: EscalationRecord = {
      at: iso(uow.now),
      by: actorLabel(ctx.actor),
      team: team.slug,
      via: targets.via,
      policies: targets.policies,
      notified: targets.users.map((u) => {
        const n = named.find((x) => x.id === u);
        return { id: u, name: n ? n.name || n.email : u };
      }),
    };
    await uow.db.updateTable('decision_tree_walks').set({ escalation: toJson(record), updated_at: iso(uow.now) }).where('id', '=', row.id).execute();
    await uow.audit({ action: 'decision_tree_walk.escalate', targetType: 'decision_tree_walk', targetId: row.id, after: record });
    await uow.emit('decision_tree_walk.escalated', 'decision_tree_walk', row.id, { team_id: team.id, users: targets.users, incident_id: row.incident_id });
    if (row.incident_id) {
      await addTimelineEntry(uow, row.incident_id, {
        kind: 'escalated',
        summary: `Escalated to ${team.name} from troubleshooting tree “${row.title}”: paged ${record.notified.map((n) => n.name).join(', ')}`,
        data: { walk_id: row.id, team: team.slug, via: record.via, users: targets.users },
        keyEvent: true,
        subject: { type: 'decision_tree_walk', id: row.id },
      });
    }
    return getWalkIn(uow.db, row.id);
  });
}
