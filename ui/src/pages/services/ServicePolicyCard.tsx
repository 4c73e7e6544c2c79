import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, errorMessage } from '../../api';
import { useToast } from '../../components/Toast';
import { Banner, Button, Card, LoadError, Loading } from '../../components/ui';
import { formatMinutes } from '../../lib/format';
import { useQuery } from '../../lib/useQuery';
import type { Service } from '../../types';

/** Which escalation policy pages for the service; team managers can change it. */
export function ServicePolicyCard({ service, canManage }: { service: Service; canManage: boolean }) {
  const toast = useToast();
  const current = useQuery(() => api.escalationPolicies.forService(service.slug), [service.slug]);
  const policies = useQuery(() => (canManage ? api.escalationPolicies.list() : Promise.resolve({ data: [] })), [canManage]);
  const [choice, setChoice] = useState('');
  const [busy, setBusy] = useState(false);
  const currentSlug = current.data?.policy?.slug ?? '';
  useEffect(() => setChoice(currentSlug), [currentSlug]);

  const save = async () => {
    setBusy(true);
    try {
      await api.escalationPolicies.setForService(service.slug, choice || null);
      toast.success(choice ? 'Escalation policy set' : 'Escalation policy removed');
      current.reload();
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const p = current.data?.policy;
  return (
    <Card title="Escalation policy">
      {current.error ? (
        <LoadError error={current.error} onRetry={current.reload} what="the escalation policy" />
      ) : !current.data ? (
        <Loading />
      ) : (
        <div className="stack">
          {p ? (
            <div data-testid="service-policy">
              <Link to={`/oncall/policies/${encodeURIComponent(p.slug)}`} className="strong-link">
                {p.name}
              </Link>
              <ol className="level-summary small">
                {p.levels.map((l, i) => (
                  <li key={i}>
                    {i === 0 ? 'Page' : `After ${formatMinutes(p.levels[i - 1]!.delay_minutes)}, page`} {l.targets.map((t) => t.name).join(', ')}
                  </li>
                ))}
              </ol>
            </div>
          ) : (
            <Banner tone="warning">No escalation policy: alerts for this service page nobody.</Banner>
          )}
          {canManage && (
            <div className="inline-select">
              <label className="sr-only" htmlFor="svc-policy">
                Escalation policy
              </label>
              <select id="svc-policy" aria-label="Escalation policy" className="input select" value={choice} onChange={(e) => setChoice(e.target.value)}>
                <option value="">None</option>
                {(policies.data?.data ?? []).map((x) => (
                  <option key={x.id} value={x.slug}>
                    {x.name}
                  </option>
                ))}
              </select>
              <Button size="sm" variant="primary" busy={busy} disabled={choice === currentSlug} onClick={() => void save()}>
                Save
              </Button>
            </div>
          )}
        </div>
      )}
    </Card>
  );
}
