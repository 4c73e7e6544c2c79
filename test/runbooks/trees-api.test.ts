// Decision trees over HTTP on both databases: validation of saves (cycles, missing nodes, bad actions),
// CRUD with role checks, walks (answers, back, leaf completion, wrong answers), the incident timeline,
// escalation paging, example install with missing runbooks, export and `ballast apply` round trips.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import YAML from 'yaml';
import fs from 'node:fs';
import path from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { assertErrorShape } from '../support/http.js';

type U = { id: string; email: string; token: string };

const tiny = (slug: string, extra: Record<string, unknown> = {}) => ({
  slug,
  title: `Tree ${slug}`,
  team: 'platform',
  root: 'q1',
  nodes: [
    { id: 'q1', type: 'question', text: 'Is it **down**?', answers: [{ label: 'Yes', next: 'q2' }, { label: 'No', next: 'fine' }] },
    { id: 'q2', type: 'question', text: 'Database?', answers: [{ label: 'Yes', next: 'failover' }, { label: 'No', next: 'page' }] },
    { id: 'failover', type: 'action', text: 'Fail over.', action: { type: 'run_runbook', runbook: 'database-failover' } },
    { id: 'page', type: 'action', text: 'Page platform.', action: { type: 'escalate', team: 'platform', message: 'help' } },
    { id: 'fine', type: 'action', text: 'Declare a minor one.', action: { type: 'declare_incident', severity: 'SEV3', title: '{{tree}} — {{answer}}' } },
  ],
  ...extra,
});

