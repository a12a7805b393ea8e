/**
 * Checks a finished run (or a merged one) against its thresholds, reading percentiles
 * from the exact histogram.
 *
 * @module
 */
import type { BenchResult } from "./bench.ts";
import { addEncoded, newHistogram } from "./histogram.ts";
import { checkThresholds, type Threshold, type ThresholdResult } from "./threshold.ts";

/** The thresholds' results for `r` (also stored in `r.thresholds`). */
export function gate(r: BenchResult, thresholds: Threshold[]): ThresholdResult[] {
  const h = newHistogram();
  try {
    addEncoded(h, r.histogram);
    const empty = h.totalCount === 0;
    const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
    // an HTTP error status is a completed request too
    const answered = Object.entries(r.errors).filter(([k]) => k.startsWith("status_"))
      .reduce((a, [, v]) => a + v, 0);
    const results = checkThresholds(thresholds, {
      percentile: (p) => empty ? 0 : Math.round(h.getValueAtPercentile(p)) / 1000,
      min: r.latency.min,
      max: r.latency.max,
      mean: r.latency.mean,
      rps: r.rps,
      requests: r.requests,
      errors,
      attempts: r.requests + errors - answered,
    });
    r.thresholds = results;
    return results;
  } finally {
    h.destroy();
  }
}
