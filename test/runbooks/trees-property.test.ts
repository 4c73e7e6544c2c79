// Properties of decision trees: random valid trees validate; adding a back edge is always reported as a
// cycle; random walks (answers, backs, wrong answers) over the API on both databases always stay
// consistent: the path follows the tree's edges from the root, and the walk is complete exactly at a leaf.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { checkStructure, type TreeNodeT } from '../../src/domains/runbooks/trees/model.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';

/** A random tree: node j > 0 hangs under an earlier question, so the graph is acyclic and reachable. */
const arbTree = fc
  .array(fc.tuple(fc.nat(), fc.constantFrom('info', 'declare') as fc.Arbitrary<'info' | 'declare'>), { minLength: 1, maxLength: 25 })
  .map((specs) => {
    const parents: number[] = [-1];
    for (let j = 1; j < specs.length; j++) parents.push(specs[j]![0] % j);
    const children = specs.map((_, i) => parents.map((p, j) => (p === i ? j : -1)).filter((j) => j >= 0));
    const nodes: TreeNodeT[] = specs.map(([, leafKind], i) =>
      children[i]!.length
        ? { id: `n${i}`, type: 'question', text: `Question ${i}?`, answers: children[i]!.map((c, k) => ({ label: `A${k}`, next: `n${c}` })) }
        : { id: `n${i}`, type: 'action', text: `Leaf ${i}`, action: leafKind === 'info' ? { type: 'info' } : { type: 'declare_incident', severity: 'SEV2' } },
    );
    return { root: 'n0', nodes, parents };
  });

describe('decision tree structure (property)', () => {
  test('random valid trees validate, and every node is reachable', () => {
    fc.assert(
      fc.property(arbTree, (t) => {
        const r = checkStructure(t);
        assert.deepEqual(r.problems, []);
        assert.equal(r.reachable.length, t.nodes.length);
      }),
      { numRuns: 300 },
    );
  });

  test('an answer pointing back at an ancestor is reported as a cycle naming both nodes', () => {
    fc.assert(
      fc.property(arbTree, fc.nat(), (t, pick) => {
        const questions = t.nodes.map((n, i) => [n, i] as const).filter(([n]) => n.type === 'question');
        fc.pre(questions.length > 0);
        const [q, qi] = questions[pick % questions.length]!;
        const ancestors: number[] = [];
        for (let p = qi; p >= 0; p = t.parents[p]!) ancestors.push(p);
        const target = `n${ancestors[pick % ancestors.length]}`;
        q.answers!.push({ label: 'loop', next: target });
        const r = checkStructure(t);
        const cycle = r.problems.find((p) => p.message.startsWith('Cycle: '));
        assert.ok(cycle, JSON.stringify(r.problems));
        assert.ok(cycle.message.includes(target) && cycle.message.includes(q.id), cycle.message);
      }),
      { numRuns: 200 },
    );
  });
});

type Op = { kind: 'answer'; pick: number } | { kind: 'back' } | { kind: 'wrong' };
const arbOps = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: fc.nat().map((pick): Op => ({ kind: 'answer', pick })) },
    { weight: 2, arbitrary: fc.constant<Op>({ kind: 'back' }) },
    { weight: 1, arbitrary: fc.constant<Op>({ kind: 'wrong' }) },
  ),
  { maxLength: 30 },
);

forEachDatabase('decision tree walks (property)', (kind) => {
  let t: TestApp;
  let seq = 0;
  before(async () => {
    t = await startTestApp(kind);
    assert.equal((await t.request('POST', '/api/v1/teams', { body: { slug: 'platform', name: 'Platform' } })).status, 201);
  });
  after(async () => t.close());

  test('random walks stay consistent with the tree and end complete only at a leaf', async () => {
    await fc.assert(
      fc.asyncProperty(arbTree, arbOps, async (tree, ops) => {
        const slug = `prop-${++seq}`;
        const c = await t.request('POST', '/api/v1/decision-trees', { body: { slug, title: slug, team: 'platform', root: tree.root, nodes: tree.nodes } });
        assert.equal(c.status, 201, c.text);
        const byId = new Map(tree.nodes.map((n) => [n.id, n]));
        let w = (await t.request('POST', `/api/v1/decision-trees/${slug}/walks`, { body: {} })).body;
        const check = () => {
          const cur = byId.get(w.current.id)!;
          assert.equal(w.status === 'completed', cur.type === 'action', 'complete exactly at a leaf');
          assert.equal(w.action === null, w.status !== 'completed');
          let at = tree.root;
          for (const step of w.path) {
            assert.equal(step.node, at);
            assert.ok(byId.get(at)!.answers!.some((a) => a.label === step.answer && a.next === step.next), 'each step follows an edge');
            at = step.next;
          }
          assert.equal(at, w.current.id);
        };
        check();
        for (const op of ops) {
          let r;
          if (op.kind === 'back') r = await t.request('POST', `/api/v1/decision-trees/walks/${w.id}/back`, { body: {} });
          else if (op.kind === 'wrong') r = await t.request('POST', `/api/v1/decision-trees/walks/${w.id}/answer`, { body: { node: w.current.id, answer: 'not an answer' } });
          else r = await t.request('POST', `/api/v1/decision-trees/walks/${w.id}/answer`, { body: { node: w.current.id, answer: op.pick % Math.max(1, w.current.answers.length) } });
          if (r.status === 200) {
            assert.notEqual(op.kind, 'wrong');
            w = r.body;
          } else {
            assert.ok([400, 409].includes(r.status), r.text);
            const expected = op.kind === 'back' ? w.path.length === 0 : op.kind === 'wrong' || w.status === 'completed';
            assert.ok(expected, `${op.kind} refused with ${r.status} at ${w.current.id}`);
          }
          check();
        }
        const stored = (await t.request('GET', `/api/v1/decision-trees/walks/${w.id}`)).body;
        assert.deepEqual(stored.path, w.path);
      }),
      { numRuns: Number(process.env.BALLAST_PROPERTY_RUNS ?? 25) },
    );
  });
});
