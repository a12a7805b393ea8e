/**
 * Checks a finished run (or a merged one) against its thresholds, reading percentiles
 * from the exact histograms: the run's, or one statement's for `p99{LINE}<5ms`.
 *
 * @module
 */
import type { BenchResult } from "./bench.ts";
import { addEncoded, newHistogram } from "./histogram.ts";
import {
  assertScopes,
  checkThresholds,
  scopeIndex,
  type Threshold,
  type ThresholdInput,
  type ThresholdResult,
} from "./threshold.ts";
import type { LatencyFigures } from "./histogram.ts";

/**
 * The thresholds' results for `r` (also stored in `r.thresholds`).
 *
 * @throws {UsageError} naming `--threshold` when a scoped one names no statement of the script.
 */
export function gate(r: BenchResult, thresholds: Threshold[]): ThresholdResult[] {
  const wheres = (r.statements ?? []).map((s) => s.where);
  assertScopes(thresholds, wheres);
  const results = thresholds.map((t) => {
    if (!t.scope) return check(t, r.histogram, r.latency, r.rps, r.requests, r.errors, true);
    const s = r.statements![scopeIndex(t, wheres)]!;
    const secs = r.durationMs / 1000 || 1;
    return check(t, s.histogram, s.latency, s.count / secs, s.count, s.errors, false);
  });
  r.thresholds = results;
  return results;
}

function check(
  t: Threshold,
  histogram: string,
  latency: LatencyFigures,
  rps: number,
  requests: number,
  errorsByKind: Record<string, number>,
  answersAreRequests: boolean,
): ThresholdResult {
  const h = newHistogram();
  try {
    addEncoded(h, histogram);
    const empty = h.totalCount === 0;
    const errors = Object.values(errorsByKind).reduce((a, b) => a + b, 0);
    // an HTTP error status is a completed request too
    const answered = answersAreRequests
      ? Object.entries(errorsByKind).filter(([k]) => k.startsWith("status_"))
        .reduce((a, [, v]) => a + v, 0)
      : 0;
    const input: ThresholdInput = {
      percentile: (p) => empty ? 0 : Math.round(h.getValueAtPercentile(p)) / 1000,
      min: latency.min,
      max: latency.max,
      mean: latency.mean,
      rps,
      requests,
      errors,
      attempts: requests + errors - answered,
    };
    return checkThresholds([t], input)[0]!;
  } finally {
    h.destroy();
  }
}
