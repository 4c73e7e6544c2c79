import { useEffect, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { errorMessage } from '../../api';
import { Markdown } from '../../components/Markdown';
import { useToast } from '../../components/Toast';
import { Badge, Banner, Button, Card, EmptyState, LoadError, Loading, PageHeader, RelativeTime } from '../../components/ui';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { pmApi, SECTIONS, type ActionItem, type Postmortem, type PmStatus, type SectionKey } from './api';
import { ActionItemForm, ActionItemsTable, DueLabel, PmStatusBadge } from './parts';

export function PostmortemPage() {
  const { id = '' } = useParams();
  const q = useQuery((signal) => pmApi.get(id, signal), [id]);
  useTitle(q.data?.title ?? 'Postmortem');
  if (q.error) return <LoadError error={q.error} onRetry={q.reload} what="the postmortem" />;
  if (!q.data) return <Loading />;
  return <PostmortemView pm={q.data} setPm={q.setData} reload={q.reload} />;
}

function PostmortemView({ pm, setPm, reload }: { pm: Postmortem; setPm(p: Postmortem): void; reload(): void }) {
  const toast = useToast();
  const editable = pm.can_edit && pm.status !== 'published';
  const [drafts, setDrafts] = useState<Record<SectionKey, string>>(pm.sections);
  const [saving, setSaving] = useState(false);
  const [moving, setMoving] = useState<PmStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A different postmortem (navigation) starts from its own text.
  useEffect(() => setDrafts(pm.sections), [pm.id]); // eslint-disable-line react-hooks/exhaustive-deps
  const dirty = (Object.keys(drafts) as SectionKey[]).filter((k) => drafts[k] !== pm.sections[k]);

  const save = async (): Promise<boolean> => {
    if (!dirty.length) return true;
    setSaving(true);
    setError(null);
    try {
      const next = await pmApi.update(pm.id, { sections: Object.fromEntries(dirty.map((k) => [k, drafts[k]])) });
      setPm(next);
      toast.success('Postmortem saved');
      return true;
    } catch (err) {
      setError(errorMessage(err));
      return false;
    } finally {
      setSaving(false);
    }
  };
  const move = async (to: PmStatus) => {
    if (!(await save())) return;
    setMoving(to);
    setError(null);
    try {
      setPm(await pmApi.transition(pm.id, to));
      toast.success(to === 'published' ? 'Postmortem published' : to === 'in_review' ? 'Submitted for review' : 'Back to draft');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setMoving(null);
    }
  };
  const updateItem = (item: ActionItem) => setPm({ ...pm, action_items: pm.action_items.map((i) => (i.id === item.id ? item : i)) });

  return (
    <>
      <PageHeader
        back={{ to: '/postmortems', label: 'Postmortems' }}
        title={pm.title}
        subtitle={
          <span className="pm-meta">
            <Link to={`/incidents/${pm.incident.ref}`} className="mono">
              {pm.incident.ref}
            </Link>
            <span>{pm.incident.severity}</span>
            <PmStatusBadge status={pm.status} />
            {pm.status === 'published' ? <span>Published {pm.published_at?.slice(0, 10)}</span> : <DueLabel iso={pm.due_at} overdue={pm.overdue} />}
            {pm.author && <span className="muted">Author: {pm.author.name || pm.author.email}</span>}
          </span>
        }
        actions={
          <>
            <a className="btn btn-secondary" href={pmApi.exportUrl(pm.id)} download={`postmortem-${pm.incident.ref}.md`}>
              Export Markdown
            </a>
            {editable && (
              <Button onClick={save} busy={saving} disabled={!dirty.length}>
                {dirty.length ? 'Save' : 'Saved'}
              </Button>
            )}
            {pm.can_edit && pm.status === 'draft' && (
              <Button variant="primary" onClick={() => move('in_review')} busy={moving === 'in_review'}>
                Submit for review
              </Button>
            )}
            {pm.can_edit && pm.status === 'in_review' && (
              <>
                <Button onClick={() => move('draft')} busy={moving === 'draft'}>
                  Back to draft
                </Button>
                <Button variant="primary" onClick={() => move('published')} busy={moving === 'published'}>
                  Publish
                </Button>
              </>
            )}
          </>
        }
      />
      {error && <Banner title="Could not update the postmortem">{error}</Banner>}
      {!pm.can_edit && <Banner tone="info">You can read this postmortem. Responders of the affected services' teams edit it.</Banner>}
      <div className="pm-layout">
        <div className="stack-lg">
          {SECTIONS.map((s) =>
            s.key === 'action_items' ? (
              <Card key={s.key} title="Action items" flush>
                {pm.action_items.length === 0 ? (
                  <div className="card-pad muted">No action items yet.</div>
                ) : (
                  <ActionItemsTable items={pm.action_items} onChange={updateItem} />
                )}
                {pm.can_edit && <ActionItemForm incident={pm.incident.id} postmortem={pm.id} onCreated={(item) => setPm({ ...pm, action_items: [...pm.action_items, item] })} />}
              </Card>
            ) : (
              <Card key={s.key} title={s.label}>
                {editable ? (
                  <SectionEditor label={s.label} hint={s.hint} value={drafts[s.key]} onChange={(v) => setDrafts({ ...drafts, [s.key]: v })} />
                ) : pm.sections[s.key].trim() ? (
                  <div className="pm-section-view" data-testid={`section-${s.key}`}>
                    <Markdown source={pm.sections[s.key]} />
                  </div>
                ) : (
                  <span className="muted">Not written.</span>
                )}
              </Card>
            ),
          )}
        </div>
        <div className="stack-lg">
          <Reviewers pm={pm} setPm={setPm} />
          <Comments pm={pm} onAdded={reload} />
        </div>
      </div>
    </>
  );
}

function SectionEditor({ label, hint, value, onChange }: { label: string; hint: string; value: string; onChange(v: string): void }) {
  return (
    <div className="pm-section-editor">
      <div>
        <textarea className="input" aria-label={`${label} (Markdown)`} placeholder={hint} value={value} onChange={(e) => onChange(e.target.value)} maxLength={100_000} />
      </div>
      <div>
        <div className="pm-preview-label">Preview</div>
        <div className="pm-preview" data-testid={`preview-${label}`}>
          {value.trim() ? <Markdown source={value} /> : <span className="muted small">Nothing yet.</span>}
        </div>
      </div>
    </div>
  );
}

function Reviewers({ pm, setPm }: { pm: Postmortem; setPm(p: Postmortem): void }) {
  const toast = useToast();
  const [user, setUser] = useState('');
  const [busy, setBusy] = useState(false);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      setPm(await pmApi.addReviewer(pm.id, user.trim()));
      setUser('');
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Reviewers">
      <div className="pm-reviewers">
        {pm.reviewers.length === 0 && <span className="muted small">No reviewers yet.</span>}
        {pm.reviewers.map((r) => (
          <div key={r.user.id} className="pm-reviewer">
            <span>{r.user.name || r.user.email}</span>
            {pm.can_edit && (
              <Button size="sm" variant="ghost" aria-label={`Remove reviewer ${r.user.email}`} onClick={async () => setPm(await pmApi.removeReviewer(pm.id, r.user.id).catch((err) => (toast.error(errorMessage(err)), pm)))}>
                Remove
              </Button>
            )}
          </div>
        ))}
        {pm.can_edit && (
          <form className="inline-form" onSubmit={add}>
            <input className="input" aria-label="Reviewer email" placeholder="reviewer@example.com" value={user} onChange={(e) => setUser(e.target.value)} required />
            <Button type="submit" busy={busy}>
              Add
            </Button>
          </form>
        )}
      </div>
    </Card>
  );
}

function Comments({ pm, onAdded }: { pm: Postmortem; onAdded(): void }) {
  const q = useQuery((signal) => pmApi.comments(pm.id, signal), [pm.id, pm.comment_count]);
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await pmApi.comment(pm.id, body);
      setBody('');
      q.reload();
      onAdded();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={<>Comments {pm.comment_count > 0 && <Badge>{pm.comment_count}</Badge>}</>}>
      <div className="pm-comments">
        {q.error ? (
          <LoadError error={q.error} onRetry={q.reload} what="comments" />
        ) : !q.data ? (
          <Loading />
        ) : q.data.data.length === 0 ? (
          <EmptyState icon="info" title="No comments yet" />
        ) : (
          q.data.data.map((c) => (
            <div key={c.id} className="pm-comment">
              <div className="pm-comment-head">
                {c.author ? c.author.name || c.author.email : c.author_label} · <RelativeTime iso={c.created_at} />
              </div>
              <Markdown source={c.body} />
            </div>
          ))
        )}
        <form className="pm-comment-form stack" onSubmit={submit}>
          <textarea className="input" aria-label="Comment (Markdown)" placeholder="Comment (Markdown)…" value={body} onChange={(e) => setBody(e.target.value)} required maxLength={20_000} />
          {error && (
            <div className="inline-form-error" role="alert">
              {error}
            </div>
          )}
          <div>
            <Button type="submit" busy={busy} disabled={!body.trim()}>
              Comment
            </Button>
          </div>
        </form>
      </div>
    </Card>
  );
}
