// Pieces of the run view: step cards, the dialogs for a note, an HTTP action and finishing.
import { useId, useState } from 'react';
import { errorMessage } from '../../api';
import { Markdown } from '../../components/Markdown';
import { ConfirmDialog, Modal } from '../../components/Modal';
import { Badge, Banner, Button, RelativeTime } from '../../components/ui';
import { formatRunDuration, OUTCOME_LABEL, OUTCOME_TONE, whoName, type RunAction, type RunDetail, type RunMark, type RunStep } from './run-api';

export function MarkLine({ mark }: { mark: RunMark }) {
  return (
    <span className="run-mark-line">
      <Badge tone={OUTCOME_TONE[mark.outcome]}>{OUTCOME_LABEL[mark.outcome]}</Badge> by <strong>{whoName(mark.by)}</strong> <RelativeTime iso={mark.at} />
      {mark.note && <span className="run-mark-note"> — {mark.note}</span>}
    </span>
  );
}

function ActionRecord({ a }: { a: RunAction }) {
  const tone = a.result === 'succeeded' ? 'green' : a.result === 'refused' ? 'amber' : 'red';
  return (
    <div className="run-action-record" data-testid="http-action-record">
      <div>
        <Badge tone={tone}>{a.result}</Badge>{' '}
        <code className="mono">
          {a.method} {a.url}
        </code>{' '}
        → {a.status_code ?? '—'} in {a.duration_ms} ms · {whoName(a.by)} <RelativeTime iso={a.at} />
      </div>
      {a.error && <div className="run-action-error">{a.error}</div>}
      {a.response_body && (
        <pre className="run-action-body">
          {a.response_body}
          {a.response_truncated ? '\n… (truncated)' : ''}
        </pre>
      )}
    </div>
  );
}

export function StepCard({
  step,
  run,
  selected,
  current,
  onSelect,
  onMark,
  onAction,
}: {
  step: RunStep;
  run: RunDetail;
  selected: boolean;
  current: boolean;
  onSelect(): void;
  onMark(outcome: 'done' | 'skipped' | 'failed'): void;
  onAction(): void;
}) {
  const [showRollback, setShowRollback] = useState(false);
  const [showHistory, setShowHistory] = useState(false);
  const open = run.status === 'running';
  const failed = step.state?.outcome === 'failed';
  const cls = ['run-step', selected ? 'is-selected' : '', current ? 'is-current' : '', step.state ? `is-${step.state.outcome}` : ''].filter(Boolean).join(' ');
  return (
    <section className={cls} data-testid={`step-${step.id}`} aria-current={current ? 'step' : undefined} onClick={onSelect}>
      <header className="run-step-head">
        <span className="run-step-no">{step.position + 1}</span>
        <h2 className="run-step-title">{step.title}</h2>
        {current && <Badge tone="blue">Current</Badge>}
        {step.state && <Badge tone={OUTCOME_TONE[step.state.outcome]}>{OUTCOME_LABEL[step.state.outcome]}</Badge>}
      </header>
      <div className="run-step-body">
        <Markdown source={step.instruction} />
        {step.command && (
          <div className="run-step-command">
            <div className="run-label">Command (run it yourself)</div>
            <pre className="mono">{step.command}</pre>
          </div>
        )}
        {step.expected && (
          <div className="run-step-expected">
            <div className="run-label">Expected outcome</div>
            <Markdown source={step.expected} />
          </div>
        )}
        {failed && (
          <div className="run-guidance" role="region" aria-label="If this fails" data-testid="failure-guidance">
            <div className="run-label">If this fails</div>
            <Markdown source={step.on_failure || '_No guidance written for this step._'} />
            {run.rollback && (
              <>
                <Button size="sm" variant="secondary" onClick={(e) => (e.stopPropagation(), setShowRollback((v) => !v))}>
                  {showRollback ? 'Hide rollback' : 'Show rollback'}
                </Button>
                {showRollback && (
                  <div className="run-rollback" data-testid="rollback-panel">
                    <div className="run-label">Rollback</div>
                    <Markdown source={run.rollback} />
                  </div>
                )}
              </>
            )}
          </div>
        )}
        {step.http_action && (
          <div className="run-step-http">
            <div className="run-label">HTTP action</div>
            <code className="mono">
              {step.http_action.method} {step.http_action.url}
            </code>
            {step.actions.map((a) => (
              <ActionRecord key={a.id} a={a} />
            ))}
          </div>
        )}
        {step.state && (
          <div className="run-step-state">
            <MarkLine mark={step.state} />
            {step.history.length > 1 && (
              <Button size="sm" variant="ghost" onClick={(e) => (e.stopPropagation(), setShowHistory((v) => !v))}>
                {showHistory ? 'Hide history' : `History (${step.history.length})`}
              </Button>
            )}
            {showHistory && (
              <ol className="run-history">
                {step.history.map((m) => (
                  <li key={m.id}>
                    <MarkLine mark={m} />
                  </li>
                ))}
              </ol>
            )}
          </div>
        )}
      </div>
      {open && (
        <footer className="run-step-actions" onClick={(e) => e.stopPropagation()}>
          <Button variant="primary" icon="check" onClick={() => onMark('done')}>
            Done <kbd>d</kbd>
          </Button>
          <Button onClick={() => onMark('skipped')}>
            Skip… <kbd>s</kbd>
          </Button>
          <Button variant="danger" onClick={() => onMark('failed')}>
            Failed… <kbd>f</kbd>
          </Button>
          {step.http_action && (
            <Button icon="plug" onClick={onAction}>
              Call endpoint…
            </Button>
          )}
        </footer>
      )}
    </section>
  );
}

