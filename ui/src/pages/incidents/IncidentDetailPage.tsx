import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, errorMessage, fetchAll } from '../../api';
import { Markdown } from '../../components/Markdown';
import { Modal } from '../../components/Modal';
import { useToast } from '../../components/Toast';
import { Banner, Button, Card, EmptyState, LoadError, Loading, PageHeader, RelativeTime } from '../../components/ui';
import { formatDateTime } from '../../lib/format';
import { formErrors, NO_ERRORS, fieldError, type FormErrors } from '../../lib/forms';
import { useLiveUpdates } from '../../lib/useLiveUpdates';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { LiveIndicator } from '../alerts/parts';
import { IncidentFollowUpCard } from '../postmortems/IncidentFollowUpCard';
import { IncidentRunbooksCard } from '../runbooks/IncidentRunbooksCard';
import { IncidentTreeCard } from '../runbooks/IncidentTreeCard';
import { incidentsApi, ROLE_LABEL, ROLES, STATUS_LABEL, type IncidentDetail, type IncidentRole, type IncidentStatus, type TimelineEntry } from './api';
import { clock, IncSeverityBadge, IncStatusBadge, TargetTimer, useNow } from './parts';
import { SuspectChangesCard } from './SuspectChangesCard';
import { UpdatesPanel } from './UpdatesPanel';

const NEXT: Record<IncidentStatus, IncidentStatus[]> = {
  investigating: ['identified', 'mitigated', 'resolved'],
  identified: ['mitigated', 'resolved', 'investigating'],
  mitigated: ['resolved', 'identified'],
  resolved: [],
};
const VERB: Record<IncidentStatus, string> = { investigating: 'Back to investigating', identified: 'Cause identified', mitigated: 'Mitigated', resolved: 'Resolve…' };

