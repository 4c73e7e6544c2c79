import { Link, useSearchParams } from 'react-router-dom';
import { Button, ButtonLink, Card, EmptyState, LoadError, Loading, PageHeader, RelativeTime, Tabs } from '../../components/ui';
import { usePagedList } from '../../lib/usePagedList';
import { useTitle } from '../../lib/useTitle';
import { pmApi } from './api';
import { DueLabel, PmStatusBadge } from './parts';

type Tab = 'all' | 'draft' | 'in_review' | 'published' | 'overdue';
const TABS: Array<{ key: Tab; label: string }> = [
  { key: 'all', label: 'All' },
  { key: 'draft', label: 'Draft' },
  { key: 'in_review', label: 'In review' },
  { key: 'published', label: 'Published' },
  { key: 'overdue', label: 'Overdue' },
];

export function PostmortemsPage() {
  useTitle('Postmortems');
  const [params, setParams] = useSearchParams();
  const tab = (TABS.find((t) => t.key === params.get('tab'))?.key ?? 'all') as Tab;
  const list = usePagedList(
    (cursor, signal) =>
      pmApi.list({ cursor, limit: 50, status: tab === 'all' || tab === 'overdue' ? undefined : tab, overdue: tab === 'overdue' ? 'true' : undefined }, signal),
    [tab],
  );
  return (
    <>
      <PageHeader
        title="Postmortems"
        subtitle="Blameless reviews of resolved incidents. SEV1 and SEV2 incidents get a draft automatically, due a few business days after resolution."
        actions={
          <>
            <ButtonLink to="/postmortems/action-items" icon="check">
              Action items
            </ButtonLink>
            <ButtonLink to="/incidents/metrics" icon="gauge">
              Measures
            </ButtonLink>
          </>
        }
      />
      <Tabs items={TABS} value={tab} onChange={(k) => setParams(k === 'all' ? {} : { tab: k }, { replace: true })} label="Postmortem status" />
      <Card flush>
        {list.error ? (
          <div className="card-pad">
            <LoadError error={list.error} onRetry={list.reload} what="postmortems" />
          </div>
        ) : list.loading ? (
          <Loading />
        ) : list.items.length === 0 ? (
          <EmptyState icon="postmortem" title={tab === 'all' ? 'No postmortems yet' : 'Nothing here'}>
            Postmortems appear when a SEV1 or SEV2 incident is resolved, or when someone starts one from an incident.
          </EmptyState>
        ) : (
          <table className="table" data-testid="postmortems-table">
            <thead>
              <tr>
                <th>Incident</th>
                <th>Postmortem</th>
                <th>Status</th>
                <th>Deadline</th>
                <th>Author</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((p) => (
                <tr key={p.id}>
                  <td>
                    <span className="mono">{p.incident.ref}</span> <span className="muted small">{p.incident.severity}</span>
                  </td>
                  <td>
                    <Link to={`/postmortems/${p.id}`} className="row-title">
                      {p.title}
                    </Link>
                    {!p.required && <div className="muted small">Optional for this severity</div>}
                  </td>
                  <td>
                    <PmStatusBadge status={p.status} />
                  </td>
                  <td>{p.status === 'published' ? <span className="muted">Published {p.published_at?.slice(0, 10)}</span> : <DueLabel iso={p.due_at} overdue={p.overdue} />}</td>
                  <td>{p.author ? p.author.name || p.author.email : <span className="muted">—</span>}</td>
                  <td>
                    <RelativeTime iso={p.updated_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {list.hasMore && (
          <div className="card-pad">
            <Button onClick={list.loadMore} busy={list.loadingMore}>
              Load more
            </Button>
          </div>
        )}
      </Card>
    </>
  );
}
