import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { errorMessage, request } from '../../api';
import { useToast } from '../../components/Toast';
import { Button, Card, LoadError, Loading } from '../../components/ui';
import { safeHttpUrl } from '../../lib/format';
import { useQuery } from '../../lib/useQuery';
import { runbookApi, type LookupResult } from './library-api';
import { StaleBadge } from './library-parts';

const WHY: Record<string, string> = { label: 'alert label', annotation: 'alert annotation', rule: 'lookup rule', service: 'service runbook' };

/** "Start run" of a runbook, attached to an alert group when given; opens the run page. */
function StartRunButton({ slug, alertGroupId }: { slug: string; alertGroupId?: string }) {
  const navigate = useNavigate();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  return (
    <Button
      size="sm"
      busy={busy}
      onClick={async () => {
        setBusy(true);
        try {
          const run = await runbookApi.startRun(slug, alertGroupId ? { alert_group: alertGroupId } : {});
          navigate(`/runbooks/runs/${run.id}`);
        } catch (err) {
          toast.error(errorMessage(err));
          setBusy(false);
        }
      }}
    >
      Start run
    </Button>
  );
}

export function LookupList({ items, empty, alertGroupId }: { items: LookupResult[]; empty: string; alertGroupId?: string }) {
  if (items.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="rbl-lookup">
      {items.map((m) => {
        const href = m.external ? safeHttpUrl(m.url) : null;
        return (
          <li key={m.runbook?.id ?? m.url}>
            {m.runbook ? (
              <>
                <Link to={`/runbooks/${m.runbook.slug}`} className="row-title">
                  {m.runbook.title}
                </Link>{' '}
                <StaleBadge r={m.runbook} /> {alertGroupId !== undefined && <StartRunButton slug={m.runbook.slug} alertGroupId={alertGroupId || undefined} />}
              </>
            ) : href ? (
              <a href={href} target="_blank" rel="noopener noreferrer nofollow">
                {m.url}
              </a>
            ) : (
              <span>{m.url}</span>
            )}
            <div className="rbl-why">{m.reasons.map((r) => `${WHY[r.type] ?? r.type}: ${r.detail}`).join(' · ')}</div>
          </li>
        );
      })}
    </ul>
  );
}

// On an alert: the runbooks that apply (explicit label/annotation or lookup rules), with "Start run" on the runbook page.
export function AlertRunbooksCard({ alertId }: { alertId: string }) {
  const q = useQuery(
    async (signal) => {
      const [list, alert] = await Promise.all([runbookApi.forAlert(alertId, signal), request<{ group_id: string }>('GET', `/alerts/${encodeURIComponent(alertId)}`, { signal })]);
      return { list: list.data, groupId: alert.group_id };
    },
    [alertId],
  );
  return (
    <Card title="Runbooks">
      {q.error ? (
        <LoadError error={q.error} onRetry={q.reload} what="runbooks" />
      ) : !q.data ? (
        <Loading />
      ) : (
        <LookupList items={q.data.list} alertGroupId={q.data.groupId} empty="No runbook for this alert. Add a `runbook` label, or a lookup rule for its service." />
      )}
    </Card>
  );
}
