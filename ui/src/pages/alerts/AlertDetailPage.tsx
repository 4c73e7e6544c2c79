import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, ApiError, errorMessage } from '../../api';
import { useCurrentUser } from '../../auth';
import { Icon, type IconName } from '../../components/Icon';
import { useToast } from '../../components/Toast';
import { AlertIncidentCard } from '../incidents/AlertIncidentCard';
import { AlertRunbooksCard } from '../runbooks/AlertRunbooksCard';
import { Avatar, Badge, Banner, Button, Card, CopyButton, LoadError, Loading, Mono, PageHeader, RelativeTime } from '../../components/ui';
import { formatDateTime, safeHttpUrl } from '../../lib/format';
import { canRespond, canSilence } from '../../lib/permissions';
import { useLiveUpdates } from '../../lib/useLiveUpdates';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import type { AlertDetail, AlertEvent } from '../../types';
import { JsonBlock, JsonTree, LiveIndicator, originLabel, SeverityBadge, SilencedBadge, StatusBadge, UrgencyBadge } from './parts';
import { SilenceModal } from './SilenceForm';
import { DeliveryTable } from '../profile/DeliveryTable';

const KIND: Record<string, { label: string; icon: IconName; tone: string }> = {
  trigger: { label: 'Triggered', icon: 'bell', tone: 'red' },
  acknowledge: { label: 'Acknowledged', icon: 'check', tone: 'amber' },
  resolve: { label: 'Resolved', icon: 'checkCircle', tone: 'green' },
  auto_resolve: { label: 'Resolved', icon: 'clock', tone: 'green' },
  ack_timeout: { label: 'Acknowledgement expired', icon: 'clock', tone: 'red' },
  silenced: { label: 'Silenced', icon: 'bellOff', tone: 'neutral' },
  unsilenced: { label: 'Silence ended', icon: 'bell', tone: 'neutral' },
};

/**
 * PagerDuty events carry the integration key (`routing_key`) in the body the log keeps. Mask it like
 * the integrations API does for non-responders, so a pasted screenshot does not leak a sender credential.
 */
function maskPayload(payload: unknown): unknown {
  if (payload && typeof payload === 'object' && !Array.isArray(payload) && 'routing_key' in payload) {
    const rk = (payload as { routing_key: unknown }).routing_key;
    if (typeof rk === 'string' && rk.length > 8) return { ...payload, routing_key: `${rk.slice(0, 4)}…${rk.slice(-4)}` };
  }
  return payload;
}

function TimelineEntry({ e }: { e: AlertEvent }) {
  const [open, setOpen] = useState(false);
  const k = KIND[e.kind] ?? { label: e.kind, icon: 'info' as IconName, tone: 'neutral' };
  const hasPayload = e.payload !== null && e.payload !== undefined;
  return (
    <li className={`tl-item tl-${k.tone}`} data-testid="event-log-entry" data-kind={e.kind}>
      <span className="tl-dot" aria-hidden="true">
        <Icon name={k.icon} size={13} />
      </span>
      <div className="tl-body">
        <div className="tl-head">
          {/* Messages usually start with the kind ("Triggered: …", "Acknowledged by …"): bold it, do not repeat it. */}
          {e.message.startsWith(k.label) ? (
            <span className="tl-message">
              <span className="tl-kind">{k.label}</span>
              {e.message.slice(k.label.length)}
            </span>
          ) : (
            <span className="tl-message">
              <span className="tl-kind">{k.label}</span> — {e.message}
            </span>
          )}
        </div>
        <div className="tl-meta">
          <span className="actor" data-testid="event-actor">
            {e.actor.type === 'user' ? <Avatar name={e.actor.label} size={18} /> : <Badge>{e.actor.type}</Badge>}
            {/* "integration:pagerduty" next to an "integration" badge says it twice. */}
            {e.actor.type !== 'user' && e.actor.label.startsWith(`${e.actor.type}:`) ? e.actor.label.slice(e.actor.type.length + 1) : e.actor.label}
          </span>
          <span className="dot-sep" />
          <span data-testid="event-origin">via {originLabel(e.origin)}</span>
          <span className="dot-sep" />
          <span className="tabular" title={e.at}>
            {formatDateTime(e.at)}
          </span>
          <span className="muted">
            (<RelativeTime iso={e.at} />)
          </span>
          {hasPayload && (
            <button type="button" className="link-button tl-toggle" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
              <Icon name={open ? 'chevronDown' : 'chevronRight'} size={12} /> {open ? 'Hide payload' : 'Show payload'}
            </button>
          )}
        </div>
        {open && <JsonBlock value={maskPayload(e.payload)} label="Raw payload" />}
      </div>
    </li>
  );
}

