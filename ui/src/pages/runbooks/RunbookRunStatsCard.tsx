// On a runbook page: number of runs, success rate, the steps that fail most often, and recent runs.
import { Link, useNavigate } from 'react-router-dom';
import { useState } from 'react';
import { errorMessage } from '../../api';
import { Badge, Banner, Button, Card, LoadError, Loading, RelativeTime } from '../../components/ui';
import { useQuery } from '../../lib/useQuery';
import '../../styles/runbook-runs.css';
import { formatRunDuration, runsApi, STATUS_LABEL, STATUS_TONE, whoName } from './run-api';

export function RunbookRunStatsCard({ runbookSlug }: { runbookSlug: string }) {
  const navigate = useNavigate();
  const stats = useQuery((signal) => runsApi.stats(runbookSlug, signal), [runbookSlug]);
  const recent = useQuery((signal) => runsApi.list({ runbook: runbookSlug, limit: 5 }, signal), [runbookSlug]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const s = stats.data;

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      navigate(`/runbooks/runs/${(await runsApi.start({ runbook: runbookSlug })).id}`);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <Card
      title="Runs"
      className="runbook-run-stats"
      actions={
        <Button size="sm" variant="primary" busy={busy} onClick={() => void start()}>
          Start run
        </Button>
      }
    >
      {error && <Banner>{error}</Banner>}
      {stats.error ? (
        <LoadError error={stats.error} onRetry={stats.reload} what="run statistics" />
      ) : !s ? (
        <Loading />
      ) : (
        <>
          <dl className="run-stats" data-testid="run-stats">
            <div>
              <dt>Runs</dt>
              <dd>{s.runs}</dd>
            </div>
            <div>
              <dt>Success rate</dt>
              <dd>{s.success_rate === null ? '—' : `${Math.round(s.success_rate * 100)}%`}</dd>
            </div>
            <div>
              <dt>Mean duration</dt>
              <dd>{formatRunDuration(s.mean_duration_ms)}</dd>
            </div>
            <div>
              <dt>Last verified</dt>
              <dd>{s.last_verified_at ? <RelativeTime iso={s.last_verified_at} /> : 'never'}</dd>
            </div>
          </dl>
          {s.failing_steps.length > 0 && (
            <>
              <div className="run-label">Steps that fail most often</div>
              <ol className="run-failing-steps">
                {s.failing_steps.map((f) => (
                  <li key={f.step_id}>
                    {f.title} <span className="muted">— failed in {f.failures} of {f.runs} runs</span>
                  </li>
                ))}
              </ol>
            </>
          )}
        </>
      )}
      {recent.data && recent.data.data.length > 0 && (
        <>
          <div className="run-label">Recent runs</div>
          <ul className="run-incident-runs">
            {recent.data.data.map((r) => (
              <li key={r.id}>
                <Link to={`/runbooks/runs/${r.id}`}>
                  <RelativeTime iso={r.started_at} />
                </Link>{' '}
                <Badge tone={STATUS_TONE[r.status]}>{STATUS_LABEL[r.status]}</Badge> <span className="muted">{whoName(r.started_by)} · {formatRunDuration(r.duration_ms)}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </Card>
  );
}
