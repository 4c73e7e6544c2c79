import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Ctx } from '../../../core/context.js';
import { errors } from '../../../core/errors.js';
import { fromJson } from '../../../core/json.js';
import { Nullable, Timestamp } from '../../../core/schemas.js';
import { iso } from '../../../core/time.js';
import type { Database, UsersTable } from '../../../db/schema.js';
import { requireSignedIn } from '../../accounts/authz.js';
import { mustFindTeam } from '../../accounts/teams.js';
import { findUserRow } from '../../accounts/users.js';
import { dayPart } from './hours.js';

type Db = Kysely<Database>;
const DAY = 24 * 3_600_000;
export const DEFAULT_DAYS = 7;
export const MAX_DAYS = 93;

/**
 * On-call load is computed from the `escalation.paged` domain events, not from the notification delivery
 * log: one page = one escalation step that named the user. That is the fact "this person was asked to
 * respond", independent of how many contact methods and notification rules they have (the delivery log has
 * a row per method and rule, and none at all for a user without contact methods).
 *
 * Every page is an interruption, classified by the local time of the page in the user's own time zone
 * (users.timezone): business 08–18 Mon–Fri, off hours 18–22 Mon–Fri and 08–22 Sat/Sun, sleep 22–08.
 * MTTA: for each alert group the user was paged for in the window, acknowledged_at minus the first page to
 * the user in the window; groups acknowledged before that page or not at all are counted, not averaged.
 */
export const METHOD = 'escalation.paged events';

const Interruptions = Type.Object({ business: Type.Integer(), off_hours: Type.Integer(), sleep: Type.Integer(), total: Type.Integer() });
const LoadNumbers = Type.Object({
  pages: Type.Integer(),
  interruptions: Interruptions,
  alert_groups: Type.Integer({ description: 'Distinct alert groups paged for' }),
  acknowledged: Type.Integer({ description: 'Of those, acknowledged after the first page' }),
  mtta_seconds: Nullable(Type.Number()),
});
const UserOut = Type.Object({ id: Type.String(), email: Type.String(), name: Type.String(), timezone: Type.String() });
export const UserLoad = Type.Composite([Type.Object({ user: UserOut, from: Timestamp, to: Timestamp, method: Type.String() }), LoadNumbers]);
export const TeamLoad = Type.Object({
  team: Type.Object({ id: Type.String(), slug: Type.String(), name: Type.String() }),
  from: Timestamp,
  to: Timestamp,
  method: Type.String(),
  total: LoadNumbers,
  members: Type.Array(Type.Composite([Type.Object({ user: UserOut }), LoadNumbers])),
});
type Numbers = Static<typeof LoadNumbers>;

function parseInstant(value: unknown, path: string): number | null {
  if (value === undefined || value === '') return null;
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw errors.validation([{ path, message: 'Expected an ISO-8601 date-time' }]);
  return ms;
}

/** [from, to): default the last 7 days up to now; at most 93 days. */
export function loadWindow(query: { from?: unknown; to?: unknown }, now: number): { from: number; to: number } {
  const qFrom = parseInstant(query.from, '/from');
  const qTo = parseInstant(query.to, '/to');
  const to = qTo ?? (qFrom !== null ? Math.min(now, qFrom + MAX_DAYS * DAY) : now);
  const from = qFrom ?? to - DEFAULT_DAYS * DAY;
  if (to <= from) throw errors.validation([{ path: '/to', message: 'Must be after from' }]);
  if (to - from > MAX_DAYS * DAY) throw errors.validation([{ path: '/to', message: `The period is at most ${MAX_DAYS} days` }]);
  return { from, to };
}

interface Page {
  at: number;
  groupId: string;
  users: string[];
}

async function pagesIn(db: Db, from: number, to: number, userIds: string[]): Promise<Page[]> {
  if (userIds.length === 0) return [];
  let q = db.selectFrom('events').select(['at', 'subject_id', 'payload']).where('type', '=', 'escalation.paged').where('at', '>=', iso(from)).where('at', '<', iso(to));
  // Narrow in SQL on the ids appearing in the payload; the exact check is done after parsing.
  q = q.where((eb) => eb.or(userIds.map((id) => eb('payload', 'like', `%${id}%`))));
  const rows = await q.orderBy('seq').execute();
  return rows.map((r) => ({ at: Date.parse(r.at), groupId: r.subject_id, users: fromJson<{ users?: string[] }>(r.payload, {}).users ?? [] }));
}

