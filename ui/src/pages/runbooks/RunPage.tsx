// One runbook run: big step cards worked from the keyboard, live while others mark steps.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { errorMessage } from '../../api';
import { Markdown } from '../../components/Markdown';
import { useToast } from '../../components/Toast';
import { Badge, Banner, Button, Card, LoadError, Loading, PageHeader, RelativeTime } from '../../components/ui';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import '../../styles/runbook-runs.css';
import { formatRunDuration, runsApi, STATUS_LABEL, STATUS_TONE, whoName, type RunDetail, type RunStep } from './run-api';
import { useRunEvents } from './run-live';
import { FinishDialog, HttpActionDialog, NoteDialog, ShortcutHelp, StepCard } from './run-parts';

type Dialog = { kind: 'note'; step: RunStep; outcome: 'skipped' | 'failed' } | { kind: 'http'; step: RunStep } | { kind: 'finish' } | { kind: 'help' } | null;

export function RunPage() {
  const { id = '' } = useParams();
  const toast = useToast();
  const q = useQuery((signal) => runsApi.get(id, signal), [id]);
  const run = q.data;
  useTitle(run ? `Run: ${run.runbook.title}` : 'Runbook run');
  const [selected, setSelected] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [error, setError] = useState<string | null>(null);
  const cards = useRef<Map<string, HTMLElement>>(new Map());

  const live = useRunEvents({ match: (e) => e.subject_id === id, onChange: q.reload, enabled: !!id });

  // Follow the current step until the user picks one.
  const selectedId = selected ?? run?.current_step_id ?? run?.steps[0]?.id ?? null;
  const selectedStep = run?.steps.find((s) => s.id === selectedId) ?? null;

  const apply = useCallback(
    (next: RunDetail, followCurrent: boolean) => {
      q.setData(next);
      if (followCurrent) setSelected(next.current_step_id);
    },
    [q],
  );

  const mark = useCallback(
    async (step: RunStep, outcome: 'done' | 'skipped' | 'failed', note?: string) => {
      setError(null);
      const r = await runsApi.mark(id, step.id, { outcome, note });
      // Move on after done/skip; stay on a failed step so its guidance is in view.
      apply(r.run, outcome !== 'failed');
      if (outcome === 'failed') setSelected(step.id);
    },
    [id, apply],
  );

  const startMark = useCallback(
    (step: RunStep, outcome: 'done' | 'skipped' | 'failed') => {
      if (outcome === 'done') mark(step, 'done').catch((err) => setError(errorMessage(err)));
      else setDialog({ kind: 'note', step, outcome });
    },
    [mark],
  );

  useEffect(() => {
    if (!run) return;
    const onKey = (e: KeyboardEvent) => {
      if (dialog || e.ctrlKey || e.metaKey || e.altKey) return;
      const target = e.target as HTMLElement | null;
      if (target && (target.closest('input, textarea, select, [contenteditable="true"]') || target.closest('[role="dialog"]'))) return;
      const idx = run.steps.findIndex((s) => s.id === selectedId);
      const move = (delta: number) => {
        const next = run.steps[Math.min(run.steps.length - 1, Math.max(0, idx + delta))];
        if (!next) return;
        setSelected(next.id);
        cards.current.get(next.id)?.scrollIntoView?.({ block: 'nearest', behavior: 'smooth' });
      };
      const step = run.steps[idx];
      const open = run.status === 'running';
      switch (e.key) {
        case 'j':
        case 'ArrowDown':
          move(1);
          break;
        case 'k':
        case 'ArrowUp':
          move(-1);
          break;
        case 'd':
          if (open && step) startMark(step, 'done');
          break;
        case 's':
          if (open && step) startMark(step, 'skipped');
          break;
        case 'f':
          if (open && step) startMark(step, 'failed');
          break;
        case '?':
          setDialog({ kind: 'help' });
          break;
        default:
          return;
      }
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [run, selectedId, dialog, startMark]);

  if (q.error && !run) return <LoadError error={q.error} onRetry={q.reload} what="the run" />;
  if (!run) return <Loading />;

  const open = run.status === 'running';
  const p = run.progress;
  return (
    <div className="run-page">
      <PageHeader
        back={{ to: '/runbooks/runs', label: 'Runs' }}
        title={
          <>
            {run.runbook.title} <Badge tone={STATUS_TONE[run.status]}>{STATUS_LABEL[run.status]}</Badge>
          </>
        }
        subtitle={
          <span className="run-subtitle">
            <Link to={`/runbooks/${run.runbook.slug}`}>v{run.version.number}</Link> · started by {whoName(run.started_by)} <RelativeTime iso={run.started_at} />
            {run.incident && (
              <>
                {' '}
                · for{' '}
                <Link to={`/incidents/${run.incident.id}`}>
                  {run.incident.ref}: {run.incident.title}
                </Link>
              </>
            )}{' '}
            · <span className={`run-live run-live-${live}`} title="Live updates">{live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Offline (polling)'}</span>
          </span>
        }
        actions={
          <>
            <Button variant="ghost" onClick={() => setDialog({ kind: 'help' })} aria-label="Keyboard shortcuts">
              <kbd>?</kbd> Shortcuts
            </Button>
            {open && (
              <Button variant="primary" onClick={() => setDialog({ kind: 'finish' })}>
                Finish run…
              </Button>
            )}
          </>
        }
      />
      <div className="run-progress" aria-label="Progress">
        <div className="run-progress-bar">
          <span className="seg-done" style={{ flexGrow: p.done }} />
          <span className="seg-skipped" style={{ flexGrow: p.skipped }} />
          <span className="seg-failed" style={{ flexGrow: p.failed }} />
          <span className="seg-pending" style={{ flexGrow: p.pending }} />
        </div>
        <span data-testid="run-progress">
          {p.done} done · {p.skipped} skipped · {p.failed} failed · {p.pending} to go
        </span>
      </div>
      {!open && (
        <Banner tone={run.status === 'success' ? 'success' : run.status === 'failed' ? 'error' : 'info'} title={`Run ${STATUS_LABEL[run.status].toLowerCase()}`}>
          <span data-testid="run-finished">
            Finished by {whoName(run.finished_by)} <RelativeTime iso={run.finished_at} /> after <strong>{formatRunDuration(run.duration_ms)}</strong>
            {run.finish_note && <> — {run.finish_note}</>}
          </span>
        </Banner>
      )}
      {error && <Banner onRetry={() => setError(null)}>{error}</Banner>}
      {(run.purpose || run.prerequisites) && (
        <Card className="run-intro">
          {run.purpose && (
            <>
              <div className="run-label">Purpose</div>
              <Markdown source={run.purpose} />
            </>
          )}
          {run.prerequisites && (
            <>
              <div className="run-label">Prerequisites</div>
              <Markdown source={run.prerequisites} />
            </>
          )}
        </Card>
      )}
      <div className="run-steps">
        {run.steps.map((s) => (
          <div key={s.id} ref={(el) => void (el ? cards.current.set(s.id, el) : cards.current.delete(s.id))}>
            <StepCard
              step={s}
              run={run}
              selected={s.id === selectedId}
              current={s.id === run.current_step_id}
              onSelect={() => setSelected(s.id)}
              onMark={(o) => {
                setSelected(s.id);
                startMark(s, o);
              }}
              onAction={() => setDialog({ kind: 'http', step: s })}
            />
          </div>
        ))}
      </div>
      {run.verification && (
        <Card title="Verification">
          <Markdown source={run.verification} />
        </Card>
      )}
      {run.rollback && (
        <details className="run-rollback-section">
          <summary>Rollback procedure</summary>
          <Markdown source={run.rollback} />
        </details>
      )}

      {dialog?.kind === 'note' && (
        <NoteDialog
          step={dialog.step}
          outcome={dialog.outcome}
          onClose={() => setDialog(null)}
          onSubmit={async (note) => {
            await mark(dialog.step, dialog.outcome, note);
            setDialog(null);
          }}
        />
      )}
      {dialog?.kind === 'http' && (
        <HttpActionDialog
          step={dialog.step}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            try {
              const r = await runsApi.httpAction(id, dialog.step.id);
              apply(r.run, r.mark?.outcome === 'done');
              if (r.mark?.outcome === 'failed') setSelected(dialog.step.id);
              toast[r.action.result === 'succeeded' ? 'success' : 'error'](`${r.action.method} ${r.action.url} → ${r.action.status_code ?? r.action.error}`);
            } finally {
              // A refusal is recorded on the step: show it.
              q.reload();
            }
            setDialog(null);
          }}
        />
      )}
      {dialog?.kind === 'finish' && (
        <FinishDialog
          run={run}
          onClose={() => setDialog(null)}
          onFinish={async (outcome, note) => {
            apply(await runsApi.finish(id, { outcome, note: note || undefined }), false);
            setDialog(null);
          }}
        />
      )}
      {dialog?.kind === 'help' && <ShortcutHelp onClose={() => setDialog(null)} />}
    </div>
  );
}
