// Shared bits of the on-call pages: reference lists for pickers, rotation labels, date helpers.

import { Link } from 'react-router-dom';
import { api, fetchAll } from '../../api';
import { Icon } from '../../components/Icon';
import { Tabs } from '../../components/ui';
import { useQuery } from '../../lib/useQuery';
import { useNavigate } from 'react-router-dom';
import type { Rotation, User, UserRef } from '../../types';

/** Every active user, for participant and target pickers. */
export function useUsers() {
  const q = useQuery(() => fetchAll((cursor) => api.users.list({ limit: 500, cursor })), []);
  return (q.data ?? []).filter((u: User) => !u.disabled);
}

export function rotationLabel(r: Rotation): string {
  if (typeof r === 'string') return r[0]!.toUpperCase() + r.slice(1);
  return `Every ${r.count} ${r.count === 1 ? r.unit.replace(/s$/, '') : r.unit}`;
}

export function PersonName({ user }: { user: UserRef }) {
  return (
    <span className="person" title={user.email}>
      {user.name || user.email}
    </span>
  );
}

/** `YYYY-MM-DDTHH:MM` in the browser's zone, for <input type="datetime-local">. */
export function toLocalInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** A short local date-time: "Mon 24 Nov, 09:00". */
export function shortDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

type OnCallTab = 'schedules' | 'policies';

/** Schedules and escalation policies are two tabs of the On-call area. */
export function OnCallTabs({ value }: { value: OnCallTab }) {
  const navigate = useNavigate();
  return (
    <Tabs<OnCallTab>
      label="On-call sections"
      value={value}
      onChange={(k) => navigate(k === 'schedules' ? '/oncall' : '/oncall/policies')}
      items={[
        { key: 'schedules', label: 'Schedules' },
        { key: 'policies', label: 'Escalation policies' },
      ]}
    />
  );
}

export function ScheduleLink({ slug, name }: { slug: string; name: string }) {
  return (
    <Link to={`/oncall/schedules/${encodeURIComponent(slug)}`} className="row-title">
      {name}
    </Link>
  );
}

export { Icon };
