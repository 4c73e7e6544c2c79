// Small statistics and rounding helpers shared by the benchmarks.

/** Nearest-rank percentile of an ascending array (NaN when empty). */
export function pct(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export const r1 = (n: number): number => Math.round(n * 10) / 10;
export const r2 = (n: number): number => Math.round(n * 100) / 100;

/** min / median / max of a sample, rounded to whole milliseconds. */
export function summary(xs: number[]): { min_ms: number; median_ms: number; max_ms: number } {
  const s = [...xs].sort((a, b) => a - b);
  return {
    min_ms: Math.round(s[0] ?? NaN),
    median_ms: Math.round(s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN),
    max_ms: Math.round(s.at(-1) ?? NaN),
  };
}
