/**
 * `ping`: repeated probes of one target at an interval, and their summary
 * (sent, received, loss, min, median, p99, max).
 *
 * @module
 */
import { formatHostPort } from "../../address/address.ts";
import { probe, type ProbeOptions, type ProbeOutcome, type ProbeTarget } from "../probe/probe.ts";
import { type LatencySummary, summarize } from "../common/stats.ts";

/**
 * Options of {@linkcode ping}.
 *
 * @example Five probes, 100 ms apart
 * ```ts
 * import type { PingOptions } from "@wireplay/wireplay/tools";
 * const options: PingOptions = { count: 5, interval: 100, timeout: 1000 };
 * // await ping(target, options)
 * ```
 */
export interface PingOptions extends ProbeOptions {
  /** Probes to send (default 4). */
  count?: number;
  /** Milliseconds between the starts of probes (default 1000). */
  interval?: number;
  /** Called after each probe. */
  onProbe?: (seq: number, outcome: ProbeOutcome) => void;
  /** Stops early; the summary covers the probes done. */
  signal?: AbortSignal;
}

/**
 * The summary of a ping run.
 *
 * @example The ping summary line
 * ```ts
 * import type { PingSummary } from "@wireplay/wireplay/tools";
 * function line(s: PingSummary): string {
 *   return `${s.sent} sent, ${s.received} received, ${s.loss}% loss, median ${s.median} ms`;
 * }
 * ```
 */
export interface PingSummary extends LatencySummary {
  /** The target, as an address or URL. */
  target: string;
  /** Probes sent. */
  sent: number;
  /** Probes answered. */
  received: number;
  /** Lost fraction, 0..1. */
  loss: number;
  /** Every probe's outcome, in order. */
  probes: ProbeOutcome[];
}

/**
 * Probes `target` `count` times, `interval` apart.
 *
 * @example Ping a port we listen on
 * ```ts
 * import { ping } from "./ping.ts";
 * import { assertEquals } from "@std/assert";
 * using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const s = await ping({ scheme: "tcp", host: "127.0.0.1", port: l.addr.port }, { count: 2, interval: 10 });
 * assertEquals(s.received, 2);
 * ```
 */
export async function ping(target: ProbeTarget, options: PingOptions = {}): Promise<PingSummary> {
  const count = options.count ?? 4;
  const interval = options.interval ?? 1000;
  const probes: ProbeOutcome[] = [];
  const label = "url" in target
    ? target.url
    : `${target.scheme}://${formatHostPort(target.host, target.port)}`;
  for (let seq = 1; seq <= count; seq++) {
    if (options.signal?.aborted) break;
    const started = performance.now();
    const outcome = await probe(target, options);
    probes.push(outcome);
    options.onProbe?.(seq, outcome);
    if (seq < count) {
      const rest = interval - (performance.now() - started);
      if (rest > 0) await sleep(rest, options.signal);
    }
  }
  const ok = probes.filter((p) => p.ok).map((p) => p.ms);
  return {
    target: label,
    sent: probes.length,
    received: ok.length,
    loss: probes.length ? (probes.length - ok.length) / probes.length : 0,
    ...summarize(ok),
    probes,
  };
}

/** Sleeps `ms`, waking early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
