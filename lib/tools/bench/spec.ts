/**
 * What a benchmark run is, as plain data (it crosses to worker isolates).
 *
 * @module
 */

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
  /** `tcp`, `tls`, `udp`, `http`, `https`. */
  scheme: "tcp" | "tls" | "udp" | "http" | "https";
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
}
