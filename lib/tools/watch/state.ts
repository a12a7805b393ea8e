/**
 * The state `watch` keeps per target: up or down, since when, last latency, a window of
 * recent latencies, counts.
 *
 * @module
 */
import { quantile } from "../common/stats.ts";
import type { ProbeOutcome } from "../probe/probe.ts";

/**
 * A target's state after some probes.
 *
 * @example Up, down or not known yet
 * ```ts
 * import type { TargetState } from "@wireplay/wireplay/tools";
 * function word(s: TargetState): string {
 *   return s.up === undefined ? "unknown" : s.up ? "up" : `down (${s.lastError})`;
 * }
 * ```
 */
export interface TargetState {
  /** The target, as an address or URL. */
  target: string;
  /** `undefined` before the first probe. */
  up?: boolean;
  /** When the current up/down state began (ms since epoch). */
  since?: number;
  /** Latency of the last successful probe (ms). */
  last?: number;
  /** The last failure's reason. */
  lastError?: string;
  /** Probes sent. */
  probes: number;
  /** Probes that failed. */
  failures: number;
  /** Successful probe latencies, newest last, at most `windowSize`. */
  window: number[];
}

/**
 * A change from up to down or back, with its time.
 *
 * @example A log line for a change
 * ```ts
 * import type { Transition } from "@wireplay/wireplay/tools";
 * function line(t: Transition): string {
 *   return `${new Date(t.at).toISOString()} ${t.target} is ${t.to}`;
 * }
 * ```
 */
export interface Transition {
  /** The target. */
  target: string;
  /** The new state. */
  to: "up" | "down";
  /** When (ms since the epoch). */
  at: number;
  /** How long the previous state lasted (ms), when there was one. */
  after?: number;
  /** Why it went down. */
  error?: string;
}

/** A new state for `target`. */
export function initialState(target: string): TargetState {
  return { target, probes: 0, failures: 0, window: [] };
}

/**
 * Records one probe outcome at time `now`.
 *
 * @returns The transition, when the target changed state (the first probe counts as one).
 */
export function recordProbe(
  s: TargetState,
  o: ProbeOutcome,
  now: number,
  windowSize = 100,
): Transition | undefined {
  s.probes++;
  if (o.ok) {
    s.last = o.ms;
    s.window.push(o.ms);
    if (s.window.length > windowSize) s.window.shift();
  } else {
    s.failures++;
    s.lastError = o.error;
  }
  if (s.up === o.ok) return undefined;
  const t: Transition = {
    target: s.target,
    to: o.ok ? "up" : "down",
    at: now,
    ...(s.since !== undefined ? { after: now - s.since } : {}),
    ...(!o.ok ? { error: o.error } : {}),
  };
  s.up = o.ok;
  s.since = now;
  return t;
}

/** Median and p99 of a state's window (0 when empty). */
export function windowStats(s: TargetState): { median: number; p99: number } {
  const sorted = [...s.window].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
}
