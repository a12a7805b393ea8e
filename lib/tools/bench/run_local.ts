/**
 * Runs a benchmark's lanes in this isolate: warm-up, then the measured window; closed model
 * (optionally ramped by stages) or open model (a constant or ramped arrival rate) with
 * coordinated-omission correction (each request's latency counts from when it was due, as
 * wrk2 does).
 *
 * @module
 */
import type { BenchSpec, PartialResult } from "./spec.ts";
import { type Driver, errorKind, makeDriver } from "./drivers.ts";
import { encodeHistogram, newHistogram } from "./histogram.ts";
import { LIVE_BUCKETS, liveBucket, type LiveSnapshot } from "./live.ts";
import { arrivalTime, nextAbove, stagesPeak } from "./stages.ts";

/** Latencies below this many µs are tallied in a plain array first (256 KiB of counts). */
const FAST_LIMIT = 65536;

/** Pause after a failed request before the connection tries again (ms). */
const ERROR_BACKOFF_MS = 10;

/**
 * Runs the spec's connections for warm-up + duration and returns what was measured.
 * Closed model: each connection sends its next request when the last one is answered
 * (with `stages`, connection i is open while the target exceeds i). Open model (`rate`):
 * requests are due on a schedule (constant, or ramped by `stages`) and each free
 * connection takes the next one due.
 *
 * @param signal Ends the run early.
 * @param onTick Called about every 250 ms with the counts so far (measured window only).
 */
export async function runLocal(
  spec: BenchSpec,
  signal?: AbortSignal,
  onTick?: (live: LiveSnapshot) => void,
): Promise<PartialResult> {
  const scripted = spec.script
    ? new (await import("./script_driver.ts")).ScriptLoad(spec)
    : undefined;
  const hist = newHistogram();
  // Latencies under FAST_LIMIT µs are counted per exact value here and added to the HDR
  // histogram at the end: the same histogram as recording each one, without its
  // per-value bucket arithmetic on every request.
  const fast = new Uint32Array(FAST_LIMIT);
  const live = new Float64Array(LIVE_BUCKETS);
  const record = (us: number) => {
    if (us < FAST_LIMIT) fast[us]!++;
    else hist.recordValue(us);
    live[liveBucket(us)]!++;
  };
  const errors: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const errorSamples: Record<string, string> = {};
  let requests = 0;
  let failures = 0;
  let bytesSent = 0;
  let bytesReceived = 0;
  const t0 = performance.now();
  const measureFrom = t0 + spec.warmupMs;
  const end = measureFrom + spec.durationMs;
  let stopped = false;
  const drivers: Driver[] = [];
  const started: number[] = []; // per connection: start of the request in flight, or -1
  const timedOut: boolean[] = [];
  const sleepers = new Set<() => void>();
  /** Waits `ms`, or less when the run stops. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms)); // a negative delay warns in Node
      sleepers.add(wake);
    });
  const stop = () => {
    stopped = true;
    for (const d of drivers) d.close();
    for (const wake of [...sleepers]) wake();
  };
  const endTimer = setTimeout(stop, Math.max(0, end - t0));
  signal?.addEventListener("abort", stop, { once: true });
  const sweeper = setInterval(() => {
    const now = performance.now();
    // a script's statements keep their own deadlines
    for (let i = 0; i < drivers.length && !scripted; i++) {
      if (started[i]! >= 0 && now - started[i]! > spec.timeoutMs) {
        timedOut[i] = true;
        drivers[i]!.abort();
      }
    }
    if (onTick && now >= measureFrom) {
      onTick({
        requests,
        bytes: bytesSent + bytesReceived,
        errors: failures,
        buckets: Array.from(live),
      });
    }
  }, 250);

  // Open model: when request k is due (ms from the start).
  const rate = spec.rate;
  const dueAt = rate
    ? spec.stages
      ? (k: number) => arrivalTime(spec.stages!, k, rate)
      : (k: number) => (k * 1000) / rate
    : undefined;
  let nextDue = 0;
  // Closed model with stages: lane i is global connection number shard.index + i·shard.of.
  const ramp = !rate && spec.stages ? spec.stages : undefined;
  const shard = spec.shard ?? { index: 0, of: 1 };
  const lanes = ramp
    ? Math.max(0, Math.ceil((Math.ceil(stagesPeak(ramp)) - shard.index) / shard.of))
    : spec.conns;

  const lane = async (i: number) => {
    const d: Driver = scripted ? scripted.driver() : makeDriver(spec);
    drivers[i] = d;
    started[i] = -1;
    timedOut[i] = false;
    const number = shard.index + i * shard.of;
    while (!stopped) {
      if (ramp) {
        const t = performance.now() - measureFrom;
        const from = nextAbove(ramp, number, t);
        if (from > t) {
          d.abort(); // not needed now: release the connection
          if (measureFrom + from >= end) break;
          await pause(measureFrom + from - performance.now());
          if (stopped) break;
          // look again: a timer can fire a fraction of a millisecond early, and a lane that
          // opened then would find the target still at its level and close again (flapping)
          continue;
        }
      }
      // Open model: latency counts from the time the request was due when the connection
      // was late for it (coordinated omission); when we were idle, lateness is only our
      // timer's, so it counts from the actual send.
      let late = false;
      let intended = 0;
      if (dueAt) {
        intended = t0 + dueAt(nextDue++);
        if (intended >= end) break;
        const wait = intended - performance.now();
        if (wait > 0) await pause(wait);
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
          d.commit?.();
          if (d.status !== undefined) statuses[d.status] = (statuses[d.status] ?? 0) + 1;
          if (d.status !== undefined && d.status >= 400) {
            const k = `status_${Math.floor(d.status / 100)}xx`;
            errors[k] = (errors[k] ?? 0) + 1;
            failures++;
          }
        }
      } catch (e) {
        started[i] = -1;
        if (stopped) break;
        const kind = timedOut[i] ? "timeout" : errorKind(e);
        timedOut[i] = false;
        if (performance.now() >= measureFrom) {
          errors[kind] = (errors[kind] ?? 0) + 1;
          failures++;
          d.commit?.();
          errorSamples[kind] ??= e instanceof Error
            ? e.message.split("\n")[0]!.slice(0, 200)
            : String(e);
        }
        await pause(ERROR_BACKOFF_MS);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
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
    ...(scripted ? { statements: scripted.report() } : {}),
  };
}
