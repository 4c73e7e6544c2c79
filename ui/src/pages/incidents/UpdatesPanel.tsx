// On an incident: status updates (internal/external) from templates, and the next-update promise.
import { useEffect, useMemo, useState } from 'react';
import { errorMessage } from '../../api';
import { Markdown } from '../../components/Markdown';
import { useToast } from '../../components/Toast';
import { Badge, Banner, Button, Card, EmptyState, LoadError, Loading, RelativeTime, Tabs } from '../../components/ui';
import { formatDateTime } from '../../lib/format';
import { useLiveUpdates } from '../../lib/useLiveUpdates';
import { useQuery } from '../../lib/useQuery';
import '../../styles/incident-updates.css';
import { dueLabel, updatesApi, type Audience, type CommunicationTemplate, type IncidentUpdate, type IncidentUpdates } from './updates-api';

/** Re-renders every 15 s so the countdown stays true without refetching. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), 15_000);
    return () => window.clearInterval(id);
  }, []);
  return now;
}

export function UpdatesPanel({ incidentId }: { incidentId: string }) {
  const q = useQuery((signal) => updatesApi.list(incidentId, signal), [incidentId]);
  const [composing, setComposing] = useState(false);
  useLiveUpdates({
    types: ['incident'],
    match: (e) => e.subject_id === q.data?.incident.id,
    onChange: q.reload,
    enabled: !!q.data,
  });

  if (q.loading && !q.data) return <Card title="Status updates"><Loading /></Card>;
  if (!q.data) return <Card title="Status updates"><LoadError error={q.error} onRetry={q.reload} what="status updates" /></Card>;
  const d = q.data;

  return (
    <Card
      title="Status updates"
      className="incident-updates"
      actions={
        d.can_post && !composing ? (
          <Button variant="primary" size="sm" icon="plus" onClick={() => setComposing(true)}>
            Post update
          </Button>
        ) : undefined
      }
    >
      <div className="stack">
        <NextUpdateBanner data={d} />
        {composing && (
          <Composer
            data={d}
            onCancel={() => setComposing(false)}
            onPosted={() => {
              setComposing(false);
              q.reload();
            }}
          />
        )}
        {d.data.length === 0 ? (
          <EmptyState icon="info" title="No status updates yet">
            Post an internal update for responders and stakeholders, and an external one for customers.
          </EmptyState>
        ) : (
          <ol className="update-list" aria-label="Status updates, newest first">
            {d.data.map((u) => (
              <UpdateItem key={u.id} update={u} />
            ))}
          </ol>
        )}
      </div>
    </Card>
  );
}

function NextUpdateBanner({ data }: { data: IncidentUpdates }) {
  const now = useNow();
  if (!data.next_update_at) {
    if (data.incident.status === 'resolved') return null;
    return <p className="muted next-update">No next update promised.</p>;
  }
  const due = dueLabel(data.next_update_at, now);
  return (
    <div className={`next-update-banner${due.overdue ? ' overdue' : ''}`} role="status" data-testid="next-update">
      <strong>{due.overdue ? 'Update overdue' : 'Next update'}</strong>
      <span>
        {due.text} <span className="muted">({formatDateTime(data.next_update_at)})</span>
      </span>
    </div>
  );
}

function UpdateItem({ update: u }: { update: IncidentUpdate }) {
  return (
    <li className="update-item">
      <div className="update-meta">
        <AudienceBadge audience={u.audience} />
        <Badge tone="neutral">{u.status.charAt(0).toUpperCase() + u.status.slice(1)}</Badge>
        <span className="update-author">{u.author.label}</span>
        <RelativeTime iso={u.created_at} />
        {u.template && <span className="muted">from template {u.template}</span>}
      </div>
      <Markdown source={u.body} className="update-body" />
      {u.next_update_at && <div className="muted update-promise">Next update promised for {formatDateTime(u.next_update_at)}</div>}
    </li>
  );
}

export function AudienceBadge({ audience }: { audience: Audience }) {
  return audience === 'external' ? (
    <Badge tone="violet" title="Customer-facing: shown on the status page">
      External
    </Badge>
  ) : (
    <Badge tone="blue" title="For responders and stakeholders">
      Internal
    </Badge>
  );
}

/**
 * Picker groups: templates that fit the incident's status and severity (internal, then external), then
 * the rest. Picking one also picks its audience.
 */
function groupTemplates(templates: CommunicationTemplate[], status: string, severity: string): { label: string; items: CommunicationTemplate[] }[] {
  const fits = (t: CommunicationTemplate) =>
    (t.statuses.length === 0 || t.statuses.includes(status)) && (t.severities.length === 0 || t.severities.includes(severity));
  return [
    { label: `Internal — fits ${severity}, ${status}`, items: templates.filter((t) => fits(t) && t.audience === 'internal') },
    { label: `External — fits ${severity}, ${status}`, items: templates.filter((t) => fits(t) && t.audience === 'external') },
    { label: 'Other templates', items: templates.filter((t) => !fits(t)) },
  ].filter((g) => g.items.length > 0);
}

/** The absolute time a promise in minutes means, so the text and the promise can be kept in step. */
function PromiseHint({ minutes }: { minutes: number | null | undefined }) {
  const now = useNow();
  if (minutes === undefined) return <span className="field-error">1 to 10080 minutes, or empty for no promise</span>;
  if (minutes === null) return <span className="muted composer-hint">No next update will be promised</span>;
  const at = new Date(now + minutes * 60_000).toISOString();
  return <span className="muted composer-hint">≈ {at.slice(0, 16).replace('T', ' ')} UTC</span>;
}