/** Asks the reason for a skip or what went wrong for a failure (both required). */
export function NoteDialog({ step, outcome, onSubmit, onClose }: { step: RunStep; outcome: 'skipped' | 'failed'; onSubmit(note: string): Promise<void>; onClose(): void }) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const submit = async () => {
    if (!note.trim()) {
      setError(outcome === 'skipped' ? 'Say why the step is skipped.' : 'Say what went wrong.');
      return;
    }
    setBusy(true);
    try {
      await onSubmit(note.trim());
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <Modal
      title={outcome === 'skipped' ? `Skip “${step.title}”` : `Mark “${step.title}” failed`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant={outcome === 'failed' ? 'danger' : 'primary'} busy={busy} onClick={() => void submit()}>
            {outcome === 'skipped' ? 'Skip step' : 'Mark failed'}
          </Button>
        </>
      }
    >
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="field">
          <label htmlFor={id}>{outcome === 'skipped' ? 'Reason' : 'What happened'}</label>
          <textarea
            id={id}
            className="input"
            rows={3}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                void submit();
              }
            }}
          />
        </div>
        {error && <Banner>{error}</Banner>}
      </form>
    </Modal>
  );
}

export function HttpActionDialog({ step, onConfirm, onClose }: { step: RunStep; onConfirm(): Promise<void>; onClose(): void }) {
  const a = step.http_action!;
  return (
    <ConfirmDialog title="Call the step's endpoint?" confirmLabel={`Send ${a.method}`} onConfirm={onConfirm} onClose={onClose}>
      <p>
        Ballast will send <code className="mono">{a.method}</code> to <code className="mono">{a.url}</code>
        {a.header_names.length > 0 && <> with headers {a.header_names.join(', ')}</>}
        {a.has_body && <> and a request body</>}. The step is marked done when it answers {a.expect_status.length ? a.expect_status.join(', ') : '2xx'}, failed otherwise.
      </p>
    </ConfirmDialog>
  );
}

export function FinishDialog({ run, onFinish, onClose }: { run: RunDetail; onFinish(outcome: 'success' | 'failed' | 'aborted', note: string): Promise<void>; onClose(): void }) {
  const allDone = run.progress.pending === 0 && run.progress.failed === 0;
  const [outcome, setOutcome] = useState<'success' | 'failed' | 'aborted'>(allDone ? 'success' : run.progress.failed ? 'failed' : 'aborted');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const noteId = useId();
  const elapsed = Date.now() - Date.parse(run.started_at);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await onFinish(outcome, note.trim());
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <Modal
      title="Finish run"
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" busy={busy} onClick={() => void submit()}>
            Finish run
          </Button>
        </>
      }
    >
      <div className="stack">
        <p>
          Running for <strong>{formatRunDuration(elapsed)}</strong>: {run.progress.done} done, {run.progress.skipped} skipped, {run.progress.failed} failed, {run.progress.pending} not done.
        </p>
        <fieldset className="run-outcomes">
          <legend>Outcome</legend>
          {(['success', 'failed', 'aborted'] as const).map((o) => (
            <label key={o} className="run-outcome">
              <input type="radio" name="outcome" value={o} checked={outcome === o} disabled={o === 'success' && !allDone} onChange={() => setOutcome(o)} />
              {o === 'success' ? 'Success' : o === 'failed' ? 'Failed' : 'Aborted'}
              {o === 'success' && !allDone && <span className="muted"> (every step must be done or skipped)</span>}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor={noteId}>
            Note <span className="optional">optional</span>
          </label>
          <textarea id={noteId} className="input" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
        </div>
        {error && <Banner>{error}</Banner>}
      </div>
    </Modal>
  );
}

export const SHORTCUTS: [string, string][] = [
  ['j / ↓', 'Next step'],
  ['k / ↑', 'Previous step'],
  ['d', 'Mark the selected step done'],
  ['s', 'Skip the selected step (asks a reason)'],
  ['f', 'Mark the selected step failed (asks a note)'],
  ['?', 'Show this help'],
];

export function ShortcutHelp({ onClose }: { onClose(): void }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose} footer={<Button onClick={onClose} data-autofocus>Close</Button>}>
      <table className="table run-shortcuts">
        <tbody>
          {SHORTCUTS.map(([k, what]) => (
            <tr key={k}>
              <td>
                <kbd>{k}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>
  );
}
