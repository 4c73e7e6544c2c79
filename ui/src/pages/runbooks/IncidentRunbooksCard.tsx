// On an incident: suggested runbooks, "Start run", and the runs attached to it.
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { errorMessage } from '../../api';
import { Badge, Banner, Button, Card, LoadError, Loading } from '../../components/ui';
import { useQuery } from '../../lib/useQuery';
import '../../styles/runbook-runs.css';
import { runsApi, STATUS_LABEL, STATUS_TONE, whoName } from './run-api';
import { useRunEvents } from './run-live';

export function IncidentRunbooksCard({ incidentId }: { incidentId: string }) {
  const navigate = useNavigate();
  const suggested = useQuery((signal) => runsApi.suggestedForIncident(incidentId, signal), [incidentId]);
  const runs = useQuery((signal) => runsApi.list({ incident: incidentId, limit: 20 }, signal), [incidentId]);
  useRunEvents({ match: () => true, onChange: runs.reload });
  const [other, setOther] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const start = async (runbook: string) => {
    setBusy(runbook);
    setError(null);
    try {
      const run = await runsApi.start({ runbook, incident: incidentId });
      navigate(`/runbooks/runs/${run.id}`);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(null);
    }
  };

  return (
    <Card title="Runbooks" className="incident-runbooks">
      {error && <Banner>{error}</Banner>}
      {suggested.error ? (
        <LoadError error={suggested.error} onRetry={suggested.reload} what="suggested runbooks" />
      ) : suggested.loading && !suggested.data ? (
        <Loading />
      ) : (
        (suggested.data?.length ?? 0) > 0 && (
          <ul className="run-suggested">
            {suggested.data!.map((r) => (
              <li key={r.id}>
                <Link to={`/runbooks/${r.slug}`}>{r.title}</Link>
                <Button size="sm" variant="primary" busy={busy === r.id} onClick={() => void start(r.id)}>
                  Start run
                </Button>
              </li>
            ))}
          </ul>
        )
      )}
      <form
        className="run-start-other"
        onSubmit={(e) => {
          e.preventDefault();
          if (other.trim()) void start(other.trim());
        }}
      >
        <input className="input input-sm" aria-label="Runbook slug" placeholder="runbook slug" value={other} onChange={(e) => setOther(e.target.value)} />
        <Button size="sm" type="submit" busy={busy === other.trim() && !!other.trim()}>
          Start run
        </Button>
      </form>
      <div className="run-label">Runs on this incident</div>
      {runs.error ? (
        <LoadError error={runs.error} onRetry={runs.reload} what="runs" />
      ) : !runs.data ? (
        <Loading />
      ) : runs.data.data.length === 0 ? (
        <p className="muted">No runbook has been run for this incident yet.</p>
      ) : (
        <ul className="run-incident-runs" data-testid="incident-runs">
          {runs.data.data.map((r) => (
            <li key={r.id}>
              <Link to={`/runbooks/runs/${r.id}`}>{r.runbook.title}</Link> <Badge tone={STATUS_TONE[r.status]}>{STATUS_LABEL[r.status]}</Badge>{' '}
              <span className="muted">
                {r.progress.done + r.progress.skipped}/{r.progress.total} steps · {whoName(r.started_by)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
