/** Shared alert vocabulary. */
export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SEVERITY_RANK: Record<Severity, number> = { critical: 4, error: 3, warning: 2, info: 1 };

export const URGENCIES = ['high', 'low'] as const;
export type Urgency = (typeof URGENCIES)[number];

export const ALERT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const INTEGRATION_TYPES = ['pagerduty', 'alertmanager', 'grafana', 'generic'] as const;
export type IntegrationType = (typeof INTEGRATION_TYPES)[number];

/** Critical and error page someone now; warnings and info can wait (overridable by routing rules). */
export function defaultUrgency(sev: Severity): Urgency {
  return sev === 'critical' || sev === 'error' ? 'high' : 'low';
}

export type EventAction = 'trigger' | 'acknowledge' | 'resolve';

export interface Link {
  href: string;
  text?: string;
}
export interface Image {
  src: string;
  href?: string;
  alt?: string;
}

/** One alert event from any sender, after parsing and before routing. */
export interface NormalizedEvent {
  action: EventAction;
  /** Absent on a trigger means "generate one". */
  dedupKey: string | null;
  summary: string;
  source: string;
  severity: Severity;
  timestamp: string | null;
  component: string | null;
  group: string | null;
  class: string | null;
  /** Flat string labels (Alertmanager/Grafana labels; for PagerDuty, derived fields). */
  labels: Record<string, string>;
  /** Everything else the sender said (custom_details, annotations, generatorURL, ...). */
  details: Record<string, unknown>;
  links: Link[];
  images: Image[];
  client: string | null;
  clientUrl: string | null;
  /** Which sender format produced it. */
  origin: IntegrationType;
  /** The sender's own event (or alert entry), kept in the alert's event log. */
  raw: unknown;
}
