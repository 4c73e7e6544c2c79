import type { Kysely } from 'kysely';
import { fromJson } from '../../../core/json.js';
import type { Database } from '../../../db/schema.js';
import { incidentTitle, type TreeNodeT } from './model.js';
import type { DecisionTreeTables } from './tables.js';
import type { PathStep } from './walks.js';

type Db = Kysely<Database>;
type WalkRow = DecisionTreeTables['decision_tree_walks'];

/** A call the client makes to perform the leaf (the walk itself never acts on its own). */
interface Call {
  method: 'POST';
  path: string;
  body: Record<string, unknown>;
}

export type ActionDescriptor =
  | { type: 'run_runbook'; node: string; text: string; runbook: { slug: string; title: string | null; exists: boolean }; request: Call }
  | { type: 'declare_incident'; node: string; text: string; severity: string; title: string; services: string[]; request: Call; ui_path: string }
  | { type: 'escalate'; node: string; text: string; team: { slug: string; name: string | null }; message: string; request: Call; escalated: boolean }
  | { type: 'info'; node: string; text: string };

/** What the leaf asks for, with the exact request that performs it, so every client does it the same way. */
export async function describeAction(db: Db, row: WalkRow, leaf: TreeNodeT, path: PathStep[]): Promise<ActionDescriptor> {
  const a = leaf.action ?? { type: 'info' as const };
  const base = { node: leaf.id, text: leaf.text };
  const incident = row.incident_id ? await db.selectFrom('incidents').select('number').where('id', '=', row.incident_id).executeTakeFirst() : undefined;
  const incidentRef = incident ? `INC-${incident.number}` : undefined;
  switch (a.type) {
    case 'run_runbook': {
      const rb = await db.selectFrom('runbooks').select(['title']).where('slug', '=', a.runbook).executeTakeFirst();
      return {
        type: 'run_runbook',
        ...base,
        runbook: { slug: a.runbook, title: rb?.title ?? null, exists: !!rb },
        request: { method: 'POST', path: '/api/v1/runbook-runs', body: { runbook: a.runbook, ...(incidentRef ? { incident: incidentRef } : {}) } },
      };
    }
    case 'declare_incident': {
      const title = incidentTitle(a.title, { tree: row.title, answer: path.at(-1)?.answer ?? row.title });
      const tree = await db.selectFrom('decision_trees').select('services').where('id', '=', row.tree_id).executeTakeFirst();
      const ids = fromJson<string[]>(tree?.services, []);
      const services = ids.length ? (await db.selectFrom('services').select('slug').where('id', 'in', ids).orderBy('slug').execute()).map((s) => s.slug) : [];
      const qs = new URLSearchParams({ severity: a.severity, title, ...(services.length ? { services: services.join(',') } : {}) });
      return {
        type: 'declare_incident',
        ...base,
        severity: a.severity,
        title,
        services,
        request: { method: 'POST', path: '/api/v1/incidents', body: { title, severity: a.severity, services } },
        ui_path: `/incidents/new?${qs.toString()}`,
      };
    }
    case 'escalate': {
      const team = await db.selectFrom('teams').select('name').where('slug', '=', a.team).executeTakeFirst();
      return {
        type: 'escalate',
        ...base,
        team: { slug: a.team, name: team?.name ?? null },
        message: a.message ?? '',
        request: { method: 'POST', path: `/api/v1/decision-trees/walks/${row.id}/escalate`, body: {} },
        escalated: !!row.escalation,
      };
    }
    default:
      return { type: 'info', ...base };
  }
}

export function actionSummary(a: ActionDescriptor): string {
  switch (a.type) {
    case 'run_runbook':
      return `run runbook ${a.runbook.slug}`;
    case 'declare_incident':
      return `declare a ${a.severity} incident “${a.title}”`;
    case 'escalate':
      return `escalate to team ${a.team.slug}`;
    default:
      return 'resolution (info)';
  }
}
