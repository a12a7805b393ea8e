/**
 * `runBench`: a load generator for TCP (request/response or stream), UDP and HTTP(S)
 * targets and `.wire` scripts, closed or open model (stages ramp either), optionally spread
 * over worker isolates, with HdrHistogram latency percentiles.
 *
 * @module
 */
import { formatHostPort } from "../../address/address.ts";
import type { BenchSpec, PartialResult, StatementPartial } from "./spec.ts";
import type { LatencyFigures } from "./histogram.ts";
import { type LiveSnapshot, sumSnapshots } from "./live.ts";
import { scaleStages, type Stage, stagesDuration } from "./stages.ts";
import type { ThresholdResult } from "./threshold.ts";
// run_local.ts and merge.ts (hdr-histogram-js behind them, ~80 ms of CPU to load) are
// imported when a benchmark runs, so importing the tools or mod.ts does not pay for them.

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
  /** Called about every 250 ms with the counts and live latency buckets so far. */
  onLive?: (live: LiveSnapshot, elapsedMs: number) => void;
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
  /**
   * The latency histogram itself (µs), in HdrHistogram's standard compressed base64
   * encoding: `bench merge` adds these up for exact combined percentiles.
   */
  histogram: string;
  /** `bench script`: per statement, in script order. */
  statements?: StatementResult[];
  /** The stages the load followed. */
  stages?: Stage[];
  /** The thresholds checked, when any were given. */
  thresholds?: ThresholdResult[];
  /** `bench merge`: how many results this one combines. */
  merged?: number;
}

/**
 * One statement of a `bench script` run.
 *
 * @example The slowest statement
 * ```ts
 * import type { StatementResult } from "@wireplay/wireplay/tools";
 * function slowest(s: StatementResult[]): string {
 *   return [...s].sort((a, b) => b.latency.p99 - a.latency.p99)[0]?.where ?? "";
 * }
 * ```
 */
export interface StatementResult extends StatementPartial {
  /** Its latency in milliseconds. */
  latency: LatencyFigures;
}

/** Fills in defaults. */
export function benchSpec(o: BenchOptions): BenchSpec {
  const mode = o.mode ?? "rr";
  const stages = o.stages?.length ? o.stages : undefined;
  return {
    scheme: o.scheme,
    host: o.host,
    port: o.port,
    url: o.url,
    mode,
    size: o.size ?? (mode === "stream" ? 128 * 1024 : 64),
    replySize: o.replySize,
    conns: Math.max(1, o.conns ?? 16),
    durationMs: stages ? stagesDuration(stages) : o.durationMs ?? 10_000,
    warmupMs: stages ? 0 : o.warmupMs ?? 1000,
    rate: o.rate || undefined,
    timeoutMs: o.timeoutMs ?? 10_000,
    method: o.method,
    headers: o.headers,
    body: o.body,
    caCerts: o.caCerts,
    stages,
    script: o.script,
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
  const closedRamp = spec.stages && !spec.rate;
  const workers = Math.max(
    1,
    Math.min(options.workers ?? 1, closedRamp ? options.workers ?? 1 : spec.conns, 32),
  );
  const started = performance.now();
  const ticks: LiveSnapshot[] = [];
  const tick = (k: number, live: LiveSnapshot) => {
    ticks[k] = live;
    const all = sumSnapshots(ticks.filter((t) => t));
    const elapsed = performance.now() - started - spec.warmupMs;
    options.onProgress?.(all.requests, all.bytes, elapsed);
    options.onLive?.(all, elapsed);
  };
  let parts: PartialResult[];
  if (workers === 1) {
    const { runLocal } = await import("./run_local.ts");
    parts = [await runLocal(spec, options.signal, (live) => tick(0, live))];
  } else {
    parts = await Promise.all(Array.from({ length: workers }, (_, k) => {
      const conns = Math.floor(spec.conns / workers) + (k < spec.conns % workers ? 1 : 0);
      const share = conns / spec.conns;
      const part: BenchSpec = {
        ...spec,
        conns,
        rate: spec.rate ? spec.rate * share : undefined,
        // open model: each isolate takes its share of the rates; closed: every workers-th connection
        stages: spec.stages && spec.rate ? scaleStages(spec.stages, share) : spec.stages,
        shard: closedRamp ? { index: k, of: workers } : undefined,
      };
      return runWorker(part, options.signal, (live) => tick(k, live));
    }));
  }
  const { combine } = await import("./merge.ts");
  return {
    target: spec.script?.file ?? spec.url ??
      `${spec.scheme}://${formatHostPort(spec.host, spec.port)}`,
    mode: spec.mode,
    conns: closedRamp ? Math.ceil(Math.max(...spec.stages!.map((s) => s.target))) : spec.conns,
    workers,
    ...(spec.rate ? { rate: spec.rate } : {}),
    ...(spec.stages ? { stages: spec.stages } : {}),
    ...combine(parts),
  };
}

function runWorker(
  spec: BenchSpec,
  signal: AbortSignal | undefined,
  onTick: (live: LiveSnapshot) => void,
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
      if (e.data.kind === "tick") onTick(e.data.live);
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
