/**
 * Latency statistics over a list of samples: min, median, p99, max, mean.
 *
 * @module
 */

/**
 * Summary of latency samples in milliseconds (all `undefined`-free: 0 when empty).
 *
 * @example min/median/p99/max
 * ```ts
 * import type { LatencySummary } from "@wireplay/wireplay/tools";
 * function line(s: LatencySummary): string {
 *   return [s.min, s.median, s.p99, s.max].join("/") + " ms";
 * }
 * ```
 */
export interface LatencySummary {
  /** Fastest. */
  min: number;
  /** Median (nearest rank). */
  median: number;
  /** 99th percentile (nearest rank). */
  p99: number;
  /** Slowest. */
  max: number;
  /** Mean. */
  mean: number;
}

/**
 * The `q` quantile (0..1) of sorted samples, nearest-rank.
 *
 * @example
 * ```ts
 * import { quantile } from "./stats.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(quantile([1, 2, 3, 4], 0.5), 2);
 * assertEquals(quantile([1, 2, 3, 4], 0.99), 4);
 * ```
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Summarises samples (unsorted is fine). */
export function summarize(samples: readonly number[]): LatencySummary {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0;
  return {
    min: s[0] ?? 0,
    median: quantile(s, 0.5),
    p99: quantile(s, 0.99),
    max: s[s.length - 1] ?? 0,
    mean,
  };
}

/** Rounds milliseconds to microseconds for JSON output. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
