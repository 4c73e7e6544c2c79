import { overdueAt } from './calendar.js';

/**
 * Incident measures as a pure function of plain rows, so the HTTP service and the property test share
 * it. Periods are UTC weeks (Monday 00:00) or calendar months. Incidents (and their postmortems) count
 * in the period they were declared in; action items in the period they were created in.
 */
export type Bucket = 'week' | 'month';

export interface MeasureIncident {
  id: string;
  severity: string;
  declared_at: string;
  acknowledged_at: string | null;
  mitigated_at: string | null;
  resolved_at: string | null;
  ack_breached: boolean;
  mitigate_breached: boolean;
}
export interface MeasurePostmortem {
  incident_id: string;
  required: boolean;
  due_at: string | null;
  published_at: string | null;
}
export interface MeasureActionItem {
  created_at: string;
  status: string;
  due_date: string | null;
}

export interface Duration {
  count: number;
  mean_seconds: number | null;
  median_seconds: number | null;
}
export interface Stats {
  incidents: number;
  by_severity: Record<string, number>;
  mtta: Duration;
  mttm: Duration;
  mttr: Duration;
  breaches: { acknowledge: number; mitigate: number; incidents: number };
  postmortems: { required: number; on_time: number; late: number; pending: number; on_time_rate: number | null };
  action_items: { created: number; done: number; closure_rate: number | null; overdue: number };
}
export interface PeriodStats extends Stats {
  start: string;
  end: string;
}
export interface MeasuresInput {
  from: Date;
  to: Date;
  bucket: Bucket;
  now: Date;
  severities: string[];
  incidents: MeasureIncident[];
  postmortems: MeasurePostmortem[];
  actionItems: MeasureActionItem[];
}

export function bucketStart(t: Date, bucket: Bucket): Date {
  const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), bucket === 'month' ? 1 : t.getUTCDate()));
  if (bucket === 'week') d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d;
}

export function nextBucket(t: Date, bucket: Bucket): Date {
  const d = new Date(t);
  if (bucket === 'month') d.setUTCMonth(d.getUTCMonth() + 1);
  else d.setUTCDate(d.getUTCDate() + 7);
  return d;
}

/** Period starts covering [from, to). */
export function bucketsOf(from: Date, to: Date, bucket: Bucket): Date[] {
  const out: Date[] = [];
  for (let b = bucketStart(from, bucket); b < to; b = nextBucket(b, bucket)) out.push(b);
  return out;
}

export function duration(seconds: number[]): Duration {
  if (!seconds.length) return { count: 0, mean_seconds: null, median_seconds: null };
  const s = [...seconds].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return {
    count: s.length,
    mean_seconds: s.reduce((a, b) => a + b, 0) / s.length,
    median_seconds: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2,
  };
}

const secondsBetween = (a: string, b: string | null) => (b === null ? null : Math.max(0, (Date.parse(b) - Date.parse(a)) / 1000));
const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

class Acc {
  incidents = 0;
  bySeverity: Record<string, number>;
  tta: number[] = [];
  ttm: number[] = [];
  ttr: number[] = [];
  ackBreaches = 0;
  mitigateBreaches = 0;
  breachedIncidents = 0;
  pmRequired = 0;
  pmOnTime = 0;
  pmLate = 0;
  pmPending = 0;
  aiCreated = 0;
  aiDone = 0;
  aiOverdue = 0;
  constructor(severities: string[]) {
    this.bySeverity = Object.fromEntries(severities.map((s) => [s, 0]));
  }
  stats(): Stats {
    return {
      incidents: this.incidents,
      by_severity: this.bySeverity,
      mtta: duration(this.tta),
      mttm: duration(this.ttm),
      mttr: duration(this.ttr),
      breaches: { acknowledge: this.ackBreaches, mitigate: this.mitigateBreaches, incidents: this.breachedIncidents },
      postmortems: { required: this.pmRequired, on_time: this.pmOnTime, late: this.pmLate, pending: this.pmPending, on_time_rate: ratio(this.pmOnTime, this.pmRequired) },
      action_items: { created: this.aiCreated, done: this.aiDone, closure_rate: ratio(this.aiDone, this.aiCreated), overdue: this.aiOverdue },
    };
  }
}

export function computeMeasures(x: MeasuresInput): { periods: PeriodStats[]; overall: Stats } {
  const starts = bucketsOf(x.from, x.to, x.bucket);
  const accs = new Map(starts.map((s) => [s.getTime(), new Acc(x.severities)]));
  const overall = new Acc(x.severities);
  const inRange = (t: string) => {
    const ms = Date.parse(t);
    return ms >= x.from.getTime() && ms < x.to.getTime();
  };
  const accsFor = (t: string) => [overall, accs.get(bucketStart(new Date(t), x.bucket).getTime())!];
  const pmByIncident = new Map(x.postmortems.map((p) => [p.incident_id, p]));
  const now = x.now.toISOString();

  for (const i of x.incidents) {
    if (!inRange(i.declared_at)) continue;
    const tta = secondsBetween(i.declared_at, i.acknowledged_at);
    const ttm = secondsBetween(i.declared_at, i.mitigated_at);
    const ttr = secondsBetween(i.declared_at, i.resolved_at);
    const pm = pmByIncident.get(i.id);
    for (const a of accsFor(i.declared_at)) {
      a.incidents++;
      a.bySeverity[i.severity] = (a.bySeverity[i.severity] ?? 0) + 1;
      if (tta !== null) a.tta.push(tta);
      if (ttm !== null) a.ttm.push(ttm);
      if (ttr !== null) a.ttr.push(ttr);
      if (i.ack_breached) a.ackBreaches++;
      if (i.mitigate_breached) a.mitigateBreaches++;
      if (i.ack_breached || i.mitigate_breached) a.breachedIncidents++;
      if (pm?.required) {
        a.pmRequired++;
        if (pm.published_at && pm.due_at && pm.published_at <= pm.due_at) a.pmOnTime++;
        else if (pm.due_at && ((pm.published_at && pm.published_at > pm.due_at) || (!pm.published_at && pm.due_at <= now))) a.pmLate++;
        else if (!pm.published_at) a.pmPending++;
        // Published without a due time (incident reopened meanwhile) counts as on time.
        else a.pmOnTime++;
      }
    }
  }
  for (const item of x.actionItems) {
    if (!inRange(item.created_at)) continue;
    const overdue = (item.status === 'open' || item.status === 'in_progress') && !!item.due_date && overdueAt(item.due_date) <= x.now;
    for (const a of accsFor(item.created_at)) {
      a.aiCreated++;
      if (item.status === 'done') a.aiDone++;
      if (overdue) a.aiOverdue++;
    }
  }
  return {
    periods: starts.map((s) => ({ start: s.toISOString(), end: nextBucket(s, x.bucket).toISOString(), ...accs.get(s.getTime())!.stats() })),
    overall: overall.stats(),
  };
}
