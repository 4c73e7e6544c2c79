import type { IconName } from './components/Icon';

// The product's areas, in sidebar order. This array is the single source of truth for the
// sidebar and for "coming soon" placeholder routes (see routes.tsx).
//
// To ship an area: set `ready: true` and add its page to routes.tsx under the same path.

export interface NavItem {
  /** Top-level path; pages of the area live under it (/services/:slug). */
  path: string;
  label: string;
  icon: IconName;
  /** Shown on the "coming soon" page until the area exists. */
  description: string;
  ready: boolean;
  adminOnly?: boolean;
}

export interface NavSection {
  title: string;
  items: NavItem[];
}

export const NAV: NavSection[] = [
  {
    title: 'Respond',
    items: [
      { path: '/alerts', label: 'Alerts', icon: 'bell', ready: true, description: 'Receive alerts from monitoring, deduplicate and route them to the right on-call engineer.' },
      { path: '/oncall', label: 'On-call', icon: 'oncall', ready: true, description: 'Schedules, rotations, overrides and escalation policies: who gets paged, and when.' },
      { path: '/incidents', label: 'Incidents', icon: 'flame', ready: true, description: 'Declare and coordinate incidents: severity, roles, timeline and stakeholder updates.' },
      { path: '/postmortems', label: 'Postmortems', icon: 'postmortem', ready: true, description: 'Blameless reviews with contributing factors and tracked follow-up actions.' },
      { path: '/runbooks', label: 'Runbooks', icon: 'book', ready: true, description: 'Step-by-step procedures linked to services and alerts, kept next to the pager.' },
    ],
  },
  {
    title: 'Change',
    items: [
      { path: '/changes', label: 'Changes', icon: 'changes', ready: false, description: 'Deploys and configuration changes per service, to correlate with incidents.' },
      { path: '/maintenance', label: 'Maintenance', icon: 'wrench', ready: false, description: 'Planned maintenance windows that silence expected alerts and inform users.' },
    ],
  },
  {
    title: 'Reliability',
    items: [
      { path: '/slos', label: 'SLOs', icon: 'target', ready: false, description: 'Service level objectives, error budgets and burn-rate alerts.' },
      { path: '/checks', label: 'Checks', icon: 'activity', ready: false, description: 'Synthetic HTTP, TCP and heartbeat checks that raise alerts on failure.' },
      { path: '/status', label: 'Status page', icon: 'globe', ready: false, description: 'A public status page driven by incidents and maintenance windows.' },
    ],
  },
  {
    title: 'Plan',
    items: [
      { path: '/risks', label: 'Risks', icon: 'alertTriangle', ready: false, description: 'A register of known operational risks, their owners and mitigations.' },
      { path: '/capacity', label: 'Capacity', icon: 'gauge', ready: false, description: 'Capacity forecasts and headroom per service.' },
      { path: '/kpis', label: 'KPIs', icon: 'trendingUp', ready: false, description: 'Operational KPIs: MTTA, MTTR, page load per engineer, incident counts.' },
      { path: '/readiness', label: 'Readiness', icon: 'clipboardCheck', ready: false, description: 'Production readiness reviews and checklists per service.' },
    ],
  },
  {
    title: 'Catalog',
    items: [
      { path: '/services', label: 'Services', icon: 'layers', ready: true, description: 'Services, owners, tiers and dependencies.' },
      { path: '/teams', label: 'Teams', icon: 'users', ready: true, description: 'Teams and their members.' },
      { path: '/users', label: 'Users', icon: 'user', ready: true, description: 'People who can sign in to Ballast.' },
    ],
  },
  {
    title: 'Settings',
    items: [
      { path: '/settings/tokens', label: 'API tokens', icon: 'key', ready: true, description: 'Personal API tokens for the CLI and automation.' },
      { path: '/settings/audit', label: 'Audit log', icon: 'scroll', ready: true, adminOnly: true, description: 'Every change, who made it, and what it changed.' },
    ],
  },
];

export const NAV_ITEMS: NavItem[] = NAV.flatMap((s) => s.items);

/** The area a path belongs to, for highlighting the sidebar and titling the top bar. */
export function navItemFor(pathname: string): NavItem | undefined {
  return NAV_ITEMS.find((i) => pathname === i.path || pathname.startsWith(`${i.path}/`));
}
