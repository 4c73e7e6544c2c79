// On a service: its open and recent incidents.
import { Link } from 'react-router-dom';
import { ButtonLink, Card, Loading, RelativeTime } from '../../components/ui';
import { useLiveUpdates } from '../../lib/useLiveUpdates';
import { useQuery } from '../../lib/useQuery';
import { incidentsApi } from './api';
import { IncSeverityBadge, IncStatusBadge } from './parts';

export function ServiceIncidentsCard({ serviceSlug }: { serviceSlug: string }) {
  const q = useQuery((signal) => incidentsApi.list({ service: serviceSlug, limit: 10 }, signal), [serviceSlug]);
  useLiveUpdates({ types: ['incident'], onChange: q.reload });
  const list = q.data?.data ?? [];
  return (
    <Card title="Incidents" actions={<ButtonLink to={`/incidents?service=${encodeURIComponent(serviceSlug)}&status=all`} size="sm">All</ButtonLink>}>
      {q.loading && !q.data ? (
        <Loading />
      ) : list.length === 0 ? (
        <p className="muted">No incidents on this service.</p>
      ) : (
        <ul className="plain-list" data-testid="service-incidents">
          {list.map((i) => (
            <li key={i.id} style={{ marginBottom: 6 }}>
              <IncSeverityBadge severity={i.severity} /> <Link to={`/incidents/${i.ref}`}>{i.ref}: {i.title}</Link> <IncStatusBadge status={i.status} />{' '}
              <span className="muted">
                <RelativeTime iso={i.declared_at} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