function LinksCard({ alert }: { alert: AlertDetail }) {
  const links = alert.links.map((l) => ({ ...l, safe: safeHttpUrl(l.href) }));
  const images = alert.images.map((im) => ({ ...im, safe: safeHttpUrl(im.href ?? im.src) }));
  const client = safeHttpUrl(alert.client_url);
  if (links.length === 0 && images.length === 0 && !alert.client) return null;
  return (
    <Card title="Links">
      <ul className="link-list" data-testid="alert-links">
        {alert.client && (
          <li>
            {client ? (
              <a href={client} target="_blank" rel="noopener noreferrer">
                <Icon name="externalLink" size={14} />
                <span>Open in {alert.client}</span>
              </a>
            ) : (
              <span className="muted">Sent by {alert.client}</span>
            )}
          </li>
        )}
        {links.map((l, i) =>
          l.safe ? (
            <li key={`l${i}`}>
              <a href={l.safe} target="_blank" rel="noopener noreferrer">
                <Icon name="link" size={14} />
                <span>{l.text || l.href}</span>
                <Icon name="externalLink" size={12} className="muted" />
              </a>
              {l.text && <div className="link-url">{l.href}</div>}
            </li>
          ) : (
            // Not http(s) (javascript:, data:, relative…): shown, never clickable.
            <li key={`l${i}`} className="link-unsafe" title="Not an http(s) link, so not clickable">
              <Icon name="link" size={14} /> <span>{l.text || 'Link'}</span> <Mono>{l.href}</Mono>
            </li>
          ),
        )}
        {images.map((im, i) => (
          <li key={`i${i}`}>
            {im.safe ? (
              // Images are linked, not embedded: loading them would tell the sender's host who looks at the alert.
              <a href={im.safe} target="_blank" rel="noopener noreferrer">
                <Icon name="activity" size={14} />
                <span>{im.alt || 'Image'}</span>
                <Icon name="externalLink" size={12} className="muted" />
              </a>
            ) : (
              <span className="link-unsafe">
                <Icon name="activity" size={14} /> {im.alt || 'Image'} <Mono>{im.src}</Mono>
              </span>
            )}
          </li>
        ))}
      </ul>
    </Card>
  );
}

function DetailsCard({ details }: { details: Record<string, unknown> }) {
  const [raw, setRaw] = useState(false);
  const empty = Object.keys(details).length === 0;
  return (
    <Card
      title="Details"
      actions={
        !empty && (
          <button type="button" className="link-button small" onClick={() => setRaw((r) => !r)}>
            {raw ? 'Tree' : 'Raw JSON'}
          </button>
        )
      }
    >
      {empty ? <p className="muted small">The sender attached no details.</p> : raw ? <JsonBlock value={details} label="Details JSON" /> : <JsonTree value={details} />}
    </Card>
  );
}

