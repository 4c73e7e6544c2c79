import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../../api';
import { useCurrentUser } from '../../auth';
import { ConfirmDialog } from '../../components/Modal';
import { useToast } from '../../components/Toast';
import { Badge, Button, EmptyState, LoadError, Loading, Mono, PageHeader, RelativeTime, Tabs } from '../../components/ui';
import { formatDateTime } from '../../lib/format';
import { canSilence } from '../../lib/permissions';
import { useLiveList } from '../../lib/useLiveList';
import { useLiveUpdates } from '../../lib/useLiveUpdates';
import { useTitle } from '../../lib/useTitle';
import type { Silence, SilenceState } from '../../types';
import { LiveIndicator, MatcherChips, useServiceIndex } from './parts';
import { SilenceModal } from './SilenceForm';

const STATES: { key: SilenceState; label: string; title: string }[] = [
  { key: 'active', label: 'Active', title: 'Silencing matching alerts now' },
  { key: 'pending', label: 'Pending', title: 'Scheduled to start later' },
  { key: 'expired', label: 'Expired', title: 'Ended or expired by hand' },
];

export function SilencesPage() {
  useTitle('Silences');
  const user = useCurrentUser();
  const toast = useToast();
  const [params, setParams] = useSearchParams();
  const stateParam = params.get('state') as SilenceState | null;
  const state: SilenceState = STATES.some((s) => s.key === stateParam) ? stateParam! : 'active';
  const services = useServiceIndex();
  const list = useLiveList((cursor, limit, signal) => api.silences.list({ state, limit, cursor }, signal), 50, [state]);
  // Silences start and end on their own schedule: poll every 30 s as well as listening.
  const live = useLiveUpdates({ types: ['silence'], onChange: list.refresh, idlePollMs: 30_000 });
  const [creating, setCreating] = useState(false);
  const [expiring, setExpiring] = useState<Silence | null>(null);
  const allowed = canSilence(user);

  const scope = (s: Silence) => {
    if (!s.service_id) return <span className="muted">All services</span>;
    const svc = services.byId.get(s.service_id);
    return svc ? (
      <Link to={`/services/${svc.slug}`} className="link-quiet">
        {svc.name}
      </Link>
    ) : (
      <Mono>{s.service_id.slice(0, 8)}…</Mono>
    );
  };

  return (
    <>
      <PageHeader
        back={{ to: '/alerts', label: 'Alerts' }}
        title="Silences"
        subtitle="Mute paging for alerts matching label matchers during maintenance or a known issue. Silenced alerts are still recorded."
        actions={
          <>
            <LiveIndicator status={live} />
            {allowed && (
              <Button variant="primary" icon="bellOff" onClick={() => setCreating(true)}>
                New silence
              </Button>
            )}
          </>
        }
      />

      <Tabs label="Silence state" value={state} onChange={(k) => setParams(k === 'active' ? {} : { state: k }, { replace: true })} items={STATES} />

      {list.error && list.items.length === 0 ? (
        <LoadError error={list.error} onRetry={list.reload} what="silences" />
      ) : list.loading && list.items.length === 0 ? (
        <Loading />
      ) : list.items.length === 0 ? (
        <div className="card">
          <EmptyState
            icon="bellOff"
            title={`No ${state} silences`}
            action={state === 'active' && allowed && <Button variant="primary" icon="bellOff" onClick={() => setCreating(true)}>Create a silence</Button>}
          >
            {state === 'active' ? 'Every matching alert pages as usual. Silence similar alerts from an alert’s page, or create one here.' : null}
          </EmptyState>
        </div>
      ) : (
        <div className={`card card-flush${list.loading ? ' is-refreshing' : ''}`}>
          <table className="table" data-testid="silences-table">
            <thead>
              <tr>
                <th>Matchers</th>
                <th>Scope</th>
                <th>{state === 'pending' ? 'Starts' : 'Started'}</th>
                <th>{state === 'expired' ? 'Ended' : 'Ends'}</th>
                <th>Comment</th>
                <th className="col-actions" aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {list.items.map((s) => (
                <tr key={s.id} className={s.state === 'expired' ? 'row-muted' : undefined}>
                  <td>
                    <MatcherChips matchers={s.matchers} />
                  </td>
                  <td>{scope(s)}</td>
                  <td className="nowrap">
                    <RelativeTime iso={s.starts_at} />
                  </td>
                  <td className="nowrap" title={formatDateTime(s.ends_at)}>
                    <RelativeTime iso={s.ends_at} />
                    {s.state === 'active' && Date.parse(s.ends_at) - Date.now() < 15 * 60_000 && (
                      <>
                        {' '}
                        <Badge tone="amber">ending</Badge>
                      </>
                    )}
                  </td>
                  <td>
                    <div className="silence-comment">{s.comment}</div>
                    <div className="muted small">by {s.created_by}</div>
                  </td>
                  <td className="col-actions">
                    {allowed && s.state !== 'expired' && (
                      <Button size="sm" onClick={() => setExpiring(s)} aria-label={`Expire silence: ${s.comment}`}>
                        Expire
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="table-footer">
            <span className="muted">
              {list.items.length} silence{list.items.length === 1 ? '' : 's'}
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

      {creating && (
        <SilenceModal
          onClose={() => setCreating(false)}
          onCreated={(s) => {
            setCreating(false);
            toast.success(s.state === 'pending' ? 'Silence scheduled' : 'Silence created');
            if (s.state !== state) setParams(s.state === 'active' ? {} : { state: s.state }, { replace: true });
            else list.refresh();
          }}
        />
      )}
      {expiring && (
        <ConfirmDialog
          title="Expire this silence?"
          confirmLabel="Expire now"
          danger
          onClose={() => setExpiring(null)}
          onConfirm={async () => {
            await api.silences.expire(expiring.id);
            setExpiring(null);
            toast.success('Silence expired; matching alerts page again');
            list.refresh();
          }}
        >
          <p>
            Alerts matching <MatcherChips matchers={expiring.matchers} /> will page again from now on. Open alerts it covers stop being silenced.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
