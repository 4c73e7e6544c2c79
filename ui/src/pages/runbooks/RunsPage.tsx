import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useCurrentUser } from '../../auth';
import { Badge, Button, Card, EmptyState, LoadError, Loading, PageHeader, RelativeTime } from '../../components/ui';
import { usePagedList } from '../../lib/usePagedList';
import { useTitle } from '../../lib/useTitle';
import '../../styles/runbook-runs.css';
import { formatRunDuration, runsApi, STATUS_LABEL, STATUS_TONE, whoName, type RunSummary } from './run-api';
import { useRunEvents } from './run-live';

export function RunsPage() {
  useTitle('Runbook runs');
  const me = useCurrentUser();
  const [status, setStatus] = useState('');
  const [mine, setMine] = useState(false);
  const list = usePagedList<RunSummary>((cursor, signal) => runsApi.list({ status, started_by: mine ? me.email : undefined, cursor, limit: 50 }, signal), [status, mine]);
  useRunEvents({ match: () => true, onChange: list.reload });

  return (
    <>
      <PageHeader title="Runbook runs" subtitle="Every run of a runbook, with who marked what and when." />
      <div className="run-filters">
        <select className="input select" aria-label="Status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">All statuses</option>
          {(['running', 'success', 'failed', 'aborted'] as const).map((s) => (
            <option key={s} value={s}>
              {STATUS_LABEL[s]}
            </option>
          ))}
        </select>
        <label className="run-mine">
          <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> Started by me
        </label>
      </div>
      <Card flush>
        {list.error ? (
          <LoadError error={list.error} onRetry={list.reload} what="runs" />
        ) : list.loading ? (
          <Loading />
        ) : list.items.length === 0 ? (
          <EmptyState icon="book" title="No runs yet">
            Start a run from a runbook's page or from an incident.
          </EmptyState>
        ) : (
          <table className="table" data-testid="runs-table">
            <thead>
              <tr>
                <th>Runbook</th>
                <th>Status</th>
                <th>Progress</th>
                <th>Incident</th>
                <th>Started</th>
                <th>Duration</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link to={`/runbooks/runs/${r.id}`}>{r.runbook.title}</Link> <span className="muted">v{r.version.number}</span>
                  </td>
                  <td>
                    <Badge tone={STATUS_TONE[r.status]}>{STATUS_LABEL[r.status]}</Badge>
                  </td>
                  <td>
                    {r.progress.done + r.progress.skipped}/{r.progress.total}
                    {r.progress.failed > 0 && <span className="run-failed-count"> · {r.progress.failed} failed</span>}
                  </td>
                  <td>{r.incident ? <Link to={`/incidents/${r.incident.id}`}>{r.incident.ref}</Link> : <span className="muted">—</span>}</td>
                  <td>
                    {whoName(r.started_by)} <RelativeTime iso={r.started_at} />
                  </td>
                  <td>{formatRunDuration(r.duration_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {list.hasMore && (
          <div className="table-footer">
            <Button busy={list.loadingMore} onClick={list.loadMore}>
              Load more
            </Button>
          </div>
        )}
      </Card>
    </>
  );
}
