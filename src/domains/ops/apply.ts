import { isPrivileged } from '../../core/actor.js';
import type { Ctx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { transaction, type Uow } from '../../core/uow.js';
import { validate } from '../../core/validate.js';
import { requireSignedIn } from '../accounts/authz.js';
import { createTeamIn, findTeamRow, loadTeam, updateTeamIn } from '../accounts/teams.js';
import { createUserIn, findUserRow, loadUser, updateUserIn } from '../accounts/users.js';
import { createServiceIn, findServiceRow, loadService, updateServiceIn } from '../catalog/services.js';
import { ApplyRequest, type ChangeEntryT, type OpsDocumentT } from './schema.js';
import { diff, entry } from './diff.js';
import { OPS_SECTIONS } from './sections.js';
import { exportAlerting, reconcileAlertSettings, reconcileIntegrations } from '../alerts/ops.js';
import { applySchedules, exportSchedules } from '../oncall/schedules/ops.js';
import { exportContactMethods, reconcileContactMethods } from '../notify/ops.js';
import { applyPolicies, exportPolicies, reconcileServicePolicy, servicePolicySlug } from '../oncall/escalation/ops.js';

class DryRunRollback extends Error {
  constructor(readonly changes: ChangeEntryT[]) {
    super('dry run');
  }
}

async function applyTeams(uow: Uow, teams: NonNullable<OpsDocumentT['teams']>): Promise<ChangeEntryT[]> {
  const out: ChangeEntryT[] = [];
  for (const t of teams) {
    const row = await findTeamRow(uow.db, t.slug);
    if (!row) {
      await createTeamIn(uow, t);
      out.push(entry('team', t.slug, false, {}));
      continue;
    }
    const changes = diff({ ...row }, { name: t.name, description: t.description });
    if (Object.keys(changes).length) await updateTeamIn(uow, row.id, { name: t.name, description: t.description });
    out.push(entry('team', t.slug, true, changes));
  }
  return out;
}

async function applyUsers(uow: Uow, users: NonNullable<OpsDocumentT['users']>): Promise<ChangeEntryT[]> {
  const out: ChangeEntryT[] = [];
  for (const [i, { contact_methods: methods, ...u }] of users.entries()) {
    const row = await findUserRow(uow.db, u.email);
    if (!row) {
      const created = await createUserIn(uow, u);
      if (methods) await reconcileContactMethods(uow, created.id, methods, `/document/users/${i}/contact_methods`);
      out.push(entry('user', u.email.toLowerCase(), false, {}));
      continue;
    }
    const current = await loadUser(uow.db, row.id);
    const desired = { name: u.name, timezone: u.timezone, is_admin: u.is_admin, teams: u.teams };
    const changes = diff(current, desired);
    if (Object.keys(changes).length) await updateUserIn(uow, row.id, desired);
    const cm = methods ? await reconcileContactMethods(uow, row.id, methods, `/document/users/${i}/contact_methods`) : null;
    if (cm) changes.contact_methods = cm;
    out.push(entry('user', row.email, true, changes));
  }
  return out;
}

async function applyServices(uow: Uow, input: NonNullable<OpsDocumentT['services']>): Promise<ChangeEntryT[]> {
  const out: ChangeEntryT[] = [];
  // A slug listed twice in depends_on is one edge; unfolded, every apply would report a change that never lands.
  const services = input.map((s) => (s.depends_on ? { ...s, depends_on: [...new Set(s.depends_on)] } : s));
  // Pass 1: every service exists with its own fields, so pass 2 can point dependencies at any of them.
  for (const [i, s] of services.entries()) {
    // An unknown team is a mistake in the document (400 with its path), like an unknown member team or dependency.
    if (!(await findTeamRow(uow.db, s.team))) {
      throw errors.validation([{ path: `/document/services/${i}/team`, message: `Unknown team '${s.team}'` }], `Unknown team '${s.team}' for service '${s.slug}'`);
    }
    const row = await findServiceRow(uow.db, s.slug);
    const fields = { name: s.name, description: s.description, tier: s.tier, links: s.links };
    if (!row) {
      await createServiceIn(uow, { slug: s.slug, team: s.team, ...fields });
      out.push(entry('service', s.slug, false, {}));
      continue;
    }
    const current = await loadService(uow.db, row.id);
    const changes = diff({ ...current, team: current.team.slug, depends_on: current.depends_on.map((d) => d.slug) }, { ...fields, team: s.team, depends_on: s.depends_on });
    const { depends_on: _skip, ...fieldChanges } = changes;
    if (Object.keys(fieldChanges).length) await updateServiceIn(uow, row.id, { ...fields, team: s.team });
    out.push(entry('service', s.slug, true, changes));
  }
  // Pass 3: alerting — integrations and alert settings (the alerts domain owns how they reconcile).
  for (const s of services) {
    if (s.integrations === undefined && s.alerts === undefined && s.escalation_policy === undefined) continue;
    const row = (await findServiceRow(uow.db, s.slug))!;
    const e = out.find((c) => c.kind === 'service' && c.key === s.slug)!;
    const integ = s.integrations ? await reconcileIntegrations(uow, row.id, s.slug, s.integrations) : null;
    const alerts = s.alerts ? await reconcileAlertSettings(uow, row.id, s.alerts) : null;
    const policy = s.escalation_policy !== undefined ? await reconcileServicePolicy(uow, row.id, s.escalation_policy) : null;
    if (e.action === 'created') continue;
    if (integ) e.changes.integrations = integ;
    if (alerts) e.changes.alerts = alerts;
    if (policy) e.changes.escalation_policy = policy;
    if (integ || alerts || policy) e.action = 'changed';
  }
  for (const s of await inDependencyOrder(uow, services)) {
    if (s.depends_on === undefined) continue;
    const row = (await findServiceRow(uow.db, s.slug))!;
    const current = await loadService(uow.db, row.id);
    if (JSON.stringify(current.depends_on.map((d) => d.slug).sort()) !== JSON.stringify([...s.depends_on].sort())) {
      await updateServiceIn(uow, row.id, { depends_on: s.depends_on });
    }
  }
  return out;
}

/**
 * Orders the document's services so each one's dependencies are set after those of every service it
 * will depend on (post-order over the final graph). Every intermediate graph is then part of the final
 * one, so a document whose end state has no cycle never trips the per-service cycle check (reversing
 * an edge no longer depends on item order), while a real cycle is still reported by setDependencies.
 */
async function inDependencyOrder<S extends { slug: string; depends_on?: string[] }>(uow: Uow, services: S[]): Promise<S[]> {
  const edges = await uow.db
    .selectFrom('service_dependencies as d')
    .innerJoin('services as a', 'a.id', 'd.service_id')
    .innerJoin('services as b', 'b.id', 'd.depends_on_id')
    .select(['a.slug as from', 'b.slug as to'])
    .execute();
  const graph = new Map<string, string[]>();
  for (const e of edges) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
  for (const s of services) if (s.depends_on !== undefined) graph.set(s.slug, s.depends_on);
  const order: string[] = [];
  const seen = new Set<string>();
  for (const root of services.map((s) => s.slug)) {
    if (seen.has(root)) continue;
    seen.add(root);
    // Iterative DFS (a long dependency chain must not overflow the stack).
    const stack: Array<{ node: string; next: number }> = [{ node: root, next: 0 }];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const child = (graph.get(top.node) ?? [])[top.next++];
      if (child === undefined) {
        stack.pop();
        order.push(top.node);
      } else if (!seen.has(child)) {
        seen.add(child);
        stack.push({ node: child, next: 0 });
      }
    }
  }
  const rank = new Map(order.map((slug, i) => [slug, i]));
  return [...services].sort((a, b) => rank.get(a.slug)! - rank.get(b.slug)!);
}

