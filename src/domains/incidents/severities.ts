import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { fieldError } from './access.js';
import { Nullable, Timestamp } from '../../core/schemas.js';
import { iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import { validate } from '../../core/validate.js';
import type { Database } from '../../db/schema.js';
import { requireAdmin, requireSignedIn } from '../accounts/authz.js';
import type { IncidentTables } from './tables.js';

type Db = Kysely<Database>;
type Row = IncidentTables['incident_severities'];

const Minutes = Type.Integer({ minimum: 1, maximum: 525_600 });
const Fields = {
  rank: Type.Integer({ minimum: 1, maximum: 99, description: '1 = most severe; unique' }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  description: Type.String({ maxLength: 2000, description: 'Definition (impact criteria)' }),
  examples: Type.String({ maxLength: 2000 }),
  ack_target_minutes: Type.Integer({ minimum: 1, maximum: 525_600, description: 'Response time target: time to acknowledge' }),
  mitigate_target_minutes: Nullable(Minutes),
  update_interval_minutes: Nullable(Minutes),
  requires_postmortem: Type.Boolean(),
  postmortem_due_business_days: Type.Integer({ minimum: 0, maximum: 365 }),
};
const Key = Type.String({ pattern: '^[A-Za-z0-9_-]{1,20}$' });

export const SeverityCreate = Type.Object(
  {
    key: Key,
    rank: Fields.rank,
    name: Fields.name,
    description: Type.Optional(Fields.description),
    examples: Type.Optional(Fields.examples),
    ack_target_minutes: Fields.ack_target_minutes,
    mitigate_target_minutes: Type.Optional(Fields.mitigate_target_minutes),
    update_interval_minutes: Type.Optional(Fields.update_interval_minutes),
    requires_postmortem: Type.Optional(Fields.requires_postmortem),
    postmortem_due_business_days: Type.Optional(Fields.postmortem_due_business_days),
  },
  { additionalProperties: false },
);
export const SeverityUpdate = Type.Partial(Type.Omit(SeverityCreate, ['key']), { additionalProperties: false });
export type SeverityCreateT = Static<typeof SeverityCreate>;

export const Severity = Type.Object({
  key: Type.String(),
  rank: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  examples: Type.String(),
  ack_target_minutes: Type.Integer(),
  mitigate_target_minutes: Nullable(Type.Integer()),
  update_interval_minutes: Nullable(Type.Integer()),
  requires_postmortem: Type.Boolean(),
  postmortem_due_business_days: Type.Integer(),
  updated_at: Timestamp,
});
export type SeverityDto = Static<typeof Severity>;

export function severityDto(r: Row): SeverityDto {
  return {
    key: r.key,
    rank: r.rank,
    name: r.name,
    description: r.description,
    examples: r.examples,
    ack_target_minutes: r.ack_target_minutes,
    mitigate_target_minutes: r.mitigate_target_minutes,
    update_interval_minutes: r.update_interval_minutes,
    requires_postmortem: !!r.requires_postmortem,
    postmortem_due_business_days: r.postmortem_due_business_days,
    updated_at: r.updated_at,
  };
}

export async function findSeverity(db: Db, key: string): Promise<Row | undefined> {
  return db.selectFrom('incident_severities').selectAll().where('key', '=', key.toUpperCase()).executeTakeFirst();
}

/** For inputs: an unknown severity is a 400 on the named field. */
export async function requireSeverity(db: Db, key: string, path = '/severity'): Promise<Row> {
  const row = await findSeverity(db, key);
  if (!row) {
    const keys = (await db.selectFrom('incident_severities').select('key').orderBy('rank').execute()).map((r) => r.key);
    throw fieldError(path, `Unknown severity '${key}' (one of ${keys.join(', ')})`);
  }
  return row;
}

export async function listSeverities(ctx: Ctx): Promise<{ data: SeverityDto[] }> {
  requireSignedIn(ctx.actor);
  const rows = await ctx.deps.db.selectFrom('incident_severities').selectAll().orderBy('rank').execute();
  return { data: rows.map(severityDto) };
}

export async function getSeverity(ctx: Ctx, key: string): Promise<SeverityDto> {
  requireSignedIn(ctx.actor);
  const row = await findSeverity(ctx.deps.db, key);
  if (!row) throw errors.notFound('Severity', key);
  return severityDto(row);
}

async function rankClash(uow: Uow, rank: number | undefined, key: string): Promise<void> {
  if (rank === undefined) return;
  const other = await uow.db.selectFrom('incident_severities').select('key').where('rank', '=', rank).where('key', '<>', key).executeTakeFirst();
  if (other) throw errors.conflict(`Rank ${rank} is already used by ${other.key}`, { field: '/rank' });
}

/** Creates or updates by key inside the caller's transaction (API and `ballast apply`). Returns before/after. */
export async function upsertSeverityIn(uow: Uow, key: string, data: Partial<SeverityCreateT>): Promise<{ before: SeverityDto | null; after: SeverityDto }> {
  const k = key.toUpperCase();
  const existing = await findSeverity(uow.db, k);
  await rankClash(uow, data.rank, k);
  const now = iso(uow.now);
  const set = {
    ...(data.rank !== undefined ? { rank: data.rank } : {}),
    ...(data.name !== undefined ? { name: data.name } : {}),
    ...(data.description !== undefined ? { description: data.description } : {}),
    ...(data.examples !== undefined ? { examples: data.examples } : {}),
    ...(data.ack_target_minutes !== undefined ? { ack_target_minutes: data.ack_target_minutes } : {}),
    ...(data.mitigate_target_minutes !== undefined ? { mitigate_target_minutes: data.mitigate_target_minutes } : {}),
    ...(data.update_interval_minutes !== undefined ? { update_interval_minutes: data.update_interval_minutes } : {}),
    ...(data.requires_postmortem !== undefined ? { requires_postmortem: data.requires_postmortem ? 1 : 0 } : {}),
    ...(data.postmortem_due_business_days !== undefined ? { postmortem_due_business_days: data.postmortem_due_business_days } : {}),
  };
  if (existing) {
    await uow.db.updateTable('incident_severities').set({ ...set, updated_at: now }).where('key', '=', k).execute();
  } else {
    if (data.rank === undefined || data.name === undefined || data.ack_target_minutes === undefined) {
      throw fieldError('/rank', 'A new severity needs rank, name and ack_target_minutes');
    }
    await uow.db
      .insertInto('incident_severities')
      .values({
        key: k,
        rank: data.rank,
        name: data.name,
        description: data.description ?? '',
        examples: data.examples ?? '',
        ack_target_minutes: data.ack_target_minutes,
        mitigate_target_minutes: data.mitigate_target_minutes ?? null,
        update_interval_minutes: data.update_interval_minutes ?? null,
        requires_postmortem: data.requires_postmortem ? 1 : 0,
        postmortem_due_business_days: data.postmortem_due_business_days ?? 5,
        updated_at: now,
      })
      .execute();
  }
  const after = severityDto((await findSeverity(uow.db, k))!);
  const before = existing ? severityDto(existing) : null;
  await uow.audit({ action: existing ? 'incident_severity.update' : 'incident_severity.create', targetType: 'incident_severity', targetId: k, before, after });
  await uow.emit('incident_severity.changed', 'incident_severity', k, {});
  return { before, after };
}

export async function createSeverity(ctx: Ctx, input: unknown): Promise<SeverityDto> {
  const data = validate(SeverityCreate, input);
  requireAdmin(ctx.actor);
  return transaction(ctx, async (uow) => {
    if (await findSeverity(uow.db, data.key)) throw errors.conflict(`Severity ${data.key.toUpperCase()} already exists`);
    return (await upsertSeverityIn(uow, data.key, data)).after;
  });
}

export async function updateSeverity(ctx: Ctx, key: string, input: unknown): Promise<SeverityDto> {
  const data = validate(SeverityUpdate, input);
  requireAdmin(ctx.actor);
  return transaction(ctx, async (uow) => {
    if (!(await findSeverity(uow.db, key))) throw errors.notFound('Severity', key);
    return (await upsertSeverityIn(uow, key, data)).after;
  });
}

export async function deleteSeverity(ctx: Ctx, key: string): Promise<void> {
  requireAdmin(ctx.actor);
  await transaction(ctx, async (uow) => {
    const row = await findSeverity(uow.db, key);
    if (!row) throw errors.notFound('Severity', key);
    const used = await uow.db.selectFrom('incidents').select('id').where('severity', '=', row.key).executeTakeFirst();
    if (used) throw errors.conflict(`Severity ${row.key} is used by incidents; it cannot be deleted`);
    await uow.db.deleteFrom('incident_severities').where('key', '=', row.key).execute();
    await uow.audit({ action: 'incident_severity.delete', targetType: 'incident_severity', targetId: row.key, before: severityDto(row) });
  });
}
