/**
 * Latency histograms (HdrHistogram, microseconds) and what the report reads from them.
 *
 * @module
 */
import * as hdr from "hdr-histogram-js";

/** A latency histogram in microseconds, 1 µs to 1 hour, 3 significant digits. */
export type Histogram = hdr.Histogram;

/** A new latency histogram. */
export function newHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

/** Encodes for sending between isolates. */
export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Adds encoded histograms into `into`. */
export function addEncoded(into: Histogram, encoded: string): void {
  const h = hdr.decodeFromCompressedBase64(encoded);
  into.add(h);
  h.destroy();
}

/**
 * Latency figures in milliseconds.
 *
 * @example The tail
 * ```ts
 * import type { LatencyFigures } from "@wireplay/wireplay/tools";
 * function tail(l: LatencyFigures): string {
 *   return `p99 ${l.p99} ms, p99.9 ${l.p999} ms, max ${l.max} ms`;
 * }
 * ```
 */
export interface LatencyFigures {
  /** Fastest. */
  min: number;
  /** Mean. */
  mean: number;
  /** Standard deviation. */
  stdev: number;
  /** Median. */
  p50: number;
  /** 75th percentile. */
  p75: number;
  /** 90th percentile. */
  p90: number;
  /** 99th percentile. */
  p99: number;
  /** 99.9th percentile. */
  p999: number;
  /** Slowest. */
  max: number;
}

const r3 = (us: number) => Math.round(us) / 1000;

/** Reads the usual percentiles (ms) from a histogram. */
export function latencyFigures(h: Histogram): LatencyFigures {
  if (h.totalCount === 0) {
    return { min: 0, mean: 0, stdev: 0, p50: 0, p75: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  }
  return {
    min: r3(h.minNonZeroValue),
    mean: r3(h.mean),
    stdev: r3(h.stdDeviation),
    p50: r3(h.getValueAtPercentile(50)),
    p75: r3(h.getValueAtPercentile(75)),
    p90: r3(h.getValueAtPercentile(90)),
    p99: r3(h.getValueAtPercentile(99)),
    p999: r3(h.getValueAtPercentile(99.9)),
    max: r3(h.maxValue),
  };
}

/** The percentile curve (percentile, ms) at log-spaced points, for plotting. */
export function percentileCurve(h: Histogram): [number, number][] {
  const out: [number, number][] = [];
  if (h.totalCount === 0) return out;
  for (let k = 0; k <= 50; k++) {
    // 0%, then 1 - 10^(-x) for x in (0, 5]: 90%, 99%, 99.9%…
    const p = k === 0 ? 0 : 100 * (1 - Math.pow(10, -k / 10));
    out.push([p, r3(h.getValueAtPercentile(Math.min(p, 100)))]);
  }
  out.push([100, r3(h.maxValue)]);
  return out;
}
