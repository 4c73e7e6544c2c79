import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { useSearchBox, useUrlFilters } from '../../lib/useUrlFilters';
import { api, ApiError, errorMessage } from '../../api';
import { useCurrentUser } from '../../auth';
import { Icon } from '../../components/Icon';
import { useToast } from '../../components/Toast';
import { Button, ButtonLink, EmptyState, LoadError, Loading, Mono, PageHeader, Tabs } from '../../components/ui';
import { canRespond } from '../../lib/permissions';
import { useLiveList } from '../../lib/useLiveList';
import { useLiveUpdates } from '../../lib/useLiveUpdates';
import { useTitle } from '../../lib/useTitle';
import { SEVERITIES, type Alert } from '../../types';
import { Age, LiveIndicator, SEVERITY_LABEL, SeverityBadge, SilencedBadge, StatusBadge, useServiceIndex } from './parts';

const PAGE_SIZE = 50;

type StatusTab = 'open' | 'triggered' | 'acknowledged' | 'resolved' | 'all';
const STATUS_TABS: { key: StatusTab; label: string; statuses: string; title: string }[] = [
  { key: 'open', label: 'Open', statuses: 'triggered,acknowledged', title: 'Triggered and acknowledged' },
  { key: 'triggered', label: 'Triggered', statuses: 'triggered', title: 'Nobody has acknowledged these yet' },
  { key: 'acknowledged', label: 'Acknowledged', statuses: 'acknowledged', title: 'Someone is on it' },
  { key: 'resolved', label: 'Resolved', statuses: 'resolved', title: 'Resolved by a person, the sender or auto-resolve' },
  { key: 'all', label: 'All', statuses: '', title: 'Every alert' },
];

type Action = 'acknowledge' | 'resolve';
const PAST: Record<Action, string> = { acknowledge: 'acknowledged', resolve: 'resolved' };

/** Whether an action makes sense for an alert in its current state. */
const eligible = (a: Alert, action: Action) => (action === 'acknowledge' ? a.status === 'triggered' : a.status !== 'resolved');

