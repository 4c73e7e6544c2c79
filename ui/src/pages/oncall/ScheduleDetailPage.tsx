import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api } from '../../api';
import { useCurrentUser } from '../../auth';
import { Field, FormErrorBanner } from '../../components/Form';
import { ConfirmDialog } from '../../components/Modal';
import { useToast } from '../../components/Toast';
import { Avatar, Banner, Button, Card, CopyButton, EmptyState, LoadError, Loading, Mono, PageHeader } from '../../components/ui';
import { formErrors, NO_ERRORS, type FormErrors } from '../../lib/forms';
import { hasTeamRole } from '../../lib/permissions';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import type { Schedule, Span, Timeline, UserRef } from '../../types';
import { PersonName, rotationLabel, shortDateTime, toLocalInput, useUsers } from './parts';
import { DragRangeTrack, type DraggedRange } from './DragRange';

const DAYS = 14;
const DAY_MS = 86_400_000;

function startOfToday(): Date {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d;
}

export function ScheduleDetailPage() {
  const { slug = '' } = useParams();
  const me = useCurrentUser();
  const toast = useToast();
  const navigate = useNavigate();
  const schedule = useQuery(() => api.schedules.get(slug), [slug]);
  const from = useMemo(startOfToday, []);
  const to = useMemo(() => new Date(from.getTime() + DAYS * DAY_MS), [from]);
  const timeline = useQuery((signal) => api.schedules.timeline(slug, { from: from.toISOString(), to: to.toISOString() }, signal), [slug, from, to]);
  const feed = useQuery(() => api.schedules.feed(slug), [slug]);
  const [removing, setRemoving] = useState<Schedule['overrides'][number] | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [dragged, setDragged] = useState<DraggedRange | null>(null);
  useTitle(schedule.data?.name ?? 'Schedule');

  if (schedule.error) return <LoadError error={schedule.error} onRetry={schedule.reload} what="the schedule" />;
  if (!schedule.data) return <Loading />;
  const s = schedule.data;
  const canManage = me.is_admin || (s.team ? hasTeamRole(me, s.team.slug, 'manager') : false);
  const canOverride = me.is_admin || (s.team ? hasTeamRole(me, s.team.slug, 'responder') : false) || s.layers.some((l) => l.participants.some((p) => p.id === me.id));
  const refresh = () => {
    schedule.reload();
    timeline.reload();
  };
  const now = Date.now();
  const upcomingGaps = (timeline.data?.gaps ?? []).filter((g) => Date.parse(g.end) > now);

  return (
    <>
      <PageHeader
        back={{ to: '/oncall', label: 'On-call' }}
        title={s.name}
        subtitle={
          <>
            <Mono>{s.slug}</Mono>
            <span className="dot-sep" />
            {s.team ? (
              <Link to={`/teams/${s.team.slug}`} className="strong-link">
                {s.team.name}
              </Link>
            ) : (
              <span className="muted">No team</span>
            )}
            <span className="dot-sep" />
            {s.time_zone}
          </>
        }
        actions={
          canManage && (
            <Button variant="danger" icon="trash" onClick={() => setDeleting(true)}>
              Delete
            </Button>
          )
        }
      />

      <div className="stack-lg">
        {upcomingGaps.length > 0 && (
          <Banner tone="warning" title={`Coverage gaps in the next ${DAYS} days`}>
            Nobody is on call for {upcomingGaps.length} period{upcomingGaps.length === 1 ? '' : 's'}, starting {shortDateTime(upcomingGaps[0]!.start < new Date(now).toISOString() ? new Date(now).toISOString() : upcomingGaps[0]!.start)}. Pages
            to this schedule during a gap reach no one; add an override or another layer.
          </Banner>
        )}

        <Card title={`Next ${DAYS} days`} flush>
          {timeline.error ? (
            <div className="card-pad">
              <LoadError error={timeline.error} onRetry={timeline.reload} what="the timeline" />
            </div>
          ) : !timeline.data ? (
            <Loading />
          ) : (
            <TimelineView t={timeline.data} from={from.getTime()} to={to.getTime()} onDragOverride={canOverride ? setDragged : undefined} />
          )}
        </Card>

        <div className="detail-grid">
          <div className="stack-lg">
            <Card title="Overrides" flush>
              {s.overrides.length === 0 ? (
                <EmptyState icon="users" title="No upcoming overrides">
                  Overrides put someone else on call for a while: swaps, sick days, holidays.
                </EmptyState>
              ) : (
                <table className="table" data-testid="overrides-table">
                  <thead>
                    <tr>
                      <th>Who</th>
                      <th>From</th>
                      <th>To</th>
                      <th>Note</th>
                      <th className="col-actions" aria-label="Actions" />
                    </tr>
                  </thead>
                  <tbody>
                    {s.overrides.map((o) => (
                      <tr key={o.id}>
                        <td>
                          <PersonName user={o.user} />
                        </td>
                        <td className="nowrap">{shortDateTime(o.start)}</td>
                        <td className="nowrap">{shortDateTime(o.end)}</td>
                        <td>{o.note || <span className="muted">—</span>}</td>
                        <td className="col-actions">
                          {canOverride && (
                            <Button size="sm" icon="trash" aria-label={`Delete override for ${o.user.name || o.user.email}`} onClick={() => setRemoving(o)}>
                              Delete
                            </Button>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
            {canOverride && (
              <OverrideForm
                schedule={s}
                prefill={dragged}
                onCreated={() => {
                  setDragged(null);
                  toast.success('Override added');
                  refresh();
                }}
              />
            )}
          </div>
          <aside className="stack-lg">
            <Card title="Layers">
              {s.layers.length === 0 ? (
                <p className="muted">No layers: nobody is ever on call except through overrides.</p>
              ) : (
                <ul className="layer-summary">
                  {s.layers.map((l, i) => (
                    <li key={i}>
                      <div className="strong">{l.name || `Layer ${i + 1}`}</div>
                      <div className="muted small">
                        {rotationLabel(l.rotation)}, handoff {l.handoff.replace('T', ' ')}
                        {l.restrictions.length > 0 && ' · restricted hours'}
                      </div>
                      <div className="small">{l.participants.map((p) => p.name || p.email).join(' → ')}</div>
                    </li>
                  ))}
                </ul>
              )}
            </Card>
            <Card title="Calendar feed">
              <p className="muted small">Subscribe in Google Calendar, Outlook or Apple Calendar. The link is the credential: share it only with people who may see the schedule.</p>
              {feed.error ? (
                <LoadError error={feed.error} onRetry={feed.reload} what="the feed URL" />
              ) : !feed.data ? (
                <Loading />
              ) : (
                <div className="feed-url">
                  <code className="mono feed-url-text" data-testid="ical-url">
                    {feed.data.url}
                  </code>
                  <CopyButton text={feed.data.url} label="Copy URL" />
                </div>
              )}
            </Card>
          </aside>
        </div>
      </div>

      {removing && (
        <ConfirmDialog
          title="Delete this override?"
          confirmLabel="Delete override"
          danger
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await api.schedules.removeOverride(s.id, removing.id);
            setRemoving(null);
            toast.success('Override deleted');
            refresh();
          }}
        >
          <p>
            {removing.user.name || removing.user.email} will no longer cover {shortDateTime(removing.start)} – {shortDateTime(removing.end)}; the regular rotation applies again.
          </p>
        </ConfirmDialog>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${s.name}?`}
          confirmLabel="Delete schedule"
          danger
          typeToConfirm={s.slug}
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await api.schedules.remove(s.id);
            toast.success('Schedule deleted');
            navigate('/oncall');
          }}
        >
          <p>The schedule and its overrides are removed. Escalation policies that page it will skip it.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function OverrideForm({ schedule, prefill, onCreated }: { schedule: Schedule; prefill: DraggedRange | null; onCreated(): void }) {
  const users = useUsers();
  const initial = () => {
    const start = new Date();
    start.setSeconds(0, 0);
    return { user: '', start: toLocalInput(start), end: toLocalInput(new Date(start.getTime() + 8 * 3600_000)), note: '' };
  };
  const [v, setV] = useState(initial);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLFormElement>(null);
  // A range dragged on the timeline fills the form; the person is the one thing left to choose.
  useEffect(() => {
    if (!prefill) return;
    setV((cur) => ({ ...cur, start: toLocalInput(prefill.start), end: toLocalInput(prefill.end) }));
    const select = ref.current?.querySelector('select');
    select?.scrollIntoView({ block: 'center', behavior: 'smooth' });
    select?.focus();
  }, [prefill]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!v.user) local.user = 'Choose who covers';
    if (!v.start) local.start = 'Required';
    if (!v.end) local.end = 'Required';
    if (Object.keys(local).length) return setErrors({ message: 'Please fix the highlighted fields', fields: local });
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      await api.schedules.addOverride(schedule.id, {
        user: v.user,
        start: new Date(v.start).toISOString(),
        end: new Date(v.end).toISOString(),
        ...(v.note.trim() ? { note: v.note.trim() } : {}),
      });
      setV(initial());
      onCreated();
    } catch (err) {
      setErrors(formErrors(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="Add an override">
      <form ref={ref} onSubmit={(e) => void submit(e)} noValidate aria-label="Add override" className="stack">
        <FormErrorBanner errors={errors} shownFields={['user', 'start', 'end', 'note']} />
        <div className="form-grid-3">
          <Field label="Who covers" name="user" errors={errors}>
            {(p) => (
              <select {...p} className="input select" value={v.user} onChange={(e) => setV({ ...v, user: e.target.value })}>
                <option value="">Choose a person…</option>
                {users.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name ? `${u.name} (${u.email})` : u.email}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Start" name="start" errors={errors} hint="Your local time">
            {(p) => <input {...p} type="datetime-local" className="input" value={v.start} onChange={(e) => setV({ ...v, start: e.target.value })} />}
          </Field>
          <Field label="End" name="end" errors={errors}>
            {(p) => <input {...p} type="datetime-local" className="input" value={v.end} onChange={(e) => setV({ ...v, end: e.target.value })} />}
          </Field>
        </div>
        <Field label="Note" name="note" errors={errors} optional>
          {(p) => <input {...p} className="input" value={v.note} placeholder="e.g. swap with Ana for the offsite" onChange={(e) => setV({ ...v, note: e.target.value })} />}
        </Field>
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={busy}>
            Add override
          </Button>
        </div>
      </form>
    </Card>
  );
}

// ── Timeline ──

interface Segment extends Span {
  user?: UserRef;
  gap?: boolean;
}

function TimelineView({ t, from, to, onDragOverride }: { t: Timeline; from: number; to: number; onDragOverride?: (r: DraggedRange) => void }) {
  const days = Array.from({ length: DAYS }, (_, i) => new Date(from + i * DAY_MS));
  const now = Date.now();
  const nowPct = ((now - from) / (to - from)) * 100;
  const finalSegs: Segment[] = [...t.final.map((f) => ({ ...f })), ...t.gaps.map((g) => ({ ...g, gap: true }))].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const rows: { key: string; label: string; segs: Segment[]; kind: string }[] = [
    ...t.layers.map((l) => ({ key: `layer-${l.index}`, label: l.name || `Layer ${l.index + 1}`, segs: l.entries, kind: 'layer' })),
    { key: 'overrides', label: 'Overrides', segs: t.overrides, kind: 'overrides' },
    { key: 'final', label: 'Final schedule', segs: finalSegs, kind: 'final' },
  ];
  const track = (r: (typeof rows)[number]) => (
    <>
            {days.map((d) => (
              <div key={d.getTime()} className="sched-grid" style={{ left: `${((d.getTime() - from) / (to - from)) * 100}%` }} />
            ))}
            {r.segs.length === 0 && r.kind === 'overrides' && (
              <span className="sched-empty muted small">{onDragOverride ? 'No overrides in this period. Drag here to add one.' : 'No overrides in this period'}</span>
            )}
            {r.segs.map((seg, i) => {
              const s = Math.max(Date.parse(seg.start), from);
              const e = Math.min(Date.parse(seg.end), to);
              if (e <= s) return null;
              const left = ((s - from) / (to - from)) * 100;
              const width = ((e - s) / (to - from)) * 100;
              const covering = Date.parse(seg.start) <= now && now < Date.parse(seg.end);
              const who = seg.gap ? 'Nobody on call' : seg.user ? seg.user.name || seg.user.email : '';
              return (
                <div
                  key={i}
                  className={`sched-seg${seg.gap ? ' sched-gap' : ''}`}
                  style={{ left: `${left}%`, width: `${width}%`, ...(seg.user && !seg.gap ? { ['--seg-hue' as string]: hue(seg.user.id) } : {}) }}
                  title={`${who}: ${shortDateTime(seg.start)} – ${shortDateTime(seg.end)}`}
                  data-now={covering || undefined}
                  data-user={seg.user?.email}
                >
                  {seg.user && !seg.gap && width > 3 && <Avatar name={who} size={16} />}
                  <span className="sched-seg-name">{seg.gap ? 'Gap' : who}</span>
                </div>
              );
            })}
            {nowPct >= 0 && nowPct <= 100 && <div className="sched-now" style={{ left: `${nowPct}%` }} title="Now" />}
    </>
  );
  return (
    <div className="sched-timeline" role="table" aria-label="On-call timeline">
      <div className="sched-row sched-head" role="row">
        <div className="sched-label" role="columnheader">
          <span className="muted small">Your time</span>
        </div>
        <div className="sched-days">
          {days.map((d) => (
            <div key={d.getTime()} className={`sched-day${d.getDay() === 0 || d.getDay() === 6 ? ' weekend' : ''}`} role="columnheader">
              <span className="sched-dow">{d.toLocaleDateString(undefined, { weekday: 'short' })}</span>
              <span className="sched-date">{d.getDate()}</span>
            </div>
          ))}
        </div>
      </div>
      {rows.map((r) => (
        <div key={r.key} className={`sched-row sched-row-${r.kind}`} role="row" data-testid={`timeline-${r.key}`}>
          <div className="sched-label" role="rowheader">
            {r.label}
          </div>
          {r.kind === 'overrides' && onDragOverride ? (
            <DragRangeTrack from={from} to={to} onRange={onDragOverride} label="Drag to create an override">
              {track(r)}
            </DragRangeTrack>
          ) : (
            <div className="sched-track" role="cell">
              {track(r)}
            </div>
          )}
        </div>
      ))}
    </div>
  );
}

function hue(id: string): number {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) % 360;
  return h;
}
