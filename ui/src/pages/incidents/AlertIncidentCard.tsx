// On an alert: the incident its group belongs to, or "Declare incident" (promote the group).
import { Link } from 'react-router-dom';
import { api } from '../../api';
import { ButtonLink, Card, Loading } from '../../components/ui';
import { useLiveUpdates } from '../../lib/useLiveUpdates';
import { useQuery } from '../../lib/useQuery';
import { incidentsApi } from './api';
import { IncSeverityBadge, IncStatusBadge } from './parts';

export function AlertIncidentCard({ alertId, groupId }: { alertId: string; groupId: string | null }) {
  const incidents = useQuery((signal) => (groupId ? incidentsApi.list({ alert_group: groupId, limit: 10 }, signal) : Promise.resolve({ data: [], next_cursor: null })), [groupId]);
  const alert = useQuery(() => api.alerts.get(alertId), [alertId]);
  useLiveUpdates({ types: ['incident'], onChange: incidents.reload, enabled: !!groupId });
  if (!groupId) return null;
  const list = incidents.data?.data ?? [];
  const a = alert.data;
  const declareUrl = `/incidents/new?${new URLSearchParams({ alert_group: groupId, ...(a ? { title: a.summary.slice(0, 300), service: a.service.slug } : {}) }).toString()}`;
  return (
    <Card title="Incident">
      {incidents.loading && !incidents.data ? (
        <Loading />
      ) : list.length ? (
        <ul className="plain-list" data-testid="alert-incidents">
          {list.map((i) => (
            <li key={i.id}>
              <IncSeverityBadge severity={i.severity} /> <Link to={`/incidents/${i.ref}`}>{i.ref}: {i.title}</Link> <IncStatusBadge status={i.status} />
            </li>
          ))}
        </ul>
      ) : (
        <>
          <p className="muted">This alert’s group is not part of an incident.</p>
          <ButtonLink to={declareUrl} icon="flame" variant="primary">
            Declare incident
          </ButtonLink>
        </>
      )}
    </Card>
  );
}
