import { Type, type Static } from '@sinclair/typebox';
import type { Ctx } from '../../../core/context.js';
import { errors } from '../../../core/errors.js';
import { Slug } from '../../../core/schemas.js';
import { transaction } from '../../../core/uow.js';
import { validate } from '../../../core/validate.js';
import { requireSignedIn, requireTeamRole } from '../../accounts/authz.js';
import { mustFindTeam } from '../../accounts/teams.js';
import type { TreeNodeT, TreeSpecT } from './model.js';
import { createTreeIn, type TreeDto } from './trees.js';

/**
 * Built-in example trees. `system-unavailable` is seed 002 Task 3's troubleshooting decision tree,
 * node for node:
 *
 *   Issue Reported
 *   ├── System Unavailable?
 *   │   ├── Yes → Check Infrastructure
 *   │   │   ├── Kubernetes Cluster Down?
 *   │   │   ├── Database Unavailable?
 *   │   │   └── Network Issues?
 *   │   └── No → Check Application
 *   │       ├── High Error Rate?
 *   │       ├── Slow Response Time?
 *   │       └── Feature Not Working?
 *
 * "Check infrastructure" and "Check application" are questions whose answers are the seed's checks;
 * each check then ends in an action: a starter runbook (service-restart, database-failover, …), an
 * escalation to the installing team, or declaring an incident at the severity the seed's
 * classification gives ("system completely unavailable" is critical = SEV1). The escalate leaves name
 * the team `{{team}}`, replaced by the team the example is installed for.
 *
 * Runbook leaves need their runbook. When one is missing at install time (the starter templates are
 * not installed yet), the leaf is installed as an info leaf that names the template and what to do,
 * and the install answers with a warning per replaced leaf, so the tree is usable at once and the
 * leaf can be switched back to "run runbook" in the editor later. docs/examples/decision-tree-system-unavailable.yaml
 * holds the same tree in `ballast apply` format.
 */
const TEAM = '{{team}}';

const SYSTEM_UNAVAILABLE: Omit<TreeSpecT, 'slug' | 'team'> = {
  title: 'System unavailable?',
  description: 'First-response troubleshooting for a reported issue: infrastructure when the system is down, the application otherwise (seed 002, Task 3).',
  tags: ['troubleshooting', 'first-response'],
  root: 'issue-reported',
  nodes: [
    {
      id: 'issue-reported',
      type: 'question',
      text: '# Issue reported\n\n**Is the system unavailable?** Users cannot reach it at all (health checks fail, the front door returns errors or times out).',
      answers: [
        { label: 'Yes', next: 'check-infrastructure' },
        { label: 'No', next: 'check-application' },
      ],
    },
    {
      id: 'check-infrastructure',
      type: 'question',
      text: '## Check infrastructure\n\nWhich check fails?',
      answers: [
        { label: 'Kubernetes cluster down', next: 'kubernetes-cluster-down' },
        { label: 'Database unavailable', next: 'database-unavailable' },
        { label: 'Network issues', next: 'network-issues' },
        { label: 'None of these', next: 'infrastructure-unknown' },
      ],
    },
    {
      id: 'kubernetes-cluster-down',
      type: 'action',
      text: 'The **Kubernetes cluster is down**: the whole system is unavailable. Declare a critical incident and page the platform owners; check the control plane (`kubectl get nodes`, cloud provider status) while they join.',
      action: { type: 'declare_incident', severity: 'SEV1', title: 'Kubernetes cluster down' },
    },
    {
      id: 'database-unavailable',
      type: 'action',
      text: 'The **database is unavailable**. Fail over to the replica with the database failover runbook.',
      action: { type: 'run_runbook', runbook: 'database-failover' },
    },
    {
      id: 'network-issues',
      type: 'action',
      text: '**Network issues** (DNS, load balancer, packet loss between zones). Escalate to the team that owns the network path.',
      action: { type: 'escalate', team: TEAM, message: 'System unavailable: network issues suspected (DNS, load balancer or inter-zone connectivity).' },
    },
    {
      id: 'infrastructure-unknown',
      type: 'action',
      text: 'The system is unavailable and no infrastructure check explains it. Declare a critical incident so a commander coordinates the investigation.',
      action: { type: 'declare_incident', severity: 'SEV1', title: 'System unavailable: cause unknown' },
    },
    {
      id: 'check-application',
      type: 'question',
      text: '## Check application\n\nWhat do you see?',
      answers: [
        { label: 'High error rate', next: 'high-error-rate' },
        { label: 'Slow response time', next: 'slow-response-time' },
        { label: 'Feature not working', next: 'feature-not-working' },
      ],
    },
    {
      id: 'high-error-rate',
      type: 'question',
      text: '**High error rate.** Was something deployed in the last hour?',
      answers: [
        { label: 'Yes', next: 'errors-after-deploy' },
        { label: 'No', next: 'errors-instances' },
      ],
    },
    {
      id: 'errors-after-deploy',
      type: 'action',
      text: 'Errors started after a deployment: **roll it back** first, investigate after.',
      action: { type: 'run_runbook', runbook: 'rollback' },
    },
    {
      id: 'errors-instances',
      type: 'question',
      text: 'Are instances crashing, restarting or failing health checks?',
      answers: [
        { label: 'Yes', next: 'errors-restart' },
        { label: 'No', next: 'errors-logs' },
      ],
    },
    {
      id: 'errors-restart',
      type: 'action',
      text: 'Unhealthy instances: restart the service.',
      action: { type: 'run_runbook', runbook: 'service-restart' },
    },
    {
      id: 'errors-logs',
      type: 'action',
      text: 'No deployment and healthy instances: find the failing requests in the logs.',
      action: { type: 'run_runbook', runbook: 'log-investigation' },
    },
    {
      id: 'slow-response-time',
      type: 'question',
      text: '**Slow response time.** Is CPU, memory or the connection pool near its limit?',
      answers: [
        { label: 'Yes', next: 'slow-scale' },
        { label: 'No', next: 'slow-logs' },
      ],
    },
    {
      id: 'slow-scale',
      type: 'action',
      text: 'Saturated resources: scale out.',
      action: { type: 'run_runbook', runbook: 'scaling' },
    },
    {
      id: 'slow-logs',
      type: 'action',
      text: 'Slow without saturation: look for slow queries and timeouts to dependencies in the logs.',
      action: { type: 'run_runbook', runbook: 'log-investigation' },
    },
    {
      id: 'feature-not-working',
      type: 'question',
      text: '**Feature not working.** Does it show stale or inconsistent data (old prices, missing updates)?',
      answers: [
        { label: 'Yes', next: 'feature-cache' },
        { label: 'No', next: 'feature-incident' },
      ],
    },
    {
      id: 'feature-cache',
      type: 'action',
      text: 'Stale data: clear the cache.',
      action: { type: 'run_runbook', runbook: 'cache-clear' },
    },
    {
      id: 'feature-incident',
      type: 'action',
      text: 'A feature is broken for users: declare a minor-functionality incident (medium) and assign an owner.',
      action: { type: 'declare_incident', severity: 'SEV3', title: 'Feature not working' },
    },
  ],
};

