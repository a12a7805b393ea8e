/**
 * What a benchmark run is, as plain data (it crosses to worker isolates).
 *
 * @module
 */
import type { Stage } from "./stages.ts";

/**
 * The benchmark's target and load (every field of {@linkcode BenchOptions}).
 *
 * @example Which fields a run was given
 * ```ts
 * import type { BenchSpec } from "@wireplay/wireplay/tools";
 * function describe(s: Pick<BenchSpec, "conns" | "durationMs" | "mode">): string {
 *   return `${s.conns} connections, ${s.durationMs} ms, ${s.mode}`;
 * }
 * ```
 */
export interface BenchSpec {
  /** `tcp`, `tls`, `udp`, `http`, `https`; `script`: each connection runs {@linkcode BenchSpec.script}. */
  scheme: "tcp" | "tls" | "udp" | "http" | "https" | "script";
  /** Host name or IP address. */
  host: string;
  /** Port. */
  port: number;
  /** For http(s). */
  url?: string;
  /** `rr`: request/response (default); `stream`: one-way bytes as fast as possible (tcp/tls). */
  mode: "rr" | "stream";
  /** Request size in bytes for tcp/udp (default 64); the echo must return as many. */
  size: number;
  /** Bytes the peer returns per request, when not the same as `size` (tcp/udp). */
  replySize?: number;
  /** Concurrent connections (UDP: sockets). */
  conns: number;
  /** Measured time (ms). */
  durationMs: number;
  /** Unmeasured time before it (ms). */
  warmupMs: number;
  /** Total requests per second across all connections; 0 or undefined = as fast as possible. */
  rate?: number;
  /** Milliseconds one request may take. */
  timeoutMs: number;
  /** HTTP method, headers, body. */
  method?: string;
  /** HTTP request headers. */
  headers?: [string, string][];
  /** HTTP request body. */
  body?: Uint8Array;
  /** TLS: extra CA certificates (PEM). */
  caCerts?: string[];
  /**
   * Ramps (k6's stages): targets are requests/s when `rate` is set (open model, starting
   * from `rate`), else connections (closed model, starting from 0). No warm-up.
   */
  stages?: Stage[];
  /** `bench script`: the `.wire` script each virtual user runs, over and over. */
  script?: BenchScript;
  /**
   * Closed model with stages over several isolates: this one runs lanes `index`, `index + of`, …
   *
   * @internal
   */
  shard?: { index: number; of: number };
}

/**
 * The script of `bench script`.
 *
 * @example What a run of scripts is given
 * ```ts
 * import type { BenchScript } from "@wireplay/wireplay/tools";
 * const s: BenchScript = { file: "rec.wire", text: 'connect ${target} as c\n', vars: { target: "tcp://127.0.0.1:6379" } };
 * ```
 */
export interface BenchScript {
  /** Its path, as shown in reports. */
  file: string;
  /** Its text (each isolate parses it). */
  text: string;
  /** `--var` values. */
  vars: Record<string, string>;
}

/** What one statement of a `bench script` run measured in one isolate. */
export interface StatementPartial {
  /** `file:line`. */
  where: string;
  /** The statement's source. */
  statement: string;
  /** Times it completed. */
  count: number;
  /** Its latency histogram (µs), HdrHistogram compressed base64. */
  histogram: string;
  /** Failures by kind (`mismatch`, `timeout`, `refused`, `closed`…). */
  errors: Record<string, number>;
}

/** The result one isolate sends back. */
export interface PartialResult {
  /** Latency histogram (microseconds), HdrHistogram compressed base64. */
  histogram: string;
  requests: number;
  bytesSent: number;
  bytesReceived: number;
  errors: Record<string, number>;
  /** Measured time actually elapsed (ms). */
  elapsedMs: number;
  /** HTTP status counts. */
  statuses: Record<string, number>;
  /** The first message seen for each error kind. */
  errorSamples: Record<string, string>;
  /** `bench script`: per statement, in script order. */
  statements?: StatementPartial[];
}
