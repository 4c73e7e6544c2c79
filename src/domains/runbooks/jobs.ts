import { SYSTEM } from '../../core/actor.js';
import type { AppDeps } from '../../core/context.js';
import type { EventBus } from '../../core/events.js';
import { addMs, iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import type { Engine } from '../../engine/engine.js';
import { notifyUser } from '../notify/notify.js';
import { runbookUrl } from './repo.js';

export const REVIEW_SWEEP = 'runbooks.review_sweep';
const REVIEW_SWEEP_KEY = 'runbooks.review_sweep';
export const REVIEW_SWEEP_INTERVAL_MS = 24 * 3600_000;

/** Engine job handlers and event subscribers of this module; called once per process by registerJobs (src/jobs.ts). */
export function registerRunbookJobs(engine: Engine, _bus: EventBus): void {
  engine.register(REVIEW_SWEEP, async (uow) => {
    await remindStaleRunbooks(uow);
    await uow.schedule({ kind: REVIEW_SWEEP, key: REVIEW_SWEEP_KEY, dueAt: addMs(uow.now, REVIEW_SWEEP_INTERVAL_MS) });
  });
}

/** Arms the daily review sweep at start (idempotent: the dedupe key keeps one pending sweep). */
export async function armRunbookJobs(deps: AppDeps): Promise<void> {
  await transaction({ deps, actor: SYSTEM }, async (uow) => {
    await uow.schedule({ kind: REVIEW_SWEEP, key: REVIEW_SWEEP_KEY });
  });
}

/**
 * Reminds the owner of each stale runbook once per stale period: the named owner if there is one,
 * otherwise the owning team's managers. `review_reminded_for` remembers the due date reminded about,
 * so marking the runbook reviewed (a new due date) opens the next period.
 */
export async function remindStaleRunbooks(uow: Uow): Promise<number> {
  const now = iso(uow.now);
  const stale = await uow.db
    .selectFrom('runbooks')
    .selectAll()
    .where('review_due_at', '<=', now)
    .where((eb) => eb.or([eb('review_reminded_for', 'is', null), eb('review_reminded_for', '<>', eb.ref('review_due_at'))]))
    .orderBy('review_due_at')
    .limit(500)
    .execute();
  const base = uow.ctx.deps.config.publicUrl;
  for (const r of stale) {
    const users = r.owner_user_id
      ? [r.owner_user_id]
      : (await uow.db.selectFrom('team_members').select('user_id').where('team_id', '=', r.team_id).where('role', '=', 'manager').orderBy('user_id').execute()).map((m) => m.user_id);
    const url = runbookUrl(base, r.slug);
    for (const userId of users) {
      await notifyUser(uow, {
        userId,
        urgency: 'low',
        subject: `Runbook due for review: ${r.title}`,
        text: `The runbook "${r.title}" has not been reviewed in ${r.review_cadence_days} days (due ${r.review_due_at.slice(0, 10)}).\nReview it and mark it reviewed: ${url}`,
        url,
        dedupeKey: `runbook_review:${r.id}:${r.review_due_at}:${userId}`,
      });
    }
    await uow.db.updateTable('runbooks').set({ review_reminded_for: r.review_due_at }).where('id', '=', r.id).execute();
    await uow.emit('runbook.review_due', 'runbook', r.id, { slug: r.slug, due_at: r.review_due_at, reminded: users });
  }
  return stale.length;
}
