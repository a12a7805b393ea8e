/**
 * What a running benchmark reports while it runs: counts so far and a coarse latency
 * histogram (4 buckets per power of two of microseconds, within 19%) cheap enough to keep
 * for every request and small enough to post between isolates. The exact HdrHistogram
 * is only read at the end.
 *
 * @module
 */

/** Buckets in a live histogram. */
export const LIVE_BUCKETS = 128;

/** The live bucket of a latency in µs. */
export function liveBucket(us: number): number {
  if (us < 4) return Math.max(0, us | 0);
  const e = 31 - Math.clz32(us);
  return Math.min(LIVE_BUCKETS - 1, e * 4 + ((us >>> (e - 2)) & 3));
}

/** The lowest latency (µs) bucket `i` holds. */
export function bucketLow(i: number): number {
  if (i < 8) return Math.min(i, 4);
  const e = i >> 2;
  return (4 + (i & 3)) * 2 ** (e - 2);
}

/** The counts so far, as one isolate (or all of them, summed) reports them. */
export interface LiveSnapshot {
  /** Measured requests (script: iterations). */
  requests: number;
  /** Bytes both ways. */
  bytes: number;
  /** Failed requests. */
  errors: number;
  /** Latency counts per live bucket, cumulative. */
  buckets: number[];
}

/** A snapshot with nothing counted yet. */
export function emptySnapshot(): LiveSnapshot {
  return { requests: 0, bytes: 0, errors: 0, buckets: new Array(LIVE_BUCKETS).fill(0) };
}

/** Sums snapshots (one per isolate). */
export function sumSnapshots(parts: LiveSnapshot[]): LiveSnapshot {
  const out = emptySnapshot();
  for (const p of parts) {
    out.requests += p.requests;
    out.bytes += p.bytes;
    out.errors += p.errors;
    for (let i = 0; i < LIVE_BUCKETS; i++) out.buckets[i]! += p.buckets[i] ?? 0;
  }
  return out;
}

/** `later - earlier`, for what happened in between. */
export function diffSnapshots(later: LiveSnapshot, earlier: LiveSnapshot): LiveSnapshot {
  return {
    requests: later.requests - earlier.requests,
    bytes: later.bytes - earlier.bytes,
    errors: later.errors - earlier.errors,
    buckets: later.buckets.map((c, i) => c - (earlier.buckets[i] ?? 0)),
  };
}

/** The latency (ms) at percentile `p` of live buckets: the upper edge of its bucket. */
export function bucketPercentile(buckets: number[], p: number): number {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i]!;
    if (seen >= rank) return bucketLow(i + 1) / 1000;
  }
  return bucketLow(buckets.length) / 1000;
}