/** Load numbers for the pages; `firstPage` per group is the first of these pages (for MTTA). */
async function numbers(db: Db, pages: Page[], zoneOf: (p: Page) => string): Promise<Numbers> {
  const interruptions = { business: 0, off_hours: 0, sleep: 0, total: 0 };
  const firstPage = new Map<string, number>();
  for (const p of pages) {
    const part = dayPart(p.at, zoneOf(p));
    if (part === 'business') interruptions.business++;
    else if (part === 'off') interruptions.off_hours++;
    else interruptions.sleep++;
    interruptions.total++;
    const seen = firstPage.get(p.groupId);
    if (seen === undefined || p.at < seen) firstPage.set(p.groupId, p.at);
  }
  const groupIds = [...firstPage.keys()];
  const groups = groupIds.length ? await db.selectFrom('alert_groups').select(['id', 'acknowledged_at']).where('id', 'in', groupIds).execute() : [];
  let acknowledged = 0;
  let sum = 0;
  for (const g of groups) {
    if (!g.acknowledged_at) continue;
    const ackMs = Date.parse(g.acknowledged_at) - firstPage.get(g.id)!;
    if (ackMs < 0) continue;
    acknowledged++;
    sum += ackMs;
  }
  return { pages: pages.length, interruptions, alert_groups: groupIds.length, acknowledged, mtta_seconds: acknowledged ? Math.round(sum / acknowledged / 1000) : null };
}

const userOut = (u: UsersTable) => ({ id: u.id, email: u.email, name: u.name, timezone: u.timezone });

export async function userLoad(ctx: Ctx, idOrEmail: string, query: { from?: unknown; to?: unknown }) {
  requireSignedIn(ctx.actor);
  const { db } = ctx.deps;
  const ref = idOrEmail === 'me' && ctx.actor.kind === 'user' ? ctx.actor.userId : idOrEmail;
  const user = await findUserRow(db, ref);
  if (!user) throw errors.notFound('User', idOrEmail);
  const { from, to } = loadWindow(query, ctx.deps.clock.now().getTime());
  const pages = (await pagesIn(db, from, to, [user.id])).filter((p) => p.users.includes(user.id));
  return { user: userOut(user), from: iso(from), to: iso(to), method: METHOD, ...(await numbers(db, pages, () => user.timezone)) };
}

/**
 * Per member as for a user; the team total sums pages and interruptions over members (a page naming two
 * members counts twice: two people were interrupted) and takes MTTA per distinct alert group from its first
 * page to any member.
 */
export async function teamLoad(ctx: Ctx, idOrSlug: string, query: { from?: unknown; to?: unknown }) {
  requireSignedIn(ctx.actor);
  const { db } = ctx.deps;
  const team = await mustFindTeam(db, idOrSlug);
  const { from, to } = loadWindow(query, ctx.deps.clock.now().getTime());
  const members = await db
    .selectFrom('team_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .selectAll('u')
    .where('m.team_id', '=', team.id)
    .orderBy('u.email')
    .execute();
  const all = await pagesIn(db, from, to, members.map((m) => m.id));
  const out = [];
  const perUserPages: { page: Page; zone: string }[] = [];
  for (const m of members) {
    const mine = all.filter((p) => p.users.includes(m.id));
    for (const page of mine) perUserPages.push({ page, zone: m.timezone });
    out.push({ user: userOut(m), ...(await numbers(db, mine, () => m.timezone)) });
  }
  const zones = new Map(perUserPages.map((x) => [x.page, x.zone]));
  // Interruptions are summed per member in each member's own zone; MTTA per distinct group.
  const total = await numbers(db, perUserPages.map((x) => x.page), (p) => zones.get(p) ?? 'UTC');
  total.interruptions = out.reduce(
    (acc, m) => ({
      business: acc.business + m.interruptions.business,
      off_hours: acc.off_hours + m.interruptions.off_hours,
      sleep: acc.sleep + m.interruptions.sleep,
      total: acc.total + m.interruptions.total,
    }),
    { business: 0, off_hours: 0, sleep: 0, total: 0 },
  );
  return { team: { id: team.id, slug: team.slug, name: team.name }, from: iso(from), to: iso(to), method: METHOD, total, members: out };
}
