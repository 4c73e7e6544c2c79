// The alerting side of a service page: open alerts, integrations (keys, endpoints, setup snippets),
// alert settings and recent change events.

import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { api, errorMessage } from '../../api';
import { Field, FormErrorBanner, useFocusFirstInvalid } from '../../components/Form';
import { Icon } from '../../components/Icon';
import { ConfirmDialog, Modal } from '../../components/Modal';
import { useToast } from '../../components/Toast';
import { Badge, Banner, Button, Card, CopyButton, EmptyState, LoadError, Loading, Mono, RelativeTime } from '../../components/ui';
import { formatDateTime, formatMinutes, safeHttpUrl } from '../../lib/format';
import { formErrors, NO_ERRORS, type FormErrors } from '../../lib/forms';
import { useLiveUpdates } from '../../lib/useLiveUpdates';
import { useQuery } from '../../lib/useQuery';
import { INTEGRATION_TYPES, type AlertSettings, type Integration, type IntegrationType, type Service } from '../../types';
import { Age, SeverityBadge, SilencedBadge, StatusBadge } from '../alerts/parts';

// ---------- Open alerts ----------

export function OpenAlertsCard({ service }: { service: Service }) {
  const q = useQuery((signal) => api.alerts.list({ service: service.slug, status: 'triggered,acknowledged', limit: 10 }, signal), [service.slug]);
  useLiveUpdates({ types: ['alert'], match: (e) => e.payload.service_id === service.id, onChange: q.reload });
  const alerts = q.data?.data ?? [];
  return (
    <Card
      title={
        <>
          Open alerts {q.data && <span className="count">{q.data.next_cursor ? '10+' : alerts.length}</span>}
        </>
      }
      actions={
        <Link to={`/alerts?service=${encodeURIComponent(service.slug)}`} className="small">
          View all alerts
        </Link>
      }
      flush
    >
      {q.error && !q.data ? (
        <div className="card-pad">
          <LoadError error={q.error} onRetry={q.reload} what="alerts" />
        </div>
      ) : !q.data ? (
        <Loading />
      ) : alerts.length === 0 ? (
        <div className="card-pad muted small" data-testid="service-open-alerts-empty">
          <Icon name="checkCircle" size={14} /> No open alerts.
        </div>
      ) : (
        <ul className="mini-alerts" data-testid="service-open-alerts">
          {alerts.map((a) => (
            <li key={a.id}>
              <SeverityBadge severity={a.severity} compact />
              <Link to={`/alerts/${a.id}`} className="mini-alert-summary">
                {a.summary}
              </Link>
              {a.silenced && <SilencedBadge />}
              <StatusBadge status={a.status} />
              <span className="muted small nowrap">
                <Age iso={a.first_seen_at} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

// ---------- Integrations ----------

const TYPE_INFO: Record<IntegrationType, { label: string; help: string }> = {
  pagerduty: { label: 'PagerDuty Events API v2', help: 'Anything that can send to PagerDuty: Datadog, Sentry, CloudWatch, custom scripts.' },
  alertmanager: { label: 'Prometheus Alertmanager', help: 'A webhook receiver for Alertmanager (firing and resolved).' },
  grafana: { label: 'Grafana', help: 'A webhook contact point for Grafana alerting.' },
  generic: { label: 'Generic webhook', help: 'Plain JSON from any tool or script.' },
};

const GRACE_CHOICES = [
  { minutes: 0, label: 'Immediately: the old key stops working now' },
  { minutes: 15, label: '15 minutes' },
  { minutes: 60, label: '1 hour' },
  { minutes: 24 * 60, label: '24 hours' },
  { minutes: 7 * 24 * 60, label: '7 days' },
];

const isFullKey = (key: string) => /^[0-9a-f]{32}$/.test(key);

/** Copy-paste setup for each sender type; `origin` is where this browser reaches Ballast. */
function setupExample(i: Integration, origin: string, service: Service): { lang: string; title: string; text: string; note?: string } {
  const url = `${origin}${i.endpoint}`;
  switch (i.type) {
    case 'pagerduty':
      return {
        lang: 'shell',
        title: 'Send a test event with curl',
        text: [
          `curl -X POST ${url} \\`,
          `  -H 'Content-Type: application/json' \\`,
          // Two lines (JSON allows the newline inside the shell quotes) so the whole body is visible.
          `  -d '{"routing_key":"${i.key}","event_action":"trigger",`,
          `       "payload":${JSON.stringify({ summary: `Test alert for ${service.slug}`, source: 'curl', severity: 'critical' })}}'`,
        ].join('\n'),
        note: `In tools with a PagerDuty integration, use ${url} as the Events API URL and the key above as the integration (routing) key. Resolve with "event_action":"resolve" and the dedup_key from the answer.`,
      };
    case 'alertmanager':
      return {
        lang: 'yaml',
        title: 'alertmanager.yml',
        text: [
          'receivers:',
          `  - name: ballast-${service.slug}`,
          '    webhook_configs:',
          `      - url: ${url}`,
          '        send_resolved: true',
          '',
          '# and route alerts to it, e.g.',
          'route:',
          `  receiver: ballast-${service.slug}`,
        ].join('\n'),
        note: 'send_resolved: true lets resolved alerts in Prometheus resolve them in Ballast too.',
      };
    case 'grafana':
      return {
        lang: 'text',
        title: 'Grafana contact point',
        text: [`Integration:  Webhook`, `URL:          ${url}`, `HTTP method:  POST`].join('\n'),
        note: 'Alerting → Contact points → Add contact point. Set a severity label (critical, error, warning, info) on your alert rules; Ballast maps it.',
      };
    case 'generic':
      return {
        lang: 'shell',
        title: 'Send a test event with curl',
        text: [
          `curl -X POST ${url} \\`,
          `  -H 'Content-Type: application/json' \\`,
          `  -d '{"summary":"Test alert for ${service.slug}","severity":"warning",`,
          `       "dedup_key":"test-1","source":"curl","labels":{"env":"prod"}}'`,
        ].join('\n'),
        note: 'Fields: summary, severity, dedup_key, action (trigger | acknowledge | resolve), source, labels, details, links. Send an array for several events.',
      };
  }
}

function CodeBlock({ text, label }: { text: string; label: string }) {
  return (
    <div className="code-block">
      <pre aria-label={label}>{text}</pre>
      <div className="code-block-copy">
        <CopyButton text={text} />
      </div>
    </div>
  );
}

function IntegrationItem({
  integration: i,
  service,
  canManage,
  initiallyOpen,
  onChanged,
  onDeleted,
}: {
  integration: Integration;
  service: Service;
  canManage: boolean;
  initiallyOpen: boolean;
  onChanged(next: Integration): void;
  onDeleted(): void;
}) {
  const toast = useToast();
  const [open, setOpen] = useState(initiallyOpen);
  const [rotating, setRotating] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const full = isFullKey(i.key);
  const origin = window.location.origin;
  const example = full ? setupExample(i, origin, service) : null;
  const graceActive = i.previous_key_expires_at && Date.parse(i.previous_key_expires_at) > Date.now();

  return (
    <li className="integration" data-testid="integration" data-type={i.type}>
      <div className="integration-head">
        <span className="integration-icon" aria-hidden="true">
          <Icon name="plug" size={16} />
        </span>
        <div className="integration-title">
          <span className="row-title-plain">{i.name}</span>
          <div className="muted small">
            {TYPE_INFO[i.type].label} · added <RelativeTime iso={i.created_at} />
          </div>
        </div>
        {canManage && (
          <div className="integration-actions">
            <Button size="sm" icon="refresh" onClick={() => setRotating(true)}>
              Rotate key
            </Button>
            <Button size="sm" variant="danger" icon="trash" onClick={() => setDeleting(true)} aria-label={`Delete integration ${i.name}`}>
              Delete
            </Button>
          </div>
        )}
      </div>

      <dl className="integration-props">
        <dt>Key</dt>
        <dd className="secret-line">
          <code className="mono key-value" data-testid="integration-key">
            {i.key}
          </code>
          {full && <CopyButton text={i.key} label="Copy key" />}
        </dd>
        <dt>Endpoint</dt>
        <dd className="secret-line">
          <Badge>POST</Badge>
          <code className="mono endpoint-url">
            {origin}
            {i.endpoint}
          </code>
          {full && <CopyButton text={`${origin}${i.endpoint}`} label="Copy URL" />}
        </dd>
      </dl>
      {graceActive && (
        <div className="integration-note">
          <Badge tone="amber">rotated</Badge> The previous key keeps working until {formatDateTime(i.previous_key_expires_at!)} (<RelativeTime iso={i.previous_key_expires_at} />
          ). Update your senders before then.
        </div>
      )}
      {!full && <div className="integration-note muted small">Only responders and managers of {service.team.name} see full keys and setup snippets.</div>}

      {example && (
        <div className="integration-setup">
          <button type="button" className="link-button setup-toggle" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
            <Icon name={open ? 'chevronDown' : 'chevronRight'} size={13} /> Setup: {example.title}
          </button>
          {open && (
            <div className="setup-body" data-testid="integration-example">
              <CodeBlock text={example.text} label={`${example.title} for ${i.name}`} />
              {example.note && <p className="muted small">{example.note}</p>}
            </div>
          )}
        </div>
      )}

      {rotating && (
        <RotateModal
          integration={i}
          onClose={() => setRotating(false)}
          onRotated={(next) => {
            setRotating(false);
            onChanged(next);
            setOpen(true);
            toast.success(next.previous_key_expires_at ? 'New key issued; the old one stays valid for the grace period' : 'New key issued; the old key no longer works');
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete “${i.name}”?`}
          danger
          confirmLabel="Delete integration"
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await api.integrations.remove(i.id);
            setDeleting(false);
            onDeleted();
            toast.success(`Integration ${i.name} deleted`);
          }}
        >
          <p>
            Senders using key <Mono>{i.key.slice(0, 4)}…</Mono> will be rejected from now on and their alerts lost. Existing alerts stay. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </li>
  );
}

function RotateModal({ integration, onClose, onRotated }: { integration: Integration; onClose(): void; onRotated(i: Integration): void }) {
  const [grace, setGrace] = useState(60);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onRotated(await api.integrations.rotate(integration.id, grace));
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <Modal
      title={`Rotate the key of “${integration.name}”`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" icon="refresh" busy={busy} onClick={() => void submit()}>
            Issue new key
          </Button>
        </>
      }
    >
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <p className="confirm-text">A new key is issued at once. Keep the old one working for a while so you can update senders without losing alerts.</p>
        <div className="field">
          <label htmlFor="rotate-grace">Old key stays valid</label>
          <select id="rotate-grace" className="input select" value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
            {GRACE_CHOICES.map((c) => (
              <option key={c.minutes} value={c.minutes}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
        {error && <Banner>{error}</Banner>}
      </form>
    </Modal>
  );
}

function AddIntegrationForm({ service, onAdded, onCancel }: { service: Service; onAdded(i: Integration): void; onCancel(): void }) {
  const [type, setType] = useState<IntegrationType>('pagerduty');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      onAdded(await api.integrations.create(service.slug, { type, ...(name.trim() ? { name: name.trim() } : {}) }));
    } catch (err) {
      setErrors(formErrors(err));
      setBusy(false);
    }
  };
  return (
    <form className="add-integration stack" onSubmit={(e) => void submit(e)} aria-label="Add integration" noValidate>
      <FormErrorBanner errors={errors} shownFields={['type', 'name']} />
      <fieldset className="field">
        <legend>Sender</legend>
        <div className="type-picker">
          {INTEGRATION_TYPES.map((t) => (
            <label key={t} className={`type-option${type === t ? ' selected' : ''}`}>
              <input type="radio" name="integration-type" value={t} checked={type === t} onChange={() => setType(t)} />
              <span className="type-option-label">{TYPE_INFO[t].label}</span>
              <span className="type-option-help">{TYPE_INFO[t].help}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <Field label="Name" name="name" errors={errors} optional hint="Defaults to the sender type. Useful when one service has several, e.g. “Prometheus (eu-west)”.">
        {(p) => <input {...p} className="input" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} placeholder={TYPE_INFO[type].label} />}
      </Field>
      <div className="form-actions">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" icon="plus" busy={busy}>
          Add integration
        </Button>
      </div>
    </form>
  );
}

export function IntegrationsCard({ service, canManage }: { service: Service; canManage: boolean }) {
  const toast = useToast();
  const q = useQuery(() => api.integrations.list(service.slug), [service.slug]);
  const [adding, setAdding] = useState(false);
  const [fresh, setFresh] = useState<string | null>(null);
  const items = q.data?.data ?? [];
  const set = (next: Integration[]) => q.setData({ data: next });

  return (
    <Card
      title={
        <>
          Integrations {q.data && <span className="count">{items.length}</span>}
        </>
      }
      actions={
        canManage &&
        !adding && (
          <Button size="sm" icon="plus" onClick={() => setAdding(true)}>
            Add integration
          </Button>
        )
      }
      className="integrations-card"
      flush
    >
      {adding && (
        <div className="card-pad card-section">
          <AddIntegrationForm
            service={service}
            onCancel={() => setAdding(false)}
            onAdded={(i) => {
              setAdding(false);
              setFresh(i.id);
              set([...items, i]);
              toast.success(`${i.name} added; send a test event to check it`);
            }}
          />
        </div>
      )}
      {q.error && !q.data ? (
        <div className="card-pad">
          <LoadError error={q.error} onRetry={q.reload} what="integrations" />
        </div>
      ) : !q.data ? (
        <Loading />
      ) : items.length === 0 ? (
        !adding && (
          <EmptyState
            icon="plug"
            title="No integrations yet"
            action={canManage && <Button variant="primary" icon="plus" onClick={() => setAdding(true)}>Add an integration</Button>}
          >
            An integration gives monitoring (Alertmanager, Grafana, anything PagerDuty-compatible) a key to send alerts to this service.
          </EmptyState>
        )
      ) : (
        <ul className="integrations" data-testid="integrations">
          {items.map((i) => (
            <IntegrationItem
              key={i.id}
              integration={i}
              service={service}
              canManage={canManage}
              initiallyOpen={i.id === fresh || items.length === 1}
              onChanged={(next) => set(items.map((x) => (x.id === next.id ? next : x)))}
              onDeleted={() => set(items.filter((x) => x.id !== i.id))}
            />
          ))}
        </ul>
      )}
    </Card>
  );
}

// ---------- Alert settings ----------

function describeSettings(s: AlertSettings) {
  return {
    autoResolve: s.auto_resolve_minutes ? `After ${formatMinutes(s.auto_resolve_minutes)} without a new trigger` : 'Off',
    ackTimeout: s.ack_timeout_minutes ? `Re-trigger ${formatMinutes(s.ack_timeout_minutes)} after acknowledgement` : 'Off',
    grouping:
      s.grouping.mode === 'dedup_key'
        ? 'One group per dedup key'
        : `By label${s.grouping.labels.length === 1 ? '' : 's'} ${s.grouping.labels.join(', ') || '(none)'} within ${formatMinutes(s.grouping.window_minutes)}`,
  };
}

/** Blank → null ("off"); anything else must be a whole number (the API explains ranges). */
function minutesOrNull(text: string): number | null {
  const t = text.trim();
  return t === '' ? null : Number(t);
}

function AlertSettingsForm({ service, value, onSaved, onCancel }: { service: Service; value: AlertSettings; onSaved(s: AlertSettings): void; onCancel(): void }) {
  const [autoResolve, setAutoResolve] = useState(value.auto_resolve_minutes?.toString() ?? '');
  const [ackTimeout, setAckTimeout] = useState(value.ack_timeout_minutes?.toString() ?? '');
  const [mode, setMode] = useState(value.grouping.mode);
  const [labels, setLabels] = useState(value.grouping.labels.join(', '));
  const [windowMin, setWindowMin] = useState(String(value.grouping.window_minutes));
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, errors);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      onSaved(
        await api.alertSettings.put(service.slug, {
          auto_resolve_minutes: minutesOrNull(autoResolve),
          ack_timeout_minutes: minutesOrNull(ackTimeout),
          grouping: {
            mode,
            labels: labels
              .split(/[,\s]+/)
              .map((l) => l.trim())
              .filter(Boolean),
            window_minutes: Number(windowMin),
          },
        }),
      );
    } catch (err) {
      setErrors(formErrors(err));
      setBusy(false);
    }
  };

  const preview = (text: string) => {
    const n = minutesOrNull(text);
    return n === null ? 'Off' : Number.isInteger(n) && n > 0 ? formatMinutes(n) : '—';
  };

  return (
    <form ref={formRef} className="stack" onSubmit={(e) => void submit(e)} noValidate aria-label="Alert settings">
      <FormErrorBanner errors={errors} shownFields={['auto_resolve_minutes', 'ack_timeout_minutes', 'grouping']} />
      <Field label="Auto-resolve after (minutes)" name="auto_resolve_minutes" errors={errors} optional hint={<>Resolve an alert nobody re-triggers for this long. Empty = never. Now: {preview(autoResolve)}</>}>
        {(p) => <input {...p} className="input" inputMode="numeric" value={autoResolve} placeholder="Off" onChange={(e) => setAutoResolve(e.target.value)} />}
      </Field>
      <Field label="Acknowledgement timeout (minutes)" name="ack_timeout_minutes" errors={errors} optional hint={<>Re-trigger an acknowledged group still open after this long. Empty = never. Now: {preview(ackTimeout)}</>}>
        {(p) => <input {...p} className="input" inputMode="numeric" value={ackTimeout} placeholder="Off" onChange={(e) => setAckTimeout(e.target.value)} />}
      </Field>
      <fieldset className="field">
        <legend>Grouping</legend>
        <label className="checkbox">
          <input type="radio" name="grouping-mode" checked={mode === 'dedup_key'} onChange={() => setMode('dedup_key')} />
          <span>
            By dedup key <span className="muted small">— one group (one page) per alert</span>
          </span>
        </label>
        <label className="checkbox">
          <input type="radio" name="grouping-mode" checked={mode === 'labels'} onChange={() => setMode('labels')} />
          <span>
            By labels <span className="muted small">— alerts with equal values fold into one page</span>
          </span>
        </label>
      </fieldset>
      {mode === 'labels' && (
        <>
          <Field label="Group by labels" name="grouping.labels" errors={errors} hint="Comma-separated, e.g. alertname, cluster">
            {(p) => <input {...p} className="input mono-input" value={labels} onChange={(e) => setLabels(e.target.value)} spellCheck={false} />}
          </Field>
          <Field label="Window (minutes)" name="grouping.window_minutes" errors={errors} hint="Join a group only if its last alert is this recent.">
            {(p) => <input {...p} className="input" inputMode="numeric" value={windowMin} onChange={(e) => setWindowMin(e.target.value)} />}
          </Field>
        </>
      )}
      <div className="form-actions">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" busy={busy}>
          Save settings
        </Button>
      </div>
    </form>
  );
}

export function AlertSettingsCard({ service, canManage }: { service: Service; canManage: boolean }) {
  const toast = useToast();
  const q = useQuery(() => api.alertSettings.get(service.slug), [service.slug]);
  const [editing, setEditing] = useState(false);
  const d = q.data ? describeSettings(q.data) : null;
  return (
    <Card
      title="Alert settings"
      actions={
        canManage &&
        q.data &&
        !editing && (
          <Button size="sm" variant="ghost" icon="edit" onClick={() => setEditing(true)}>
            Edit
          </Button>
        )
      }
    >
      {q.error && !q.data ? (
        <LoadError error={q.error} onRetry={q.reload} what="alert settings" />
      ) : !q.data || !d ? (
        <Loading />
      ) : editing ? (
        <AlertSettingsForm
          service={service}
          value={q.data}
          onCancel={() => setEditing(false)}
          onSaved={(s) => {
            q.setData(s);
            setEditing(false);
            toast.success('Alert settings saved');
          }}
        />
      ) : (
        <dl className="props props-wide" data-testid="alert-settings">
          <dt>Auto-resolve</dt>
          <dd>{d.autoResolve}</dd>
          <dt>Ack timeout</dt>
          <dd>{d.ackTimeout}</dd>
          <dt>Grouping</dt>
          <dd>{d.grouping}</dd>
        </dl>
      )}
    </Card>
  );
}

// ---------- Change events ----------

export function RecentChangesCard({ service }: { service: Service }) {
  const q = useQuery((signal) => api.changeEvents.list({ service: service.slug, limit: 5 }, signal), [service.slug]);
  const items = q.data?.data ?? [];
  return (
    <Card title="Recent changes">
      {q.error && !q.data ? (
        <LoadError error={q.error} onRetry={q.reload} what="change events" />
      ) : !q.data ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="muted small">
          No change events. Deploy tooling can report them to the PagerDuty-compatible <Mono>/v2/change/enqueue</Mono> with this service’s Events API key.
        </p>
      ) : (
        <ul className="changes">
          {items.map((c) => {
            const link = c.links.map((l) => ({ ...l, safe: safeHttpUrl(l.href) })).find((l) => l.safe);
            return (
              <li key={c.id}>
                <div className="change-summary">
                  {link ? (
                    <a href={link.safe!} target="_blank" rel="noopener noreferrer">
                      {c.summary}
                    </a>
                  ) : (
                    c.summary
                  )}
                </div>
                <div className="muted small">
                  {c.source && <>{c.source} · </>}
                  <RelativeTime iso={c.occurred_at} />
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}