export function IncidentDetailPage() {
  const { id = '' } = useParams();
  const toast = useToast();
  const inc = useQuery((signal) => incidentsApi.get(id, signal), [id]);
  const tl = useQuery((signal) => incidentsApi.timeline(id, signal), [id]);
  const i = inc.data;
  useTitle(i ? `${i.ref} ${i.title}` : id);
  const live = useLiveUpdates({
    types: ['incident', 'alert_group'],
    match: (e) => !i || e.subject_id === i.id || i.alert_groups.some((g) => g.id === e.subject_id),
    onChange: () => {
      inc.reload();
      tl.reload();
    },
  });
  const [busy, setBusy] = useState<string | null>(null);
  const [resolving, setResolving] = useState(false);

  if (inc.error && !i) return <LoadError error={inc.error} onRetry={inc.reload} what="incident" />;
  if (!i) return <Loading />;

  const refresh = () => {
    inc.reload();
    tl.reload();
  };
  const run = async (key: string, fn: () => Promise<unknown>, done?: string) => {
    setBusy(key);
    try {
      await fn();
      if (done) toast.success(done);
      refresh();
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };
  const open = i.status !== 'resolved';

  return (
    <>
      <PageHeader
        title={
          <>
            <span className="mono">{i.ref}</span> {i.title}
          </>
        }
        subtitle={
          <>
            Declared <RelativeTime iso={i.declared_at} />
            {i.declared_by ? ` by ${i.declared_by.name || i.declared_by.email}` : ''}
          </>
        }
        back={{ to: '/incidents', label: 'Incidents' }}
        actions={<LiveIndicator status={live} />}
      />
      {!i.can_edit && (
        <Banner tone="info">You can follow this incident; changing it needs the responder role on a team of one of its services.</Banner>
      )}
      <IncidentHeader i={i} onChanged={refresh} />
      {i.can_edit && (
        <div className="inc-actions" role="group" aria-label="Incident actions" style={{ marginBottom: 16 }}>
          {open && !i.acknowledged_at && (
            <Button variant="primary" icon="check" busy={busy === 'ack'} onClick={() => void run('ack', () => incidentsApi.acknowledge(i.id), 'Acknowledged')}>
              Acknowledge
            </Button>
          )}
          {NEXT[i.status].map((s) =>
            s === 'resolved' ? (
              <Button key={s} variant="primary" icon="checkCircle" onClick={() => setResolving(true)} data-testid="status-resolved">
                {VERB[s]}
              </Button>
            ) : (
              <Button key={s} busy={busy === s} onClick={() => void run(s, () => incidentsApi.setStatus(i.id, { status: s }), `Status: ${STATUS_LABEL[s]}`)} data-testid={`status-${s}`}>
                {VERB[s]}
              </Button>
            ),
          )}
          {!open && (
            <Button icon="refresh" busy={busy === 'reopen'} onClick={() => void run('reopen', () => incidentsApi.reopen(i.id), 'Reopened')}>
              Reopen
            </Button>
          )}
        </div>
      )}
      {resolving && <ResolveDialog i={i} onClose={() => setResolving(false)} onDone={() => { setResolving(false); toast.success(`${i.ref} resolved`); refresh(); }} />}
      <div className="inc-layout">
        <div>
          {i.summary && (
            <Card title="Summary">
              <Markdown source={i.summary} />
            </Card>
          )}
          {i.status === 'resolved' && (
            <Card title="Customer impact">
              <Markdown source={i.impact} />
              {i.users_affected !== null && <p className="muted">Users affected: {i.users_affected.toLocaleString()}</p>}
            </Card>
          )}
          <TimelineCard i={i} entries={tl.data?.data} error={tl.error} reload={refresh} />
          <UpdatesPanel incidentId={i.id} />
          <SuspectChangesCard incidentId={i.id} />
        </div>
        <div>
          <RolesCard i={i} onChanged={refresh} />
          <LinkedAlertsCard i={i} onChanged={refresh} />
          <IncidentFollowUpCard incidentId={i.id} />
          <IncidentRunbooksCard incidentId={i.id} />
          <IncidentTreeCard incidentId={i.id} />
        </div>
      </div>
    </>
  );
}

function IncidentHeader({ i, onChanged }: { i: IncidentDetail; onChanged(): void }) {
  const now = useNow();
  const toast = useToast();
  const sevs = useQuery((signal) => incidentsApi.severities(signal), []);
  const end = i.resolved_at && i.status === 'resolved' ? Date.parse(i.resolved_at) : now;
  const changeSeverity = async (key: string) => {
    try {
      await incidentsApi.update(i.id, { severity: key });
      toast.success(`Severity: ${key}`);
      onChanged();
    } catch (err) {
      toast.error(errorMessage(err));
    }
  };
  return (
    <div className="card inc-header" data-testid="incident-header">
      <div className="inc-header-block">
        <span className="label">Severity</span>
        {i.can_edit && i.status !== 'resolved' ? (
          <select className="input select" aria-label="Severity" value={i.severity} onChange={(e) => void changeSeverity(e.target.value)}>
            {(sevs.data?.data ?? [{ key: i.severity, name: i.severity_name }]).map((s) => (
              <option key={s.key} value={s.key}>
                {s.key} · {s.name}
              </option>
            ))}
          </select>
        ) : (
          <IncSeverityBadge severity={i.severity} title={i.severity_name} />
        )}
      </div>
      <div className="inc-header-block">
        <span className="label">Status</span>
        <span data-testid="incident-status">
          <IncStatusBadge status={i.status} />
        </span>
      </div>
      <div className="inc-header-block">
        <span className="label">Commander</span>
        <span>{i.roles.commander ? i.roles.commander.name || i.roles.commander.email : <span className="muted">unassigned</span>}</span>
      </div>
      <div className="inc-timer">
        <span className="inc-timer-label">{i.status === 'resolved' ? 'Duration' : 'Since declared'}</span>
        <span className="inc-timer-value" data-testid="since-declared">{clock(end - Date.parse(i.declared_at))}</span>
      </div>
      <TargetTimer label="Acknowledge" declaredAt={i.declared_at} dueAt={i.ack_due_at} metAt={i.acknowledged_at} breachedAt={i.ack_breached_at} now={now} />
      <TargetTimer label="Mitigate" declaredAt={i.declared_at} dueAt={i.mitigate_due_at} metAt={i.mitigated_at} breachedAt={i.mitigate_breached_at} now={now} />
      {i.services.length > 0 && (
        <div className="inc-header-block">
          <span className="label">Services</span>
          <span>
            {i.services.map((s, n) => (
              <span key={s.id}>
                {n > 0 && ', '}
                <Link to={`/services/${s.slug}`}>{s.name}</Link>
              </span>
            ))}
          </span>
        </div>
      )}
    </div>
  );
}

function ResolveDialog({ i, onClose, onDone }: { i: IncidentDetail; onClose(): void; onDone(): void }) {
  const [impact, setImpact] = useState(i.impact);
  const [users, setUsers] = useState(i.users_affected === null ? '' : String(i.users_affected));
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    try {
      await incidentsApi.setStatus(i.id, { status: 'resolved', impact, ...(users.trim() ? { users_affected: Number(users) } : {}), ...(note.trim() ? { note } : {}) });
      onDone();
    } catch (err) {
      setErrors(formErrors(err));
      setBusy(false);
    }
  };
  return (
    <Modal
      title={`Resolve ${i.ref}`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" busy={busy} onClick={() => void submit()} data-testid="confirm-resolve">
            Resolve
          </Button>
        </>
      }
    >
      <form className="stack" onSubmit={submit}>
        {errors.message && !fieldError(errors, 'impact') && <Banner>{errors.message}</Banner>}
        <div className={`field${fieldError(errors, 'impact') ? ' field-invalid' : ''}`}>
          <label htmlFor="inc-impact">Customer impact: what was affected, and who</label>
          <textarea id="inc-impact" className="input" rows={4} value={impact} onChange={(e) => setImpact(e.target.value)} required />
          {fieldError(errors, 'impact') && <div className="field-error">{fieldError(errors, 'impact')}</div>}
        </div>
        <div className="field">
          <label htmlFor="inc-users">Users affected <span className="optional">optional</span></label>
          <input id="inc-users" className="input" inputMode="numeric" value={users} onChange={(e) => setUsers(e.target.value.replace(/[^\d]/g, ''))} />
        </div>
        <div className="field">
          <label htmlFor="inc-resolve-note">Note <span className="optional">optional</span></label>
          <textarea id="inc-resolve-note" className="input" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
        </div>
      </form>
    </Modal>
  );
}

