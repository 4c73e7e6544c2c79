import { Card, LoadError, Loading } from '../../components/ui';
import { useQuery } from '../../lib/useQuery';
import { LookupList } from './AlertRunbooksCard';
import { runbookApi } from './library-api';
import '../../styles/runbooks-library.css';

// On a service: its runbooks and runbook coverage of the last 30 days' alert kinds.
export function ServiceRunbooksCard({ serviceSlug }: { serviceSlug: string }) {
  const list = useQuery((signal) => runbookApi.forService(serviceSlug, signal), [serviceSlug]);
  const cov = useQuery((signal) => runbookApi.coverage(serviceSlug, signal), [serviceSlug]);
  const c = cov.data;
  const pct = c && c.coverage !== null ? Math.round(c.coverage * 100) : null;
  return (
    <Card title="Runbooks">
      {cov.error ? (
        <LoadError error={cov.error} onRetry={cov.reload} what="coverage" />
      ) : c ? (
        <div data-testid="runbook-coverage">
          {pct === null ? (
            <p className="muted">No alerts in the last {c.window_days} days, so no coverage to measure.</p>
          ) : (
            <>
              <div>
                <strong>{pct}%</strong> of alert kinds covered ({c.kinds_covered} of {c.kinds_total}, last {c.window_days} days)
              </div>
              <div className="rbl-coverage-bar" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label="Runbook coverage">
                <span style={{ width: `${pct}%` }} />
              </div>
              {c.uncovered.length > 0 && (
                <div>
                  <div className="rbl-label">Alert kinds without a runbook</div>
                  <ul>
                    {c.uncovered.map((u) => (
                      <li key={u.kind}>
                        <code>{u.kind}</code> <span className="muted">· {u.alerts} alert{u.alerts === 1 ? "" : "s"}</span>
                      </li>
                    ))}
                  </ul>
                </div>
              )}
            </>
          )}
        </div>
      ) : (
        <Loading />
      )}
      {list.error ? <LoadError error={list.error} onRetry={list.reload} what="runbooks" /> : list.data ? <LookupList items={list.data.data} empty="No runbooks for this service yet." /> : null}
    </Card>
  );
}
