import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Button, Card, LoadError, Loading } from '../../components/ui';
import { useLiveUpdates } from '../../lib/useLiveUpdates';
import { useQuery } from '../../lib/useQuery';
import { treeApi } from './tree-api';
import { WalkLine } from './tree-parts';
import '../../styles/trees.css';

// On an incident: walk a decision tree recorded on the incident, and past walks.
export function IncidentTreeCard({ incidentId }: { incidentId: string }) {
  const navigate = useNavigate();
  const trees = useQuery(() => treeApi.list(), []);
  const walks = useQuery(() => treeApi.walks({ incident: incidentId }), [incidentId]);
  useLiveUpdates({ types: ['decision_tree_walk'], onChange: walks.reload });
  const [slug, setSlug] = useState('');
  const chosen = slug || trees.data?.data[0]?.slug || '';
  return (
    <Card title="Troubleshoot">
      {trees.error ? (
        <LoadError error={trees.error} onRetry={trees.reload} what="decision trees" />
      ) : !trees.data ? (
        <Loading />
      ) : trees.data.data.length === 0 ? (
        <p className="muted small">No decision trees yet. Install the example under Runbooks → Decision trees.</p>
      ) : (
        <div className="tree-picker">
          <label className="sr-only" htmlFor={`tree-pick-${incidentId}`}>
            Decision tree
          </label>
          <select id={`tree-pick-${incidentId}`} className="input select" value={chosen} onChange={(e) => setSlug(e.target.value)}>
            {trees.data.data.map((t) => (
              <option key={t.id} value={t.slug}>
                {t.title}
              </option>
            ))}
          </select>
          <Button variant="primary" disabled={!chosen} onClick={() => navigate(`/runbooks/trees/${encodeURIComponent(chosen)}?incident=${encodeURIComponent(incidentId)}`)}>
            Troubleshoot
          </Button>
        </div>
      )}
      {walks.data && walks.data.data.length > 0 && (
        <div className="tree-walks">
          {walks.data.data.map((w) => (
            <WalkLine key={w.id} walk={w} />
          ))}
        </div>
      )}
      {walks.error != null && <LoadError error={walks.error} onRetry={walks.reload} what="walks" />}
    </Card>
  );
}
