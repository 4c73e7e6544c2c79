import { Type } from '@sinclair/typebox';
import { sql, type Kysely } from 'kysely';
import { groupBy, whereIn } from '../../db/bulk.js';
import type { Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { UUID_RE } from '../../core/ids.js';
import { fromJson } from '../../core/json.js';
import { Id, Nullable } from '../../core/schemas.js';
import { addMs, iso } from '../../core/time.js';
import type { Database } from '../../db/schema.js';
import { requireSignedIn } from '../accounts/authz.js';
import { mustFindService } from '../catalog/services.js';
import { summarize } from './repo.js';
import { RunbookSummary, type RunbookSummaryT } from './schemas.js';

type Db = Kysely<Database>;

/**
 * Which runbooks apply to an alert, and why. Routes, strongest first:
 * 1. explicit: a `runbook: <slug>` or `runbook_url` label, annotation (Alertmanager annotations are kept
 *    in details.annotations) or detail, or a link titled "Runbook";
 * 2. rules: service + alert-kind glob → runbook, evaluated in priority order, first match wins;
 * 3. service: runbooks of the alert's service. A service runbook tagged with the alert kind counts as
 *    covering that kind; an untagged one is listed but covers nothing (one generic runbook would
 *    otherwise make every service "100% covered").
 */
export type ReasonType = 'label' | 'annotation' | 'rule' | 'service';
export interface Reason {
  type: ReasonType;
  detail: string;
  alert_kind?: string;
  rule_id?: string;
}

export const LookupResult = Type.Object({
  runbook: Nullable(RunbookSummary),
  url: Type.String({ description: 'Ballast runbook page, or the external runbook_url' }),
  external: Type.Boolean(),
  reasons: Type.Array(Type.Object({ type: Type.String(), detail: Type.String(), alert_kind: Type.Optional(Type.String()), rule_id: Type.Optional(Id) })),
});
export const LookupResults = Type.Object({ data: Type.Array(LookupResult) });

export interface AlertLike {
  service_id: string;
  class: string | null;
  summary: string;
  labels: string;
  details: string;
  links: string;
}

export function alertKind(a: Pick<AlertLike, 'class' | 'summary' | 'labels'>): string {
  if (a.class) return a.class;
  const labels = fromJson<Record<string, unknown>>(a.labels, {});
  return typeof labels.alertname === 'string' && labels.alertname ? labels.alertname : a.summary;
}

/** Glob with `*` and `?`, whole string, case-insensitive. */
export function globMatches(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'is').test(value);
}

interface ExplicitRef {
  source: 'label' | 'annotation';
  key: string;
  slug?: string;
  url?: string;
}

const SLUG_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const isHttp = (u: string) => /^https?:\/\//i.test(u);

export function explicitRefs(a: Pick<AlertLike, 'labels' | 'details' | 'links'>): ExplicitRef[] {
  const out: ExplicitRef[] = [];
  const labels = fromJson<Record<string, unknown>>(a.labels, {});
  const details = fromJson<Record<string, unknown>>(a.details, {});
  const annotations = details && typeof details.annotations === 'object' && details.annotations ? (details.annotations as Record<string, unknown>) : {};
  const take = (source: ExplicitRef['source'], map: Record<string, unknown>) => {
    const slug = map.runbook;
    if (typeof slug === 'string' && SLUG_RE.test(slug.trim())) out.push({ source, key: 'runbook', slug: slug.trim() });
    else if (typeof slug === 'string' && isHttp(slug.trim())) out.push({ source, key: 'runbook', url: slug.trim() });
    const url = map.runbook_url;
    if (typeof url === 'string' && isHttp(url.trim())) out.push({ source, key: 'runbook_url', url: url.trim() });
  };
  take('label', labels);
  take('annotation', annotations);
  take('annotation', details);
  for (const l of fromJson<{ href?: unknown; text?: unknown }[]>(a.links, [])) {
    if (l && typeof l.href === 'string' && isHttp(l.href) && typeof l.text === 'string' && /runbook/i.test(l.text)) out.push({ source: 'annotation', key: 'link', url: l.href });
  }
  return out;
}

