/**
 * `watchTargets`: probes several targets every D, keeps their state, reports each probe
 * and each up/down transition, until a count, a duration or a signal stops it.
 *
 * @module
 */
import { probe, type ProbeOptions, type ProbeOutcome, type ProbeTarget } from "../probe/probe.ts";
import { initialState, recordProbe, type TargetState, type Transition } from "./state.ts";
import { sleep } from "../ping/ping.ts";
import { formatAddress } from "../../address/address.ts";

/**
 * Options of {@linkcode watchTargets}.
 *
 * @example Every 5 seconds for a minute
 * ```ts
 * import type { WatchOptions } from "@wireplay/wireplay/tools";
 * const options: WatchOptions = { every: 5000, forMs: 60_000, onTransition: (t) => console.log(t.target, t.to) };
 * // await watchTargets(targets, options)
 * ```
 */
export interface WatchOptions extends ProbeOptions {
  /** Milliseconds between the starts of a target's probes (default 1000). */
  every?: number;
  /** Probes per target, then stop. */
  count?: number;
  /** Stop after this many milliseconds. */
  forMs?: number;
  /** Latencies kept for median/p99 (default 100). */
  windowSize?: number;
  /** Called after each probe, with the target's new state. */
  onProbe?: (state: TargetState, outcome: ProbeOutcome, at: number) => void;
  /** Called when a target goes down or comes back up. */
  onTransition?: (t: Transition) => void;
  /** Called once with the live state objects, in target order, before the first probe. */
  onStart?: (states: readonly TargetState[]) => void;
  /** Stops watching. */
  signal?: AbortSignal;
}

/**
 * Watches `targets` until `count`, `forMs` or `signal` ends it.
 *
 * @returns The final state of each target.
 *
 * @example Probe a port twice
 * ```ts
 * import { watchTargets } from "@wireplay/wireplay/tools";
 * import { assertEquals } from "@std/assert";
 * using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const [state] = await watchTargets(
 *   [{ scheme: "tcp", host: "127.0.0.1", port: l.addr.port }],
 *   { count: 2, every: 10, timeout: 2000 },
 * );
 * assertEquals([state!.up, state!.probes], [true, 2]);
 * ```
 */
export async function watchTargets(
  targets: readonly ProbeTarget[],
  options: WatchOptions = {},
): Promise<TargetState[]> {
  const every = options.every ?? 1000;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  const timer = options.forMs !== undefined
    ? setTimeout(() => stop.abort(), options.forMs)
    : undefined;
  const states = targets.map((t) => initialState(formatAddress(t)));
  options.onStart?.(states);
  try {
    await Promise.all(targets.map(async (target, i) => {
      const state = states[i]!;
      for (let n = 0; options.count === undefined || n < options.count; n++) {
        if (stop.signal.aborted) break;
        const started = performance.now();
        const outcome = await probe(target, options);
        if (stop.signal.aborted && !outcome.ok && outcome.error === "timeout") break;
        const now = Date.now();
        const t = recordProbe(state, outcome, now, options.windowSize);
        options.onProbe?.(state, outcome, now);
        if (t) options.onTransition?.(t);
        if (options.count !== undefined && n + 1 >= options.count) break;
        const rest = every - (performance.now() - started);
        if (rest > 0) await sleep(rest, stop.signal);
      }
    }));
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
  return states;
}
