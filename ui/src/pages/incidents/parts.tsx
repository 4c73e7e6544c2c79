import { useEffect, useState } from 'react';
import { STATUS_LABEL, type IncidentStatus } from './api';
import '../../styles/incidents.css';

/** SEV1 red … SEV4 grey; any custom key falls back to its digits (or neutral). */
export function IncSeverityBadge({ severity, title }: { severity: string; title?: string }) {
  const rank = /(\d+)/.exec(severity)?.[1] ?? '0';
  return (
    <span className={`inc-sev inc-sev-${Math.min(Number(rank), 5)}`} title={title ?? `Severity ${severity}`} data-severity={severity}>
      {severity}
    </span>
  );
}

export function IncStatusBadge({ status }: { status: IncidentStatus }) {
  return (
    <span className={`inc-status inc-status-${status}`} data-status={status}>
      <span className="status-dot" aria-hidden="true" />
      {STATUS_LABEL[status] ?? status}
    </span>
  );
}

/** Re-renders every `ms` so countdowns move. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(id);
  }, [ms]);
  return now;
}

export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(Math.abs(ms) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

/**
 * One response target: met (with how long it took), counting down, or missed (flagged by the server
 * when breached_at is set; shown as overdue from the local clock until the server's timer fires).
 */
export function TargetTimer({ label, declaredAt, dueAt, metAt, breachedAt, now }: { label: string; declaredAt: string; dueAt: string | null; metAt: string | null; breachedAt: string | null; now: number }) {
  if (!dueAt) return (
    <div className="inc-timer">
      <span className="inc-timer-label">{label}</span>
      <span className="muted">no target</span>
    </div>
  );
  const due = Date.parse(dueAt);
  let text: string;
  let tone: string;
  if (metAt) {
    const took = Date.parse(metAt) - Date.parse(declaredAt);
    const late = breachedAt || Date.parse(metAt) > due;
    text = `${late ? 'missed' : 'met'} · ${clock(took)}`;
    tone = late ? 'breached' : 'met';
  } else if (breachedAt || now > due) {
    text = `breached · ${clock(now - due)} over`;
    tone = 'breached';
  } else {
    text = `${clock(due - now)} left`;
    tone = due - now < 5 * 60_000 ? 'soon' : 'running';
  }
  return (
    <div className={`inc-timer inc-timer-${tone}`} data-testid={`timer-${label.toLowerCase().replace(/\s+/g, '-')}`}>
      <span className="inc-timer-label">{label}</span>
      <span className="inc-timer-value">{text}</span>
    </div>
  );
}
