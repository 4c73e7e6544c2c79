import { Type, type Static } from '@sinclair/typebox';
import type { Ctx } from '../../core/context.js';
import { fromJson } from '../../core/json.js';
import { pageRequest, pageResult, type PageResult } from '../../core/pagination.js';
import { Id, Nullable, Timestamp } from '../../core/schemas.js';
import type { AuditLogTable } from '../../db/schema.js';
import { requireAdmin } from '../accounts/authz.js';

export const AuditEntry = Type.Object({
  id: Id,
  at: Timestamp,
  actor: Type.Object({ type: Type.String(), id: Nullable(Type.String()), label: Type.String() }),
  action: Type.String(),
  target_type: Type.String(),
  target_id: Type.String(),
  before: Type.Unknown(),
  after: Type.Unknown(),
  request_id: Nullable(Type.String()),
});
type AuditDto = Static<typeof AuditEntry>;

function toDto(r: AuditLogTable): AuditDto {
  return {
    id: r.id,
    at: r.at,
    actor: { type: r.actor_type, id: r.actor_id, label: r.actor_label },
    action: r.action,
    target_type: r.target_type,
    target_id: r.target_id,
    before: fromJson(r.before, null),
    after: fromJson(r.after, null),
    request_id: r.request_id,
  };
}

export interface AuditQuery {
  limit?: unknown;
  cursor?: unknown;
  target_type?: unknown;
  target_id?: unknown;
  actor_id?: unknown;
  action?: unknown;
}

/** Newest first; the cursor walks backwards through time-ordered ids. */
export async function listAudit(ctx: Ctx, query: AuditQuery): Promise<PageResult<AuditDto>> {
  requireAdmin(ctx.actor);
  const page = pageRequest(query);
  let q = ctx.deps.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
  if (page.after) q = q.where('id', '<', page.after);
  for (const col of ['target_type', 'target_id', 'actor_id', 'action'] as const) {
    const v = query[col];
    if (typeof v === 'string' && v) q = q.where(col, '=', v);
  }
  const rows = await q.execute();
  return pageResult(rows, page, (r) => r.id, toDto);
}
