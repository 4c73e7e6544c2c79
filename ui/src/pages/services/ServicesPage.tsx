import { Link } from 'react-router-dom';
import { useSearchBox, useUrlFilters } from '../../lib/useUrlFilters';
import { api } from '../../api';
import { useCurrentUser } from '../../auth';
import { Icon } from '../../components/Icon';
import { Button, ButtonLink, EmptyState, LoadError, Loading, Mono, PageHeader, TierBadge } from '../../components/ui';
import { managedTeamSlugs } from '../../lib/permissions';
import { usePagedList } from '../../lib/usePagedList';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import type { Service } from '../../types';

const PAGE_SIZE = 50;

/** Shows the first few dependencies inline; the rest as "+N" so rows keep one line. */
function DependencyList({ refs }: { refs: Service['depends_on'] }) {
  if (refs.length === 0) return <span className="muted">—</span>;
  const shown = refs.slice(0, 3);
  return (
    <span className="chips">
      {shown.map((d) => (
        <Link key={d.id} to={`/services/${d.slug}`} className="chip" title={d.name}>
          {d.slug}
        </Link>
      ))}
      {refs.length > shown.length && (
        <span className="chip chip-more" title={refs.slice(3).map((d) => d.slug).join(', ')}>
          +{refs.length - shown.length}
        </span>
      )}
    </span>
  );
}

export function ServicesPage() {
  useTitle('Services');
  const user = useCurrentUser();
  const { filter, setFilter, clearFilters } = useUrlFilters();
  const q = filter('q');
  const team = filter('team');
  const tier = filter('tier');
  const [search, setSearch] = useSearchBox(q, setFilter);

  const teams = useQuery(() => api.teams.all(), []);
  const list = usePagedList(
    (cursor, signal) => api.services.list({ limit: PAGE_SIZE, cursor, q, team, tier }, signal),
    [q, team, tier],
  );
  const managed = managedTeamSlugs(user);
  const canCreate = managed === null || managed.length > 0;
  const filtered = Boolean(q || team || tier);

  return (
    <>
      <PageHeader
        title="Services"
        subtitle="Everything you run, who owns it and what it depends on."
        actions={
          canCreate && (
            <ButtonLink to="/services/new" variant="primary" icon="plus">
              New service
            </ButtonLink>
          )
        }
      />

      <div className="toolbar">
        <div className="search">
          <Icon name="search" size={15} />
          <input
            className="input"
            type="search"
            placeholder="Search by name or slug…"
            aria-label="Search services"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
        <select className="input select" aria-label="Filter by team" value={team} onChange={(e) => setFilter('team', e.target.value)}>
          <option value="">All teams</option>
          {teams.data?.map((t) => (
            <option key={t.id} value={t.slug}>
              {t.name}
            </option>
          ))}
        </select>
        <select className="input select" aria-label="Filter by tier" value={tier} onChange={(e) => setFilter('tier', e.target.value)}>
          <option value="">All tiers</option>
          <option value="1">Tier 1 · critical</option>
          <option value="2">Tier 2 · important</option>
          <option value="3">Tier 3 · standard</option>
          <option value="4">Tier 4 · low</option>
        </select>
        {filtered && (
          <Button
            variant="ghost"
            size="sm"
            onClick={() => {
              setSearch('');
              clearFilters();
            }}
          >
            Clear filters
          </Button>
        )}
      </div>

      {list.error ? (
        <LoadError error={list.error} onRetry={list.reload} what="services" />
      ) : list.loading && list.items.length === 0 ? (
        <Loading />
      ) : list.items.length === 0 ? (
        <div className="card">
          {filtered ? (
            <EmptyState icon="search" title="No services match these filters" />
          ) : (
            <EmptyState
              icon="layers"
              title="No services yet"
              action={canCreate && <ButtonLink to="/services/new" variant="primary" icon="plus">Add the first service</ButtonLink>}
            >
              The catalog is the backbone of Ballast: alerts, incidents and SLOs all hang off services.
            </EmptyState>
          )}
        </div>
      ) : (
        <div className={`card card-flush${list.loading ? ' is-refreshing' : ''}`}>
          <table className="table" data-testid="services-table">
            <thead>
              <tr>
                <th>Service</th>
                <th>Owner</th>
                <th className="col-narrow">Tier</th>
                <th>Depends on</th>
                <th className="col-narrow num">Dependents</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link to={`/services/${s.slug}`} className="row-title">
                      {s.name}
                    </Link>
                    <div>
                      <Mono>{s.slug}</Mono>
                    </div>
                  </td>
                  <td>
                    <Link to={`/teams/${s.team.slug}`} className="link-quiet">
                      {s.team.name}
                    </Link>
                  </td>
                  <td>
                    <TierBadge tier={s.tier} />
                  </td>
                  <td>
                    <DependencyList refs={s.depends_on} />
                  </td>
                  <td className="num">{s.dependents.length || <span className="muted">0</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="table-footer">
            <span className="muted">
              {list.items.length} service{list.items.length === 1 ? '' : 's'}
              {list.hasMore ? ' shown' : ''}
            </span>
            {list.hasMore && (
              <Button size="sm" busy={list.loadingMore} onClick={list.loadMore}>
                Load more
              </Button>
            )}
          </div>
        </div>
      )}
    </>
  );
}