/**
 * Brings the database to the document's state in one transaction: all of it applies or none does.
 * A dry run executes the same path (same validation, same authorization) and rolls back.
 */
export async function applyDocument(ctx: Ctx, input: unknown) {
  const { document, dry_run = false } = validate(ApplyRequest, input);
  requireSignedIn(ctx.actor);
  const dupes = findDuplicateKeys(document);
  if (dupes.length) throw errors.validation(dupes.map((d) => ({ path: d, message: 'Duplicate key in document' })));
  let changes: ChangeEntryT[];
  try {
    changes = await transaction(ctx, async (uow) => {
      const list = [
        ...(await applyTeams(uow, document.teams ?? [])),
        ...(await applyUsers(uow, document.users ?? [])),
        // Services point at policies, policies at schedules: create in that order.
        ...(await applySchedules(uow, document.schedules ?? [])),
        ...(await applyPolicies(uow, document.escalation_policies ?? [])),
        ...(await applyServices(uow, document.services ?? [])),
      ];
      for (const section of OPS_SECTIONS) {
        const items = (document as Record<string, unknown[] | undefined>)[section.key];
        if (items) list.push(...(await section.apply(uow, items)));
      }
      if (dry_run) throw new DryRunRollback(list);
      return list;
    });
  } catch (err) {
    if (!(err instanceof DryRunRollback)) throw err;
    changes = err.changes;
  }
  const count = (a: ChangeEntryT['action']) => changes.filter((c) => c.action === a).length;
  return { dry_run, summary: { created: count('created'), changed: count('changed'), unchanged: count('unchanged') }, changes };
}

