// Small presentational building blocks shared by every page. Styling lives in styles/*.css;
// these only pick class names so pages stay consistent.

import { useEffect, useState, type ButtonHTMLAttributes, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { ApiError, errorMessage } from '../api';
import { formatDateTime, initials, relativeTime } from '../lib/format';
import type { TeamRole, Tier } from '../types';
import { Icon, type IconName } from './Icon';

type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'ghost';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: ButtonVariant;
  size?: 'sm' | 'md';
  icon?: IconName;
  /** Disables the button and shows a spinner, so a slow request cannot be submitted twice. */
  busy?: boolean;
}

export function Button({ variant = 'secondary', size = 'md', icon, busy, className, children, disabled, type, ...rest }: ButtonProps) {
  const cls = ['btn', `btn-${variant}`, size === 'sm' ? 'btn-sm' : '', className ?? ''].filter(Boolean).join(' ');
  return (
    <button type={type ?? 'button'} className={cls} disabled={disabled || busy} aria-busy={busy || undefined} {...rest}>
      {busy ? <Spinner /> : icon ? <Icon name={icon} size={size === 'sm' ? 14 : 15} /> : null}
      {children}
    </button>
  );
}

/** A react-router Link styled as a button. */
export function ButtonLink({ to, variant = 'secondary', icon, children, size = 'md' }: { to: string; variant?: ButtonVariant; icon?: IconName; children: ReactNode; size?: 'sm' | 'md' }) {
  return (
    <Link to={to} className={`btn btn-${variant}${size === 'sm' ? ' btn-sm' : ''}`}>
      {icon && <Icon name={icon} size={size === 'sm' ? 14 : 15} />}
      {children}
    </Link>
  );
}

export function Spinner({ label }: { label?: string }) {
  return <span className="spinner" role={label ? 'status' : undefined} aria-label={label} />;
}

type BadgeTone = 'neutral' | 'blue' | 'green' | 'amber' | 'red' | 'violet';

export function Badge({ tone = 'neutral', children, title }: { tone?: BadgeTone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

export const TIER_INFO: Record<Tier, { label: string; help: string }> = {
  1: { label: 'Tier 1', help: 'Critical: customer-facing, outage is a major incident' },
  2: { label: 'Tier 2', help: 'Important: degraded experience if down' },
  3: { label: 'Tier 3', help: 'Standard: internal or with workarounds' },
  4: { label: 'Tier 4', help: 'Low: experimental or non-production' },
};

export function TierBadge({ tier }: { tier: Tier }) {
  return (
    <span className={`tier tier-${tier}`} title={TIER_INFO[tier].help}>
      T{tier}
    </span>
  );
}

const ROLE_TONE: Record<TeamRole, BadgeTone> = { manager: 'violet', responder: 'blue', viewer: 'neutral' };
export function RoleBadge({ role }: { role: TeamRole }) {
  return <Badge tone={ROLE_TONE[role]}>{role}</Badge>;
}

export function Avatar({ name, size = 28 }: { name: string; size?: number }) {
  // A stable hue per person makes rosters and audit trails easier to scan.
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) % 360;
  return (
    <span className="avatar" style={{ width: size, height: size, fontSize: size * 0.4, background: `hsl(${h} 45% 42%)` }} aria-hidden="true">
      {initials(name)}
    </span>
  );
}

export function RelativeTime({ iso }: { iso: string | null | undefined }) {
  // Re-render every minute so "just now" does not stay on screen for an hour.
  const [, tick] = useState(0);
  useEffect(() => {
    const id = window.setInterval(() => tick((n) => n + 1), 60_000);
    return () => window.clearInterval(id);
  }, []);
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={`${formatDateTime(iso)} (${iso})`}>
      {relativeTime(iso)}
    </time>
  );
}

export function PageHeader({ title, subtitle, actions, back }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode; back?: { to: string; label: string } }) {
  return (
    <header className="page-header">
      <div className="page-header-main">
        {back && (
          <Link to={back.to} className="back-link">
            <Icon name="arrowLeft" size={14} /> {back.label}
          </Link>
        )}
        <h1>{title}</h1>
        {subtitle && <div className="page-subtitle">{subtitle}</div>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}

export function Card({ title, actions, children, className, flush }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string; flush?: boolean }) {
  return (
    <section className={`card${flush ? ' card-flush' : ''}${className ? ` ${className}` : ''}`}>
      {(title || actions) && (
        <div className="card-header">
          {title && <h2 className="card-title">{title}</h2>}
          {actions && <div className="card-actions">{actions}</div>}
        </div>
      )}
      <div className="card-body">{children}</div>
    </section>
  );
}

export function EmptyState({ icon = 'info', title, children, action }: { icon?: IconName; title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty-icon">
        <Icon name={icon} size={22} />
      </div>
      <div className="empty-title">{title}</div>
      {children && <div className="empty-text">{children}</div>}
      {action && <div className="empty-action">{action}</div>}
    </div>
  );
}

export function Banner({ tone = 'error', title, children, onRetry }: { tone?: 'error' | 'info' | 'warning' | 'success'; title?: string; children?: ReactNode; onRetry?: () => void }) {
  const icon: IconName = tone === 'error' ? 'alertCircle' : tone === 'warning' ? 'alertTriangle' : tone === 'success' ? 'check' : 'info';
  return (
    <div className={`banner banner-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <Icon name={icon} size={16} />
      <div className="banner-body">
        {title && <div className="banner-title">{title}</div>}
        {children && <div>{children}</div>}
      </div>
      {onRetry && (
        <Button size="sm" variant="ghost" onClick={onRetry}>
          Retry
        </Button>
      )}
    </div>
  );
}

/** How a failed load is shown: 403/404 read as explanations, anything else as a retryable error. */
export function LoadError({ error, onRetry, what = 'data' }: { error: unknown; onRetry?: () => void; what?: string }) {
  if (error instanceof ApiError && error.status === 404) return <Banner tone="warning" title="Not found">{error.message}</Banner>;
  if (error instanceof ApiError && error.status === 403) return <Banner tone="warning" title="No access">{error.message}</Banner>;
  return (
    <Banner title={`Could not load ${what}`} onRetry={onRetry}>
      {errorMessage(error)}
    </Banner>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading">
      <Spinner /> {label}
    </div>
  );
}

/** Copies text with visible confirmation; falls back to selecting text when the clipboard API is unavailable (plain http). */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const id = window.setTimeout(() => setState('idle'), 2000);
    return () => window.clearTimeout(id);
  }, [state]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <Button size="sm" icon={state === 'copied' ? 'check' : 'copy'} onClick={() => void copy()}>
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed — select manually' : label}
    </Button>
  );
}

/** A monospaced identifier (slug, id, token prefix). */
export function Mono({ children, title }: { children: ReactNode; title?: string }) {
  return (
    <code className="mono" title={title}>
      {children}
    </code>
  );
}

export interface TabItem<K extends string> {
  key: K;
  label: ReactNode;
  title?: string;
}

/** A row of tabs that switch what a list shows (status, state); the choice usually lives in the URL. */
export function Tabs<K extends string>({ items, value, onChange, label }: { items: TabItem<K>[]; value: K; onChange(next: K): void; label: string }) {
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {items.map((t) => (
        <button
          key={t.key}
          type="button"
          role="tab"
          aria-selected={t.key === value}
          className={`tab${t.key === value ? ' active' : ''}`}
          title={t.title}
          onClick={() => onChange(t.key)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}
