/**
 * `ping URL`: repeated HTTP requests on fresh connections, each timed by phase (DNS,
 * connect, TLS, time to first byte, total), and a summary (min, median, p99, max).
 * The tools' `ping` command calls {@linkcode pingHttp} for `http://` and `https://` targets.
 *
 * @module
 */
import { formatDuration } from "../bytes/units.ts";
import { httpRequest, HttpRequestError } from "./client/request.ts";
import type { HttpTimings } from "./client/types.ts";

/**
 * Options of {@linkcode pingHttp}.
 *
 * @example Ten HEAD requests
 * ```ts
 * import type { HttpPingOptions } from "@wireplay/wireplay/http";
 * const options: HttpPingOptions = { count: 10, intervalMs: 200, method: "HEAD", timeoutMs: 2000 };
 * // await pingHttp(url, options)
 * ```
 */
export interface HttpPingOptions {
  /** How many requests (default 4). */
  count?: number;
  /** Time from one request's start to the next one's, ms (default 1000). */
  intervalMs?: number;
  /** Per-request timeout, ms (default 5000). */
  timeoutMs?: number;
  /** Method (default `GET`). */
  method?: string;
  /** Extra request headers. */
  headers?: [string, string][];
  /** Skip TLS certificate verification. */
  insecure?: boolean;
  /** The trusted CA certificates, PEM text (instead of the built-in roots). */
  caCerts?: string[];
  /** A client certificate (PEM). */
  cert?: string;
  /** The client certificate's private key (PEM). */
  key?: string;
  /** Stops pinging early (the summary covers what was done). */
  signal?: AbortSignal;
  /** Called after each request, e.g. to print a line as it happens. */
  onResult?: (result: HttpPingResult) => void;
}

/**
 * One request's outcome.
 *
 * @example Failed requests
 * ```ts
 * import type { HttpPingResult } from "@wireplay/wireplay/http";
 * function failures(results: HttpPingResult[]): string[] {
 *   return results.filter((r) => !r.ok).map((r) => `#${r.seq}: ${r.error}`);
 * }
 * ```
 */
export interface HttpPingResult {
  /** 1, 2, … */
  seq: number;
  /** Whether a response arrived (any status). */
  ok: boolean;
  /** The status code, when a response arrived. */
  status?: number;
  /** Response body size, bytes. */
  bytes?: number;
  /** Phase timings, when a response arrived. */
  timings?: HttpTimings;
  /** The IP address that answered. */
  remoteIp?: string;
  /** Why it failed: `timeout: …`, `connect: …`. */
  error?: string;
}

/**
 * Statistics of one timing over the successful requests, ms.
 *
 * @example Spread of one phase
 * ```ts
 * import type { PhaseStats } from "@wireplay/wireplay/http";
 * function spread(s: PhaseStats): number {
 *   return s.max - s.min;
 * }
 * ```
 */
export interface PhaseStats {
  /** The fastest. */
  min: number;
  /** The median. */
  median: number;
  /** The 99th percentile. */
  p99: number;
  /** The slowest. */
  max: number;
}

/**
 * The summary of a ping run.
 *
 * @example Loss in percent
 * ```ts
 * import type { HttpPingSummary } from "@wireplay/wireplay/http";
 * function loss(s: HttpPingSummary): number {
 *   return s.sent ? (s.failed / s.sent) * 100 : 0;
 * }
 * ```
 */
export interface HttpPingSummary {
  /** The URL pinged. */
  url: string;
  /** Requests sent. */
  sent: number;
  /** Requests that got a response. */
  received: number;
  /** Requests that failed (no response). */
  failed: number;
  /** Total time per request; undefined when nothing was received. */
  total?: PhaseStats;
  /** Every phase separately. */
  phases?: Record<"dnsMs" | "connectMs" | "tlsMs" | "ttfbMs" | "totalMs", PhaseStats>;
}

/**
 * Pings an HTTP(S) URL.
 *
 * @param url `http://…` or `https://…`.
 * @returns every result and the summary.
 *
 * @example
 * ```ts
 * import { pingHttp } from "./ping.ts";
 * import { createHttpHandler } from "./server/handler.ts";
 * import { assertEquals } from "@std/assert";
 * await using server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, createHttpHandler());
 * const { summary } = await pingHttp(`http://127.0.0.1:${server.addr.port}/`, { count: 2, intervalMs: 0 });
 * assertEquals(summary.received, 2);
 * ```
 */
