import { actorLabel, actorUserId } from '../../core/actor.js';
import { newId } from '../../core/ids.js';
import { toJson } from '../../core/json.js';
import { iso } from '../../core/time.js';
import type { Uow } from '../../core/uow.js';

export interface TimelineEntryInput {
  kind: string;
  /** One line, plain text. */
  summary: string;
  /** Markdown, for notes; rendered sanitized. */
  body?: string;
  data?: Record<string, unknown>;
  /** Defaults to now. */
  at?: Date | string;
  keyEvent?: boolean;
  subject?: { type: string; id: string };
}

/**
 * Appends an entry to an incident's timeline inside the caller's transaction. Other modules (runbook
 * runs, postmortems, pages and acks) call this, so the timeline is one table with one writer. The
 * caller has already authorized its own change; this records it and emits `incident.timeline` for
 * live views.
 */
export async function addTimelineEntry(uow: Uow, incidentId: string, input: TimelineEntryInput): Promise<string> {
  const id = newId();
  const at = input.at === undefined ? iso(uow.now) : typeof input.at === 'string' ? input.at : iso(input.at);
  await uow.db
    .insertInto('incident_timeline')
    .values({
      id,
      incident_id: incidentId,
      at,
      kind: input.kind,
      summary: input.summary.slice(0, 500),
      body: input.body ?? '',
      data: toJson(input.data ?? {}),
      actor_user_id: actorUserId(uow.ctx.actor),
      actor_label: actorLabel(uow.ctx.actor),
      key_event: input.keyEvent ? 1 : 0,
      subject_type: input.subject?.type ?? null,
      subject_id: input.subject?.id ?? null,
      created_at: iso(uow.now),
    })
    .execute();
  await uow.emit('incident.timeline', 'incident', incidentId, { entry_id: id, kind: input.kind });
  return id;
}
