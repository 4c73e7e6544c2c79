import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { errorMessage } from '../../api';
import { Markdown } from '../../components/Markdown';
import { useToast } from '../../components/Toast';
import { Badge, Banner, Button, ButtonLink, Mono } from '../../components/ui';
import { treeApi, type PathStep, type Walk } from './tree-api';

/** The answers given so far; clicking one goes back to that question. */
export function WalkPath({ path, onJump, busy }: { path: PathStep[]; onJump?(index: number): void; busy?: boolean }) {
  if (path.length === 0) return null;
  return (
    <ol className="tree-path" aria-label="Path taken">
      {path.map((p, i) => (
        <li key={`${i}-${p.node}`}>
          {onJump ? (
            <button type="button" className="tree-crumb" disabled={busy} onClick={() => onJump(i)} title={`Back to: ${p.question}`}>
              <span className="tree-crumb-q">{p.question}</span> <strong>{p.answer}</strong>
            </button>
          ) : (
            <span className="tree-crumb">
              <span className="tree-crumb-q">{p.question}</span> <strong>{p.answer}</strong>
            </span>
          )}
        </li>
      ))}
    </ol>
  );
}

/** The leaf: what to do and a button that does it through the call the server described. */
export function LeafAction({ walk, onChange }: { walk: Walk; onChange(w: Walk): void }) {
  const a = walk.action;
  const navigate = useNavigate();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!a) return null;
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className={`tree-leaf tree-leaf-${a.type}`} data-testid="tree-leaf">
      <div className="tree-leaf-kind">
        <Badge tone={a.type === 'declare_incident' ? 'red' : a.type === 'escalate' ? 'amber' : a.type === 'run_runbook' ? 'blue' : 'neutral'}>
          {a.type === 'run_runbook' ? 'Run a runbook' : a.type === 'declare_incident' ? `Declare a ${a.severity} incident` : a.type === 'escalate' ? 'Escalate' : 'Resolution'}
        </Badge>
      </div>
      <Markdown source={a.text} className="tree-text" />
      {error && <Banner>{error}</Banner>}
      <div className="tree-leaf-actions">
        {a.type === 'run_runbook' &&
          (a.runbook.exists ? (
            <Button
              variant="primary"
              className="btn-lg"
              busy={busy}
              onClick={() =>
                void run(async () => {
                  const r = await treeApi.perform<{ id: string }>(a.request);
                  navigate(`/runbooks/runs/${encodeURIComponent(r.id)}`);
                })
              }
            >
              Start run of “{a.runbook.title ?? a.runbook.slug}”{walk.incident ? ` on ${walk.incident.ref}` : ''}
            </Button>
          ) : (
            <Banner tone="warning">
              Runbook <Mono>{a.runbook.slug}</Mono> no longer exists.
            </Banner>
          ))}
        {a.type === 'declare_incident' && (
          <>
            <Button
              variant="danger"
              className="btn-lg"
              busy={busy}
              onClick={() =>
                void run(async () => {
                  const inc = await treeApi.perform<{ number: number }>(a.request);
                  toast.success(`Declared INC-${inc.number}`);
                  navigate(`/incidents/INC-${inc.number}`);
                })
              }
            >
              Declare {a.severity}: {a.title}
            </Button>
            <ButtonLink to={a.ui_path}>Open the declare form instead</ButtonLink>
          </>
        )}
        {a.type === 'escalate' &&
          (walk.escalation ? (
            <Banner tone="success" title={`Paged ${a.team.name ?? a.team.slug}`}>
              {walk.escalation.notified.map((n) => n.name).join(', ')} ({walk.escalation.via === 'escalation_policy' ? 'level 1 of the escalation policy' : 'team managers'}).
            </Banner>
          ) : (
            <>
              {a.message && <p className="muted">{a.message}</p>}
              <Button variant="primary" className="btn-lg" busy={busy} onClick={() => void run(async () => onChange(await treeApi.escalate(walk.id)))}>
                Page team {a.team.name ?? a.team.slug}
              </Button>
            </>
          ))}
        {walk.incident && (
          <ButtonLink to={`/incidents/${encodeURIComponent(walk.incident.ref)}`}>Back to {walk.incident.ref}</ButtonLink>
        )}
      </div>
    </div>
  );
}

/** One line for a past walk (incident card, tree page). */
export function WalkLine({ walk }: { walk: Walk }) {
  return (
    <div className="tree-walk-line">
      <div>
        <Link to={`/runbooks/trees/${encodeURIComponent(walk.tree.slug)}?walk=${walk.id}${walk.incident ? `&incident=${encodeURIComponent(walk.incident.ref)}` : ''}`}>{walk.tree.title}</Link>{' '}
        <Badge tone={walk.status === 'completed' ? 'green' : 'neutral'}>{walk.status === 'completed' ? 'completed' : 'in progress'}</Badge>{' '}
        <span className="muted small">by {walk.started_by}</span>
      </div>
      <div className="small">
        {walk.path.map((p) => p.answer).join(' → ') || <span className="muted">not answered yet</span>}
        {walk.action && <> ⇒ <strong>{actionText(walk)}</strong></>}
      </div>
    </div>
  );
}

export function actionText(w: Walk): string {
  const a = w.action;
  if (!a) return '';
  if (a.type === 'run_runbook') return `run ${a.runbook.slug}`;
  if (a.type === 'declare_incident') return `declare ${a.severity}`;
  if (a.type === 'escalate') return w.escalation ? `paged ${a.team.slug}` : `escalate to ${a.team.slug}`;
  return 'resolution';
}