export function AlertsPage() {
  useTitle('Alerts');
  const user = useCurrentUser();
  const toast = useToast();
  // Filters live in the URL so a view can be shared in the incident channel.
  const { params, filter, setFilter, clearFilters } = useUrlFilters();
  const tabParam = params.get('status') as StatusTab | null;
  const tab: StatusTab = STATUS_TABS.some((t) => t.key === tabParam) ? tabParam! : 'open';
  const service = filter('service');
  const severity = filter('severity');
  const groupId = filter('group_id');
  const q = filter('q');
  const [search, setSearch] = useSearchBox(q, setFilter);

  const statuses = STATUS_TABS.find((t) => t.key === tab)!.statuses;
  const services = useServiceIndex();
  const list = useLiveList(
    (cursor, limit, signal) => api.alerts.list({ limit, cursor, status: statuses, service, severity, q, group_id: groupId }, signal),
    PAGE_SIZE,
    [statuses, service, severity, q, groupId],
  );
  const live = useLiveUpdates({ types: ['alert', 'alert_group'], onChange: list.refresh });

  // Selection for bulk actions; only rows still on screen stay selected.
  const [selected, setSelected] = useState<Set<string>>(new Set());
  useEffect(() => setSelected(new Set()), [statuses, service, severity, q, groupId]);
  const visibleSelected = useMemo(() => list.items.filter((a) => selected.has(a.id)), [list.items, selected]);
  const [busy, setBusy] = useState<Record<string, Action>>({});
  const [bulkBusy, setBulkBusy] = useState<Action | null>(null);

  const teamOf = (a: Alert) => services.byId.get(a.service.id)?.team.slug ?? null;
  const mayAct = (a: Alert) => canRespond(user, teamOf(a));

  const act = async (a: Alert, action: Action) => {
    setBusy((b) => ({ ...b, [a.id]: action }));
    try {
      const next = action === 'acknowledge' ? await api.alerts.acknowledge(a.id) : await api.alerts.resolve(a.id);
      list.replace((x) => x.id === a.id, next);
      list.refresh();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        toast.error('That alert was already resolved');
        list.refresh();
      } else toast.error(`Could not ${action} the alert: ${errorMessage(err)}`);
    } finally {
      setBusy(({ [a.id]: _, ...rest }) => rest);
    }
  };

  const bulk = async (action: Action) => {
    const targets = visibleSelected.filter((a) => eligible(a, action) && mayAct(a));
    if (targets.length === 0) return;
    setBulkBusy(action);
    const failures: string[] = [];
    // A few at a time: fast for a dozen alerts, gentle on the server for hundreds.
    const queue = [...targets];
    const worker = async () => {
      for (let a = queue.shift(); a; a = queue.shift()) {
        try {
          const next = action === 'acknowledge' ? await api.alerts.acknowledge(a.id) : await api.alerts.resolve(a.id);
          list.replace((x) => x.id === next.id, next);
        } catch (err) {
          // Resolved meanwhile (by the sender or a colleague) is the outcome we wanted anyway.
          if (!(err instanceof ApiError && err.status === 409)) failures.push(errorMessage(err));
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    setBulkBusy(null);
    setSelected(new Set());
    list.refresh();
    const done = targets.length - failures.length;
    if (done > 0) toast.success(`${done} alert${done === 1 ? '' : 's'} ${PAST[action]}`);
    if (failures.length > 0) toast.error(`${failures.length} could not be ${PAST[action]}: ${failures[0]}`);
  };

  const toggle = (id: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const selectable = list.items.filter((a) => a.status !== 'resolved' && mayAct(a));
  const allSelected = selectable.length > 0 && selectable.every((a) => selected.has(a.id));
  const filtered = Boolean(service || severity || q || groupId);
  const ackable = visibleSelected.filter((a) => eligible(a, 'acknowledge') && mayAct(a)).length;
  const resolvable = visibleSelected.filter((a) => eligible(a, 'resolve') && mayAct(a)).length;

  return (
    <>
      <PageHeader
        title="Alerts"
        subtitle="Everything your monitoring sent, deduplicated and routed to its service. Newest first."
        actions={
          <>
            <LiveIndicator status={live} />
            <ButtonLink to="/alerts/silences" icon="bellOff">
              Silences
            </ButtonLink>
          </>
        }
      />

      <Tabs
        label="Alert status"
        value={tab}
        onChange={(k) => setFilter('status', k === 'open' ? '' : k)}
        items={STATUS_TABS.map((t) => ({ key: t.key, label: t.label, title: t.title }))}
      />

      <div className="toolbar">
        <div className="search">
          <Icon name="search" size={15} />
          <input className="input" type="search" placeholder="Search summaries…" aria-label="Search alerts" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <select className="input select" aria-label="Filter by service" value={service} onChange={(e) => setFilter('service', e.target.value)}>
          <option value="">All services</option>
          {/* Keep a service from the URL selectable even before (or without) the service list. */}
          {service && !services.bySlug.has(service) && <option value={service}>{service}</option>}
          {services.list.map((s) => (
            <option key={s.id} value={s.slug}>
              {s.name}
            </option>
          ))}
        </select>
        <select className="input select" aria-label="Filter by severity" value={severity} onChange={(e) => setFilter('severity', e.target.value)}>
          <option value="">All severities</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {SEVERITY_LABEL[s]}
            </option>
          ))}
        </select>
        {groupId && (
          <span className="filter-pill">
            group <Mono>{groupId.slice(0, 8)}…</Mono>
            <button type="button" aria-label="Clear group filter" onClick={() => setFilter('group_id', '')}>
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
              clearFilters(tab === 'open' ? {} : { status: tab });
            }}
          >
            Clear filters
          </Button>
        )}
      </div>

      {list.error && list.items.length === 0 ? (
        <LoadError error={list.error} onRetry={list.reload} what="alerts" />
      ) : list.loading && list.items.length === 0 ? (
        <Loading />
      ) : list.items.length === 0 ? (
        <div className="card">
          {filtered ? (
            <EmptyState icon="search" title="No alerts match these filters" />
          ) : tab === 'open' || tab === 'triggered' ? (
            <EmptyState icon="checkCircle" title={tab === 'open' ? 'All quiet: no open alerts' : 'Nothing waiting for acknowledgement'}>
              New alerts show up here the moment they arrive. Connect monitoring from a service’s page under <strong>Integrations</strong>.
            </EmptyState>
          ) : (
            <EmptyState icon="bell" title={`No ${tab === 'all' ? '' : `${tab} `}alerts`} />
          )}
        </div>
      ) : (
        <div className={`card card-flush${list.loading ? ' is-refreshing' : ''}`}>
          {visibleSelected.length > 0 && (
            <div className="bulk-bar" role="region" aria-label="Bulk actions">
              <span>
                <strong>{visibleSelected.length}</strong> selected
              </span>
              <Button size="sm" icon="check" busy={bulkBusy === 'acknowledge'} disabled={!!bulkBusy || ackable === 0} onClick={() => void bulk('acknowledge')}>
                Acknowledge{ackable > 0 && ackable !== visibleSelected.length ? ` (${ackable})` : ''}
              </Button>
              <Button size="sm" icon="checkCircle" busy={bulkBusy === 'resolve'} disabled={!!bulkBusy || resolvable === 0} onClick={() => void bulk('resolve')}>
                Resolve{resolvable > 0 && resolvable !== visibleSelected.length ? ` (${resolvable})` : ''}
              </Button>
              <Button size="sm" variant="ghost" disabled={!!bulkBusy} onClick={() => setSelected(new Set())}>
                Clear selection
              </Button>
            </div>
          )}
          <table className="table alerts-table" data-testid="alerts-table">
            <thead>
              <tr>
                <th className="col-check">
                  <input
                    type="checkbox"
                    aria-label="Select all open alerts shown"
                    checked={allSelected}
                    disabled={selectable.length === 0}
                    onChange={() => setSelected(allSelected ? new Set() : new Set(selectable.map((a) => a.id)))}
                  />
                </th>
                <th className="col-narrow">Severity</th>
                <th>Alert</th>
                <th>Service</th>
                <th className="col-narrow">Status</th>
                <th className="col-narrow num col-count" title="How many times the sender triggered it">
                  Count
                </th>
                <th className="col-narrow">Age</th>
                <th className="col-actions" aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {list.items.map((a) => {
                const allowed = mayAct(a);
                const rowBusy = busy[a.id];
                return (
                  <tr key={a.id} className={`alert-row sev-row-${a.severity}${a.status === 'resolved' ? ' row-resolved' : ''}`} data-alert-id={a.id}>
                    <td className="col-check">
                      <input
                        type="checkbox"
                        aria-label={`Select ${a.summary}`}
                        checked={selected.has(a.id)}
                        disabled={a.status === 'resolved' || !allowed}
                        onChange={() => toggle(a.id)}
                      />
                    </td>
                    <td>
                      <SeverityBadge severity={a.severity} />
                    </td>
                    <td className="alert-cell">
                      <Link to={`/alerts/${a.id}`} className="row-title alert-summary">
                        {a.summary}
                      </Link>
                      <div className="alert-sub">
                        <span className="mono">{a.source}</span>
                        {a.component && (
                          <>
                            <span className="dot-sep" />
                            <span className="mono">{a.component}</span>
                          </>
                        )}
                        {a.trigger_count > 1 && <span className="count-inline">×{a.trigger_count}</span>}
                        {a.silenced && <SilencedBadge />}
                      </div>
                    </td>
                    <td>
                      <Link to={`/services/${a.service.slug}`} className="link-quiet">
                        {a.service.name}
                      </Link>
                    </td>
                    <td>
                      <StatusBadge status={a.status} />
                    </td>
                    <td className="num col-count">{a.trigger_count > 1 ? <strong>×{a.trigger_count}</strong> : <span className="muted">1</span>}</td>
                    <td className="nowrap">
                      <Age iso={a.first_seen_at} />
                      {a.trigger_count > 1 && (
                        <div className="muted small">
                          <Age iso={a.last_seen_at} prefix="last " />
                        </div>
                      )}
                    </td>
                    <td className="col-actions">
                      {allowed && a.status !== 'resolved' && (
                        <span className="row-actions">
                          {a.status === 'triggered' && (
                            <Button size="sm" busy={rowBusy === 'acknowledge'} disabled={!!rowBusy} onClick={() => void act(a, 'acknowledge')} aria-label={`Acknowledge ${a.summary}`}>
                              Acknowledge
                            </Button>
                          )}
                          <Button size="sm" busy={rowBusy === 'resolve'} disabled={!!rowBusy} onClick={() => void act(a, 'resolve')} aria-label={`Resolve ${a.summary}`}>
                            Resolve
                          </Button>
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="table-footer">
            <span className="muted">
              {list.items.length} alert{list.items.length === 1 ? '' : 's'}
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
