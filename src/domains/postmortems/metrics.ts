import { Type } from '@sinclair/typebox';
import type { Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { iso } from '../../core/time.js';
import { scopeServiceIds } from './actionItems.js';
import { requireIncidentViewer } from './access.js';
import { bucketsOf, computeMeasures, type Bucket } from './measures.js';

export const MetricsQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Start (inclusive); default 12 weeks before `to`' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'End (exclusive); default now' })),
    service: Type.Optional(Type.String({ description: 'Service id or slug' })),
    team: Type.Optional(Type.String({ description: 'Team id or slug (its services)' })),
    bucket: Type.Optional(Type.Union([Type.Literal('week'), Type.Literal('month')], { default: 'week' })),
  },
  { additionalProperties: true },
);

const DurationOut = Type.Object({ count: Type.Integer(), mean_seconds: Type.Union([Type.Number(), Type.Null()]), median_seconds: Type.Union([Type.Number(), Type.Null()]) });
const StatsOut = Type.Object({
  incidents: Type.Integer(),
  by_severity: Type.Record(Type.String(), Type.Integer()),
  mtta: DurationOut,
  mttm: DurationOut,
  mttr: DurationOut,
  breaches: Type.Object({ acknowledge: Type.Integer(), mitigate: Type.Integer(), incidents: Type.Integer() }),
  postmortems: Type.Object({ required: Type.Integer(), on_time: Type.Integer(), late: Type.Integer(), pending: Type.Integer(), on_time_rate: Type.Union([Type.Number(), Type.Null()]) }),
  action_items: Type.Object({ created: Type.Integer(), done: Type.Integer(), closure_rate: Type.Union([Type.Number(), Type.Null()]), overdue: Type.Integer() }),
});
export const MetricsOut = Type.Object({
  from: Type.String(),
  to: Type.String(),
  bucket: Type.String(),
  periods: Type.Array(Type.Composite([Type.Object({ start: Type.String(), end: Type.String() }), StatsOut])),
  overall: StatsOut,
});

const MAX_BUCKETS = 400;

function parseTime(v: unknown, field: string): Date | undefined {
  if (v === undefined || v === '') return undefined;
  const ms = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) throw errors.validation([{ path: `/${field}`, message: 'Expected an ISO-8601 date or date-time' }]);
  return new Date(ms);
}

export async function incidentMetrics(ctx: Ctx, query: Record<string, unknown>) {
  requireIncidentViewer(ctx.actor);
  const { db } = ctx.deps;
  const now = ctx.deps.clock.now();
  const bucket = (query.bucket ?? 'week') as Bucket;
  if (bucket !== 'week' && bucket !== 'month') throw errors.validation([{ path: '/bucket', message: "Expected 'week' or 'month'" }]);
  const to = parseTime(query.to, 'to') ?? now;
  const from = parseTime(query.from, 'from') ?? new Date(to.getTime() - 84 * 86_400_000);
  if (from >= to) throw errors.validation([{ path: '/from', message: 'Must be before `to`' }]);
  if (bucketsOf(from, to, bucket).length > MAX_BUCKETS) throw errors.validation([{ path: '/from', message: `The range spans more than ${MAX_BUCKETS} periods` }]);
  const str = (k: string) => (typeof query[k] === 'string' && query[k] !== '' ? (query[k] as string) : undefined);
  const serviceIds = await scopeServiceIds(db, str('service'), str('team'));
  const scoped = serviceIds?.length ? serviceIds : [''];
  let iq = db.selectFrom('incidents').selectAll().where('declared_at', '>=', iso(from)).where('declared_at', '<', iso(to));
  if (serviceIds) iq = iq.where('id', 'in', (eb) => eb.selectFrom('incident_services').select('incident_id').where('service_id', 'in', scoped));
  const incidents = await iq.execute();
  const ids = incidents.map((i) => i.id);
  const postmortems = ids.length
    ? await db.selectFrom('postmortems').select(['incident_id', 'required', 'due_at', 'published_at']).where('incident_id', 'in', ids).execute()
    : [];
  let aq = db.selectFrom('action_items').select(['created_at', 'status', 'due_date']).where('created_at', '>=', iso(from)).where('created_at', '<', iso(to));
  if (serviceIds) aq = aq.where('incident_id', 'in', (eb) => eb.selectFrom('incident_services').select('incident_id').where('service_id', 'in', scoped));
  const items = await aq.execute();
  const severities = (await db.selectFrom('incident_severities').select('key').orderBy('rank').execute()).map((s) => s.key);
  const result = computeMeasures({
    from,
    to,
    bucket,
    now,
    severities,
    incidents: incidents.map((i) => ({
      id: i.id,
      severity: i.severity,
      declared_at: i.declared_at,
      acknowledged_at: i.acknowledged_at,
      mitigated_at: i.mitigated_at,
      resolved_at: i.resolved_at,
      ack_breached: !!i.ack_breached_at,
      mitigate_breached: !!i.mitigate_breached_at,
    })),
    postmortems: postmortems.map((p) => ({ ...p, required: p.required === 1 })),
    actionItems: items,
  });
  return { from: iso(from), to: iso(to), bucket, ...result };
}
