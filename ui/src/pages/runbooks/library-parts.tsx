import { Link } from 'react-router-dom';
import { Markdown } from '../../components/Markdown';
import { Badge, CopyButton, RelativeTime } from '../../components/ui';
import { KIND_LABELS, type RunbookDiff, type RunbookStep, type RunbookSummary } from './library-api';
import '../../styles/runbooks-library.css';

export function KindBadge({ r }: { r: Pick<RunbookSummary, 'kind' | 'subkind'> }) {
  return (
    <Badge tone={r.kind === 'incident_response' ? 'red' : r.kind === 'troubleshooting' ? 'violet' : 'blue'}>
      {KIND_LABELS[r.kind]}
      {r.subkind ? ` · ${r.subkind}` : ''}
    </Badge>
  );
}

export function StaleBadge({ r }: { r: Pick<RunbookSummary, 'stale' | 'review_due_at'> }) {
  if (!r.stale) return null;
  return (
    <Badge tone="amber" title={`Review was due ${r.review_due_at.slice(0, 10)}`}>
      Stale
    </Badge>
  );
}

export function ReviewInfo({ r }: { r: RunbookSummary }) {
  return (
    <span className="rbl-review">
      Reviewed {r.last_reviewed_at ? <RelativeTime iso={r.last_reviewed_at} /> : 'never'}
      {' · '}
      {r.last_verified_at ? (
        <>
          verified in a run <RelativeTime iso={r.last_verified_at} />
        </>
      ) : (
        'never verified in a run'
      )}
    </span>
  );
}

/** One step as a numbered card: instruction, command with a copy button, expected outcome, and what to do if it fails. */
export function StepCard({ step, index }: { step: RunbookStep; index: number }) {
  return (
    <li className="rbl-step card" data-testid={`step-${step.id}`}>
      <div className="rbl-step-head">
        <span className="rbl-step-num" aria-hidden>
          {index + 1}
        </span>
        <h3>{step.title}</h3>
      </div>
      <Markdown source={step.instruction} />
      {step.command && (
        <div className="rbl-command">
          <pre>
            <code>{step.command}</code>
          </pre>
          <CopyButton text={step.command} label="Copy command" />
        </div>
      )}
      {step.http_action && (
        <p className="rbl-http">
          HTTP action: <code>{step.http_action.method}</code> <code>{step.http_action.url}</code> <span className="muted">(run it from a runbook run, after confirmation)</span>
        </p>
      )}
      <div className="rbl-outcomes">
        <div>
          <div className="rbl-label">Expected outcome</div>
          <Markdown source={step.expected} />
        </div>
        <div>
          <div className="rbl-label">If this fails</div>
          <Markdown source={step.on_failure} />
        </div>
      </div>
    </li>
  );
}

export function Section({ title, source }: { title: string; source: string }) {
  return (
    <section className="rbl-section" aria-label={title}>
      <h2>{title}</h2>
      {source.trim() ? <Markdown source={source} /> : <p className="muted">None.</p>}
    </section>
  );
}

type Line = RunbookDiff['sections'][number]['lines'][number];
const CONTEXT = 2;

/** Keeps changed lines and two unchanged lines around each; longer unchanged stretches become one gap marker (null). */
function withContext(lines: Line[]): (Line | null)[] {
  const near = (i: number) => lines.slice(Math.max(0, i - CONTEXT), i + CONTEXT + 1).some((l) => l.op !== 'eq');
  const out: (Line | null)[] = [];
  lines.forEach((l, i) => {
    if (l.op !== 'eq' || near(i)) out.push(l);
    else if (out.at(-1) !== null) out.push(null);
  });
  return out;
}

/** The version diff: step-level summary, then a line diff of each changed section's Markdown source. */
export function DiffView({ diff }: { diff: RunbookDiff }) {
  const changed = diff.sections.filter((s) => s.changed);
  const { added, removed, changed: stepsChanged, moved } = diff.steps;
  return (
    <div className="rbl-diff" data-testid="version-diff">
      {(added.length > 0 || removed.length > 0 || stepsChanged.length > 0 || moved.length > 0) && (
        <ul className="rbl-diff-steps">
          {added.map((s) => (
            <li key={`a-${s.id}`} className="rbl-add">
              Step added: {s.title}
            </li>
          ))}
          {removed.map((s) => (
            <li key={`r-${s.id}`} className="rbl-del">
              Step removed: {s.title}
            </li>
          ))}
          {stepsChanged.map((s) => (
            <li key={`c-${s.id}`}>
              Step changed: {s.title} ({s.fields.join(', ')})
            </li>
          ))}
          {moved.map((s) => (
            <li key={`m-${s.id}`}>
              Step moved: {s.title} ({s.from} → {s.to})
            </li>
          ))}
        </ul>
      )}
      {changed.length === 0 && <p className="muted">No differences between version {diff.from} and {diff.to}.</p>}
      {changed.map((s) => (
        <div key={s.section} className="rbl-diff-section">
          <h4>{s.section}</h4>
          <pre className="rbl-diff-lines">
            {withContext(s.lines).map((l, i) =>
              l === null ? (
                <div key={i} className="rbl-gap">
                  ⋯
                </div>
              ) : (
                <div key={i} className={l.op === 'add' ? 'rbl-add' : l.op === 'del' ? 'rbl-del' : 'rbl-eq'}>
                  <span className="rbl-op" aria-label={l.op === 'add' ? 'added' : l.op === 'del' ? 'removed' : undefined}>
                    {l.op === 'add' ? '+' : l.op === 'del' ? '−' : ' '}
                  </span>
                  {l.text}
                </div>
              ),
            )}
          </pre>
        </div>
      ))}
    </div>
  );
}

export function RunbookLink({ r }: { r: Pick<RunbookSummary, 'slug' | 'title'> }) {
  return (
    <Link to={`/runbooks/${r.slug}`} className="row-title">
      {r.title}
    </Link>
  );
}
