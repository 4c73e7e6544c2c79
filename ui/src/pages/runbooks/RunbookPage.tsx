import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { errorMessage } from '../../api';
import { useCurrentUser } from '../../auth';
import { ConfirmDialog, Modal } from '../../components/Modal';
import { useToast } from '../../components/Toast';
import { Button, ButtonLink, Card, LoadError, Loading, PageHeader, RelativeTime } from '../../components/ui';
import { hasTeamRole } from '../../lib/permissions';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { runbookApi, type Runbook } from './library-api';
import { DiffView, KindBadge, ReviewInfo, Section, StaleBadge, StepCard } from './library-parts';
import { RunbookRunStatsCard } from './RunbookRunStatsCard';

export function RunbookPage() {
  const { slug = '' } = useParams();
  const q = useQuery((signal) => runbookApi.get(slug, signal), [slug]);
  useTitle(q.data?.title ?? 'Runbook');
  if (q.error) return <LoadError error={q.error} onRetry={q.reload} what="the runbook" />;
  if (!q.data) return <Loading />;
  return <RunbookView rb={q.data} onChange={q.setData} />;
}

function RunbookView({ rb, onChange }: { rb: Runbook; onChange(next: Runbook): void }) {
  const user = useCurrentUser();
  const toast = useToast();
  const navigate = useNavigate();
  const canEdit = hasTeamRole(user, rb.team.slug, 'responder');
  const [busy, setBusy] = useState<'review' | 'run' | null>(null);
  const c = rb.content;

  const review = async () => {
    setBusy('review');
    try {
      onChange(await runbookApi.review(rb.slug));
      toast.success('Marked as reviewed');
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };
  const startRun = async () => {
    setBusy('run');
    try {
      const run = await runbookApi.startRun(rb.slug);
      navigate(`/runbooks/runs/${run.id}`);
    } catch (err) {
      toast.error(errorMessage(err));
      setBusy(null);
    }
  };

  return (
    <>
      <PageHeader
        back={{ to: '/runbooks', label: 'Runbooks' }}
        title={rb.title}
        subtitle={
          <span className="rbl-meta">
            <KindBadge r={rb} /> <StaleBadge r={rb} /> <ReviewInfo r={rb} />
          </span>
        }
        actions={
          <>
            <Button variant="primary" icon="activity" busy={busy === 'run'} onClick={() => void startRun()}>
              Start run
            </Button>
            {canEdit && (
              <Button busy={busy === 'review'} icon="check" onClick={() => void review()}>
                Mark reviewed
              </Button>
            )}
            {canEdit && (
              <ButtonLink to={`/runbooks/${rb.slug}/edit`} icon="edit">
                Edit
              </ButtonLink>
            )}
            <a className="btn btn-secondary" href={`/api/v1/runbooks/${encodeURIComponent(rb.slug)}/export.md`} download>
              Export .md
            </a>
          </>
        }
      />
      <div className="rbl-layout">
        <div>
          <Section title="Purpose" source={c.purpose} />
          <Section title="Prerequisites" source={c.prerequisites} />
          <section className="rbl-section" aria-label="Steps">
            <h2>Steps</h2>
            <ol className="rbl-steps">
              {c.steps.map((s, i) => (
                <StepCard key={s.id} step={s} index={i} />
              ))}
            </ol>
          </section>
          <Section title="Verification" source={c.verification} />
          <Section title="Rollback" source={c.rollback} />
          <section className="rbl-section" aria-label="Contacts">
            <h2>Contacts</h2>
            {c.contacts.length === 0 ? (
              <p className="muted">None.</p>
            ) : (
              <ul>
                {c.contacts.map((x, i) => (
                  <li key={i}>
                    <strong>{x.role}:</strong> {x.who}
                    {x.team && (
                      <>
                        {' '}
                        (<Link to={`/teams/${x.team}`}>{x.team}</Link>)
                      </>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section className="rbl-section" aria-label="Related runbooks">
            <h2>Related runbooks</h2>
            {rb.related.length === 0 ? (
              <p className="muted">None.</p>
            ) : (
              <ul>
                {rb.related.map((r) => (
                  <li key={r.slug}>{r.exists ? <Link to={`/runbooks/${r.slug}`}>{r.title}</Link> : <span className="muted">{r.slug} (not found)</span>}</li>
                ))}
              </ul>
            )}
          </section>
        </div>
        <div className="rbl-side">
          <Card title="Details">
            <dl className="props">
              <dt>Owner</dt>
              <dd>
                <Link to={`/teams/${rb.team.slug}`}>{rb.team.name}</Link>
                {rb.owner && <> · {rb.owner.name || rb.owner.email}</>}
              </dd>
              <dt>Services</dt>
              <dd>{rb.services.length ? rb.services.map((s, i) => <span key={s.id}>{i > 0 && ', '}<Link to={`/services/${s.slug}`}>{s.slug}</Link></span>) : '—'}</dd>
              <dt>Tags</dt>
              <dd>{rb.tags.length ? rb.tags.map((t, i) => <span key={t}>{i > 0 && ', '}<Link to={`/runbooks?tag=${encodeURIComponent(t)}`}>{t}</Link></span>) : '—'}</dd>
              <dt>Review</dt>
              <dd>
                Every {rb.review_cadence_days} days; due <RelativeTime iso={rb.review_due_at} />
              </dd>
            </dl>
          </Card>
          <RunbookRunStatsCard runbookSlug={rb.slug} />
          <VersionsCard rb={rb} canEdit={canEdit} onRestored={onChange} />
        </div>
      </div>
    </>
  );
}

function VersionsCard({ rb, canEdit, onRestored }: { rb: Runbook; canEdit: boolean; onRestored(next: Runbook): void }) {
  const toast = useToast();
  const versions = useQuery((signal) => runbookApi.versions(rb.slug, signal), [rb.slug, rb.current_version]);
  const [from, setFrom] = useState(Math.max(1, rb.current_version - 1));
  const [to, setTo] = useState(rb.current_version);
  const [showDiff, setShowDiff] = useState(false);
  const [restoring, setRestoring] = useState<number | null>(null);
  useEffect(() => {
    setFrom(Math.max(1, rb.current_version - 1));
    setTo(rb.current_version);
  }, [rb.current_version]);
  const diff = useQuery((signal) => (showDiff ? runbookApi.diff(rb.slug, from, to, signal) : Promise.resolve(null)), [showDiff, rb.slug, from, to]);
  const list = versions.data?.data ?? [];

  return (
    <Card title={`Versions (${rb.current_version})`}>
      {versions.error ? (
        <LoadError error={versions.error} onRetry={versions.reload} what="versions" />
      ) : (
        <ul className="rbl-versions" data-testid="versions">
          {list.map((v) => (
            <li key={v.number}>
              <strong>v{v.number}</strong>
              <span className="grow" title={v.change_note || undefined}>
                {v.change_note || <span className="muted">no note</span>}
                <div className="muted">
                  {v.author.label} · <RelativeTime iso={v.created_at} />
                </div>
              </span>
              {v.current ? (
                <span className="muted">current</span>
              ) : (
                canEdit && (
                  <Button size="sm" onClick={() => setRestoring(v.number)}>
                    Restore
                  </Button>
                )
              )}
            </li>
          ))}
        </ul>
      )}
      {list.length > 1 && (
        <>
          <div className="rbl-diff-pick">
            <label>
              Compare{' '}
              <select className="input select" aria-label="Diff from version" value={from} onChange={(e) => setFrom(Number(e.target.value))}>
                {list.map((v) => (
                  <option key={v.number} value={v.number}>
                    v{v.number}
                  </option>
                ))}
              </select>
            </label>
            <label>
              with{' '}
              <select className="input select" aria-label="Diff to version" value={to} onChange={(e) => setTo(Number(e.target.value))}>
                {list.map((v) => (
                  <option key={v.number} value={v.number}>
                    v{v.number}
                  </option>
                ))}
              </select>
            </label>
            <Button size="sm" onClick={() => setShowDiff(true)}>
              Show diff
            </Button>
          </div>
          {showDiff && (
            <Modal title={`Changes from version ${from} to ${to}`} onClose={() => setShowDiff(false)} width={980}>
              {diff.error ? <LoadError error={diff.error} onRetry={diff.reload} what="the diff" /> : diff.data ? <DiffView diff={diff.data} /> : <Loading />}
            </Modal>
          )}
        </>
      )}
      {restoring !== null && (
        <ConfirmDialog
          title={`Restore version ${restoring}?`}
          confirmLabel="Restore"
          onClose={() => setRestoring(null)}
          onConfirm={async () => {
            const next = await runbookApi.restore(rb.slug, restoring);
            onRestored(next);
            toast.success(`Version ${restoring} restored as version ${next.current_version}`);
          }}
        >
          <p>This creates a new version with the content of version {restoring}. No version is deleted.</p>
        </ConfirmDialog>
      )}
    </Card>
  );
}
