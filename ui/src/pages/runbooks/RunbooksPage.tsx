import { Link } from 'react-router-dom';
import { useSearchBox, useUrlFilters } from '../../lib/useUrlFilters';
import { api } from '../../api';
import { useCurrentUser } from '../../auth';
import { Icon } from '../../components/Icon';
import { Button, ButtonLink, EmptyState, LoadError, Loading, Mono, PageHeader } from '../../components/ui';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { KIND_LABELS, runbookApi, SUBKINDS } from './library-api';
import { KindBadge, ReviewInfo, StaleBadge } from './library-parts';

/** The runbook library: full-text search and filters live in the URL, so a filtered view can be shared. */
export function RunbooksPage() {
  useTitle('Runbooks');
  const user = useCurrentUser();
  const { filter, setFilter, clearFilters } = useUrlFilters();
  const q = filter('q');
  const service = filter('service');
  const kind = filter('kind');
  const stale = filter('stale');
  const tag = filter('tag');
  const [search, setSearch] = useSearchBox(q, setFilter);

  const services = useQuery((signal) => api.services.list({ limit: 500 }, signal), []);
  const list = useQuery((signal) => runbookApi.list({ q, service, kind, stale, tag }, signal), [q, service, kind, stale, tag]);
  const canCreate = user.is_admin || Object.values(user.teams).some((r) => r === 'responder' || r === 'manager');
  const filtered = Boolean(q || service || kind || stale || tag);
  const rows = list.data?.data ?? [];

  return (
    <>
      <PageHeader
        title="Runbooks"
        subtitle="Procedures to follow at 3 a.m.: purpose, prerequisites, steps, verification and rollback."
        actions={
          <>
            <ButtonLink to="/runbooks/trees">Decision trees</ButtonLink>
            {canCreate && <ButtonLink to="/runbooks/new?from=template">From template</ButtonLink>}
            {canCreate && (
              <ButtonLink to="/runbooks/new" variant="primary" icon="plus">
                New runbook
              </ButtonLink>
            )}
          </>
        }
      />
      <div className="toolbar">
        <div className="search">
          <Icon name="search" size={15} />
          <input className="input" type="search" placeholder="Search titles, steps, commands and tags…" aria-label="Search runbooks" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <select className="input select" aria-label="Filter by service" value={service} onChange={(e) => setFilter('service', e.target.value)}>
          <option value="">All services</option>
          {services.data?.data.map((s) => (
            <option key={s.id} value={s.slug}>
              {s.name}
            </option>
          ))}
        </select>
        <select className="input select" aria-label="Filter by kind" value={kind} onChange={(e) => setFilter('kind', e.target.value)}>
          <option value="">All kinds</option>
          {Object.entries(KIND_LABELS).map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
          {SUBKINDS.map((k) => (
            <option key={k} value={k}>
              Procedure · {k}
            </option>
          ))}
        </select>
        <select className="input select" aria-label="Filter by review state" value={stale} onChange={(e) => setFilter('stale', e.target.value)}>
          <option value="">Any review state</option>
          <option value="true">Stale (review overdue)</option>
          <option value="false">Reviewed within cadence</option>
        </select>
        {tag && (
          <span className="chip chip-removable">
            tag: {tag}
            <button type="button" className="icon-btn" aria-label="Remove tag filter" onClick={() => setFilter('tag', '')}>
              <Icon name="x" size={12} />
            </button>
          </span>
        )}
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
        <LoadError error={list.error} onRetry={list.reload} what="runbooks" />
      ) : list.loading && !list.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <div className="card">
          {filtered ? (
            <EmptyState icon="search" title="No runbooks match these filters" />
          ) : (
            <EmptyState icon="book" title="No runbooks yet" action={canCreate && <ButtonLink to="/runbooks/new?from=template" variant="primary" icon="plus">Start from a template</ButtonLink>}>
              Start with the essentials: service restart, database failover, cache clear, log investigation, scaling and rollback.
            </EmptyState>
          )}
        </div>
      ) : (
        <div className={`card card-flush${list.loading ? ' is-refreshing' : ''}`}>
          <table className="table" data-testid="runbooks-table">
            <thead>
              <tr>
                <th>Runbook</th>
                <th>Kind</th>
                <th>Owner</th>
                <th>Services</th>
                <th>Tags</th>
                <th>Review</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link to={`/runbooks/${r.slug}`} className="row-title">
                      {r.title}
                    </Link>{' '}
                    <StaleBadge r={r} />
                    <div>
                      <Mono>{r.slug}</Mono> <span className="muted">· {r.step_count} steps · v{r.current_version}</span>
                    </div>
                  </td>
                  <td>
                    <KindBadge r={r} />
                  </td>
                  <td>
                    <Link to={`/teams/${r.team.slug}`} className="link-quiet">
                      {r.team.name}
                    </Link>
                  </td>
                  <td>
                    <span className="chips">
                      {r.services.length === 0 && <span className="muted">—</span>}
                      {r.services.map((s) => (
                        <Link key={s.id} className="chip" to={`/services/${s.slug}`}>
                          {s.slug}
                        </Link>
                      ))}
                    </span>
                  </td>
                  <td>
                    <span className="chips">
                      {r.tags.map((t) => (
                        <button key={t} type="button" className="chip" onClick={() => setFilter('tag', t)} title={`Only runbooks tagged ${t}`}>
                          {t}
                        </button>
                      ))}
                    </span>
                  </td>
                  <td>
                    <ReviewInfo r={r} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="table-footer">
            <span className="muted">
              {rows.length} runbook{rows.length === 1 ? '' : 's'}
            </span>
          </div>
        </div>
      )}
    </>
  );
}