export async function pingHttp(
  url: string,
  opts: HttpPingOptions = {},
): Promise<{ results: HttpPingResult[]; summary: HttpPingSummary }> {
  const count = opts.count ?? 4;
  const interval = opts.intervalMs ?? 1000;
  const results: HttpPingResult[] = [];
  for (let seq = 1; seq <= count; seq++) {
    if (opts.signal?.aborted) break;
    const started = performance.now();
    let result: HttpPingResult;
    try {
      const res = await httpRequest({
        method: opts.method ?? "GET",
        url,
        headers: opts.headers,
        timeoutMs: opts.timeoutMs ?? 5000,
        insecure: opts.insecure,
        caCerts: opts.caCerts,
        cert: opts.cert,
        key: opts.key,
        signal: opts.signal,
      });
      result = {
        seq,
        ok: true,
        status: res.status,
        bytes: res.body.byteLength,
        timings: res.timings,
        remoteIp: res.remoteIp,
      };
    } catch (e) {
      if (opts.signal?.aborted) break;
      if (!(e instanceof HttpRequestError)) throw e;
      if (e.phase === "url") throw e;
      result = { seq, ok: false, error: `${e.phase}: ${e.message}` };
    }
    results.push(result);
    opts.onResult?.(result);
    if (seq < count) {
      await sleep(Math.max(0, interval - (performance.now() - started)), opts.signal);
    }
  }
  return { results, summary: summarizePing(url, results) };
}

/** Summarises results: counts and min/median/p99/max of every phase. */
export function summarizePing(url: string, results: readonly HttpPingResult[]): HttpPingSummary {
  const ok = results.filter((r) => r.ok && r.timings);
  const summary: HttpPingSummary = {
    url,
    sent: results.length,
    received: ok.length,
    failed: results.length - ok.length,
  };
  if (ok.length === 0) return summary;
  const keys = ["dnsMs", "connectMs", "tlsMs", "ttfbMs", "totalMs"] as const;
  const phases = {} as Record<(typeof keys)[number], PhaseStats>;
  for (const k of keys) phases[k] = stats(ok.map((r) => r.timings![k]));
  summary.phases = phases;
  summary.total = phases.totalMs;
  return summary;
}

/** Nearest-rank statistics of a non-empty list. */
export function stats(values: readonly number[]): PhaseStats {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  return { min: sorted[0]!, median: rank(0.5), p99: rank(0.99), max: sorted.at(-1)! };
}

/**
 * One line per request: `seq=1 200 1.2KiB from 127.0.0.1: dns 0.1ms connect 0.2ms … total 3.4ms`.
 *
 * @example Print each request as it happens
 * ```ts
 * import { formatPingResult, formatPingSummary, pingHttp, startHttpServer } from "@wireplay/wireplay/http";
 * import { assertStringIncludes } from "@std/assert";
 * await using api = await startHttpServer("http://127.0.0.1:0");
 * const lines: string[] = [];
 * const { summary } = await pingHttp(`${api.url}/get`, {
 *   count: 2,
 *   intervalMs: 10,
 *   onResult: (r) => lines.push(formatPingResult(r)),
 * });
 * assertStringIncludes(lines[0]!, "status=200");
 * assertStringIncludes(formatPingSummary(summary), "2 requests, 2 answered");
 * ```
 */
export function formatPingResult(r: HttpPingResult): string {
  if (!r.ok) return `seq=${r.seq} failed: ${r.error}`;
  const t = r.timings!;
  const tls = t.tlsMs > 0 ? ` tls=${formatDuration(t.tlsMs)}` : "";
  return `seq=${r.seq} status=${r.status} bytes=${r.bytes} from ${r.remoteIp}: dns=${
    formatDuration(t.dnsMs)
  } connect=${formatDuration(t.connectMs)}${tls} ttfb=${formatDuration(t.ttfbMs)} total=${
    formatDuration(t.totalMs)
  }`;
}

/**
 * The summary lines, like ping's.
 *
 * @example Print the summary
 * ```ts
 * import { formatPingResult, formatPingSummary, pingHttp, startHttpServer } from "@wireplay/wireplay/http";
 * import { assertStringIncludes } from "@std/assert";
 * await using api = await startHttpServer("http://127.0.0.1:0");
 * const lines: string[] = [];
 * const { summary } = await pingHttp(`${api.url}/get`, {
 *   count: 2,
 *   intervalMs: 10,
 *   onResult: (r) => lines.push(formatPingResult(r)),
 * });
 * assertStringIncludes(lines[0]!, "status=200");
 * assertStringIncludes(formatPingSummary(summary), "2 requests, 2 answered");
 * ```
 */
export function formatPingSummary(s: HttpPingSummary): string {
  const loss = s.sent ? Math.round((s.failed / s.sent) * 100) : 0;
  const lines = [
    `--- ${s.url} ping statistics ---`,
    `${s.sent} requests, ${s.received} answered, ${loss}% failed`,
  ];
  if (s.phases) {
    const f = (p: PhaseStats) =>
      `${formatDuration(p.min)}/${formatDuration(p.median)}/${formatDuration(p.p99)}/${
        formatDuration(p.max)
      }`;
    lines.push(`min/median/p99/max: total ${f(s.phases.totalMs)}`);
    lines.push(`  dns ${f(s.phases.dnsMs)}  connect ${f(s.phases.connectMs)}`);
    lines.push(
      `  ${s.phases.tlsMs.max > 0 ? `tls ${f(s.phases.tlsMs)}  ` : ""}ttfb ${f(s.phases.ttfbMs)}`,
    );
  }
  return lines.join("\n");
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", done);
      resolve();
    }, ms);
    const done = () => {
      clearTimeout(t);
      resolve();
    };
    signal?.addEventListener("abort", done, { once: true });
  });
}
