/** Latency figures of one set of operations, from their latencies in microseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/** Nearest-rank percentiles over every sample (no histogram buckets: the sets here are small enough to sort). */
export function summarizeLatencies(latenciesUs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(latenciesUs).sort();
  const at = (q: number) => (sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN) / 1000);
  return { count: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), p999Ms: at(0.999), maxMs: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] ?? 0) / 1000 };
}
