import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../../api';
import { Button, ButtonLink, Card, EmptyState, LoadError, Loading, PageHeader, Tabs } from '../../components/ui';
import { usePagedList } from '../../lib/usePagedList';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { ITEM_STATUS_LABEL, ITEM_STATUSES, pmApi, type ActionItem } from './api';
import { ActionItemsTable, DueLabel, ItemStatusControl, PriorityBadge } from './parts';

type View = 'board' | 'list';

/** Every incident's action items in one place: a board by status, or a list; status changes inline. */
export function ActionItemsPage() {
  useTitle('Action items');
  const [params, setParams] = useSearchParams();
  const view: View = params.get('view') === 'list' ? 'list' : 'board';
  const filter = (k: string) => params.get(k) ?? '';
  const setFilter = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next, { replace: true });
  };
  const services = useQuery(() => api.services.list({ limit: 500 }), []);
  const teams = useQuery(() => api.teams.list({ limit: 500 }), []);
  const query = { status: filter('status'), owner: filter('owner'), service: filter('service'), team: filter('team'), overdue: filter('overdue'), incident: filter('incident') };
  const list = usePagedList((cursor, signal) => pmApi.items({ ...query, cursor, limit: 200 }, signal), [JSON.stringify(query)]);
  // Inline changes replace the listed item until the next reload.
  const [changed, setChanged] = useState<Record<string, ActionItem>>({});
  const items = list.items.map((i) => changed[i.id] ?? i);
  const onChange = (i: ActionItem) => setChanged((c) => ({ ...c, [i.id]: i }));

  return (
    <>
      <PageHeader
        back={{ to: '/postmortems', label: 'Postmortems' }}
        title="Action items"
        subtitle="Follow-ups from every incident and postmortem. Owners are reminded when an item passes its due date."
        actions={<ButtonLink to="/incidents/metrics" icon="gauge">Measures</ButtonLink>}
      />
      <div className="toolbar">
        <Tabs items={[{ key: 'board', label: 'Board' }, { key: 'list', label: 'List' }]} value={view} onChange={(k) => setFilter('view', k === 'board' ? '' : k)} label="View" />
        <select className="input select" aria-label="Filter by status" value={filter('status')} onChange={(e) => setFilter('status', e.target.value)}>
          <option value="">Any status</option>
          <option value="open,in_progress">Not closed</option>
          {ITEM_STATUSES.map((s) => (
            <option key={s} value={s}>
              {ITEM_STATUS_LABEL[s]}
            </option>
          ))}
        </select>
        <select className="input select" aria-label="Filter by service" value={filter('service')} onChange={(e) => setFilter('service', e.target.value)}>
          <option value="">All services</option>
          {services.data?.data.map((s) => (
            <option key={s.id} value={s.slug}>
              {s.name}
            </option>
          ))}
        </select>
        <select className="input select" aria-label="Filter by team" value={filter('team')} onChange={(e) => setFilter('team', e.target.value)}>
          <option value="">All teams</option>
          {teams.data?.data.map((t) => (
            <option key={t.id} value={t.slug}>
              {t.name}
            </option>
          ))}
        </select>
        <label className="small">
          <input type="checkbox" checked={filter('owner') === 'me'} onChange={(e) => setFilter('owner', e.target.checked ? 'me' : '')} /> Mine
        </label>
        <label className="small">
          <input type="checkbox" checked={filter('overdue') === 'true'} onChange={(e) => setFilter('overdue', e.target.checked ? 'true' : '')} /> Overdue
        </label>
        {filter('incident') && (
          <span className="filter-pill">
            {filter('incident')}
            <button type="button" aria-label="Clear incident filter" onClick={() => setFilter('incident', '')}>
              ×
            </button>
          </span>
        )}
      </div>
      {list.error ? (
        <LoadError error={list.error} onRetry={list.reload} what="action items" />
      ) : list.loading ? (
        <Loading />
      ) : items.length === 0 ? (
        <Card>
          <EmptyState icon="check" title="No action items match">
            Action items are added on a postmortem or an incident.
          </EmptyState>
        </Card>
      ) : view === 'list' ? (
        <Card flush>
          <ActionItemsTable items={items} onChange={onChange} showIncident />
        </Card>
      ) : (
        <div className="pm-board" data-testid="action-items-board">
          {ITEM_STATUSES.map((s) => {
            const col = items.filter((i) => i.status === s);
            return (
              <section key={s} className="pm-board-col" aria-label={ITEM_STATUS_LABEL[s]}>
                <h3>
                  {ITEM_STATUS_LABEL[s]} <span className="muted">{col.length}</span>
                </h3>
                {col.map((i) => (
                  <article key={i.id} className="pm-card" data-testid="action-item-card">
                    <span className="pm-card-title">{i.title}</span>
                    <div className="pm-card-meta">
                      <PriorityBadge priority={i.priority} />
                      <Link to={i.postmortem_id ? `/postmortems/${i.postmortem_id}` : `/incidents/${i.incident.ref}`} className="mono">
                        {i.incident.ref}
                      </Link>
                      <span>{i.owner ? i.owner.name || i.owner.email : 'Unassigned'}</span>
                    </div>
                    <div className="pm-card-meta">
                      <DueLabel iso={i.due_date} overdue={i.overdue} />
                    </div>
                    <ItemStatusControl item={i} onChange={onChange} />
                  </article>
                ))}
              </section>
            );
          })}
        </div>
      )}
      {list.hasMore && (
        <div className="card-pad">
          <Button onClick={list.loadMore} busy={list.loadingMore}>
            Load more
          </Button>
        </div>
      )}
    </>
  );
}
