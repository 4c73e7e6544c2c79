import { cancelNotifications, notifyUser } from '../../notify/delivery.js';
import { runbookLinksForGroup } from '../../runbooks/lookup.js';
import type { Pager } from './runner.js';

/** Escalation pages through each user's own notification rules and contact methods. */
export const notificationPager: Pager = {
  async page(uow, p) {
    const group = await uow.db
      .selectFrom('alert_groups as g')
      .innerJoin('services as s', 's.id', 'g.service_id')
      .select(['g.title', 'g.severity', 'g.urgency', 'g.alert_count', 's.name as service'])
      .where('g.id', '=', p.groupId)
      .executeTakeFirstOrThrow();
    const base = uow.ctx.deps.config.publicUrl;
    const runbooks = await runbookLinksForGroup(uow.db, p.groupId, base);
    await notifyUser(uow, {
      userId: p.userId,
      urgency: group.urgency === 'high' ? 'high' : 'low',
      subject: `[${group.severity.toUpperCase()}] ${group.service}: ${group.title}`,
      text: `${group.title}\nService: ${group.service}\nAlerts in group: ${group.alert_count}\nEscalation level ${p.level + 1}${p.loop ? ` (repeat ${p.loop})` : ''}${runbooks.map((u) => `\nRunbook: ${u}`).join('')}`,
      url: `${base}/alerts?group=${p.groupId}`,
      alertGroupId: p.groupId,
      dedupeKey: `alert_group:${p.groupId}:g${p.generation}:r${p.loop}:l${p.level}:${p.userId}`,
    });
  },
  async cancel(uow, groupId) {
    await cancelNotifications(uow, { alertGroupId: groupId });
  },
};