function findDuplicateKeys(doc: OpsDocumentT): string[] {
  const out: string[] = [];
  const check = (section: string, keys: string[]) => {
    const seen = new Set<string>();
    keys.forEach((k, i) => {
      if (seen.has(k)) out.push(`/${section}/${i}`);
      seen.add(k);
    });
  };
  check('teams', (doc.teams ?? []).map((t) => t.slug));
  check('users', (doc.users ?? []).map((u) => u.email.toLowerCase()));
  check('services', (doc.services ?? []).map((s) => s.slug));
  check('schedules', (doc.schedules ?? []).map((s) => s.slug));
  check('escalation_policies', (doc.escalation_policies ?? []).map((p) => p.slug));
  for (const section of OPS_SECTIONS) check(section.key, ((doc as Record<string, unknown[] | undefined>)[section.key] ?? []).map(section.keyOf));
  return out;
}

/** The current state in the apply format, so `ballast export > ops.yaml && ballast apply -f ops.yaml` is a no-op. */
export async function exportDocument(ctx: Ctx): Promise<OpsDocumentT> {
  requireSignedIn(ctx.actor);
  const db = ctx.deps.db;
  const teams = await db.selectFrom('teams').select('slug').orderBy('slug').execute();
  const users = await db.selectFrom('users').select('id').where('disabled', '=', 0).orderBy('email').execute();
  const services = await db.selectFrom('services').select('id').orderBy('slug').execute();
  const doc: OpsDocumentT = { version: 1, teams: [], users: [], services: [] };
  for (const t of teams) {
    const full = await loadTeam(db, t.slug);
    doc.teams!.push({ slug: full.slug, name: full.name, ...(full.description ? { description: full.description } : {}) });
  }
  for (const u of users) {
    const full = await loadUser(db, u.id);
    doc.users!.push({
      email: full.email,
      name: full.name,
      timezone: full.timezone,
      ...(full.is_admin ? { is_admin: true } : {}),
      ...(Object.keys(full.teams).length ? { teams: full.teams } : {}),
      // Contact addresses can be credentials (chat webhook URLs): only administrators export them.
      ...(isPrivileged(ctx.actor) ? await exportContactMethods(db, full.id).then((m) => (m.length ? { contact_methods: m } : {})) : {}),
    });
  }
  for (const s of services) {
    const full = await loadService(db, s.id);
    doc.services!.push({
      slug: full.slug,
      name: full.name,
      team: full.team.slug,
      tier: full.tier,
      ...(full.description ? { description: full.description } : {}),
      ...(Object.keys(full.links).length ? { links: full.links } : {}),
      ...(full.depends_on.length ? { depends_on: full.depends_on.map((d) => d.slug) } : {}),
      ...(await exportAlerting({ db }, full.id)),
      ...(await servicePolicySlug(db, full.id).then((p) => (p ? { escalation_policy: p } : {}))),
    });
  }
  const schedules = await exportSchedules(db);
  if (schedules.length) doc.schedules = schedules;
  const policies = await exportPolicies(db);
  if (policies.length) doc.escalation_policies = policies;
  for (const section of OPS_SECTIONS) {
    const items = await section.export(ctx);
    if (items.length) (doc as Record<string, unknown[]>)[section.key] = items;
  }
  return doc;
}
