// Building blocks shared by the alert pages and the service page: badges, the live indicator,
// the JSON tree for sender-provided details, silence matchers. Everything a sender controls
// (summaries, labels, details, links) is rendered as React text, never as HTML.

import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, fetchAll, type StreamStatus } from '../../api';
import { Icon } from '../../components/Icon';
import { formatDateTime, safeHttpUrl, shortAge } from '../../lib/format';
import { useQuery } from '../../lib/useQuery';
import type { AlertStatus, Matcher, Service, Severity, Urgency } from '../../types';

export const SEVERITY_LABEL: Record<Severity, string> = { critical: 'Critical', error: 'Error', warning: 'Warning', info: 'Info' };

export function SeverityBadge({ severity, compact }: { severity: Severity; compact?: boolean }) {
  return (
    <span className={`sev sev-${severity}${compact ? ' sev-compact' : ''}`} title={`Severity: ${severity}`} data-severity={severity}>
      {SEVERITY_LABEL[severity]}
    </span>
  );
}

const STATUS_LABEL: Record<AlertStatus, string> = { triggered: 'Triggered', acknowledged: 'Acknowledged', resolved: 'Resolved' };

export function StatusBadge({ status }: { status: AlertStatus }) {
  return (
    <span className={`status status-${status}`} data-status={status}>
      <span className="status-dot" aria-hidden="true" />
      {STATUS_LABEL[status]}
    </span>
  );
}

export function UrgencyBadge({ urgency }: { urgency: Urgency }) {
  return (
    <span className={`badge ${urgency === 'high' ? 'badge-red' : 'badge-neutral'}`} title={urgency === 'high' ? 'High urgency: pages now' : 'Low urgency: can wait'}>
      {urgency} urgency
    </span>
  );
}

export function SilencedBadge({ title = 'A silence matches this alert: nobody is paged for it' }: { title?: string }) {
  return (
    <span className="badge badge-neutral silenced-badge" title={title} data-testid="silenced">
      <Icon name="bellOff" size={12} /> silenced
    </span>
  );
}

/** "3m ago", re-rendered every 15 s; the exact time is on hover. */
export function Age({ iso, prefix }: { iso: string; prefix?: string }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const id = window.setInterval(() => tick((n) => n + 1), 15_000);
    return () => window.clearInterval(id);
  }, []);
  return (
    <time dateTime={iso} title={`${formatDateTime(iso)} (${iso})`} className="tabular">
      {prefix}
      {shortAge(iso)}
    </time>
  );
}

const LIVE_TEXT: Record<StreamStatus, { label: string; help: string }> = {
  live: { label: 'Live', help: 'Updates arrive as they happen' },
  connecting: { label: 'Connecting…', help: 'Connecting to live updates' },
  offline: { label: 'Offline', help: 'Live updates unavailable; refreshing every few seconds instead' },
};

export function LiveIndicator({ status }: { status: StreamStatus }) {
  const t = LIVE_TEXT[status];
  return (
    <span className={`live live-${status}`} title={t.help} data-testid="live-indicator" data-status={status} role="status">
      <span className="live-dot" aria-hidden="true" />
      {t.label}
    </span>
  );
}

/** Where an action or event came from, as a short phrase: "via UI", "via PagerDuty". */
export function originLabel(origin: string): string {
  const names: Record<string, string> = {
    ui: 'web UI',
    api: 'API',
    cli: 'CLI',
    engine: 'Ballast',
    pagerduty: 'PagerDuty Events API',
    alertmanager: 'Alertmanager',
    grafana: 'Grafana',
    generic: 'webhook',
  };
  return names[origin] ?? origin;
}

// ---------- JSON tree (alert details, event payloads) ----------

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function Scalar({ value }: { value: unknown }) {
  if (typeof value === 'string') {
    const url = safeHttpUrl(value.trim());
    if (url && !/\s/.test(value.trim())) {
      return (
        <a className="kv-string" href={url} target="_blank" rel="noopener noreferrer">
          {value}
        </a>
      );
    }
    return value === '' ? <span className="kv-empty">""</span> : <span className="kv-string">{value}</span>;
  }
  if (value === null || value === undefined) return <span className="kv-null">null</span>;
  if (typeof value === 'number') return <span className="kv-number">{String(value)}</span>;
  if (typeof value === 'boolean') return <span className="kv-bool">{String(value)}</span>;
  return <span className="kv-string">{JSON.stringify(value)}</span>;
}

