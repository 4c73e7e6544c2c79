// "On-call load" cards: pages received, interruptions by business / off / sleep hours (in the paged
// person's own time zone) and mean time to acknowledge, for the last 7, 30 or 90 days. Used on the
// profile page, the user detail page (user) and the team detail page (team, with a per-member table).

import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../api';
import { Card, LoadError, Loading, Tabs } from '../../components/ui';
import { formatDuration, percent } from '../../lib/format';
import { useQuery } from '../../lib/useQuery';
import type { LoadInterruptions, LoadNumbers } from '../../types';

const DAY_MS = 24 * 3_600_000;
export type LoadDays = 7 | 30 | 90;
const PERIODS: LoadDays[] = [7, 30, 90];

function period(days: LoadDays): { from: string; to: string } {
  const to = Date.now();
  return { from: new Date(to - days * DAY_MS).toISOString(), to: new Date(to).toISOString() };
}

function PeriodPicker({ value, onChange }: { value: LoadDays; onChange(d: LoadDays): void }) {
  return (
    <Tabs<string>
      label="Period"
      value={String(value)}
      onChange={(k) => onChange(Number(k) as LoadDays)}
      items={PERIODS.map((d) => ({ key: String(d), label: `${d} days` }))}
    />
  );
}

const PARTS: { key: keyof Omit<LoadInterruptions, 'total'>; label: string; help: string }[] = [
  { key: 'business', label: 'Business hours', help: '08–18 Mon–Fri' },
  { key: 'off_hours', label: 'Off hours', help: '18–22 Mon–Fri, 08–22 weekends' },
  { key: 'sleep', label: 'Sleep hours', help: '22–08' },
];

/** A stacked bar of interruptions with a legend of counts and percentages. */
export function InterruptionsBar({ value }: { value: LoadInterruptions }) {
  const total = value.total;
  return (
    <div className="load-split" data-testid="load-split">
      <div className="load-bar" role="img" aria-label={PARTS.map((p) => `${p.label}: ${value[p.key]} (${percent(value[p.key], total)})`).join(', ')}>
        {total === 0 ? (
          <span className="load-bar-empty" />
        ) : (
          PARTS.filter((p) => value[p.key] > 0).map((p) => (
            <span key={p.key} className={`load-seg load-seg-${p.key}`} style={{ width: `${(value[p.key] / total) * 100}%` }} title={`${p.label}: ${value[p.key]}`} />
          ))
        )}
      </div>
      <ul className="load-legend">
        {PARTS.map((p) => (
          <li key={p.key} data-part={p.key}>
            <span className={`load-swatch load-seg-${p.key}`} aria-hidden="true" />
            <span>{p.label}</span>
            <strong className="load-count">{value[p.key]}</strong>
            <span className="muted small">{percent(value[p.key], total)}</span>
            <span className="muted small load-help">{p.help}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Stats({ n }: { n: LoadNumbers }) {
  return (
    <dl className="load-stats">
      <div>
        <dt>Pages received</dt>
        <dd data-testid="load-pages">{n.pages}</dd>
      </div>
      <div>
        <dt>Alert groups</dt>
        <dd>{n.alert_groups}</dd>
      </div>
      <div>
        <dt title="Mean time to acknowledge, from the first page to the acknowledgement">MTTA</dt>
        <dd data-testid="load-mtta">
          {formatDuration(n.mtta_seconds)}
          {n.alert_groups > 0 && (
            <span className="muted small load-sub">
              {n.acknowledged} of {n.alert_groups} acknowledged
            </span>
          )}
        </dd>
      </div>
    </dl>
  );
}

/** Load for one user: `user` is an id, an email or `me`. */
export function UserLoadCard({ user }: { user: string }) {
  const [days, setDays] = useState<LoadDays>(7);
  const load = useQuery((signal) => api.oncall.userLoad(user, period(days), signal), [user, days]);
  return (
    <Card title="On-call load" className="load-card" actions={<PeriodPicker value={days} onChange={setDays} />}>
      <div data-testid="oncall-load" className={load.loading && load.data ? 'is-refreshing' : undefined}>
        {load.error ? (
          <LoadError error={load.error} onRetry={load.reload} what="on-call load" />
        ) : !load.data ? (
          <Loading />
        ) : (
          <div className="stack">
            <Stats n={load.data} />
            <InterruptionsBar value={load.data.interruptions} />
            <p className="muted small">Times of day are in {load.data.user.timezone}.</p>
          </div>
        )}
      </div>
    </Card>
  );
}

/** Load for a team: totals and a per-member table. */
export function TeamLoadCard({ team }: { team: string }) {
  const [days, setDays] = useState<LoadDays>(7);
  const load = useQuery((signal) => api.oncall.teamLoad(team, period(days), signal), [team, days]);
  return (
    <Card title="On-call load" className="load-card" actions={<PeriodPicker value={days} onChange={setDays} />}>
      <div data-testid="oncall-load" className={load.loading && load.data ? 'is-refreshing' : undefined}>
        {load.error ? (
          <LoadError error={load.error} onRetry={load.reload} what="on-call load" />
        ) : !load.data ? (
          <Loading />
        ) : (
          <div className="stack">
            <Stats n={load.data.total} />
            <InterruptionsBar value={load.data.total.interruptions} />
            {load.data.members.length === 0 ? (
              <p className="muted">This team has no members.</p>
            ) : (
              <div className="load-table">
                <table className="table" data-testid="load-members">
                  <thead>
                    <tr>
                      <th>Member</th>
                      <th className="num">Pages</th>
                      <th className="num">Business</th>
                      <th className="num">Off hours</th>
                      <th className="num">Sleep</th>
                      <th className="num">MTTA</th>
                    </tr>
                  </thead>
                  <tbody>
                    {load.data.members.map((m) => {
                      const i = m.interruptions;
                      return (
                        <tr key={m.user.id}>
                          <td>
                            <Link to={`/users/${encodeURIComponent(m.user.id)}`} className="row-title" title={m.user.email}>
                              {m.user.name || m.user.email}
                            </Link>
                            <div className="muted small">{m.user.timezone}</div>
                          </td>
                          <td className="num">{m.pages}</td>
                          <td className="num">
                            {i.business} <span className="muted small">{percent(i.business, i.total)}</span>
                          </td>
                          <td className="num">
                            {i.off_hours} <span className="muted small">{percent(i.off_hours, i.total)}</span>
                          </td>
                          <td className="num">
                            {i.sleep} <span className="muted small">{percent(i.sleep, i.total)}</span>
                          </td>
                          <td className="num">{formatDuration(m.mtta_seconds)}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
            <p className="muted small">Times of day are in each member’s own time zone; a page naming two members counts for both.</p>
          </div>
        )}
      </div>
    </Card>
  );
}
