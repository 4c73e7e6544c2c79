import { whereIn } from '../../../db/bulk.js';
import { cancelNotifications, notifyUsers, type NotifySpec } from '../../notify/notify.js';
import { runbookLinksForGroups } from '../../runbooks/lookup.js';
import type { Pager } from './runner.js';

/** Escalation pages through each user's own notification rules and contact methods. */
export const notificationPager: Pager = {
  async pageMany(uow, pages) {
    if (pages.length === 0) return;
    const groups = await whereIn(pages.map((p) => p.groupId), (part) =>
      uow.db
        .selectFrom('alert_groups as g')
        .innerJoin('services as s', 's.id', 'g.service_id')
        .select(['g.id', 'g.service_id', 'g.title', 'g.severity', 'g.urgency', 'g.alert_count', 's.name as service'])
        .where('g.id', 'in', part)
        .execute(),
    );
    const byId = new Map(groups.map((g) => [g.id, g]));
    const base = uow.ctx.deps.config.publicUrl;
    const runbooks = await runbookLinksForGroups(uow.db, groups, base);
    const specs = pages.flatMap((p): NotifySpec[] => {
      const group = byId.get(p.groupId);
      if (!group) return [];
      const links = runbooks.get(p.groupId) ?? [];
      return [
        {
          userId: p.userId,
          urgency: group.urgency === 'high' ? 'high' : 'low',
          subject: `[${group.severity.toUpperCase()}] ${group.service}: ${group.title}`,
          text: `${group.title}\nService: ${group.service}\nAlerts in group: ${group.alert_count}\nEscalation level ${p.level + 1}${p.loop ? ` (repeat ${p.loop})` : ''}${links.map((u) => `\nRunbook: ${u}`).join('')}`,
          url: `${base}/alerts?group=${p.groupId}`,
          alertGroupId: p.groupId,
          dedupeKey: `alert_group:${p.groupId}:g${p.generation}:r${p.loop}:l${p.level}:${p.userId}`,
        },
      ];
    });
    await notifyUsers(uow, specs);
  },
  async cancel(uow, groupId) {
    await cancelNotifications(uow, { alertGroupId: groupId });
  },
};
