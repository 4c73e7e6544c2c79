import { useSearchParams } from 'react-router-dom';
import { api } from '../../api';
import { Card, LoadError, Loading, PageHeader } from '../../components/ui';
import { formatDuration } from '../../lib/format';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { pmApi, type Duration } from './api';
import { BarChart, HBars, TrendChart } from './charts';
import '../../styles/postmortems.css';

const RANGES: Record<string, { label: string; days: number; bucket: 'week' | 'month' }> = {
  '4w': { label: 'Last 4 weeks', days: 28, bucket: 'week' },
  '12w': { label: 'Last 12 weeks', days: 84, bucket: 'week' },
  '6m': { label: 'Last 6 months', days: 183, bucket: 'month' },
  '12m': { label: 'Last 12 months', days: 365, bucket: 'month' },
};

const pct = (r: number | null) => (r === null ? '—' : `${Math.round(r * 100)}%`);
const both = (d: Duration) => (d.count ? `${formatDuration(d.mean_seconds)} / ${formatDuration(d.median_seconds)}` : '—');

function Kpi({ label, value, hint }: { label: string; value: string | number; hint?: string }) {
  return (
    <div className="pm-kpi" title={hint}>
      <div className="pm-kpi-value">{value}</div>
      <div className="pm-kpi-label">{label}</div>
    </div>
  );
}

/** MTTA/MTTM/MTTR, severities, breaches and follow-up discipline per period, per service or team. */
export function IncidentMetricsPage() {
  useTitle('Incident measures');
  const [params, setParams] = useSearchParams();
  const rangeKey = RANGES[params.get('range') ?? ''] ? params.get('range')! : '12w';
  const range = RANGES[rangeKey]!;
  const bucket = (params.get('bucket') as 'week' | 'month' | null) ?? range.bucket;
  const service = params.get('service') ?? '';
  const team = params.get('team') ?? '';
  const set = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next, { replace: true });
  };
  const services = useQuery(() => api.services.list({ limit: 500 }), []);
  const teams = useQuery(() => api.teams.list({ limit: 500 }), []);
  const q = useQuery(
    (signal) => {
      const to = new Date();
      const from = new Date(to.getTime() - range.days * 86_400_000);
      return pmApi.metrics({ from: from.toISOString(), to: to.toISOString(), bucket, service, team }, signal);
    },
    [rangeKey, bucket, service, team],
  );
  const m = q.data;
  const starts = m?.periods.map((p) => p.start) ?? [];
  return (
    <>
      <PageHeader title="Incident measures" subtitle="Mean / median times from declaration, response-target breaches and follow-up discipline. Periods are UTC weeks (from Monday) or months." />
      <div className="toolbar">
        <select className="input select" aria-label="Range" value={rangeKey} onChange={(e) => set('range', e.target.value)}>
          {Object.entries(RANGES).map(([k, r]) => (
            <option key={k} value={k}>
              {r.label}
            </option>
          ))}
        </select>
        <select className="input select" aria-label="Period" value={bucket} onChange={(e) => set('bucket', e.target.value)}>
          <option value="week">Weekly</option>
          <option value="month">Monthly</option>
        </select>
        <select className="input select" aria-label="Service" value={service} onChange={(e) => set('service', e.target.value)}>
          <option value="">All services</option>
          {services.data?.data.map((s) => (
            <option key={s.id} value={s.slug}>
              {s.name}
            </option>
          ))}
        </select>
        <select className="input select" aria-label="Team" value={team} onChange={(e) => set('team', e.target.value)}>
          <option value="">All teams</option>
          {teams.data?.data.map((t) => (
            <option key={t.id} value={t.slug}>
              {t.name}
            </option>
          ))}
        </select>
      </div>
      {q.error ? (
        <LoadError error={q.error} onRetry={q.reload} what="measures" />
      ) : !m ? (
        <Loading />
      ) : (
        <>
          <div className="pm-kpis" data-testid="metrics-kpis">
            <Kpi label="Incidents" value={m.overall.incidents} />
            <Kpi label="MTTA (mean / median)" value={both(m.overall.mtta)} hint="Declared → acknowledged" />
            <Kpi label="MTTM (mean / median)" value={both(m.overall.mttm)} hint="Declared → mitigated" />
            <Kpi label="MTTR (mean / median)" value={both(m.overall.mttr)} hint="Declared → resolved" />
            <Kpi label="Response-target breaches" value={m.overall.breaches.incidents} hint={`${m.overall.breaches.acknowledge} acknowledge, ${m.overall.breaches.mitigate} mitigate`} />
            <Kpi label="Postmortems on time" value={pct(m.overall.postmortems.on_time_rate)} hint={`${m.overall.postmortems.on_time} of ${m.overall.postmortems.required} required; ${m.overall.postmortems.late} late`} />
            <Kpi label="Action items closed" value={pct(m.overall.action_items.closure_rate)} hint={`${m.overall.action_items.done} of ${m.overall.action_items.created} created`} />
            <Kpi label="Action items overdue" value={m.overall.action_items.overdue} />
          </div>
          <div className="pm-charts">
            <Card title="MTTA and MTTR trend (mean)">
              <TrendChart title="MTTA and MTTR per period" starts={starts} bucket={m.bucket} a={m.periods.map((p) => p.mtta.mean_seconds)} b={m.periods.map((p) => p.mttr.mean_seconds)} aLabel="MTTA" bLabel="MTTR" />
            </Card>
            <Card title="Incidents by severity">
              <HBars rows={Object.entries(m.overall.by_severity).map(([key, value]) => ({ key, value }))} />
              <BarChart title="Incidents per period" starts={starts} bucket={m.bucket} a={m.periods.map((p) => p.incidents)} aLabel="Incidents" />
            </Card>
            <Card title="Response-target breaches">
              <BarChart title="Breaches per period" starts={starts} bucket={m.bucket} a={m.periods.map((p) => p.breaches.acknowledge)} b={m.periods.map((p) => p.breaches.mitigate)} aLabel="Acknowledge" bLabel="Mitigate" />
            </Card>
            <Card title="Completion rates">
              <BarChart
                title="Postmortems on time and action items closed per period"
                starts={starts}
                bucket={m.bucket}
                percent
                a={m.periods.map((p) => p.postmortems.on_time_rate)}
                b={m.periods.map((p) => p.action_items.closure_rate)}
                aLabel="Postmortems on time"
                bLabel="Action items closed"
              />
            </Card>
          </div>
        </>
      )}
    </>
  );
}
