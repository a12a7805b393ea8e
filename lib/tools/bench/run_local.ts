/**
 * Runs a benchmark's connections in this isolate: warm-up, then the measured window,
 * closed loop or at a constant arrival rate with coordinated-omission correction (each
 * request's latency counts from when it should have been sent, as wrk2 does).
 *
 * @module
 */
import type { BenchSpec, PartialResult } from "./spec.ts";
import { abortInFlight, type Driver, errorKind, makeDriver } from "./drivers.ts";
import { encodeHistogram, newHistogram } from "./histogram.ts";

/** Latencies below this many µs are tallied in a plain array first (256 KiB of counts). */
const FAST_LIMIT = 65536;

/** Pause after a failed request before the connection tries again (ms). */
const ERROR_BACKOFF_MS = 10;

/**
 * Runs `spec.conns` connections for warm-up + duration and returns what was measured.
 *
 * @param signal Ends the run early.
 * @param onTick Called about every 250 ms with requests so far (measured window only).
 */
export async function runLocal(
  spec: BenchSpec,
  signal?: AbortSignal,
  onTick?: (requests: number, bytes: number) => void,
): Promise<PartialResult> {
  const hist = newHistogram();
  // Latencies under FAST_LIMIT µs are counted per exact value here and added to the HDR
  // histogram at the end: the same histogram as recording each one, without its
  // per-value bucket arithmetic on every request.
  const fast = new Uint32Array(FAST_LIMIT);
  const record = (us: number) => {
    if (us < FAST_LIMIT) fast[us]!++;
    else hist.recordValue(us);
  };
  const errors: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const errorSamples: Record<string, string> = {};
  let requests = 0;
  let bytesSent = 0;
  let bytesReceived = 0;
  const t0 = performance.now();
  const measureFrom = t0 + spec.warmupMs;
  const end = measureFrom + spec.durationMs;
  let stopped = false;
  const drivers: Driver[] = [];
  const started: number[] = []; // per connection: start of the request in flight, or -1
  const timedOut: boolean[] = [];
  const stop = () => {
    stopped = true;
    for (const d of drivers) d.close();
  };
  const endTimer = setTimeout(stop, Math.max(0, end - t0));
  signal?.addEventListener("abort", stop, { once: true });
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (let i = 0; i < drivers.length; i++) {
      if (started[i]! >= 0 && now - started[i]! > spec.timeoutMs) {
        timedOut[i] = true;
        abortInFlight(drivers[i]!);
      }
    }
    if (onTick && now >= measureFrom) onTick(requests, bytesSent + bytesReceived);
  }, 250);

  const perConnInterval = spec.rate ? (1000 * spec.conns) / spec.rate : 0;
  const lane = async (i: number) => {
    const d = makeDriver(spec);
    drivers[i] = d;
    started[i] = -1;
    timedOut[i] = false;
    // Spread the connections' schedules over one interval.
    let intended = t0 + (perConnInterval * i) / spec.conns;
    while (!stopped) {
      // Constant rate: latency counts from the intended send time when the previous
      // response made us late (coordinated omission); when we were idle, lateness is only
      // our timer's, so it counts from the actual send.
      let late = false;
      if (perConnInterval) {
        const wait = intended - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        else late = true;
        if (stopped) break;
      }
      const now = performance.now();
      const begin = late ? intended : now;
      started[i] = now;
      try {
        await d.once();
        started[i] = -1;
        const done = performance.now();
        if (done > end) break;
        if (begin >= measureFrom) {
          record(Math.max(1, Math.round((done - begin) * 1000)));
          requests++;
          bytesSent += d.sent;
          bytesReceived += d.received;
          if (d.status !== undefined) statuses[d.status] = (statuses[d.status] ?? 0) + 1;
          if (d.status !== undefined && d.status >= 400) {
            const k = `status_${Math.floor(d.status / 100)}xx`;
            errors[k] = (errors[k] ?? 0) + 1;
          }
        }
      } catch (e) {
        started[i] = -1;
        if (stopped) break;
        const kind = timedOut[i] ? "timeout" : errorKind(e);
        timedOut[i] = false;
        if (performance.now() >= measureFrom) {
          errors[kind] = (errors[kind] ?? 0) + 1;
          errorSamples[kind] ??= e instanceof Error
            ? e.message.split("\n")[0]!.slice(0, 200)
            : String(e);
        }
        await new Promise((r) => setTimeout(r, ERROR_BACKOFF_MS));
      }
      if (perConnInterval) intended += perConnInterval;
    }
  };
  try {
    await Promise.all(Array.from({ length: spec.conns }, (_, i) => lane(i)));
  } finally {
    clearTimeout(endTimer);
    clearInterval(sweeper);
    signal?.removeEventListener("abort", stop);
    for (const d of drivers) d.close();
  }
  const elapsedMs = Math.min(performance.now(), end) - measureFrom;
  for (let us = 1; us < FAST_LIMIT; us++) {
    if (fast[us]! > 0) hist.recordValueWithCount(us, fast[us]!);
  }
  const histogram = encodeHistogram(hist);
  hist.destroy();
  return {
    histogram,
    requests,
    bytesSent,
    bytesReceived,
    errors,
    elapsedMs: Math.max(0, elapsedMs),
    statuses,
    errorSamples,
  };
}