export const EXAMPLES: Record<string, { spec: Omit<TreeSpecT, 'slug' | 'team'> }> = {
  'system-unavailable': { spec: SYSTEM_UNAVAILABLE },
};

export const Example = Type.Object({
  key: Type.String(),
  title: Type.String(),
  description: Type.String(),
  node_count: Type.Integer(),
  runbooks: Type.Array(Type.String(), { description: 'Runbook slugs the example’s leaves run' }),
  installed_as: Type.Array(Type.String(), { description: 'Slugs of trees installed from it (same title)' }),
});

export const ExampleInstall = Type.Object(
  {
    team: Type.String({ minLength: 1, maxLength: 100, description: 'Owning team (slug or id); escalate leaves page this team' }),
    slug: Type.Optional(Slug),
  },
  { additionalProperties: false },
);

const runbooksOf = (nodes: TreeNodeT[]) => [...new Set(nodes.flatMap((n) => (n.action?.type === 'run_runbook' ? [n.action.runbook] : [])))].sort();

export async function listExamples(ctx: Ctx): Promise<{ data: Static<typeof Example>[] }> {
  requireSignedIn(ctx.actor);
  const data = [];
  for (const [key, { spec }] of Object.entries(EXAMPLES)) {
    const installed = await ctx.deps.db.selectFrom('decision_trees').select('slug').where('title', '=', spec.title).orderBy('slug').execute();
    data.push({ key, title: spec.title, description: spec.description ?? '', node_count: spec.nodes.length, runbooks: runbooksOf(spec.nodes), installed_as: installed.map((r) => r.slug) });
  }
  return { data };
}

/** The example with `{{team}}` filled in, before any runbook fallback (the docs YAML is this with team `platform`). */
export function exampleSpec(key: string, teamSlug: string, slug = key): TreeSpecT {
  const ex = Object.hasOwn(EXAMPLES, key) ? EXAMPLES[key] : undefined;
  if (!ex) throw errors.notFound('Example', key);
  const nodes = ex.spec.nodes.map((n) => (n.action?.type === 'escalate' && n.action.team === TEAM ? { ...n, action: { ...n.action, team: teamSlug } } : n));
  return { ...ex.spec, slug, team: teamSlug, nodes: structuredClone(nodes) };
}

export async function installExample(ctx: Ctx, key: string, input: unknown): Promise<{ tree: TreeDto; warnings: string[] }> {
  const data = validate(ExampleInstall, input);
  requireSignedIn(ctx.actor);
  // Own keys only: `constructor` or `__proto__` are not examples.
  if (!Object.hasOwn(EXAMPLES, key)) throw errors.notFound('Example', key);
  return transaction(ctx, async (uow) => {
    const team = await mustFindTeam(uow.db, data.team);
    await requireTeamRole(uow.db, ctx.actor, team.id, 'responder');
    const spec = exampleSpec(key, team.slug, data.slug ?? key);
    const warnings: string[] = [];
    for (const n of spec.nodes) {
      if (n.action?.type !== 'run_runbook') continue;
      const slug = n.action.runbook;
      if (await uow.db.selectFrom('runbooks').select('id').where('slug', '=', slug).executeTakeFirst()) continue;
      n.text = `${n.text}\n\n> Runbook \`${slug}\` is not installed yet. Add it from the runbook starter templates, then edit this leaf to run it. Meanwhile, follow your **${slug.replace(/-/g, ' ')}** procedure by hand.`;
      n.action = { type: 'info' };
      warnings.push(`Runbook '${slug}' does not exist: leaf '${n.id}' was installed as an info leaf`);
    }
    const tree = await createTreeIn(uow, spec);
    await uow.audit({ action: 'decision_tree.install_example', targetType: 'decision_tree', targetId: tree.id, after: { example: key, warnings } });
    return { tree, warnings };
  });
}
