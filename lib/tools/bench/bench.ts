/**
 * `runBench`: a load generator for TCP (request/response or stream), UDP and HTTP(S)
 * targets, optionally spread over worker isolates, with HdrHistogram latency percentiles.
 *
 * @module
 */
import { formatHostPort } from "../../address/address.ts";
import type { BenchSpec, PartialResult } from "./spec.ts";
import type { LatencyFigures } from "./histogram.ts";
// run_local.ts and histogram.ts (hdr-histogram-js behind them, ~80 ms of CPU to load) are
// imported when a benchmark runs, so importing the tools or mod.ts does not pay for them.
type HistogramModule = typeof import("./histogram.ts");

/**
 * Options of {@linkcode runBench}: the spec with defaults, and workers.
 *
 * @example An HTTP benchmark at a fixed rate
 * ```ts
 * import type { BenchOptions } from "@wireplay/wireplay/tools";
 * const options: BenchOptions = { scheme: "http", host: "127.0.0.1", port: 8080, url: "http://127.0.0.1:8080/", conns: 8, rate: 1000, durationMs: 5000 };
 * // await runBench(options)
 * ```
 */
export type BenchOptions = Partial<BenchSpec> & Pick<BenchSpec, "scheme" | "host" | "port"> & {
  /** Worker isolates to spread the connections over; 0 or 1 = run here (default). */
  workers?: number;
  /** Called about every 250 ms with measured requests and bytes so far. */
  onProgress?: (requests: number, bytes: number, elapsedMs: number) => void;
  signal?: AbortSignal;
};

/**
 * The result of a benchmark.
 *
 * @example Requests per second and p99
 * ```ts
 * import type { BenchResult } from "@wireplay/wireplay/tools";
 * function line(r: BenchResult): string {
 *   return `${r.target}: ${Math.round(r.rps)} req/s, p99 ${r.latency.p99} ms`;
 * }
 * ```
 */
export interface BenchResult {
  /** The target, as a URL or scheme://host:port. */
  target: string;
  /** `rr` request/response or `stream` one-way. */
  mode: "rr" | "stream";
  /** Connections (UDP: sockets). */
  conns: number;
  /** Isolates the connections ran in. */
  workers: number;
  /** Requested arrival rate (req/s), when constant-rate. */
  rate?: number;
  /** The measured time (ms). */
  durationMs: number;
  /** Requests completed in the measured time. */
  requests: number;
  /** Requests per second over the measured window. */
  rps: number;
  /** Bytes sent in the measured time. */
  bytesSent: number;
  /** Bytes received in the measured time. */
  bytesReceived: number;
  /** Bytes per second, both directions together. */
  throughput: number;
  /** Latency in milliseconds (constant-rate: from the intended send time). */
  /** Latency in milliseconds (constant-rate: from the intended send time). */
  latency: LatencyFigures;
  /** [percentile, ms] points for plotting. */
  curve: [number, number][];
  /** Failures by kind (`refused`, `timeout`, `status_5xx`…). */
  errors: Record<string, number>;
  /** The first message seen for each error kind. */
  errorSamples: Record<string, string>;
  /** HTTP responses by status code. */
  statuses: Record<string, number>;
}

/** Fills in defaults. */
export function benchSpec(o: BenchOptions): BenchSpec {
  const mode = o.mode ?? "rr";
  return {
    scheme: o.scheme,
    host: o.host,
    port: o.port,
    url: o.url,
    mode,
    size: o.size ?? (mode === "stream" ? 128 * 1024 : 64),
    replySize: o.replySize,
    conns: Math.max(1, o.conns ?? 16),
    durationMs: o.durationMs ?? 10_000,
    warmupMs: o.warmupMs ?? 1000,
    rate: o.rate || undefined,
    timeoutMs: o.timeoutMs ?? 10_000,
    method: o.method,
    headers: o.headers,
    body: o.body,
    caCerts: o.caCerts,
  };
}