function Composer({ data, onCancel, onPosted }: { data: IncidentUpdates; onCancel(): void; onPosted(): void }) {
  const toast = useToast();
  const templates = useQuery((signal) => updatesApi.templates(signal), []);
  const [audience, setAudience] = useState<Audience>('internal');
  const [template, setTemplate] = useState('');
  const [body, setBody] = useState('');
  const [tab, setTab] = useState<'write' | 'preview'>('write');
  const interval = data.incident.update_interval_minutes;
  const [promise, setPromise] = useState<string>(interval && data.incident.status !== 'resolved' ? String(interval) : '');
  const [busy, setBusy] = useState<'preview' | 'post' | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** The template and promise the editor text was last filled with (its {{next_update}} matches that promise). */
  const [filledFor, setFilledFor] = useState<{ slug: string; minutes: number | null } | null>(null);

  const groups = useMemo(
    () => groupTemplates(templates.data?.data ?? [], data.incident.status, data.incident.severity),
    [templates.data, data.incident.status, data.incident.severity],
  );
  const promiseMinutes = promise.trim() === '' ? null : Number(promise);
  const promiseInvalid = promiseMinutes !== null && (!Number.isInteger(promiseMinutes) || promiseMinutes < 1 || promiseMinutes > 10_080);

  async function applyTemplate(slug: string, confirmed = false) {
    setTemplate(slug);
    if (!slug) return;
    if (!confirmed && body.trim() && !window.confirm('Replace the text in the editor with this template?')) return;
    setBusy('preview');
    setError(null);
    try {
      const p = await updatesApi.preview(data.incident.id, slug, promiseMinutes && !promiseInvalid ? promiseMinutes : undefined);
      setBody(p.body);
      setAudience(p.audience);
      setFilledFor({ slug, minutes: promiseMinutes && !promiseInvalid ? promiseMinutes : null });
      setTab('write');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  async function post() {
    setBusy('post');
    setError(null);
    try {
      await updatesApi.post(data.incident.id, {
        audience,
        body,
        ...(template ? { template } : {}),
        ...(promiseMinutes === null ? { next_update_at: null } : { next_update_in_minutes: promiseMinutes }),
      });
      toast.success(`${audience === 'external' ? 'External' : 'Internal'} update posted`);
      onPosted();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  return (
    <form
      className="update-composer"
      aria-label="Post a status update"
      onSubmit={(e) => {
        e.preventDefault();
        void post();
      }}
    >
      {error && <Banner title="Could not post the update">{error}</Banner>}
      <div className="composer-row">
        <fieldset className="audience-choice">
          <legend>Audience</legend>
          {(['internal', 'external'] as const).map((a) => (
            <label key={a}>
              <input type="radio" name="audience" value={a} checked={audience === a} onChange={() => setAudience(a)} />{' '}
              {a === 'internal' ? 'Internal (responders, stakeholders)' : 'External (customers, status page)'}
            </label>
          ))}
        </fieldset>
        <label className="composer-field">
          <span>Template</span>
          <select className="input select" value={template} disabled={busy === 'preview' || templates.loading} onChange={(e) => void applyTemplate(e.target.value)} aria-label="Template">
            <option value="">{templates.loading ? 'Loading templates…' : 'Start from a template…'}</option>
            {groups.map((g) => (
              <optgroup key={g.label} label={g.label}>
                {g.items.map((t) => (
                  <option key={t.slug} value={t.slug}>
                    {t.name}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </label>
        <label className="composer-field composer-promise">
          <span>Next update in (minutes)</span>
          <input
            className="input"
            inputMode="numeric"
            value={promise}
            aria-invalid={promiseInvalid || undefined}
            placeholder="no promise"
            onChange={(e) => setPromise(e.target.value)}
          />
          <PromiseHint minutes={promiseInvalid ? undefined : promiseMinutes} />
        </label>
      </div>
      {filledFor && !promiseInvalid && filledFor.minutes !== promiseMinutes && (
        <Banner tone="warning" title="The text names a different next-update time">
          It was filled from the template for another promise.{' '}
          <Button size="sm" onClick={() => void applyTemplate(filledFor.slug, true)} busy={busy === 'preview'}>
            Refill from template
          </Button>
        </Banner>
      )}
      {templates.error != null && <Banner tone="warning">Templates could not be loaded: {errorMessage(templates.error)}</Banner>}
      <Tabs<'write' | 'preview'>
        label="Editor"
        value={tab}
        onChange={setTab}
        items={[
          { key: 'write', label: 'Write' },
          { key: 'preview', label: 'Preview' },
        ]}
      />
      {tab === 'write' ? (
        <textarea className="input update-editor" rows={10} aria-label="Update text (Markdown)" value={body} onChange={(e) => setBody(e.target.value)} placeholder="What is affected, what we are doing, when the next update comes. Markdown." />
      ) : (
        <div className="update-preview" data-testid="update-preview">
          {body.trim() ? <Markdown source={body} /> : <p className="muted">Nothing to preview yet.</p>}
        </div>
      )}
      <div className="composer-actions">
        <Button type="button" variant="ghost" onClick={onCancel} disabled={busy === 'post'}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" busy={busy === 'post'} disabled={!body.trim() || promiseInvalid || busy !== null}>
          Post {audience} update
        </Button>
      </div>
    </form>
  );
}