interface Match {
  runbookId: string | null;
  url: string;
  reasons: Reason[];
  rank: number;
}

/** A URL pointing at our own runbook page is the same as naming the slug. */
function ownSlug(url: string, publicUrl: string): string | null {
  const prefix = `${publicUrl}/runbooks/`;
  if (!url.startsWith(prefix)) return null;
  const slug = decodeURIComponent(url.slice(prefix.length).split(/[/?#]/)[0] ?? '');
  return SLUG_RE.test(slug) ? slug : null;
}

export async function matchRunbooks(db: Db, alerts: AlertLike[], serviceIds: string[], publicUrl: string): Promise<Match[]> {
  return (await matchRunbooksForEach(db, [{ alerts, serviceIds }], publicUrl))[0]!;
}

/**
 * `matchRunbooks` for several alert sets (one per alert group being paged): the runbooks, rules and
 * service links are read once for all sets, then each set is matched in memory.
 */
async function matchRunbooksForEach(db: Db, sets: Array<{ alerts: AlertLike[]; serviceIds: string[] }>, publicUrl: string): Promise<Match[][]> {
  const slugOf = (ref: ExplicitRef) => ref.slug ?? (ref.url ? ownSlug(ref.url, publicUrl) : null);
  const explicitOf = sets.map((set) => set.alerts.flatMap((a) => explicitRefs(a).map((ref) => ({ ref, kind: alertKind(a) }))));
  const slugs = [...new Set(explicitOf.flat().map((e) => slugOf(e.ref)).filter((x): x is string => !!x))];
  const bySlug = new Map(slugs.length ? (await whereIn(slugs, (part) => db.selectFrom('runbooks').select(['id', 'slug']).where('slug', 'in', part).execute())).map((r) => [r.slug, r.id]) : []);
  const rules = sets.some((set) => set.alerts.length) ? await db.selectFrom('runbook_rules').selectAll().orderBy('priority').orderBy('id').execute() : [];
  const servicesOf = sets.map((set) => [...new Set([...set.serviceIds, ...set.alerts.map((a) => a.service_id)])]);
  const serviceLinks = await whereIn(servicesOf.flat(), (part) =>
    db
      .selectFrom('runbook_services as rs')
      .innerJoin('runbooks as r', 'r.id', 'rs.runbook_id')
      .innerJoin('services as s', 's.id', 'rs.service_id')
      .select(['r.id', 'r.tags', 's.slug as service', 's.id as service_id'])
      .where('rs.service_id', 'in', part)
      .execute(),
  );
  return sets.map((set, n) => {
    const matches = new Map<string, Match>();
    const add = (key: { runbookId: string | null; url: string }, reason: Reason, rank: number) => {
      const k = key.runbookId ?? `url:${key.url}`;
      const m = matches.get(k) ?? { ...key, reasons: [], rank };
      m.rank = Math.min(m.rank, rank);
      if (!m.reasons.some((r) => r.type === reason.type && r.detail === reason.detail && r.alert_kind === reason.alert_kind)) m.reasons.push(reason);
      matches.set(k, m);
    };
    for (const { ref, kind } of explicitOf[n]!) {
      const slug = slugOf(ref);
      const reason: Reason = { type: ref.source, detail: `${ref.source} ${ref.key}=${ref.slug ?? ref.url}`, alert_kind: kind };
      if (slug) {
        const id = bySlug.get(slug);
        if (id) add({ runbookId: id, url: `${publicUrl}/runbooks/${slug}` }, reason, 0);
        else if (ref.url) add({ runbookId: null, url: ref.url }, reason, 0);
      } else if (ref.url) add({ runbookId: null, url: ref.url }, reason, 0);
    }
    for (const a of set.alerts) {
      const kind = alertKind(a);
      const rule = rules.find((r) => (r.service_id === null || r.service_id === a.service_id) && globMatches(r.alert_pattern, kind));
      if (rule) add({ runbookId: rule.runbook_id, url: '' }, { type: 'rule', detail: `rule '${rule.alert_pattern}' (priority ${rule.priority})`, alert_kind: kind, rule_id: rule.id }, 1);
    }
    const services = new Set(servicesOf[n]);
    const kinds = set.alerts.map((a) => ({ service: a.service_id, kind: alertKind(a) }));
    for (const r of serviceLinks) {
      if (!services.has(r.service_id)) continue;
      const tags = fromJson<string[]>(r.tags, []);
      const tagged = kinds.filter((k) => k.service === r.service_id && tags.includes(k.kind.toLowerCase()));
      for (const k of tagged) add({ runbookId: r.id, url: '' }, { type: 'service', detail: `service ${r.service}, tagged ${k.kind.toLowerCase()}`, alert_kind: k.kind }, 2);
      if (!tagged.length) add({ runbookId: r.id, url: '' }, { type: 'service', detail: `service ${r.service}` }, 3);
    }
    return [...matches.values()].sort((a, b) => a.rank - b.rank);
  });
}

async function withSummaries(ctx: Ctx, matches: Match[]) {
  const ids = matches.map((m) => m.runbookId).filter((x): x is string => !!x);
  const rows = ids.length ? await ctx.deps.db.selectFrom('runbooks').selectAll().where('id', 'in', ids).execute() : [];
  const summaries = await summarize(ctx.deps.db, rows, ctx.deps.clock.now(), ctx.deps.config.publicUrl);
  const data: { runbook: RunbookSummaryT | null; url: string; external: boolean; reasons: Reason[] }[] = [];
  for (const m of matches) {
    const s = m.runbookId ? summaries.find((x) => x.id === m.runbookId) : null;
    if (m.runbookId && !s) continue;
    data.push({ runbook: s ?? null, url: s?.url ?? m.url, external: !s, reasons: m.reasons });
  }
  return { data };
}

const ALERT_COLS = ['service_id', 'class', 'summary', 'labels', 'details', 'links'] as const;

export async function alertRunbooks(ctx: Ctx, alertId: string) {
  requireSignedIn(ctx.actor);
  if (!UUID_RE.test(alertId)) throw errors.notFound('Alert', alertId);
  const a = await ctx.deps.db.selectFrom('alerts').select([...ALERT_COLS]).where('id', '=', alertId).executeTakeFirst();
  if (!a) throw errors.notFound('Alert', alertId);
  return withSummaries(ctx, await matchRunbooks(ctx.deps.db, [a], [a.service_id], ctx.deps.config.publicUrl));
}

async function groupAlerts(db: Db, groupIds: string[], limit: number): Promise<AlertLike[]> {
  if (!groupIds.length) return [];
  return db.selectFrom('alerts').select([...ALERT_COLS]).where('group_id', 'in', groupIds).orderBy('id', 'desc').limit(limit).execute();
}

export async function alertGroupRunbooks(ctx: Ctx, groupId: string) {
  requireSignedIn(ctx.actor);
  if (!UUID_RE.test(groupId)) throw errors.notFound('Alert group', groupId);
  const g = await ctx.deps.db.selectFrom('alert_groups').select(['id', 'service_id']).where('id', '=', groupId).executeTakeFirst();
  if (!g) throw errors.notFound('Alert group', groupId);
  return withSummaries(ctx, await matchRunbooks(ctx.deps.db, await groupAlerts(ctx.deps.db, [g.id], 100), [g.service_id], ctx.deps.config.publicUrl));
}

export async function findIncidentId(db: Db, ref: string): Promise<string> {
  const m = /^(?:inc-)?(\d{1,9})$/i.exec(ref.trim());
  const row = m
    ? await db.selectFrom('incidents').select('id').where('number', '=', Number(m[1])).executeTakeFirst()
    : UUID_RE.test(ref)
      ? await db.selectFrom('incidents').select('id').where('id', '=', ref).executeTakeFirst()
      : undefined;
  if (!row) throw errors.notFound('Incident', ref);
  return row.id;
}

export async function incidentRunbooks(ctx: Ctx, ref: string) {
  requireSignedIn(ctx.actor);
  const db = ctx.deps.db;
  const id = await findIncidentId(db, ref);
  const services = (await db.selectFrom('incident_services').select('service_id').where('incident_id', '=', id).execute()).map((r) => r.service_id);
  const groups = (await db.selectFrom('incident_alert_groups').select('alert_group_id').where('incident_id', '=', id).execute()).map((r) => r.alert_group_id);
  return withSummaries(ctx, await matchRunbooks(db, await groupAlerts(db, groups, 200), services, ctx.deps.config.publicUrl));
}

/** A service's runbooks: linked to it, or targeted by a rule scoped to it. */
export async function serviceRunbookLookup(ctx: Ctx, serviceRef: string) {
  requireSignedIn(ctx.actor);
  const svc = await mustFindService(ctx.deps.db, serviceRef);
  const matches = await matchRunbooks(ctx.deps.db, [], [svc.id], ctx.deps.config.publicUrl);
  const rules = await ctx.deps.db.selectFrom('runbook_rules').selectAll().where('service_id', '=', svc.id).orderBy('priority').orderBy('id').execute();
  for (const r of rules) {
    const reason: Reason = { type: 'rule', detail: `rule '${r.alert_pattern}' (priority ${r.priority})`, rule_id: r.id };
    const m = matches.find((x) => x.runbookId === r.runbook_id);
    if (m) m.reasons.push(reason);
    else matches.push({ runbookId: r.runbook_id, url: '', reasons: [reason], rank: 1 });
  }
  return withSummaries(ctx, matches.sort((a, b) => a.rank - b.rank));
}

/** The runbook links to put in a page for an alert group (explicit, rule or kind-tagged; at most two). */
/**
 * Links to the runbooks that fit each alert group best (explicit references and rules, at most two),
 * for pages. Set-based: one page storm costs a handful of statements, whatever the number of groups.
 */
export async function runbookLinksForGroups(db: Db, groups: Array<{ id: string; service_id: string }>, publicUrl: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (!groups.length) return out;
  const alerts = await whereIn(groups.map((g) => g.id), (part) =>
    db
      .selectFrom((eb) =>
        eb
          .selectFrom('alerts')
          .select([...ALERT_COLS, 'group_id', sql<number>`row_number() over (partition by group_id order by id desc)`.as('rn')])
          .where('group_id', 'in', part)
          .as('a'),
      )
      .select([...ALERT_COLS, 'group_id'])
      .where('rn', '<=', LINK_ALERTS_PER_GROUP)
      .execute(),
  );
  const byGroup = groupBy(alerts, (a) => a.group_id);
  const matches = await matchRunbooksForEach(db, groups.map((g) => ({ alerts: byGroup.get(g.id) ?? [], serviceIds: [g.service_id] })), publicUrl);
  const relevant = matches.map((m) => m.filter((x) => x.rank <= 2).slice(0, 2));
  const ids = relevant.flat().map((m) => m.runbookId).filter((x): x is string => !!x);
  const slugs = new Map((await whereIn(ids, (part) => db.selectFrom('runbooks').select(['id', 'slug']).where('id', 'in', part).execute())).map((r) => [r.id, r.slug]));
  groups.forEach((g, n) => out.set(g.id, relevant[n]!.map((m) => (m.runbookId ? `${publicUrl}/runbooks/${encodeURIComponent(slugs.get(m.runbookId) ?? m.runbookId)}` : m.url)).filter(Boolean)));
  return out;
}

/** Alerts per group that are read for explicit runbook references. */
const LINK_ALERTS_PER_GROUP = 20;

// ---- Coverage ----------------------------------------------------------------------------------

export const COVERAGE_WINDOW_DAYS = 30;

export const ServiceCoverage = Type.Object({
  service: Type.Object({ id: Id, slug: Type.String(), name: Type.String() }),
  window_days: Type.Integer(),
  kinds_total: Type.Integer(),
  kinds_covered: Type.Integer(),
  coverage: Nullable(Type.Number({ description: 'Covered share 0..1; null when the service had no alerts in the window' })),
  covered: Type.Array(Type.Object({ kind: Type.String(), alerts: Type.Integer(), via: Type.Array(Type.String()) })),
  uncovered: Type.Array(Type.Object({ kind: Type.String(), alerts: Type.Integer(), last_seen_at: Type.String() })),
});

/** One service's coverage; also the input for readiness scorecards. */
export async function coverageOf(db: Db, svc: { id: string; slug: string; name: string }, now: Date, publicUrl: string) {
  const since = iso(addMs(now, -COVERAGE_WINDOW_DAYS * 86_400_000));
  const alerts = await db
    .selectFrom('alerts')
    .select([...ALERT_COLS, 'last_seen_at'])
    .where('service_id', '=', svc.id)
    .where('last_seen_at', '>=', since)
    .orderBy('id', 'desc')
    .limit(20_000)
    .execute();
  const byKind = new Map<string, { alerts: typeof alerts; last: string }>();
  for (const a of alerts) {
    const k = alertKind(a);
    const e = byKind.get(k) ?? { alerts: [], last: a.last_seen_at };
    // Explicit references differ per alert; a handful per kind is enough to find one.
    if (e.alerts.length < 20) e.alerts.push(a);
    if (a.last_seen_at > e.last) e.last = a.last_seen_at;
    byKind.set(k, e);
  }
  const covered: { kind: string; alerts: number; via: string[] }[] = [];
  const uncovered: { kind: string; alerts: number; last_seen_at: string }[] = [];
  const counts = new Map<string, number>();
  for (const a of alerts) counts.set(alertKind(a), (counts.get(alertKind(a)) ?? 0) + 1);
  for (const [kind, e] of [...byKind.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const matches = (await matchRunbooks(db, e.alerts, [svc.id], publicUrl)).filter((m) => m.rank <= 2);
    const via = [...new Set(matches.flatMap((m) => m.reasons.filter((r) => r.alert_kind === kind).map((r) => r.type)))];
    if (via.length) covered.push({ kind, alerts: counts.get(kind) ?? 0, via });
    else uncovered.push({ kind, alerts: counts.get(kind) ?? 0, last_seen_at: e.last });
  }
  const total = byKind.size;
  return {
    service: svc,
    window_days: COVERAGE_WINDOW_DAYS,
    kinds_total: total,
    kinds_covered: covered.length,
    coverage: total ? covered.length / total : null,
    covered,
    uncovered,
  };
}

export async function serviceCoverage(ctx: Ctx, serviceRef: string) {
  requireSignedIn(ctx.actor);
  const s = await mustFindService(ctx.deps.db, serviceRef);
  return coverageOf(ctx.deps.db, { id: s.id, slug: s.slug, name: s.name }, ctx.deps.clock.now(), ctx.deps.config.publicUrl);
}

export async function allCoverage(ctx: Ctx) {
  requireSignedIn(ctx.actor);
  const services = await ctx.deps.db.selectFrom('services').select(['id', 'slug', 'name']).orderBy('slug').execute();
  const data = [];
  for (const s of services) data.push(await coverageOf(ctx.deps.db, s, ctx.deps.clock.now(), ctx.deps.config.publicUrl));
  return { data };
}