export function AlertDetailPage() {
  const { id = '' } = useParams();
  const user = useCurrentUser();
  const toast = useToast();
  const q = useQuery((signal) => api.alerts.get(id, signal), [id]);
  const a = q.data;
  // The alert API names the service but not its team; the team decides who may act.
  const svc = useQuery(() => (a ? api.services.get(a.service.slug) : Promise.resolve(null)), [a?.service.slug]);
  const live = useLiveUpdates({
    types: ['alert', 'alert_group'],
    match: (e) => e.subject_id === id || e.subject_id === a?.group_id,
    onChange: q.reload,
  });
  const [busy, setBusy] = useState<'acknowledge' | 'resolve' | null>(null);
  const [silencing, setSilencing] = useState(false);
  useTitle(a ? a.summary.slice(0, 60) : 'Alert');

  if (q.error && !a) {
    return (
      <>
        <PageHeader title="Alert" back={{ to: '/alerts', label: 'Alerts' }} />
        <LoadError error={q.error} onRetry={q.reload} what="the alert" />
      </>
    );
  }
  if (!a) return <Loading />;

  const teamSlug = svc.data ? svc.data.team.slug : null;
  const mayAct = canRespond(user, teamSlug);

  const act = async (action: 'acknowledge' | 'resolve') => {
    setBusy(action);
    try {
      if (action === 'acknowledge') await api.alerts.acknowledge(a.id);
      else await api.alerts.resolve(a.id);
      toast.success(action === 'acknowledge' ? 'Alert acknowledged' : 'Alert resolved');
    } catch (err) {
      toast.error(err instanceof ApiError && err.status === 409 ? 'The alert was already resolved' : `Could not ${action}: ${errorMessage(err)}`);
    } finally {
      setBusy(null);
      q.reload();
    }
  };

  const labels = Object.entries(a.labels);

  return (
    <>
      <PageHeader
        back={{ to: '/alerts', label: 'Alerts' }}
        title={<span className="alert-title" data-testid="alert-summary">{a.summary}</span>}
        subtitle={
          <span className="alert-header-meta">
            <SeverityBadge severity={a.severity} />
            <StatusBadge status={a.status} />
            <UrgencyBadge urgency={a.urgency} />
            {a.silenced && <SilencedBadge />}
            <span className="dot-sep" />
            <Link to={`/services/${a.service.slug}`} className="strong-link">
              {a.service.name}
            </Link>
            <span className="dot-sep" />
            <span>via {originLabel(a.origin)}</span>
            <span className="dot-sep" />
            <LiveIndicator status={live} />
          </span>
        }
        actions={
          <>
            {canSilence(user) && a.status !== 'resolved' && (
              <Button icon="bellOff" onClick={() => setSilencing(true)}>
                Silence similar
              </Button>
            )}
            {mayAct && a.status === 'triggered' && (
              <Button variant="primary" icon="check" busy={busy === 'acknowledge'} disabled={!!busy} onClick={() => void act('acknowledge')}>
                Acknowledge
              </Button>
            )}
            {mayAct && a.status !== 'resolved' && (
              <Button variant={a.status === 'acknowledged' ? 'primary' : 'secondary'} icon="checkCircle" busy={busy === 'resolve'} disabled={!!busy} onClick={() => void act('resolve')}>
                Resolve
              </Button>
            )}
          </>
        }
      />

      {q.error ? <Banner tone="warning" title="Could not refresh">{errorMessage(q.error)}</Banner> : null}
      {a.status !== 'resolved' && !mayAct && svc.data && (
        <div className="page-note">
          <Banner tone="info">Only responders on {svc.data.team.name} can acknowledge or resolve this alert.</Banner>
        </div>
      )}

      <div className="detail-grid">
        <div className="stack-lg">
          <Card title="Labels">
            {labels.length === 0 ? (
              <p className="muted small">No labels.</p>
            ) : (
              <span className="chips label-chips" data-testid="alert-labels">
                {labels.map(([k, v]) => (
                  <span key={k} className="chip label-chip" title={`${k}=${v}`}>
                    <span className="label-key">{k}</span>
                    <span className="label-eq">=</span>
                    <span className="label-value">{v}</span>
                  </span>
                ))}
              </span>
            )}
          </Card>
          <AlertIncidentCard alertId={a.id} groupId={a.group_id} />
          <AlertRunbooksCard alertId={a.id} />
          <DetailsCard details={a.details} />
          <LinksCard alert={a} />
          <NotificationsCard groupId={a.group_id} />
          <Card title={<>Event log <span className="count">{a.events.length}</span></>}>
            {a.events.length === 0 ? (
              <p className="muted small">No events recorded.</p>
            ) : (
              <ol className="timeline" data-testid="event-log">
                {a.events.map((e) => (
                  <TimelineEntry key={e.id} e={e} />
                ))}
              </ol>
            )}
          </Card>
        </div>

        <aside className="stack-lg">
          <Card title="Alert">
            <dl className="props props-wide">
              <dt>Status</dt>
              <dd>
                <StatusBadge status={a.status} />
              </dd>
              <dt>Service</dt>
              <dd>
                <Link to={`/services/${a.service.slug}`}>{a.service.name}</Link>
                {svc.data && <div className="muted small">Owned by {svc.data.team.name}</div>}
              </dd>
              <dt>Dedup key</dt>
              <dd className="dedup">
                <Mono>{a.dedup_key}</Mono>
                <CopyButton text={a.dedup_key} />
              </dd>
              <dt>Source</dt>
              <dd>
                <Mono>{a.source}</Mono>
              </dd>
              {a.component && (
                <>
                  <dt>Component</dt>
                  <dd>
                    <Mono>{a.component}</Mono>
                  </dd>
                </>
              )}
              {a.group && (
                <>
                  <dt>Group</dt>
                  <dd>
                    <Mono>{a.group}</Mono>
                  </dd>
                </>
              )}
              {a.class && (
                <>
                  <dt>Class</dt>
                  <dd>
                    <Mono>{a.class}</Mono>
                  </dd>
                </>
              )}
              <dt>First seen</dt>
              <dd>
                <span className="tabular">{formatDateTime(a.first_seen_at)}</span>
                <div className="muted small">
                  <RelativeTime iso={a.first_seen_at} />
                </div>
              </dd>
              <dt>Last seen</dt>
              <dd>
                <span className="tabular">{formatDateTime(a.last_seen_at)}</span>
                <div className="muted small">
                  <RelativeTime iso={a.last_seen_at} /> · triggered {a.trigger_count}×
                </div>
              </dd>
              <dt>Acknowledged</dt>
              <dd data-testid="acknowledged-by">
                {a.acknowledged_at ? (
                  <>
                    {a.acknowledged_by}
                    <div className="muted small">
                      <RelativeTime iso={a.acknowledged_at} />
                    </div>
                  </>
                ) : (
                  <span className="muted">—</span>
                )}
              </dd>
              <dt>Resolved</dt>
              <dd data-testid="resolved-by">
                {a.resolved_at ? (
                  <>
                    {a.resolved_by}
                    <div className="muted small">
                      <RelativeTime iso={a.resolved_at} />
                    </div>
                  </>
                ) : (
                  <span className="muted">—</span>
                )}
              </dd>
              {a.silenced_by && (
                <>
                  <dt>Silence</dt>
                  <dd>
                    <Link to="/alerts/silences">
                      <Mono>{a.silenced_by.slice(0, 8)}…</Mono>
                    </Link>
                  </dd>
                </>
              )}
              <dt>Alert group</dt>
              <dd>
                <Link to={`/alerts?status=all&group_id=${encodeURIComponent(a.group_id)}`} title="Every alert in this group">
                  All alerts in group
                </Link>
              </dd>
              <dt>ID</dt>
              <dd>
                <Mono>{a.id}</Mono>
              </dd>
            </dl>
          </Card>
        </aside>
      </div>

      {silencing && (
        <SilenceModal
          draft={{ service: a.service.slug, matchers: labels.map(([name, value]) => ({ name, value, is_regex: false, is_equal: true })) }}
          onClose={() => setSilencing(false)}
          onCreated={() => {
            setSilencing(false);
            toast.success('Silence created');
            q.reload();
          }}
        />
      )}
    </>
  );
}

/** Who was paged for this alert's group, and whether it reached them (the notification delivery log). */
function NotificationsCard({ groupId }: { groupId: string | null }) {
  const log = useQuery((signal) => (groupId ? api.notifications.list({ alert_group_id: groupId, limit: 50 }, signal) : Promise.resolve(null)), [groupId]);
  if (!groupId) return null;
  return (
    <Card title={<>Notifications {log.data && <span className="count">{log.data.data.length}</span>}</>} flush>
      {log.error ? (
        <div className="card-pad">
          <LoadError error={log.error} onRetry={log.reload} what="notifications" />
        </div>
      ) : !log.data ? (
        <Loading />
      ) : log.data.data.length === 0 ? (
        <p className="muted small card-pad">Nobody has been notified for this alert group yet.</p>
      ) : (
        <DeliveryTable items={log.data.data} />
      )}
    </Card>
  );
}
