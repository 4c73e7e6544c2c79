import { Type, type Static } from '@sinclair/typebox';
import type { Ctx } from '../../../core/context.js';
import { errors } from '../../../core/errors.js';
import { fromJson } from '../../../core/json.js';
import { Id, Nullable, Timestamp } from '../../../core/schemas.js';
import { iso } from '../../../core/time.js';
import { requireSignedIn } from '../../accounts/authz.js';
import { incidentRef, mustFindIncident, requireIncidentViewer } from './access.js';
import { incidentServices } from './variables.js';

export const DEFAULT_LOOKBACK_HOURS = 6;
export const MAX_LOOKBACK_HOURS = 72;
const LIMIT = 200;

const ServiceRef = Type.Object({ id: Id, slug: Type.String(), name: Type.String() });

/**
 * One suspect change. `kind` says where it comes from: 'change_event' (PagerDuty Change Events) today;
 * the changes module adds 'change_request' items in the same shape.
 */
export const Suspect = Type.Object({
  kind: Type.String({ description: "'change_event' (more kinds later, e.g. 'change_request')" }),
  id: Type.String(),
  service: ServiceRef,
  /** Changed service is a direct dependency of an affected service rather than affected itself. */
  via_dependency: Type.Boolean(),
  /** The affected services that depend on it (when via_dependency). */
  dependents: Type.Array(ServiceRef),
  summary: Type.String(),
  source: Nullable(Type.String()),
  occurred_at: Timestamp,
  minutes_before: Type.Integer({ description: 'Minutes between the change and the declaration' }),
  links: Type.Array(Type.Object({ href: Type.String(), text: Type.Optional(Type.String()) })),
});
export type SuspectDto = Static<typeof Suspect>;

export const Suspects = Type.Object({
  incident: Type.Object({ id: Id, ref: Type.String(), declared_at: Timestamp }),
  window: Type.Object({ from: Timestamp, to: Timestamp, hours: Type.Number() }),
  services: Type.Array(Type.Intersect([ServiceRef, Type.Object({ via_dependency: Type.Boolean() })])),
  data: Type.Array(Suspect, { description: 'Newest first' }),
});

export const SuspectsQuery = Type.Object({ hours: Type.Optional(Type.String({ maxLength: 10 })) }, { additionalProperties: true });

function lookbackHours(raw: unknown): number {
  if (raw === undefined || raw === '') return DEFAULT_LOOKBACK_HOURS;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isFinite(n) || n <= 0 || n > MAX_LOOKBACK_HOURS) {
    throw errors.validation([{ path: '/hours', message: `Expected a number of hours above 0 and at most ${MAX_LOOKBACK_HOURS}` }]);
  }
  return n;
}

const safeLinks = (raw: string) =>
  fromJson<unknown[]>(raw, [])
    .filter((l): l is { href: string; text?: unknown } => !!l && typeof l === 'object' && typeof (l as { href?: unknown }).href === 'string')
    // Only web links are passed on: the UI renders them as hrefs.
    .filter((l) => /^https?:\/\//i.test(l.href))
    .map((l) => ({ href: l.href, ...(typeof l.text === 'string' ? { text: l.text } : {}) }));

/** Changes on the affected services and their direct dependencies in the hours before the declaration. */
export async function listSuspects(ctx: Ctx, idOrRef: string, query: Record<string, unknown>) {
  requireSignedIn(ctx.actor);
  const hours = lookbackHours(query.hours);
  const { db } = ctx.deps;
  const incident = await mustFindIncident(db, idOrRef);
  await requireIncidentViewer(db, ctx.actor, incident.id);
  const to = new Date(incident.declared_at);
  const from = new Date(to.getTime() - hours * 3_600_000);

  const affected = await incidentServices(db, incident.id);
  const affectedIds = new Set(affected.map((s) => s.id));
  const deps = affected.length
    ? await db
        .selectFrom('service_dependencies as d')
        .innerJoin('services as s', 's.id', 'd.depends_on_id')
        .select(['d.service_id as dependent_id', 's.id', 's.slug', 's.name'])
        .where('d.service_id', 'in', [...affectedIds])
        .execute()
    : [];
  const services = new Map<string, { id: string; slug: string; name: string; via_dependency: boolean; dependents: string[] }>();
  for (const s of affected) services.set(s.id, { id: s.id, slug: s.slug, name: s.name, via_dependency: false, dependents: [] });
  for (const d of deps) {
    if (affectedIds.has(d.id)) continue;
    const entry = services.get(d.id) ?? { id: d.id, slug: d.slug, name: d.name, via_dependency: true, dependents: [] };
    if (!entry.dependents.includes(d.dependent_id)) entry.dependents.push(d.dependent_id);
    services.set(d.id, entry);
  }
  const ref = (id: string) => {
    const s = affected.find((a) => a.id === id)!;
    return { id: s.id, slug: s.slug, name: s.name };
  };

  const rows = services.size
    ? await db
        .selectFrom('change_events')
        .selectAll()
        .where('service_id', 'in', [...services.keys()])
        .where('occurred_at', '>=', iso(from))
        .where('occurred_at', '<=', iso(to))
        .orderBy('occurred_at', 'desc')
        .orderBy('id', 'desc')
        .limit(LIMIT)
        .execute()
    : [];
  const data: SuspectDto[] = rows.map((r) => {
    const s = services.get(r.service_id)!;
    return {
      kind: 'change_event',
      id: r.id,
      service: { id: s.id, slug: s.slug, name: s.name },
      via_dependency: s.via_dependency,
      dependents: s.dependents.map(ref),
      summary: r.summary,
      source: r.source,
      occurred_at: r.occurred_at,
      minutes_before: Math.round((to.getTime() - Date.parse(r.occurred_at)) / 60_000),
      links: safeLinks(r.links),
    };
  });
  return {
    incident: { id: incident.id, ref: incidentRef(incident.number), declared_at: incident.declared_at },
    window: { from: iso(from), to: iso(to), hours },
    services: [...services.values()].map(({ id, slug, name, via_dependency }) => ({ id, slug, name, via_dependency })),
    data,
  };
}
