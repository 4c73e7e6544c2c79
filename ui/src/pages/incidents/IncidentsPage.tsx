import { Link } from 'react-router-dom';
import { useSearchBox, useUrlFilters } from '../../lib/useUrlFilters';
import { Icon } from '../../components/Icon';
import { Button, ButtonLink, EmptyState, LoadError, Loading, PageHeader, RelativeTime, Tabs } from '../../components/ui';
import { useLiveList } from '../../lib/useLiveList';
import { useLiveUpdates } from '../../lib/useLiveUpdates';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { LiveIndicator, useServiceIndex } from '../alerts/parts';
import { incidentsApi } from './api';
import { IncSeverityBadge, IncStatusBadge } from './parts';

const PAGE_SIZE = 50;
type Tab = 'open' | 'resolved' | 'all';
const TABS: { key: Tab; label: string; status: string }[] = [
  { key: 'open', label: 'Open', status: 'open' },
  { key: 'resolved', label: 'Resolved', status: 'resolved' },
  { key: 'all', label: 'All', status: '' },
];

export function IncidentsPage() {
  useTitle('Incidents');
  const { params, filter, setFilter, clearFilters } = useUrlFilters();
  const tabParam = params.get('status') as Tab | null;
  const tab: Tab = TABS.some((t) => t.key === tabParam) ? tabParam! : 'open';
  const severity = filter('severity');
  const service = filter('service');
  const q = filter('q');
  const [search, setSearch] = useSearchBox(q, setFilter);

  const status = TABS.find((t) => t.key === tab)!.status;
  const services = useServiceIndex();
  const severities = useQuery((signal) => incidentsApi.severities(signal), []);
  const list = useLiveList((cursor, limit, signal) => incidentsApi.list({ limit, cursor, status, severity, service, q }, signal), PAGE_SIZE, [status, severity, service, q]);
  const live = useLiveUpdates({ types: ['incident'], onChange: list.refresh });
  const filtered = Boolean(severity || service || q);

  return (
    <>
      <PageHeader
        title="Incidents"
        subtitle="Declared incidents, newest first. Detection → Triage → Response → Resolution → Review."
        actions={
          <>
            <LiveIndicator status={live} />
            <ButtonLink to="/incidents/settings" icon="wrench">
              Severities
            </ButtonLink>
            <ButtonLink to="/incidents/new" variant="primary" icon="flame">
              Declare incident
            </ButtonLink>
          </>
        }
      />
      <Tabs label="Incident status" value={tab} onChange={(k) => setFilter('status', k === 'open' ? '' : k)} items={TABS.map((t) => ({ key: t.key, label: t.label }))} />
      <div className="toolbar">
        <div className="search">
          <Icon name="search" size={15} />
          <input className="input" type="search" placeholder="Search titles or INC-…" aria-label="Search incidents" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <select className="input select" aria-label="Filter by severity" value={severity} onChange={(e) => setFilter('severity', e.target.value)}>
          <option value="">All severities</option>
          {(severities.data?.data ?? []).map((s) => (
            <option key={s.key} value={s.key}>
              {s.key} · {s.name}
            </option>
          ))}
        </select>
        <select className="input select" aria-label="Filter by service" value={service} onChange={(e) => setFilter('service', e.target.value)}>
          <option value="">All services</option>
          {service && !services.bySlug.has(service) && <option value={service}>{service}</option>}
          {services.list.map((s) => (
            <option key={s.id} value={s.slug}>
              {s.name}
            </option>
          ))}
        </select>
        {filtered && (
          <Button variant="ghost" size="sm" onClick={() => clearFilters(tab === 'open' ? {} : { status: tab })}>
            Clear filters
          </Button>
        )}
      </div>
      {list.error && list.items.length === 0 ? (
        <LoadError error={list.error} onRetry={list.reload} what="incidents" />
      ) : list.loading && list.items.length === 0 ? (
        <Loading />
      ) : list.items.length === 0 ? (
        <div className="card">
          {filtered ? (
            <EmptyState icon="search" title="No incidents match these filters" />
          ) : (
            <EmptyState icon="checkCircle" title={tab === 'open' ? 'No open incidents' : 'No incidents'} action={<ButtonLink to="/incidents/new" icon="flame">Declare incident</ButtonLink>} />
          )}
        </div>
      ) : (
        <div className="card card-flush">
          <table className="table" data-testid="incidents-table">
            <thead>
              <tr>
                <th className="col-narrow">Incident</th>
                <th className="col-narrow">Severity</th>
                <th>Title</th>
                <th className="col-narrow">Status</th>
                <th>Services</th>
                <th>Commander</th>
                <th className="col-narrow">Declared</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((i) => (
                <tr key={i.id} className={i.status === 'resolved' ? 'inc-row-resolved' : ''} data-incident={i.ref}>
                  <td className="mono">
                    <Link to={`/incidents/${i.ref}`}>{i.ref}</Link>
                  </td>
                  <td>
                    <IncSeverityBadge severity={i.severity} title={i.severity_name} />
                  </td>
                  <td>
                    <Link to={`/incidents/${i.ref}`} className="row-title inc-list-title">
                      {i.title}
                    </Link>
                    {(i.ack_breached_at || i.mitigate_breached_at) && (
                      <span className="badge badge-red" style={{ marginLeft: 8 }} title="A response target was missed">
                        target missed
                      </span>
                    )}
                  </td>
                  <td>
                    <IncStatusBadge status={i.status} />
                  </td>
                  <td>
                    {i.services.length
                      ? i.services.map((s, n) => (
                          <span key={s.id}>
                            {n > 0 && ', '}
                            <Link to={`/services/${s.slug}`} className="link-quiet">
                              {s.name}
                            </Link>
                          </span>
                        ))
                      : <span className="muted">—</span>}
                  </td>
                  <td>{i.roles.commander ? i.roles.commander.name || i.roles.commander.email : <span className="muted">—</span>}</td>
                  <td>
                    <RelativeTime iso={i.declared_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.hasMore && (
            <div className="load-more">
              <Button onClick={list.loadMore} busy={list.loadingMore}>
                Load more
              </Button>
            </div>
          )}
        </div>
      )}
    </>
  );
}
