import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { AppError, errors, type FieldProblem } from '../../../core/errors.js';
import { Description, Email, Name, Slug, TimeZone } from '../../../core/schemas.js';
import type { Uow } from '../../../core/uow.js';
import type { Database } from '../../../db/schema.js';
import { findTeamRow } from '../../accounts/teams.js';
import { RotationSchema, WeeklyWindowSchema } from './schemas.js';
import { createScheduleIn, findScheduleRow, storedLayers, updateScheduleIn, userRefs } from './services.js';

/**
 * The `schedules:` section of the ops document: users by email, `timezone` like users have, e.g.
 *   - slug: payments-primary
 *     team: payments
 *     timezone: Europe/Lisbon
 *     layers:
 *       - rotation: weekly
 *         handoff: "2026-01-05T09:00"
 *         users: [ana@example.com, bo@example.com]
 */
export const OpsScheduleLayer = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200 })),
    rotation: RotationSchema,
    handoff: Type.String({ maxLength: 19 }),
    users: Type.Array(Email, { minItems: 1, maxItems: 200 }),
    restrictions: Type.Optional(Type.Array(WeeklyWindowSchema, { maxItems: 50 })),
  },
  { additionalProperties: false },
);
export const OpsSchedule = Type.Object(
  {
    slug: Slug,
    name: Type.Optional(Name),
    team: Type.Optional(Slug),
    description: Type.Optional(Description),
    timezone: TimeZone,
    layers: Type.Array(OpsScheduleLayer, { maxItems: 50 }),
  },
  { additionalProperties: false },
);
export type OpsScheduleT = Static<typeof OpsSchedule>;
type OpsLayerT = Static<typeof OpsScheduleLayer>;

interface Change {
  kind: 'schedule';
  key: string;
  action: 'created' | 'changed' | 'unchanged';
  changes: Record<string, { from: unknown; to: unknown }>;
}

/** Key-sorted, undefined-free JSON; array order is kept (turn order matters). */
function canonical(v: unknown): string {
  const norm = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(norm)
      : x && typeof x === 'object'
        ? Object.fromEntries(Object.entries(x as Record<string, unknown>).filter(([, y]) => y !== undefined).sort(([a], [b]) => a.localeCompare(b)).map(([k, y]) => [k, norm(y)]))
        : x;
  return JSON.stringify(norm(v));
}

function opsLayer(l: OpsLayerT): OpsLayerT {
  return {
    ...(l.name !== undefined ? { name: l.name } : {}),
    rotation: l.rotation,
    handoff: l.handoff,
    users: l.users.map((u) => u.toLowerCase()),
    ...(l.restrictions?.length ? { restrictions: l.restrictions } : {}),
  };
}

/** A stored schedule in the document's shape. */
async function currentOps(db: Kysely<Database>, slug: string): Promise<OpsScheduleT & { team?: string }> {
  const row = (await findScheduleRow(db, slug))!;
  const layers = storedLayers(row);
  const users = await userRefs(db, layers.flatMap((l) => l.participants));
  const team = row.team_id ? await db.selectFrom('teams').select('slug').where('id', '=', row.team_id).executeTakeFirst() : undefined;
  return {
    slug: row.slug,
    name: row.name,
    ...(team ? { team: team.slug } : {}),
    ...(row.description ? { description: row.description } : {}),
    timezone: row.time_zone,
    layers: layers.map((l) =>
      opsLayer({ name: l.name, rotation: l.rotation as OpsLayerT['rotation'], handoff: l.handoff, users: l.participants.map((id) => users.get(id)!.email || id), restrictions: l.restrictions as OpsLayerT['restrictions'] }),
    ),
  };
}

/** Problems from the schedules service, re-pathed to where they are in the document. */
function inDocument(err: unknown, index: number): unknown {
  if (!(err instanceof AppError) || err.code !== 'validation_failed') return err;
  const fields = ((err.details as { fields?: FieldProblem[] } | null)?.fields ?? []).map((p) => ({
    path: `/document/schedules/${index}${p.path.replace(/\/participants\//, '/users/').replace(/^\/time_zone/, '/timezone')}`,
    message: p.message,
  }));
  return errors.validation(fields, fields[0] ? `Invalid field ${fields[0].path}: ${fields[0].message}` : err.message);
}

/** Creates or updates each schedule; fields the document omits (name, team, description) are left alone. */
export async function applySchedules(uow: Uow, schedules: OpsScheduleT[]): Promise<Change[]> {
  const out: Change[] = [];
  for (const [i, s] of schedules.entries()) {
    if (s.team !== undefined && !(await findTeamRow(uow.db, s.team))) {
      throw errors.validation([{ path: `/document/schedules/${i}/team`, message: `Unknown team '${s.team}'` }], `Unknown team '${s.team}' for schedule '${s.slug}'`);
    }
    const layers = s.layers.map((l) => ({
      ...(l.name !== undefined ? { name: l.name } : {}),
      rotation: l.rotation,
      handoff: l.handoff,
      participants: l.users,
      ...(l.restrictions ? { restrictions: l.restrictions } : {}),
    }));
    try {
      if (!(await findScheduleRow(uow.db, s.slug))) {
        await createScheduleIn(uow, { slug: s.slug, name: s.name ?? s.slug, team: s.team, description: s.description, time_zone: s.timezone, layers });
        out.push({ kind: 'schedule', key: s.slug, action: 'created', changes: {} });
        continue;
      }
      const current = await currentOps(uow.db, s.slug);
      const desired: Record<string, unknown> = { name: s.name, team: s.team, description: s.description, timezone: s.timezone, layers: s.layers.map(opsLayer) };
      const changes: Change['changes'] = {};
      for (const [k, to] of Object.entries(desired)) {
        if (to === undefined) continue;
        const from = (current as Record<string, unknown>)[k];
        if (canonical(from ?? (k === 'description' ? '' : null)) !== canonical(to)) changes[k] = { from: from ?? null, to };
      }
      if (Object.keys(changes).length) {
        await updateScheduleIn(uow, s.slug, {
          ...(changes.name ? { name: s.name } : {}),
          ...(changes.team ? { team: s.team } : {}),
          ...(changes.description ? { description: s.description } : {}),
          ...(changes.timezone ? { time_zone: s.timezone } : {}),
          ...(changes.layers ? { layers } : {}),
        });
      }
      out.push({ kind: 'schedule', key: s.slug, action: Object.keys(changes).length ? 'changed' : 'unchanged', changes });
    } catch (err) {
      throw inDocument(err, i);
    }
  }
  return out;
}

/** Every schedule in the document's shape, by slug. */
export async function exportSchedules(db: Kysely<Database>): Promise<OpsScheduleT[]> {
  const rows = await db.selectFrom('schedules').select('slug').orderBy('slug').execute();
  const out: OpsScheduleT[] = [];
  for (const r of rows) out.push(await currentOps(db, r.slug));
  return out;
}
