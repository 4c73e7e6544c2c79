import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { Id, Nullable, Timestamp } from '../../core/schemas.js';
import type { Database } from '../../db/schema.js';
import { incidentRef, type IncidentRow } from './access.js';

type Db = Kysely<Database>;

export const PM_STATUSES = ['draft', 'in_review', 'published'] as const;
export type PmStatus = (typeof PM_STATUSES)[number];
export const AI_STATUSES = ['open', 'in_progress', 'done', 'wont_do'] as const;
export const OPEN_AI_STATUSES = ['open', 'in_progress'];
/** P1 is the most urgent, the same way SEV1 is the most severe. */
export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;

export const UserRef = Type.Object({ id: Id, email: Type.String(), name: Type.String() });
export type UserRefT = Static<typeof UserRef>;
export const IncidentRef = Type.Object({
  id: Id,
  number: Type.Integer(),
  ref: Type.String({ description: 'INC-<n>' }),
  title: Type.String(),
  severity: Type.String(),
  status: Type.String(),
  declared_at: Timestamp,
  resolved_at: Nullable(Timestamp),
});
export type IncidentRefT = Static<typeof IncidentRef>;

export const toIncidentRef = (i: IncidentRow): IncidentRefT => ({
  id: i.id,
  number: i.number,
  ref: incidentRef(i.number),
  title: i.title,
  severity: i.severity,
  status: i.status,
  declared_at: i.declared_at,
  resolved_at: i.resolved_at,
});

export async function userRefs(db: Db, ids: Iterable<string | null>): Promise<Map<string, UserRefT>> {
  const list = [...new Set([...ids].filter((x): x is string => !!x))];
  const out = new Map<string, UserRefT>();
  if (!list.length) return out;
  for (const r of await db.selectFrom('users').select(['id', 'email', 'name']).where('id', 'in', list).execute()) out.set(r.id, r);
  return out;
}

export async function incidentRefs(db: Db, ids: Iterable<string>): Promise<Map<string, IncidentRefT>> {
  const list = [...new Set(ids)];
  const out = new Map<string, IncidentRefT>();
  if (!list.length) return out;
  for (const r of await db.selectFrom('incidents').selectAll().where('id', 'in', list).execute()) out.set(r.id, toIncidentRef(r));
  return out;
}