forEachDatabase('decision trees API', (kind) => {
  let t: TestApp;
  let responder: U;
  let viewer: U;
  let outsider: U;
  let oncall: U;
  let manager: U;
  const clock = new ManualClock('2026-11-23T10:00:00.000Z');

  before(async () => {
    t = await startTestApp(kind, { clock });
    for (const [m, u, b] of [
      ['POST', '/api/v1/teams', { slug: 'platform', name: 'Platform' }],
      ['POST', '/api/v1/teams', { slug: 'network', name: 'Network' }],
      ['POST', '/api/v1/services', { slug: 'checkout', name: 'Checkout', team: 'platform' }],
      ['POST', '/api/v1/runbooks', { slug: 'database-failover', title: 'Database failover', kind: 'incident_response', team: 'platform', template: 'database-failover' }],
    ] as const) {
      const r = await t.request(m, u, { body: b });
      assert.ok(r.status < 300, `${u}: ${r.text}`);
    }
    responder = await t.user({ teams: { platform: 'responder' } });
    viewer = await t.user({ teams: { platform: 'viewer' } });
    outsider = await t.user({ teams: { network: 'responder' } });
    oncall = await t.user({ email: 'oncall@example.com', teams: { network: 'responder' } });
    manager = await t.user({ email: 'netlead@example.com', teams: { network: 'manager' } });
    for (const u of [oncall, manager]) {
      const cm = await t.request('POST', `/api/v1/users/${u.id}/contact-methods`, { token: u.token, body: { type: 'email', address: u.email } });
      assert.equal(cm.status, 201, cm.text);
    }
  });
  after(async () => t.close());

  test('create, read, list, update and delete, with role checks', async () => {
    const denied = await t.request('POST', '/api/v1/decision-trees', { token: viewer.token, body: tiny('crud') });
    assert.equal(denied.status, 403, 'viewers cannot create');
    const other = await t.request('POST', '/api/v1/decision-trees', { token: outsider.token, body: tiny('crud') });
    assert.equal(other.status, 403, 'responders of another team cannot create');
    const c = await t.request('POST', '/api/v1/decision-trees', { token: responder.token, body: tiny('crud', { services: ['checkout'], tags: ['db'] }) });
    assert.equal(c.status, 201, c.text);
    assert.equal(c.body.team.slug, 'platform');
    assert.deepEqual(c.body.services, ['checkout']);
    assert.equal(c.body.version, 1);
    const dup = await t.request('POST', '/api/v1/decision-trees', { token: responder.token, body: tiny('crud') });
    assert.equal(dup.status, 409);

    const read = await t.request('GET', '/api/v1/decision-trees/crud', { token: viewer.token });
    assert.equal(read.status, 200, 'viewers read');
    assert.equal(read.body.nodes.length, 5);
    const list = await t.request('GET', '/api/v1/decision-trees?tag=db', { token: viewer.token });
    assert.deepEqual(list.body.data.map((x: any) => x.slug), ['crud']);
    assert.equal(list.body.data[0].node_count, 5);
    assert.equal((await t.request('GET', '/api/v1/decision-trees?service=checkout')).body.data.length, 1);
    assert.equal((await t.request('GET', '/api/v1/decision-trees?q=nothing-like-it')).body.data.length, 0);
    assert.equal((await t.request('GET', '/api/v1/decision-trees', { token: null })).status, 401);

    const vPatch = await t.request('PATCH', '/api/v1/decision-trees/crud', { token: viewer.token, body: { title: 'x' } });
    assert.equal(vPatch.status, 403);
    const p = await t.request('PATCH', '/api/v1/decision-trees/crud', { token: responder.token, body: { title: 'Renamed', description: 'about **db**' } });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.body.title, 'Renamed');
    assert.equal(p.body.version, 2);
    assert.deepEqual(p.body.services, ['checkout'], 'omitted fields stay');
    const same = await t.request('PATCH', '/api/v1/decision-trees/crud', { token: responder.token, body: { title: 'Renamed' } });
    assert.equal(same.body.version, 2, 'a no-op patch does not bump the version');

    const audit = await t.app.deps.db.selectFrom('audit_log').select(['action', 'before', 'after']).where('target_id', '=', c.body.id).orderBy('at').execute();
    assert.deepEqual(audit.map((a) => a.action), ['decision_tree.create', 'decision_tree.update']);
    assert.equal(JSON.parse(audit[1]!.before!).title, 'Tree crud');
    assert.equal(JSON.parse(audit[1]!.after!).title, 'Renamed');

    assert.equal((await t.request('DELETE', '/api/v1/decision-trees/crud', { token: viewer.token })).status, 403);
    assert.equal((await t.request('DELETE', '/api/v1/decision-trees/crud', { token: responder.token })).status, 204);
    assert.equal((await t.request('GET', '/api/v1/decision-trees/crud')).status, 404);
  });

  test('saving refuses cycles (with the path), missing nodes, unreachable nodes and bad actions', async () => {
    const bad = async (body: unknown) => {
      const r = await t.request('POST', '/api/v1/decision-trees', { body });
      assert.equal(r.status, 400, r.text);
      assertErrorShape(r);
      return r.body.error.details.fields as { path: string; message: string }[];
    };
    const base = tiny('bad');
    const cyc = structuredClone(base);
    cyc.nodes[1]!.answers![1]!.next = 'q1';
    cyc.nodes.splice(3, 1); // 'page' is no longer used
    let f = await bad(cyc);
    assert.ok(f.some((x) => /Cycle: q1 → q2 → q1/.test(x.message)), JSON.stringify(f));

    const missing = structuredClone(base);
    missing.nodes[0]!.answers![0]!.next = 'nowhere';
    f = await bad(missing);
    assert.ok(f.some((x) => x.path === '/nodes/0/answers/0/next' && /nowhere/.test(x.message)));

    f = await bad({ ...base, root: 'ghost' });
    assert.ok(f.some((x) => x.path === '/root'));

    const orphan = structuredClone(base);
    orphan.nodes.push({ id: 'orphan', type: 'action', text: 'x', action: { type: 'info' } } as any);
    f = await bad(orphan);
    assert.ok(f.some((x) => x.path === '/nodes/5' && /cannot be reached/.test(x.message)));

    const rb = structuredClone(base);
    (rb.nodes[2] as any).action.runbook = 'no-such-runbook';
    f = await bad(rb);
    assert.ok(f.some((x) => x.path === '/nodes/2/action/runbook' && /no-such-runbook/.test(x.message)));

    const team = structuredClone(base);
    (team.nodes[3] as any).action.team = 'no-such-team';
    f = await bad(team);
    assert.ok(f.some((x) => x.path === '/nodes/3/action/team'));

    const leafless = structuredClone(base);
    delete (leafless.nodes[2] as any).action;
    f = await bad(leafless);
    assert.ok(f.some((x) => x.path === '/nodes/2/action'));

    const sev = structuredClone(base);
    (sev.nodes[4] as any).action.severity = 'SEV9';
    assert.equal((await t.request('POST', '/api/v1/decision-trees', { body: sev })).status, 400);
    assert.equal((await t.request('POST', '/api/v1/decision-trees', { body: { ...base, slug: 'walks' } })).status, 400, 'route names are reserved');
    const dupId = structuredClone(base);
    dupId.nodes[4]!.id = 'q2';
    f = await bad(dupId);
    assert.ok(f.some((x) => /used twice/.test(x.message)));
    // An invalid PATCH leaves the stored tree alone.
    assert.equal((await t.request('POST', '/api/v1/decision-trees', { body: tiny('keep') })).status, 201);
    const bp = await t.request('PATCH', '/api/v1/decision-trees/keep', { body: { root: 'ghost' } });
    assert.equal(bp.status, 400);
    assert.equal((await t.request('GET', '/api/v1/decision-trees/keep')).body.root, 'q1');
  });

  test('walks: answers, wrong answers, back, completion with the action descriptor', async () => {
    assert.equal((await t.request('POST', '/api/v1/decision-trees', { body: tiny('walky') })).status, 201);
    const w = await t.request('POST', '/api/v1/decision-trees/walky/walks', { token: viewer.token, body: {} });
    assert.equal(w.status, 201, w.text);
    assert.equal(w.body.status, 'active');
    assert.equal(w.body.current.id, 'q1');
    assert.deepEqual(w.body.current.answers.map((a: any) => a.label), ['Yes', 'No']);
    const id = w.body.id;
    const ans = (body: unknown, token = viewer.token) => t.request('POST', `/api/v1/decision-trees/walks/${id}/answer`, { token, body });

    const wrong = await ans({ node: 'q1', answer: 'Maybe' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.error.message, /Maybe/);
    assert.equal((await ans({ node: 'q2', answer: 'Yes' })).status, 409, 'answering another node than the current one');
    assert.equal((await ans({ node: 'q1', answer: 7 })).status, 400);
    assert.equal((await t.request('POST', `/api/v1/decision-trees/walks/${id}/back`, { body: {} })).status, 409, 'nothing to go back to');

    const a1 = await ans({ node: 'q1', answer: 'yes' });
    assert.equal(a1.status, 200, a1.text);
    assert.equal(a1.body.current.id, 'q2');
    assert.deepEqual(a1.body.path.map((p: any) => [p.node, p.answer]), [['q1', 'Yes']]);
    assert.equal(a1.body.path[0].question, 'Is it down?');
    const a2 = await ans({ node: 'q2', answer: 0 });
    assert.equal(a2.body.status, 'completed');
    assert.equal(a2.body.current.id, 'failover');
    assert.equal(a2.body.action.type, 'run_runbook');
    assert.deepEqual(a2.body.action.runbook, { slug: 'database-failover', title: 'Database failover', exists: true });
    assert.deepEqual(a2.body.action.request, { method: 'POST', path: '/api/v1/runbook-runs', body: { runbook: 'database-failover' } });
    assert.ok(a2.body.completed_at);
    assert.equal((await ans({ node: 'failover', answer: 'Yes' })).status, 409, 'a completed walk takes no answers');

    const back = await t.request('POST', `/api/v1/decision-trees/walks/${id}/back`, { token: viewer.token, body: {} });
    assert.equal(back.status, 200);
    assert.equal(back.body.status, 'active');
    assert.equal(back.body.current.id, 'q2');
    assert.equal(back.body.action, null);
    const a3 = await ans({ node: 'q2', answer: 'No' });
    assert.equal(a3.body.action.type, 'escalate');
    assert.equal(a3.body.action.request.path, `/api/v1/decision-trees/walks/${id}/escalate`);

    // Declare-incident leaves prefill the title from the template.
    const w2 = (await t.request('POST', '/api/v1/decision-trees/walky/walks', { body: {} })).body;
    const d = await t.request('POST', `/api/v1/decision-trees/walks/${w2.id}/answer`, { body: { node: 'q1', answer: 'No' } });
    assert.equal(d.body.action.type, 'declare_incident');
    assert.equal(d.body.action.title, 'Tree walky — No');
    assert.equal(d.body.action.severity, 'SEV3');
    assert.match(d.body.action.ui_path, /^\/incidents\/new\?severity=SEV3&title=Tree\+walky/);
    const declared = await t.request(d.body.action.request.method, d.body.action.request.path, { body: d.body.action.request.body });
    assert.equal(declared.status, 201, declared.text);
    assert.deepEqual([declared.body.title, declared.body.severity], ['Tree walky — No', 'SEV3']);

    // Editing the tree does not change walks in progress (they follow their snapshot).
    const w3 = (await t.request('POST', '/api/v1/decision-trees/walky/walks', { body: {} })).body;
    const edited = tiny('walky');
    edited.nodes[0]!.answers = [{ label: 'Only', next: 'fine' }];
    edited.nodes.splice(1, 3);
    assert.equal((await t.request('PATCH', '/api/v1/decision-trees/walky', { body: { nodes: edited.nodes } })).status, 200);
    const still = await t.request('POST', `/api/v1/decision-trees/walks/${w3.id}/answer`, { body: { node: 'q1', answer: 'Yes' } });
    assert.equal(still.status, 200, still.text);
    assert.equal(still.body.current.id, 'q2');

    const perTree = await t.request('GET', '/api/v1/decision-trees/walky/walks');
    assert.deepEqual(perTree.body.data.map((x: any) => x.id), [w3.id, w2.id, id]);
    assert.equal((await t.request('GET', `/api/v1/decision-trees/walks/${id}`)).body.path.length, 2);
    assert.equal((await t.request('GET', '/api/v1/decision-trees/walks/not-a-uuid')).status, 404);
  });

  test('walks on an incident are recorded on its timeline; escalate pages the team once', async () => {
    assert.equal((await t.request('POST', '/api/v1/decision-trees', { body: tiny('inc-tree') })).status, 201);
    const netTree = tiny('net-tree');
    (netTree.nodes[3] as any).action.team = 'network';
    assert.equal((await t.request('POST', '/api/v1/decision-trees', { body: netTree })).status, 201);
    const inc = await t.request('POST', '/api/v1/incidents', { body: { title: 'Checkout down', severity: 'SEV2', services: ['checkout'] } });
    assert.equal(inc.status, 201, inc.text);
    const ref = `INC-${inc.body.number}`;

    assert.equal((await t.request('POST', '/api/v1/decision-trees/inc-tree/walks', { token: outsider.token, body: { incident: ref } })).status, 403, 'needs incident editor');
    assert.equal((await t.request('POST', '/api/v1/decision-trees/inc-tree/walks', { body: { incident: 'INC-99999' } })).status, 404);
    const w = await t.request('POST', '/api/v1/decision-trees/inc-tree/walks', { token: responder.token, body: { incident: ref } });
    assert.equal(w.status, 201, w.text);
    assert.equal(w.body.incident.ref, ref);
    for (const [node, answer] of [['q1', 'Yes'], ['q2', 'Yes']]) {
      const r = await t.request('POST', `/api/v1/decision-trees/walks/${w.body.id}/answer`, { token: responder.token, body: { node, answer } });
      assert.equal(r.status, 200, r.text);
    }
    const done = (await t.request('GET', `/api/v1/decision-trees/walks/${w.body.id}`)).body;
    assert.deepEqual(done.action.request.body, { runbook: 'database-failover', incident: ref }, 'the run is started on the same incident');
    // The descriptor is the exact call: performing it starts a run attached to the incident.
    const run = await t.request(done.action.request.method, done.action.request.path, { token: responder.token, body: done.action.request.body });
    assert.equal(run.status, 201, run.text);
    const runs = await t.request('GET', `/api/v1/runbook-runs?incident=${ref}`);
    assert.ok(runs.body.data.some((r: any) => r.id === run.body.id), 'the run lists under the incident');
    const timeline = async () => (await t.request('GET', `/api/v1/incidents/${ref}/timeline`)).body.data as any[];
    const entry = (await timeline()).find((e) => e.kind === 'decision_tree_walk');
    assert.ok(entry, 'walk recorded on the timeline');
    assert.match(entry.summary, /Yes → Yes ⇒ run runbook database-failover/);

    const byIncident = await t.request('GET', `/api/v1/decision-trees/walks?incident=${ref}`);
    assert.deepEqual(byIncident.body.data.map((x: any) => x.id), [w.body.id]);

    // Escalate: the network team has no escalation policy, so its managers are paged.
    const ew = (await t.request('POST', '/api/v1/decision-trees/net-tree/walks', { body: { incident: ref } })).body;
    assert.equal((await t.request('POST', `/api/v1/decision-trees/walks/${ew.id}/escalate`, { body: {} })).status, 409, 'not at an escalate leaf yet');
    for (const [node, answer] of [['q1', 'Yes'], ['q2', 'No']]) await t.request('POST', `/api/v1/decision-trees/walks/${ew.id}/answer`, { body: { node, answer } });
    assert.equal((await t.request('POST', `/api/v1/decision-trees/walks/${ew.id}/escalate`, { token: viewer.token, body: {} })).status, 403);
    const esc = await t.request('POST', `/api/v1/decision-trees/walks/${ew.id}/escalate`, { body: {} });
    assert.equal(esc.status, 200, esc.text);
    assert.equal(esc.body.escalation.via, 'team_managers');
    assert.deepEqual(esc.body.escalation.notified.map((n: any) => n.id), [manager.id]);
    assert.equal(esc.body.action.escalated, true);
    const sent = await t.app.deps.db.selectFrom('notifications').select(['user_id', 'subject', 'incident_id']).where('subject', 'like', '[Escalation]%').execute();
    assert.deepEqual(sent.map((s) => s.user_id), [manager.id]);
    assert.equal(sent[0]!.incident_id, inc.body.id);
    assert.equal((await t.request('POST', `/api/v1/decision-trees/walks/${ew.id}/escalate`, { body: {} })).status, 409, 'pages once per walk');
    assert.ok((await timeline()).some((e) => e.kind === 'escalated' && /paged/.test(e.summary)));

    // With a policy on a network service, level 1 (the on-call user) is paged instead.
    await t.request('POST', '/api/v1/services', { body: { slug: 'edge', name: 'Edge', team: 'network' } });
    const pol = await t.request('POST', '/api/v1/escalation-policies', {
      body: { slug: 'net-default', name: 'Net', team: 'network', levels: [{ delay_minutes: 5, targets: [`user:${oncall.email}`] }, { delay_minutes: 5, targets: [`user:${manager.email}`] }] },
    });
    assert.equal(pol.status, 201, pol.text);
    assert.equal((await t.request('PUT', '/api/v1/services/edge/escalation-policy', { body: { policy: 'net-default' } })).status, 200);
    const sw = (await t.request('POST', '/api/v1/decision-trees/net-tree/walks', { token: responder.token, body: {} })).body;
    for (const [node, answer] of [['q1', 'Yes'], ['q2', 'No']]) await t.request('POST', `/api/v1/decision-trees/walks/${sw.id}/answer`, { token: responder.token, body: { node, answer } });
    const esc2 = await t.request('POST', `/api/v1/decision-trees/walks/${sw.id}/escalate`, { token: responder.token, body: {} });
    assert.equal(esc2.status, 200, esc2.text);
    assert.equal(esc2.body.escalation.via, 'escalation_policy');
    assert.deepEqual(esc2.body.escalation.notified.map((n: any) => n.id), [oncall.id]);
  });

  test('the seed example installs with info fallbacks for missing runbooks, and walks to its leaves', async () => {
    const ex = await t.request('GET', '/api/v1/decision-trees/examples', { token: viewer.token });
    assert.equal(ex.status, 200);
    const su = ex.body.data.find((e: any) => e.key === 'system-unavailable');
    assert.ok(su);
    assert.deepEqual(su.runbooks, ['cache-clear', 'database-failover', 'log-investigation', 'rollback', 'scaling', 'service-restart']);
    assert.equal((await t.request('POST', '/api/v1/decision-trees/examples/system-unavailable', { token: viewer.token, body: { team: 'platform' } })).status, 403);
    assert.equal((await t.request('POST', '/api/v1/decision-trees/examples/nope', { body: { team: 'platform' } })).status, 404);
    for (const key of ['constructor', '__proto__', 'toString']) {
      assert.equal((await t.request('POST', `/api/v1/decision-trees/examples/${key}`, { body: { team: 'platform' } })).status, 404, key);
    }
    const inst = await t.request('POST', '/api/v1/decision-trees/examples/system-unavailable', { token: responder.token, body: { team: 'platform' } });
    assert.equal(inst.status, 201, inst.text);
    assert.equal(inst.body.tree.slug, 'system-unavailable');
    // database-failover exists (created in before()); the six other runbook leaves become info leaves with a warning each.
    assert.equal(inst.body.warnings.length, 6, inst.body.warnings.join('\n'));
    const nodes = inst.body.tree.nodes as any[];
    assert.equal(nodes.find((n) => n.id === 'database-unavailable').action.type, 'run_runbook');
    const restart = nodes.find((n) => n.id === 'errors-restart');
    assert.equal(restart.action.type, 'info');
    assert.match(restart.text, /service-restart/);
    assert.equal(nodes.find((n) => n.id === 'network-issues').action.team, 'platform');
    // The seed's structure: System unavailable? → Yes: infrastructure checks, No: application checks.
    const root = nodes.find((n) => n.id === inst.body.tree.root);
    assert.deepEqual(root.answers.map((a: any) => a.next), ['check-infrastructure', 'check-application']);
    assert.deepEqual(nodes.find((n) => n.id === 'check-infrastructure').answers.map((a: any) => a.label).slice(0, 3), ['Kubernetes cluster down', 'Database unavailable', 'Network issues']);
    assert.deepEqual(nodes.find((n) => n.id === 'check-application').answers.map((a: any) => a.label), ['High error rate', 'Slow response time', 'Feature not working']);
    assert.equal((await t.request('POST', '/api/v1/decision-trees/examples/system-unavailable', { body: { team: 'platform' } })).status, 409, 'slug taken');
    const second = await t.request('POST', '/api/v1/decision-trees/examples/system-unavailable', { body: { team: 'platform', slug: 'su-2' } });
    assert.equal(second.status, 201);

    const w = (await t.request('POST', '/api/v1/decision-trees/system-unavailable/walks', { body: {} })).body;
    for (const [node, answer] of [['issue-reported', 'Yes'], ['check-infrastructure', 'Kubernetes cluster down']]) {
      await t.request('POST', `/api/v1/decision-trees/walks/${w.id}/answer`, { body: { node, answer } });
    }
    const leaf = (await t.request('GET', `/api/v1/decision-trees/walks/${w.id}`)).body;
    assert.equal(leaf.status, 'completed');
    assert.deepEqual([leaf.action.type, leaf.action.severity, leaf.action.title], ['declare_incident', 'SEV1', 'Kubernetes cluster down']);

    // The docs copy is the same tree in apply format and applies cleanly.
    const docs = YAML.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/examples/decision-tree-system-unavailable.yaml'), 'utf8'));
    const fromDocs = docs.decision_trees[0];
    assert.deepEqual(fromDocs.nodes.map((n: any) => n.id), nodes.map((n) => n.id));
  });

  test('export (JSON and YAML) round-trips through apply as unchanged; apply creates and changes', async () => {
    const exp = await t.request('GET', '/api/v1/decision-trees/keep/export');
    assert.equal(exp.status, 200);
    assert.equal(exp.body.decision_trees[0].slug, 'keep');
    const y = await t.request('GET', '/api/v1/decision-trees/keep/export?format=yaml');
    assert.match(y.headers.get('content-type') ?? '', /yaml/);
    const doc = YAML.parse(y.text);
    assert.deepEqual(doc, exp.body);
    const again = await t.request('POST', '/api/v1/apply', { body: { document: doc } });
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.body.changes.map((c: any) => [c.kind, c.key, c.action]), [['decision_tree', 'keep', 'unchanged']]);

    const full = await t.request('GET', '/api/v1/export');
    const trees = full.body.decision_trees as any[];
    assert.ok(trees.some((x) => x.slug === 'system-unavailable'));
    const all = await t.request('POST', '/api/v1/apply', { body: { document: full.body } });
    assert.equal(all.status, 200, all.text);
    assert.ok(all.body.changes.filter((c: any) => c.kind === 'decision_tree').every((c: any) => c.action === 'unchanged'), JSON.stringify(all.body.changes.filter((c: any) => c.action !== 'unchanged')));

    const changed = structuredClone(doc.decision_trees[0]);
    changed.title = 'Kept and renamed';
    changed.nodes[0].text = 'Is it really down?';
    const created = { ...tiny('from-apply'), slug: 'from-apply' };
    const res = await t.request('POST', '/api/v1/apply', { body: { document: { decision_trees: [changed, created] } } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.changes.map((c: any) => [c.key, c.action]), [['keep', 'changed'], ['from-apply', 'created']]);
    assert.deepEqual(Object.keys(res.body.changes[0].changes).sort(), ['nodes', 'title']);
    assert.equal((await t.request('GET', '/api/v1/decision-trees/keep')).body.nodes[0].text, 'Is it really down?');

    const broken = { ...tiny('broken-apply'), root: 'ghost' };
    const bad = await t.request('POST', '/api/v1/apply', { body: { document: { decision_trees: [broken] } } });
    assert.equal(bad.status, 400);
    assert.ok(bad.body.error.details.fields.some((f: any) => f.path === '/document/decision_trees/0/root'), bad.text);
  });
});
