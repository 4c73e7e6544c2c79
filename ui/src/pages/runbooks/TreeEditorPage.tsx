import { useMemo, useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { api, ApiError, errorMessage, request } from '../../api';
import { useCurrentUser } from '../../auth';
import { ConfirmDialog } from '../../components/Modal';
import { useToast } from '../../components/Toast';
import { Banner, Button, Card, LoadError, Loading, PageHeader } from '../../components/ui';
import { hasTeamRole } from '../../lib/permissions';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { useNameWithSlug } from '../../lib/useNameWithSlug';
import type { Page } from '../../types';
import { ACTION_LABEL, treeApi, type Severity, type Tree, type TreeAction, type TreeNode } from './tree-api';
import { TreeOutline } from './tree-outline';
import '../../styles/trees.css';

/** /runbooks/trees/new and /runbooks/trees/:slug/edit */
export function TreeEditorPage() {
  const { slug } = useParams();
  const existing = useQuery(() => (slug ? treeApi.get(slug) : Promise.resolve(null)), [slug]);
  useTitle(slug ? `Edit ${existing.data?.title ?? 'decision tree'}` : 'New decision tree');
  if (slug && existing.error) return <LoadError error={existing.error} onRetry={existing.reload} what="the decision tree" />;
  if (slug && !existing.data) return <Loading />;
  return <TreeForm key={slug ?? 'new'} tree={existing.data ?? null} />;
}

const STARTER: TreeNode[] = [
  { id: 'start', type: 'question', text: 'Is the system unavailable?', answers: [{ label: 'Yes', next: 'yes' }, { label: 'No', next: 'no' }] },
  { id: 'yes', type: 'action', text: 'Declare an incident.', action: { type: 'declare_incident', severity: 'SEV1' } },
  { id: 'no', type: 'action', text: 'Keep watching; nothing to do.', action: { type: 'info' } },
];

function newId(nodes: TreeNode[], prefix: string): string {
  for (let i = nodes.length + 1; ; i++) if (!nodes.some((n) => n.id === `${prefix}-${i}`)) return `${prefix}-${i}`;
}

const defaultAction = (type: TreeAction['type'], team: string): TreeAction =>
  type === 'run_runbook' ? { type, runbook: '' } : type === 'escalate' ? { type, team } : type === 'declare_incident' ? { type, severity: 'SEV2' } : { type: 'info' };

function TreeForm({ tree }: { tree: Tree | null }) {
  const me = useCurrentUser();
  const navigate = useNavigate();
  const toast = useToast();
  const teamsQ = useQuery(() => api.teams.all(), []);
  const runbooksQ = useQuery(() => request<Page<{ slug: string; title: string }>>('GET', '/runbooks', { query: { limit: 500 } }).catch(() => ({ data: [], next_cursor: null })), []);
  const teams = (teamsQ.data ?? []).filter((t) => hasTeamRole(me, t.slug, 'responder'));
  const { name: title, setName: setTitle, slug, setSlug } = useNameWithSlug(tree?.title ?? '', tree?.slug ?? '', !!tree);
  const [team, setTeam] = useState(tree?.team.slug ?? '');
  const [description, setDescription] = useState(tree?.description ?? '');
  const [tags, setTags] = useState((tree?.tags ?? []).join(', '));
  const [services, setServices] = useState((tree?.services ?? []).join(', '));
  const [root, setRoot] = useState(tree?.root ?? 'start');
  const [nodes, setNodes] = useState<TreeNode[]>(tree?.nodes ?? STARTER);
  const [problems, setProblems] = useState<{ path: string; message: string }[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const chosenTeam = team || teams[0]?.slug || '';

  const nodeProblems = useMemo(() => {
    const out = new Map<number, string[]>();
    const general: string[] = [];
    for (const p of problems) {
      const m = /^\/nodes\/(\d+)/.exec(p.path);
      if (m) out.set(Number(m[1]), [...(out.get(Number(m[1])) ?? []), p.message]);
      else general.push(`${p.path.replace(/^\//, '') || 'tree'}: ${p.message}`);
    }
    return { byNode: out, general };
  }, [problems]);

  const setNode = (i: number, patch: Partial<TreeNode>) => setNodes((ns) => ns.map((n, j) => (j === i ? { ...n, ...patch } : n)));
  const renameNode = (i: number, id: string) =>
    setNodes((ns) => {
      const old = ns[i]!.id;
      if (root === old) setRoot(id);
      return ns.map((n, j) => ({
        ...(j === i ? { ...n, id } : n),
        answers: n.answers?.map((a) => (a.next === old ? { ...a, next: id } : a)),
      }));
    });
  const addNode = (type: TreeNode['type'], linkFrom?: { node: number; answer: number }) => {
    const id = newId(nodes, type === 'question' ? 'q' : 'leaf');
    const node: TreeNode = type === 'question' ? { id, type, text: '', answers: [{ label: 'Yes', next: '' }] } : { id, type, text: '', action: { type: 'info' } };
    setNodes((ns) => [
      ...ns.map((n, j) => (linkFrom && j === linkFrom.node ? { ...n, answers: n.answers?.map((a, k) => (k === linkFrom.answer ? { ...a, next: id } : a)) } : n)),
      node,
    ]);
    return id;
  };
  const removeNode = (i: number) => setNodes((ns) => ns.filter((_, j) => j !== i));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblems([]);
    setMessage(null);
    const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
    const clean = nodes.map((n) => (n.type === 'question' ? { id: n.id, type: n.type, text: n.text, answers: n.answers ?? [] } : { id: n.id, type: n.type, text: n.text, action: n.action }));
    const body = { title: title.trim(), description, team: chosenTeam, tags: list(tags), services: list(services), root, nodes: clean };
    try {
      const saved = tree ? await treeApi.update(tree.slug, body) : await treeApi.create({ ...body, slug: slug.trim() });
      toast.success(tree ? 'Tree saved' : `Tree “${saved.title}” created`);
      navigate(`/runbooks/trees/${encodeURIComponent(saved.slug)}`);
    } catch (err) {
      setMessage(errorMessage(err));
      if (err instanceof ApiError) setProblems(err.fields);
      setBusy(false);
    }
  };

  const ids = nodes.map((n) => n.id);
  return (
    <>
      <PageHeader
        back={{ to: tree ? `/runbooks/trees/${encodeURIComponent(tree.slug)}` : '/runbooks/trees', label: tree ? tree.title : 'Decision trees' }}
        title={tree ? `Edit ${tree.title}` : 'New decision tree'}
        subtitle="Questions lead to other nodes through their answers; every path ends in an action."
        actions={
          tree && (
            <Button variant="danger" icon="trash" onClick={() => setDeleting(true)}>
              Delete
            </Button>
          )
        }
      />
      <form className="tree-editor" onSubmit={(e) => void submit(e)} noValidate aria-label="Decision tree">
        <div className="tree-editor-main">
          {message && (
            <Banner title="Could not save">
              {message}
              {nodeProblems.general.length > 0 && (
                <ul className="banner-list">
                  {nodeProblems.general.map((g) => (
                    <li key={g}>{g}</li>
                  ))}
                </ul>
              )}
            </Banner>
          )}
          <Card title="Tree">
            <div className="tree-editor-grid">
              <label>
                Title
                <input
                  className="input"
                  value={title}
                  onChange={(e) => setTitle(e.target.value)}
                />
              </label>
              <label>
                Slug
                <input className="input mono-input" value={slug} disabled={!!tree} onChange={(e) => setSlug(e.target.value)} />
              </label>
              <label>
                Owning team
                <select className="input select" value={chosenTeam} onChange={(e) => setTeam(e.target.value)}>
                  {tree && !teams.some((t) => t.slug === tree.team.slug) && <option value={tree.team.slug}>{tree.team.slug}</option>}
                  {teams.map((t) => (
                    <option key={t.id} value={t.slug}>
                      {t.name}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                First question (root)
                <select className="input select" value={root} onChange={(e) => setRoot(e.target.value)}>
                  {!ids.includes(root) && <option value={root}>{root || '(choose)'}</option>}
                  {ids.map((id) => (
                    <option key={id} value={id}>
                      {id}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Tags <span className="optional">comma-separated</span>
                <input className="input" value={tags} onChange={(e) => setTags(e.target.value)} />
              </label>
              <label>
                Services <span className="optional">slugs, comma-separated</span>
                <input className="input" value={services} onChange={(e) => setServices(e.target.value)} />
              </label>
              <label className="tree-editor-wide">
                Description <span className="optional">Markdown</span>
                <textarea className="input" rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
              </label>
            </div>
          </Card>
          {nodes.map((n, i) => (
            <NodeEditor
              key={i}
              node={n}
              index={i}
              ids={ids}
              isRoot={n.id === root}
              problems={nodeProblems.byNode.get(i) ?? []}
              teams={(teamsQ.data ?? []).map((t) => t.slug)}
              runbooks={(runbooksQ.data?.data ?? []).map((r) => r.slug)}
              defaultTeam={chosenTeam}
              onChange={(patch) => setNode(i, patch)}
              onRename={(id) => renameNode(i, id)}
              onRemove={() => removeNode(i)}
              onAddLinked={(answer, type) => addNode(type, { node: i, answer })}
            />
          ))}
          <div className="tree-editor-add">
            <Button icon="plus" onClick={() => addNode('question')}>
              Add question
            </Button>
            <Button icon="plus" onClick={() => addNode('action')}>
              Add leaf
            </Button>
          </div>
          <div className="form-actions">
            <Button type="submit" variant="primary" busy={busy}>
              {tree ? 'Save tree' : 'Create tree'}
            </Button>
          </div>
        </div>
        <aside className="tree-editor-side">
          <Card title="Outline">
            <TreeOutline root={root} nodes={nodes} problemNodes={new Set([...nodeProblems.byNode.keys()].map((i) => nodes[i]?.id ?? ''))} />
          </Card>
        </aside>
      </form>
      {deleting && tree && (
        <ConfirmDialog
          title={`Delete “${tree.title}”?`}
          confirmLabel="Delete tree"
          danger
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await treeApi.remove(tree.slug);
            toast.success('Tree deleted');
            navigate('/runbooks/trees');
          }}
        >
          Its walks are deleted too; entries already on incident timelines stay.
        </ConfirmDialog>
      )}
    </>
  );
}

function NodeEditor(props: {
  node: TreeNode;
  index: number;
  ids: string[];
  isRoot: boolean;
  problems: string[];
  teams: string[];
  runbooks: string[];
  defaultTeam: string;
  onChange(patch: Partial<TreeNode>): void;
  onRename(id: string): void;
  onRemove(): void;
  onAddLinked(answer: number, type: TreeNode['type']): void;
}) {
  const { node: n, index: i, ids, onChange } = props;
  const answers = n.answers ?? [];
  const setAnswer = (k: number, patch: Partial<{ label: string; next: string }>) => onChange({ answers: answers.map((a, j) => (j === k ? { ...a, ...patch } : a)) });
  const action = n.action ?? { type: 'info' as const };
  return (
    <section className={`tree-node-editor${props.problems.length ? ' has-problems' : ''}`} id={`node-${n.id}`} aria-label={`Node ${n.id}`} data-testid={`node-${i}`}>
      <div className="tree-node-head">
        <input className="input mono-input tree-node-id" aria-label="Node id" value={n.id} onChange={(e) => props.onRename(e.target.value)} />
        <select
          className="input select"
          aria-label="Node type"
          value={n.type}
          onChange={(e) => {
            const type = e.target.value as TreeNode['type'];
            onChange(type === 'question' ? { type, answers: answers.length ? answers : [{ label: 'Yes', next: '' }], action: undefined } : { type, action: n.action ?? { type: 'info' }, answers: undefined });
          }}
        >
          <option value="question">Question</option>
          <option value="action">Leaf (action)</option>
        </select>
        {props.isRoot && <span className="badge badge-blue">root</span>}
        <Button size="sm" variant="ghost" icon="trash" onClick={props.onRemove} aria-label={`Remove node ${n.id}`}>
          Remove
        </Button>
      </div>
      {props.problems.length > 0 && (
        <ul className="tree-node-problems" role="alert">
          {props.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <label className="tree-node-text">
        {n.type === 'question' ? 'Question' : 'What to do'} <span className="optional">Markdown</span>
        <textarea className="input" rows={2} value={n.text} onChange={(e) => onChange({ text: e.target.value })} />
      </label>
      {n.type === 'question' ? (
        <div className="tree-answers-editor">
          {answers.map((a, k) => (
            <div key={k} className="tree-answer-row">
              <input className="input" aria-label={`Answer ${k + 1} label`} value={a.label} onChange={(e) => setAnswer(k, { label: e.target.value })} />
              <span aria-hidden>→</span>
              <select
                className="input select"
                aria-label={`Answer ${k + 1} leads to`}
                value={a.next}
                onChange={(e) => {
                  if (e.target.value === '+question' || e.target.value === '+action') props.onAddLinked(k, e.target.value === '+question' ? 'question' : 'action');
                  else setAnswer(k, { next: e.target.value });
                }}
              >
                {!ids.includes(a.next) && <option value={a.next}>{a.next || '(choose a node)'}</option>}
                {ids
                  .filter((id) => id !== n.id)
                  .map((id) => (
                    <option key={id} value={id}>
                      {id}
                    </option>
                  ))}
                <option value="+question">+ new question</option>
                <option value="+action">+ new leaf</option>
              </select>
              <Button size="sm" variant="ghost" icon="x" aria-label={`Remove answer ${k + 1}`} onClick={() => onChange({ answers: answers.filter((_, j) => j !== k) })} />
            </div>
          ))}
          <Button size="sm" icon="plus" onClick={() => onChange({ answers: [...answers, { label: '', next: '' }] })}>
            Add answer
          </Button>
        </div>
      ) : (
        <div className="tree-action-editor">
          <select
            className="input select"
            aria-label="Action"
            value={action.type}
            onChange={(e) => onChange({ action: defaultAction(e.target.value as TreeAction['type'], props.defaultTeam) })}
          >
            {(Object.keys(ACTION_LABEL) as TreeAction['type'][]).map((k) => (
              <option key={k} value={k}>
                {ACTION_LABEL[k]}
              </option>
            ))}
          </select>
          {action.type === 'run_runbook' && (
            <>
              <input className="input mono-input" aria-label="Runbook slug" list={`runbooks-${i}`} placeholder="runbook slug" value={action.runbook} onChange={(e) => onChange({ action: { ...action, runbook: e.target.value } })} />
              <datalist id={`runbooks-${i}`}>
                {props.runbooks.map((r) => (
                  <option key={r} value={r} />
                ))}
              </datalist>
            </>
          )}
          {action.type === 'escalate' && (
            <>
              <select className="input select" aria-label="Team to page" value={action.team} onChange={(e) => onChange({ action: { ...action, team: e.target.value } })}>
                {!props.teams.includes(action.team) && <option value={action.team}>{action.team || '(choose)'}</option>}
                {props.teams.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
              <input className="input" aria-label="Message" placeholder="Message for the people paged (optional)" value={action.message ?? ''} onChange={(e) => onChange({ action: { ...action, message: e.target.value || undefined } })} />
            </>
          )}
          {action.type === 'declare_incident' && (
            <>
              <select className="input select" aria-label="Severity" value={action.severity} onChange={(e) => onChange({ action: { ...action, severity: e.target.value as Severity } })}>
                {(['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const).map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
              <input
                className="input"
                aria-label="Incident title"
                placeholder="Title ({{tree}}, {{answer}})"
                value={action.title ?? ''}
                onChange={(e) => onChange({ action: { ...action, title: e.target.value || undefined } })}
              />
            </>
          )}
        </div>
      )}
    </section>
  );
}