/**
 * A readable key/value view of arbitrary JSON. Nested objects indent; deep or large ones start
 * collapsed so one huge payload does not push the rest of the page away.
 */
export function JsonTree({ value, depth = 0 }: { value: unknown; depth?: number }): ReactNode {
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="kv-empty">[]</span>;
    if (value.every((v) => !isPlainObject(v) && !Array.isArray(v))) {
      return (
        <span className="kv-inline-list">
          {value.map((v, i) => (
            <span key={i} className="kv-item">
              <Scalar value={v} />
            </span>
          ))}
        </span>
      );
    }
    return <Entries entries={value.map((v, i) => [`[${i}]`, v])} depth={depth} />;
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return <span className="kv-empty">{'{}'}</span>;
    return <Entries entries={entries} depth={depth} />;
  }
  return <Scalar value={value} />;
}

function Entries({ entries, depth }: { entries: [string, unknown][]; depth: number }) {
  return (
    <dl className={`kv-tree${depth > 0 ? ' kv-nested' : ''}`}>
      {entries.map(([k, v]) => {
        const nested = isPlainObject(v) || (Array.isArray(v) && v.some((x) => isPlainObject(x) || Array.isArray(x)));
        const size = isPlainObject(v) ? Object.keys(v).length : Array.isArray(v) ? v.length : 0;
        return (
          <div className="kv-row" key={k}>
            <dt className="kv-key">{k}</dt>
            <dd className="kv-value">
              {nested && (depth >= 1 || size > 12) ? (
                <details className="kv-collapse">
                  <summary>
                    {Array.isArray(v) ? `${size} item${size === 1 ? '' : 's'}` : `${size} field${size === 1 ? '' : 's'}`}
                  </summary>
                  <JsonTree value={v} depth={depth + 1} />
                </details>
              ) : (
                <JsonTree value={v} depth={depth + 1} />
              )}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

/** Pretty-printed JSON as text (inside <pre>, so markup in strings stays visible text). */
export function JsonBlock({ value, label }: { value: unknown; label?: string }) {
  return (
    <pre className="json-block" aria-label={label}>
      {value === undefined ? 'undefined' : JSON.stringify(value, null, 2)}
    </pre>
  );
}

// ---------- Silence matchers ----------

export function matcherOp(m: Matcher): string {
  const neg = m.is_equal === false;
  return m.is_regex ? (neg ? '!~' : '=~') : neg ? '!=' : '=';
}

export function matcherText(m: Matcher): string {
  return `${m.name}${matcherOp(m)}${JSON.stringify(m.value)}`;
}

export function MatcherChips({ matchers }: { matchers: Matcher[] }) {
  return (
    <span className="chips">
      {matchers.map((m, i) => (
        <span key={i} className="chip matcher-chip" title={matcherText(m)}>
          <span className="matcher-name">{m.name}</span>
          <span className="matcher-op">{matcherOp(m)}</span>
          <span className="matcher-value">{JSON.stringify(m.value)}</span>
        </span>
      ))}
    </span>
  );
}

/** Client-side preview of silence matching, anchored like the server's (src/domains/alerts/matching.ts). */
export function matchesAll(matchers: Matcher[], labels: Record<string, string>): boolean {
  return matchers.every((m) => {
    const v = labels[m.name] ?? '';
    let hit: boolean;
    if (m.is_regex) {
      try {
        hit = new RegExp(`^(?:${m.value})$`, 'u').test(v);
      } catch {
        hit = false;
      }
    } else hit = v === m.value;
    return m.is_equal === false ? !hit : hit;
  });
}

// ---------- Services, for filters and permission checks ----------

export interface ServiceIndex {
  list: Service[];
  byId: Map<string, Service>;
  bySlug: Map<string, Service>;
  loaded: boolean;
}

/**
 * Every service (paged at 500), for the service filter and to learn which team owns an alert's
 * service: the alert API returns only the service's id, slug and name.
 */
export function useServiceIndex(): ServiceIndex {
  const q = useQuery((signal) => fetchAll((cursor) => api.services.list({ limit: 500, cursor }, signal), 10), []);
  return useMemo(() => {
    const list = q.data ?? [];
    return { list, byId: new Map(list.map((s) => [s.id, s])), bySlug: new Map(list.map((s) => [s.slug, s])), loaded: q.data !== undefined };
  }, [q.data]);
}
