// Small dependency-free SVG charts for the measures dashboard.
import { formatDuration } from '../../lib/format';

const W = 380;
const H = 170;
const PAD = { l: 44, r: 18, t: 10, b: 26 };

const label = (iso: string, bucket: 'week' | 'month') =>
  bucket === 'month' ? iso.slice(0, 7) : new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

function xAt(i: number, n: number): number {
  return PAD.l + (n <= 1 ? (W - PAD.l - PAD.r) / 2 : (i * (W - PAD.l - PAD.r)) / (n - 1));
}

function XLabels({ starts, bucket }: { starts: string[]; bucket: 'week' | 'month' }) {
  const every = Math.max(1, Math.ceil(starts.length / 8));
  return (
    <>
      {starts.map((s, i) =>
        i % every === 0 ? (
          <text key={s} x={xAt(i, starts.length)} y={H - 8} textAnchor="middle">
            {label(s, bucket)}
          </text>
        ) : null,
      )}
    </>
  );
}

/** Two series of durations (seconds) over periods; gaps where a period had no data. */
export function TrendChart({ title, starts, bucket, a, b, aLabel, bLabel }: { title: string; starts: string[]; bucket: 'week' | 'month'; a: Array<number | null>; b: Array<number | null>; aLabel: string; bLabel: string }) {
  const max = Math.max(60, ...a.filter((v): v is number => v !== null), ...b.filter((v): v is number => v !== null));
  const y = (v: number) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / max);
  const path = (vals: Array<number | null>) =>
    vals.map((v, i) => (v === null ? '' : `${i === 0 || vals[i - 1] === null ? 'M' : 'L'}${xAt(i, vals.length).toFixed(1)},${y(v).toFixed(1)}`)).join(' ');
  const dots = (vals: Array<number | null>, cls: string) =>
    vals.map((v, i) => (v === null ? null : <circle key={i} cx={xAt(i, vals.length)} cy={y(v)} r={2.5} className={cls} style={{ fill: 'currentColor' }} />));
  return (
    <figure className="pm-chart" aria-label={title}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        <line className="axis" x1={PAD.l} x2={W - PAD.r} y1={H - PAD.b} y2={H - PAD.b} />
        <text x={PAD.l - 4} y={PAD.t + 8} textAnchor="end">
          {formatDuration(max)}
        </text>
        <text x={PAD.l - 4} y={H - PAD.b} textAnchor="end">
          0
        </text>
        <path className="line-a" d={path(a)} />
        <path className="line-b" d={path(b)} />
        <g style={{ color: '#2563eb' }}>{dots(a, 'dot-a')}</g>
        <g style={{ color: '#dc2626' }}>{dots(b, 'dot-b')}</g>
        <XLabels starts={starts} bucket={bucket} />
      </svg>
      <figcaption className="pm-legend">
        <span>
          <i style={{ background: '#2563eb' }} />
          {aLabel}
        </span>
        <span>
          <i style={{ background: '#dc2626' }} />
          {bLabel}
        </span>
      </figcaption>
    </figure>
  );
}

/** Grouped bars: one or two counts (or ratios 0–1 when `percent`) per period. */
export function BarChart({ title, starts, bucket, a, b, aLabel, bLabel, percent }: { title: string; starts: string[]; bucket: 'week' | 'month'; a: Array<number | null>; b?: Array<number | null>; aLabel: string; bLabel?: string; percent?: boolean }) {
  const all = [...a, ...(b ?? [])].filter((v): v is number => v !== null);
  const max = percent ? 1 : Math.max(1, ...all);
  const slot = (W - PAD.l - PAD.r) / Math.max(1, starts.length);
  const bw = Math.max(2, (slot * 0.7) / (b ? 2 : 1));
  const h = (v: number) => ((H - PAD.t - PAD.b) * v) / max;
  const xCenter = (i: number) => PAD.l + slot * i + slot / 2;
  return (
    <figure className="pm-chart" aria-label={title}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        <line className="axis" x1={PAD.l} x2={W - PAD.r} y1={H - PAD.b} y2={H - PAD.b} />
        <text x={PAD.l - 4} y={PAD.t + 8} textAnchor="end">
          {percent ? '100%' : max}
        </text>
        {a.map((v, i) =>
          v === null ? null : (
            <rect key={`a${i}`} className="bar" x={xCenter(i) - (b ? bw : bw / 2)} y={H - PAD.b - h(v)} width={bw} height={h(v)}>
              <title>{`${label(starts[i]!, bucket)}: ${percent ? `${Math.round(v * 100)}%` : v}`}</title>
            </rect>
          ),
        )}
        {b?.map((v, i) =>
          v === null ? null : (
            <rect key={`b${i}`} className="bar-alt" x={xCenter(i)} y={H - PAD.b - h(v)} width={bw} height={h(v)}>
              <title>{`${label(starts[i]!, bucket)}: ${percent ? `${Math.round(v * 100)}%` : v}`}</title>
            </rect>
          ),
        )}
        {starts.map((s, i) =>
          i % Math.max(1, Math.ceil(starts.length / 8)) === 0 ? (
            <text key={s} x={xCenter(i)} y={H - 8} textAnchor="middle">
              {label(s, bucket)}
            </text>
          ) : null,
        )}
      </svg>
      <figcaption className="pm-legend">
        <span>
          <i style={{ background: '#3b82f6' }} />
          {aLabel}
        </span>
        {bLabel && (
          <span>
            <i style={{ background: '#f59e0b' }} />
            {bLabel}
          </span>
        )}
      </figcaption>
    </figure>
  );
}

/** Horizontal CSS bars, e.g. incidents by severity. */
export function HBars({ rows }: { rows: Array<{ key: string; value: number }> }) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return (
    <div>
      {rows.map((r) => (
        <div key={r.key} className="pm-hbar">
          <span className="mono">{r.key}</span>
          <span className="pm-hbar-track">
            <span className={`pm-hbar-fill ${r.key.toLowerCase()}`} style={{ width: `${(r.value / max) * 100}%`, display: 'block' }} />
          </span>
          <span>{r.value}</span>
        </div>
      ))}
    </div>
  );
}