function TimelineCard({ i, entries, error, reload }: { i: IncidentDetail; entries: TimelineEntry[] | undefined; error: unknown; reload(): void }) {
  const toast = useToast();
  const [note, setNote] = useState('');
  const [key, setKey] = useState(false);
  const [busy, setBusy] = useState(false);
  const [onlyKey, setOnlyKey] = useState(false);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (!note.trim()) return;
    setBusy(true);
    try {
      await incidentsApi.addNote(i.id, note, key);
      setNote('');
      setKey(false);
      reload();
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const star = async (entry: TimelineEntry) => {
    try {
      await incidentsApi.setKeyEvent(i.id, entry.id, !entry.key_event);
      reload();
    } catch (err) {
      toast.error(errorMessage(err));
    }
  };
  const shown = (entries ?? []).filter((e) => !onlyKey || e.key_event);
  return (
    <Card
      title="Timeline"
      actions={
        <label className="checkbox">
          <input type="checkbox" checked={onlyKey} onChange={(e) => setOnlyKey(e.target.checked)} /> Key events only
        </label>
      }
    >
      {i.can_edit && (
        <form onSubmit={add} className="stack" style={{ marginBottom: 12 }}>
          <textarea className="input" rows={2} aria-label="Timeline note" placeholder="Add a note (Markdown)…" value={note} onChange={(e) => setNote(e.target.value)} />
          <div className="inc-actions">
            <Button type="submit" size="sm" busy={busy} disabled={!note.trim()}>
              Add note
            </Button>
            <label className="checkbox">
              <input type="checkbox" checked={key} onChange={(e) => setKey(e.target.checked)} /> Key event
            </label>
          </div>
        </form>
      )}
      {error && !entries ? (
        <LoadError error={error} onRetry={reload} what="timeline" />
      ) : !entries ? (
        <Loading />
      ) : shown.length === 0 ? (
        <EmptyState title="Nothing here yet" />
      ) : (
        <ol className="inc-timeline" data-testid="incident-timeline">
          {shown.map((e) => (
            <li key={e.id} className={`inc-kind-${e.kind}`} data-kind={e.kind}>
              <button
                type="button"
                className={`inc-star${e.key_event ? ' on' : ''}`}
                aria-label={e.key_event ? 'Unmark key event' : 'Mark as key event'}
                aria-pressed={e.key_event}
                title={e.key_event ? 'Key event (goes into the postmortem timeline)' : 'Mark as key event'}
                disabled={!i.can_edit}
                onClick={() => void star(e)}
              >
                {e.key_event ? '★' : '☆'}
              </button>
              <time className="when" dateTime={e.at} title={formatDateTime(e.at)}>
                {new Date(e.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
              </time>
              <div>
                <div className="what">{e.kind === 'note' ? 'Note' : e.summary}</div>
                {e.body && <Markdown source={e.body} className="entry-note" />}
                <div className="who">{e.actor.label}</div>
              </div>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

function RolesCard({ i, onChanged }: { i: IncidentDetail; onChanged(): void }) {
  const toast = useToast();
  const users = useQuery((signal) => fetchAll((cursor) => api.users.list({ limit: 500, cursor }, signal), 10), []);
  const assign = async (role: IncidentRole, email: string) => {
    try {
      await incidentsApi.assignRole(i.id, role, email || null);
      toast.success(email ? `${ROLE_LABEL[role]}: ${email}` : `${ROLE_LABEL[role]} cleared`);
      onChanged();
    } catch (err) {
      toast.error(errorMessage(err));
    }
  };
  const handovers = i.role_history.filter((h) => h.ended_at);
  return (
    <Card title="Roles">
      <div className="inc-roles">
        {ROLES.map((role) => {
          const holder = i.roles[role];
          return (
            <div key={role} style={{ display: 'contents' }}>
              <label htmlFor={`role-${role}`}>{ROLE_LABEL[role]}</label>
              {i.can_edit ? (
                <select id={`role-${role}`} className="input select" value={holder?.email ?? ''} onChange={(e) => void assign(role, e.target.value)}>
                  <option value="">— unassigned —</option>
                  {holder && !(users.data ?? []).some((u) => u.email === holder.email) && <option value={holder.email}>{holder.name || holder.email}</option>}
                  {(users.data ?? []).filter((u) => !u.disabled).map((u) => (
                    <option key={u.id} value={u.email}>
                      {u.name} ({u.email})
                    </option>
                  ))}
                </select>
              ) : (
                <span id={`role-${role}`}>{holder ? holder.name || holder.email : <span className="muted">unassigned</span>}</span>
              )}
            </div>
          );
        })}
      </div>
      {handovers.length > 0 && (
        <details style={{ marginTop: 12 }}>
          <summary>Hand-overs ({handovers.length})</summary>
          <ul>
            {handovers.map((h) => (
              <li key={`${h.role}-${h.assigned_at}-${h.user.id}`}>
                {ROLE_LABEL[h.role]}: {h.user.email}, {formatDateTime(h.assigned_at)} → {h.ended_at ? formatDateTime(h.ended_at) : 'now'}
              </li>
            ))}
          </ul>
        </details>
      )}
    </Card>
  );
}

function LinkedAlertsCard({ i, onChanged }: { i: IncidentDetail; onChanged(): void }) {
  const toast = useToast();
  const [groupId, setGroupId] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const attach = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await incidentsApi.attach(i.id, [groupId.trim()]);
      setGroupId('');
      setErrors(NO_ERRORS);
      onChanged();
    } catch (err) {
      setErrors(formErrors(err));
    }
  };
  const detach = async (gid: string) => {
    try {
      await incidentsApi.detach(i.id, gid);
      onChanged();
    } catch (err) {
      toast.error(errorMessage(err));
    }
  };
  return (
    <Card title="Linked alerts">
      {i.alert_groups.length === 0 ? (
        <p className="muted">No alert groups linked.</p>
      ) : (
        <ul className="plain-list" data-testid="linked-alerts">
          {i.alert_groups.map((g) => (
            <li key={g.id} style={{ marginBottom: 6 }}>
              <Link to={`/alerts?group_id=${g.id}&status=all`}>{g.title}</Link> <span className="muted">({g.service.name}, {g.status}{g.raised_by_incident ? ', paged by this incident' : ''})</span>
              {i.can_edit && (
                <Button size="sm" variant="ghost" onClick={() => void detach(g.id)} aria-label={`Detach ${g.title}`}>
                  Detach
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      {i.can_edit && (
        <form onSubmit={attach} className="inc-actions" style={{ marginTop: 8 }}>
          <input className="input" placeholder="Alert group id" aria-label="Alert group id to attach" value={groupId} onChange={(e) => setGroupId(e.target.value)} />
          <Button type="submit" size="sm" disabled={!groupId.trim()}>
            Attach
          </Button>
          {errors.message && <div className="field-error">{errors.message}</div>}
        </form>
      )}
    </Card>
  );
}
