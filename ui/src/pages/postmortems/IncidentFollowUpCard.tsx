import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { errorMessage } from '../../api';
import { Button, Card, LoadError, Loading } from '../../components/ui';
import { useQuery } from '../../lib/useQuery';
import { useLiveUpdates } from '../../lib/useLiveUpdates';
import { pmApi } from './api';
import { DueLabel, PmStatusBadge, PriorityBadge } from './parts';

// On an incident: its postmortem (or "Start postmortem") and open action items from earlier incidents on the same services ("we said we'd fix this").
export function IncidentFollowUpCard({ incidentId }: { incidentId: string }) {
  const q = useQuery((signal) => pmApi.followUps(incidentId, signal), [incidentId]);
  // Resolving a SEV1/SEV2 creates the draft in the same transaction: show its link without a reload.
  useLiveUpdates({ types: ['postmortem', 'action_item', 'incident.resolved', 'incident.reopened'], onChange: q.reload });
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      const pm = await pmApi.create(incidentId);
      navigate(`/postmortems/${pm.id}`);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <Card title="Follow-up">
      {q.error ? (
        <LoadError error={q.error} onRetry={q.reload} what="follow-ups" />
      ) : !q.data ? (
        <Loading />
      ) : (
        <div className="stack" data-testid="incident-follow-up">
          {q.data.postmortem ? (
            <div className="pm-meta">
              <Link to={`/postmortems/${q.data.postmortem.id}`}>Postmortem</Link>
              <PmStatusBadge status={q.data.postmortem.status} />
              {q.data.postmortem.status !== 'published' && <DueLabel iso={q.data.postmortem.due_at} overdue={q.data.postmortem.overdue} />}
            </div>
          ) : (
            <div>
              <Button onClick={start} busy={busy} icon="postmortem">
                Start postmortem
              </Button>
              {error && (
                <div className="inline-form-error" role="alert">
                  {error}
                </div>
              )}
            </div>
          )}
          {q.data.recurring.length > 0 && (
            <div role="note">
              <strong>We said we’d fix this:</strong> {q.data.recurring.length} open action item{q.data.recurring.length === 1 ? '' : 's'} from earlier incidents on these services.
              <ul className="pm-followup-list">
                {q.data.recurring.map((i) => (
                  <li key={i.id}>
                    <PriorityBadge priority={i.priority} /> {i.title}{' '}
                    <Link to={i.postmortem_id ? `/postmortems/${i.postmortem_id}` : `/incidents/${i.incident.ref}`} className="mono">
                      {i.incident.ref}
                    </Link>{' '}
                    <DueLabel iso={i.due_date} overdue={i.overdue} />
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
      )}
    </Card>
  );
}
