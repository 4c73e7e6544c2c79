import { Fragment, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { useUrlFilters } from '../../lib/useUrlFilters';
import { api } from '../../api';
import { useCurrentUser } from '../../auth';
import { Icon } from '../../components/Icon';
import { RequireAdmin } from '../../components/RequireAuth';
import { Badge, Button, EmptyState, LoadError, Loading, Mono, PageHeader, RelativeTime } from '../../components/ui';
import { diffSnapshots, formatValue, snapshotLabel } from '../../lib/diff';
import { formatDateTime } from '../../lib/format';
import { usePagedList } from '../../lib/usePagedList';
import { useTitle } from '../../lib/useTitle';
import type { AuditEntry } from '../../types';

const TARGET_TYPES = ['service', 'team', 'user', 'api_token', 'integration'];
// Suggestions only; the filter accepts any action name.
const KNOWN_ACTIONS = [
  'auth.login',
  'auth.logout',
  'service.create',
  'service.update',
  'service.delete',
  'team.create',
  'team.update',
  'team.delete',
  'team.member_put',
  'team.member_remove',
  'user.create',
  'user.update',
  'user.password_change',
  'token.create',
  'token.revoke',
];

/** Colour by verb so creations, changes and deletions stand apart when scanning. */
function actionTone(action: string): 'green' | 'blue' | 'red' | 'neutral' | 'amber' {
  const verb = action.split('.').pop() ?? '';
  if (/create|put|login/.test(verb)) return 'green';
  if (/delete|remove|revoke/.test(verb)) return 'red';
  if (/password|rotate/.test(verb)) return 'amber';
  if (/logout/.test(verb)) return 'neutral';
  return 'blue';
}

/** Where a target can be opened in the UI; the API resolves services and teams by id as well as slug. */
function targetHref(e: AuditEntry): string | null {
  if (e.action.endsWith('.delete')) return null;
  if (e.target_type === 'service') return `/services/${e.target_id}`;
  if (e.target_type === 'team') return `/teams/${e.target_id}`;
  return null;
}

function DiffView({ entry }: { entry: AuditEntry }) {
  const [showSame, setShowSame] = useState(false);
  const [raw, setRaw] = useState(false);
  const rows = diffSnapshots(entry.before, entry.after);
  const same = rows.filter((r) => r.kind === 'same');
  const visible = showSame ? rows : rows.filter((r) => r.kind !== 'same');
  const single = (entry.before === null) !== (entry.after === null);

  return (
    <div className="diff" data-testid="audit-diff">
      <div className="diff-meta">
        <span>
          <span className="muted">At</span> {formatDateTime(entry.at)} <Mono>{entry.at}</Mono>
        </span>
        <span>
          <span className="muted">Target</span> <Mono>{entry.target_type}</Mono> <Mono>{entry.target_id}</Mono>
        </span>
        {entry.request_id && (
          <span>
            <span className="muted">Request</span> <Mono>{entry.request_id}</Mono>
          </span>
        )}
        <span className="diff-toggles">
          {same.length > 0 && !raw && !single && (
            <button type="button" className="link-button" onClick={() => setShowSame((s) => !s)}>
              {showSame ? 'Hide' : 'Show'} {same.length} unchanged
            </button>
          )}
          <button type="button" className="link-button" onClick={() => setRaw((r) => !r)}>
            {raw ? 'Field diff' : 'Raw JSON'}
          </button>
        </span>
      </div>
      {raw ? (
        <div className="diff-raw">
          <div>
            <div className="diff-raw-title">Before</div>
            <pre>{entry.before === null ? 'null' : JSON.stringify(entry.before, null, 2)}</pre>
          </div>
          <div>
            <div className="diff-raw-title">After</div>
            <pre>{entry.after === null ? 'null' : JSON.stringify(entry.after, null, 2)}</pre>
          </div>
        </div>
      ) : rows.length === 0 ? (
        <div className="muted small">No snapshot recorded for this action.</div>
      ) : single ? (
        // A creation or deletion has one snapshot: show it as a field list, not a half-empty diff.
        <table className="diff-table diff-single">
          <thead>
            <tr>
              <th>Field</th>
              <th>{entry.before === null ? 'Value' : 'Value before deletion'}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.path} className={`diff-${r.kind}`}>
                <td className="diff-path">{r.path}</td>
                <td className={r.kind === 'added' ? 'diff-after' : 'diff-before'}>{formatValue(r.kind === 'added' ? r.after : r.before)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <table className="diff-table">
          <thead>
            <tr>
              <th>Field</th>
              <th>Before</th>
              <th>After</th>
            </tr>
          </thead>
          <tbody>
            {visible.map((r) => (
              <tr key={r.path} className={`diff-${r.kind}`}>
                <td className="diff-path">
                  <span className="diff-marker" aria-label={r.kind}>
                    {r.kind === 'added' ? '+' : r.kind === 'removed' ? '−' : r.kind === 'changed' ? '~' : ''}
                  </span>
                  {r.path}
                </td>
                <td className="diff-before">{formatValue(r.before)}</td>
                <td className="diff-after">{formatValue(r.after)}</td>
              </tr>
            ))}
            {visible.length === 0 && (
              <tr>
                <td colSpan={3} className="muted">
                  No field changed.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </div>
  );
}

function AuditLog() {
  const { filter, setFilter, clearFilters } = useUrlFilters();
  const targetType = filter('target_type');
  const action = filter('action');
  const targetId = filter('target_id');
  const [actionText, setActionText] = useState(action);
  const [open, setOpen] = useState<Set<string>>(new Set());
  useEffect(() => setActionText(action), [action]);

  const list = usePagedList(
    (cursor, signal) => api.audit.list({ limit: 50, cursor, target_type: targetType, action, target_id: targetId }, signal),
    [targetType, action, targetId],
  );

  const toggle = (id: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <>
      <PageHeader title="Audit log" subtitle="Every change made in Ballast, who made it and what it changed. Newest first." />
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter('action', actionText.trim());
        }}
      >
        <select className="input select" aria-label="Target type" value={targetType} onChange={(e) => setFilter('target_type', e.target.value)}>
          <option value="">All targets</option>
          {TARGET_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <div className="search">
          <Icon name="search" size={15} />
          <input
            className="input"
            list="audit-actions"
            placeholder="Action, e.g. service.update"
            aria-label="Action"
            value={actionText}
            onChange={(e) => setActionText(e.target.value)}
            onBlur={() => actionText.trim() !== action && setFilter('action', actionText.trim())}
          />
          <datalist id="audit-actions">
            {KNOWN_ACTIONS.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </div>
        {targetId && (
          <span className="filter-pill">
            target <Mono>{targetId.slice(0, 8)}…</Mono>
            <button type="button" aria-label="Clear target filter" onClick={() => setFilter('target_id', '')}>
              <Icon name="x" size={12} />
            </button>
          </span>
        )}
        {(targetType || action || targetId) && (
          <Button
            variant="ghost"
            size="sm"
            onClick={() => {
              setActionText('');
              clearFilters();
            }}
          >
            Clear filters
          </Button>
        )}
      </form>

      {list.error ? (
        <LoadError error={list.error} onRetry={list.reload} what="the audit log" />
      ) : list.loading && list.items.length === 0 ? (
        <Loading />
      ) : list.items.length === 0 ? (
        <div className="card">
          <EmptyState icon="scroll" title="No matching audit entries" />
        </div>
      ) : (
        <div className={`card card-flush${list.loading ? ' is-refreshing' : ''}`}>
          <table className="table table-expandable" data-testid="audit-table">
            <thead>
              <tr>
                <th className="col-toggle" aria-label="Expand" />
                <th>When</th>
                <th>Actor</th>
                <th>Action</th>
                <th>Target</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((e) => {
                const isOpen = open.has(e.id);
                const label = snapshotLabel(e.before, e.after);
                const href = targetHref(e);
                return (
                  <Fragment key={e.id}>
                    <tr className={`clickable${isOpen ? ' expanded' : ''}`} onClick={() => toggle(e.id)}>
                      <td className="col-toggle">
                        <button
                          type="button"
                          className="icon-btn"
                          aria-expanded={isOpen}
                          aria-label={isOpen ? 'Hide changes' : 'Show changes'}
                          onClick={(ev) => {
                            ev.stopPropagation();
                            toggle(e.id);
                          }}
                        >
                          <Icon name={isOpen ? 'chevronDown' : 'chevronRight'} size={14} />
                        </button>
                      </td>
                      <td className="nowrap">
                        {/* Absolute first: audit questions are "what happened at 14:02?". */}
                        <span className="tabular">{formatDateTime(e.at)}</span>{' '}
                        <span className="muted small">
                          <RelativeTime iso={e.at} />
                        </span>
                      </td>
                      <td>
                        <span className="actor">
                          {e.actor.type !== 'user' && <Badge>{e.actor.type}</Badge>}
                          {e.actor.label}
                        </span>
                      </td>
                      <td>
                        <Badge tone={actionTone(e.action)}>{e.action}</Badge>
                      </td>
                      <td onClick={(ev) => ev.stopPropagation()}>
                        <span className="muted">{e.target_type}</span>{' '}
                        {href ? <Link to={href}>{label ?? e.target_id.slice(0, 8)}</Link> : <span>{label ?? <Mono>{e.target_id.slice(0, 8)}</Mono>}</span>}{' '}
                        {!targetId && (
                          <button type="button" className="link-button subtle" onClick={() => setFilter('target_id', e.target_id)} title="Show only this object's history">
                            history
                          </button>
                        )}
                      </td>
                    </tr>
                    {isOpen && (
                      <tr className="expansion">
                        <td />
                        <td colSpan={4}>
                          <DiffView entry={e} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
          <div className="table-footer">
            <span className="muted">
              {list.items.length} entr{list.items.length === 1 ? 'y' : 'ies'} shown
            </span>
            {list.hasMore && (
              <Button size="sm" busy={list.loadingMore} onClick={list.loadMore}>
                Load older
              </Button>
            )}
          </div>
        </div>
      )}
    </>
  );
}

export function AuditPage() {
  useTitle('Audit log');
  const user = useCurrentUser();
  return (
    <RequireAdmin isAdmin={user.is_admin}>
      <AuditLog />
    </RequireAdmin>
  );
}
