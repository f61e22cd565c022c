/** Median of the values; 0 for none. The benchmarks report medians, never single runs. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * The `p`-th percentile (0–100) by nearest rank: a value that was actually observed, so a p99
 * of 100 samples is the 99th smallest, not an interpolation.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

/**
 * Median of the per-round ratios a[i] / b[i]. The variants of one round ran back to back, so a
 * busy neighbour slows them alike, which a ratio of medians would not cancel.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((value, i) => value / (b[i] ?? Number.NaN)).filter(Number.isFinite));
}

/** Rounds to `digits` decimals for the table and results.json. */
export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
