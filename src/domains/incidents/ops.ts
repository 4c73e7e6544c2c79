import type { Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import type { Uow } from '../../core/uow.js';
import { requireAdmin, requireSignedIn } from '../accounts/authz.js';
import { diff, entry } from '../ops/diff.js';
import type { ChangeEntryT } from '../ops/schema.js';
import type { OpsSection } from '../ops/sections.js';
import { findSeverity, severityDto, SeverityCreate, upsertSeverityIn, type SeverityCreateT } from './severities.js';

const FIELDS = ['rank', 'name', 'description', 'examples', 'ack_target_minutes', 'mitigate_target_minutes', 'update_interval_minutes', 'requires_postmortem', 'postmortem_due_business_days'] as const;

/**
 * `incident_severities:` in the apply document: definitions and response targets by key. Severities
 * the document leaves out are kept (incidents refer to them). Ranks may be swapped within one document.
 */
const severitiesSection: OpsSection = {
  key: 'incident_severities',
  item: SeverityCreate,
  keyOf: (item: SeverityCreateT) => item.key.toUpperCase(),
  async apply(uow: Uow, items: SeverityCreateT[]): Promise<ChangeEntryT[]> {
    const plans = [];
    for (const item of items) {
      const existing = await findSeverity(uow.db, item.key);
      const current = existing ? (severityDto(existing) as unknown as Record<string, unknown>) : {};
      const desired = Object.fromEntries(FIELDS.map((f) => [f, item[f]]));
      const changes = existing ? diff(current, desired) : {};
      plans.push({ item, existing, changes });
    }
    if (plans.some((p) => !p.existing || Object.keys(p.changes).length)) requireAdmin(uow.ctx.actor);
    // Park changing ranks out of the way first, so a document may swap two ranks.
    let parked = 0;
    for (const p of plans) {
      if (p.existing && 'rank' in p.changes) {
        await uow.db.updateTable('incident_severities').set({ rank: -1000 - parked++ }).where('key', '=', p.existing.key).execute();
      }
    }
    const out: ChangeEntryT[] = [];
    for (const p of plans) {
      if (!p.existing || Object.keys(p.changes).length) {
        try {
          await upsertSeverityIn(uow, p.item.key, p.item);
        } catch (err) {
          if (err instanceof Error && 'status' in err && (err as { status: number }).status === 409) {
            throw errors.conflict(`incident_severities ${p.item.key}: ${err.message}`);
          }
          throw err;
        }
      }
      out.push(entry('severity', p.item.key.toUpperCase(), !!p.existing, p.changes));
    }
    return out;
  },
  async export(ctx: Ctx): Promise<unknown[]> {
    requireSignedIn(ctx.actor);
    const rows = await ctx.deps.db.selectFrom('incident_severities').selectAll().orderBy('rank').execute();
    return rows.map((r) => {
      const d = severityDto(r);
      return { key: d.key, ...Object.fromEntries(FIELDS.map((f) => [f, d[f]])) };
    });
  },
};

/** This module's sections of the `ballast apply` document. */
export const incidentOpsSections: OpsSection[] = [severitiesSection];