/**
 * Runs a benchmark.
 *
 * @example A short run against an echo server
 * ```ts
 * import { runBench } from "@wireplay/wireplay/tools";
 * import { serve } from "@wireplay/wireplay";
 * import { assert } from "@std/assert";
 * await using echo = await serve("echo", "tcp://127.0.0.1:0");
 * const r = await runBench({
 *   scheme: "tcp",
 *   host: "127.0.0.1",
 *   port: echo.port,
 *   conns: 1,
 *   durationMs: 200,
 *   warmupMs: 0,
 * });
 * assert(r.requests > 0);
 * ```
 */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const spec = benchSpec(options);
  const workers = Math.max(1, Math.min(options.workers ?? 1, spec.conns, 32));
  const started = performance.now();
  const tick = (requests: number, bytes: number) =>
    options.onProgress?.(requests, bytes, performance.now() - started - spec.warmupMs);
  let parts: PartialResult[];
  if (workers === 1) {
    const { runLocal } = await import("./run_local.ts");
    parts = [await runLocal(spec, options.signal, tick)];
  } else {
    const counts = new Array<number>(workers).fill(0);
    const bytes = new Array<number>(workers).fill(0);
    parts = await Promise.all(Array.from({ length: workers }, (_, k) => {
      const share: BenchSpec = {
        ...spec,
        conns: Math.floor(spec.conns / workers) + (k < spec.conns % workers ? 1 : 0),
        rate: spec.rate
          ? (spec.rate * (Math.floor(spec.conns / workers) + (k < spec.conns % workers ? 1 : 0))) /
            spec.conns
          : undefined,
      };
      return runWorker(share, options.signal, (r, b) => {
        counts[k] = r;
        bytes[k] = b;
        tick(counts.reduce((a, c) => a + c, 0), bytes.reduce((a, c) => a + c, 0));
      });
    }));
  }
  return merge(spec, workers, parts, await import("./histogram.ts"));
}

function runWorker(
  spec: BenchSpec,
  signal: AbortSignal | undefined,
  onTick: (requests: number, bytes: number) => void,
): Promise<PartialResult> {
  const worker = new Worker(new URL("./_worker.ts", import.meta.url).href, { type: "module" });
  return new Promise((resolve, reject) => {
    const stop = () => worker.postMessage({ kind: "stop" });
    signal?.addEventListener("abort", stop, { once: true });
    const finish = () => {
      signal?.removeEventListener("abort", stop);
      worker.terminate();
    };
    worker.onmessage = (e) => {
      if (e.data.kind === "tick") onTick(e.data.requests, e.data.bytes);
      else {
        finish();
        resolve(e.data.result);
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      finish();
      reject(new Error(`Bench worker failed: ${e.message}`));
    };
    worker.postMessage({ kind: "run", spec });
  });
}

function merge(
  spec: BenchSpec,
  workers: number,
  parts: PartialResult[],
  { addEncoded, latencyFigures, newHistogram, percentileCurve }: HistogramModule,
): BenchResult {
  const h = newHistogram();
  const errors: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const errorSamples: Record<string, string> = {};
  let requests = 0, bytesSent = 0, bytesReceived = 0, elapsed = 0;
  for (const p of parts) {
    addEncoded(h, p.histogram);
    requests += p.requests;
    bytesSent += p.bytesSent;
    bytesReceived += p.bytesReceived;
    elapsed = Math.max(elapsed, p.elapsedMs);
    for (const [k, v] of Object.entries(p.errors)) errors[k] = (errors[k] ?? 0) + v;
    for (const [k, v] of Object.entries(p.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
    for (const [k, v] of Object.entries(p.errorSamples)) errorSamples[k] ??= v;
  }
  const secs = elapsed / 1000 || 1;
  const result: BenchResult = {
    target: spec.url ??
      `${spec.scheme}://${formatHostPort(spec.host, spec.port)}`,
    mode: spec.mode,
    conns: spec.conns,
    workers,
    ...(spec.rate ? { rate: spec.rate } : {}),
    durationMs: Math.round(elapsed),
    requests,
    rps: Math.round((requests / secs) * 10) / 10,
    bytesSent,
    bytesReceived,
    throughput: Math.round((bytesSent + bytesReceived) / secs),
    latency: latencyFigures(h),
    curve: percentileCurve(h),
    errors,
    errorSamples,
    statuses,
  };
  h.destroy();
  return result;
}
