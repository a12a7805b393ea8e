/**
 * The faults a proxy injects, per direction: `up` is client → upstream, `down` is
 * upstream → client. A plain object the pump reads on every chunk, so faults can be
 * changed while connections run.
 *
 * @module
 */
import {
  formatBytes,
  formatDuration,
  parseDuration,
  parseRate,
  parseSize,
} from "../bytes/units.ts";
import { UsageError } from "../errors.ts";

/**
 * A direction of a proxied connection: `up` client → upstream, `down` upstream → client.
 *
 * @example The other direction
 * ```ts
 * import type { Direction } from "@wireplay/wireplay/proxy";
 * const other = (d: Direction): Direction => (d === "up" ? "down" : "up");
 * ```
 */
export type Direction = "up" | "down";

/**
 * Which directions a fault applies to.
 *
 * @example Latency both ways
 * ```ts
 * import { type DirectionChoice, noFaults, withFault } from "@wireplay/wireplay/proxy";
 * import { assertEquals } from "@std/assert";
 * const both: DirectionChoice = "both";
 * const f = withFault(noFaults(), "latency", 100, both);
 * assertEquals([f.up.latencyMs, f.down.latencyMs], [100, 100]);
 * ```
 */
export type DirectionChoice = Direction | "both";

/**
 * The faults of one direction; an absent field is no fault.
 *
 * @example A slow, choppy link
 * ```ts
 * import type { DirectionFaults } from "@wireplay/wireplay/proxy";
 * const slow: DirectionFaults = { latencyMs: 80, jitterMs: 20, bandwidth: 64 * 1024, slice: 512 };
 * ```
 */
export interface DirectionFaults {
  /** Delay every chunk by this many milliseconds (pipelined: throughput is kept). */
  latencyMs?: number;
  /** Add a uniformly random extra delay of up to this many milliseconds (order is kept). */
  jitterMs?: number;
  /** Limit throughput to this many bytes per second. */
  bandwidth?: number;
  /** Forward in writes of at most this many bytes. */
  slice?: number;
  /** Wait this many milliseconds between the slices of a chunk. */
  sliceDelayMs?: number;
  /** Forward this many bytes, then reset both sides (TCP RST where the platform allows). */
  resetAfter?: number;
  /** Forward this many bytes, then close both sides (FIN). */
  closeAfter?: number;
  /** After this many milliseconds from the connection's start, stop forwarding, keep it open. */
  timeoutAfterMs?: number;
  /** Forward this many bytes, then stop forwarding and keep the connection open. */
  stallAfter?: number;
  /** Vary each slice by up to ± this many bytes (Toxiproxy's slicer `size_variation`). */
  sliceVariation?: number;
  /** When the source ends, wait this many milliseconds before passing the end on. */
  slowCloseMs?: number;
  /** Once stalled (timeout-after), close the connection after this many milliseconds. */
  stallCloseMs?: number;
  /** Reset the connection this many milliseconds after it started (or the fault was set). */
  resetAfterMs?: number;
}

/**
 * Every fault of a proxy: per direction, and what happens to new connections.
 *
 * @example Drop one connection in ten
 * ```ts
 * import { type Faults, noFaults } from "@wireplay/wireplay/proxy";
 * const faults: Faults = { ...noFaults(), dropConnect: 0.1 };
 * ```
 */
export interface Faults {
  /** Faults on what the client sends (client → upstream). */
  up: DirectionFaults;
  /** Faults on what the upstream sends (upstream → client). */
  down: DirectionFaults;
  /** Probability (0–1) that a new connection is accepted then closed at once. */
  dropConnect?: number;
  /** Probability (0–1) that a new connection gets the faults at all (default 1). */
  toxicity?: number;
  /** The proxy is down: new connections are reset on accept, running ones are reset. */
  outage?: boolean;
}

/**
 * The names of the per-direction faults, as typed in the CLI and the REPL.
 *
 * @example Every per-direction fault
 * ```ts
 * import { FAULT_NAMES } from "@wireplay/wireplay/proxy";
 * import { assert } from "@std/assert";
 * assert(FAULT_NAMES.includes("reset-after"));
 * ```
 */
export const FAULT_NAMES = [
  "latency",
  "jitter",
  "bandwidth",
  "slice",
  "slice-delay",
  "reset-after",
  "close-after",
  "timeout-after",
  "slow-close",
  "stall-after",
] as const;

/**
 * A per-direction fault name.
 *
 * @example Set a fault named on the command line
 * ```ts
 * import { FAULT_NAMES, type FaultName } from "@wireplay/wireplay/proxy";
 * function faultName(flag: string): FaultName | undefined {
 *   return FAULT_NAMES.find((n) => n === flag);
 * }
 * ```
 */
export type FaultName = typeof FAULT_NAMES[number];

const FIELD: Record<FaultName, keyof DirectionFaults> = {
  "latency": "latencyMs",
  "jitter": "jitterMs",
  "bandwidth": "bandwidth",
  "slice": "slice",
  "slice-delay": "sliceDelayMs",
  "reset-after": "resetAfter",
  "close-after": "closeAfter",
  "timeout-after": "timeoutAfterMs",
  "slow-close": "slowCloseMs",
  "stall-after": "stallAfter",
};

/**
 * No faults at all.
 *
 * @example Start clean
 * ```ts
 * import { describeFaults, noFaults } from "@wireplay/wireplay/proxy";
 * import { assertEquals } from "@std/assert";
 * assertEquals(describeFaults(noFaults()), "both: none");
 * ```
 */
export function noFaults(): Faults {
  return { up: {}, down: {} };
}

/** True when a direction has no fault set. */
export function isClean(f: DirectionFaults): boolean {
  for (const k in f) if (f[k as keyof DirectionFaults] !== undefined) return false;
  return true;
}

/**
 * Sets one fault on the chosen directions (returns a new object; `value` undefined removes it).
 *
 * @example
 * ```ts
 * import { noFaults, withFault } from "./faults.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(withFault(noFaults(), "latency", 100, "up").up, { latencyMs: 100 });
 * ```
 */
export function withFault(
  faults: Faults,
  name: FaultName,
  value: number | undefined,
  direction: DirectionChoice = "both",
): Faults {
  const field = FIELD[name];
  const set = (d: DirectionFaults): DirectionFaults => {
    const next = { ...d };
    if (value === undefined) delete next[field];
    else next[field] = value;
    return next;
  };
  return {
    ...faults,
    up: direction === "down" ? faults.up : set(faults.up),
    down: direction === "up" ? faults.down : set(faults.down),
  };
}

/**
 * Describes the faults for people: `up: latency 100ms, slice 1; down: none; drop-connect 0.1`.
 *
 * @example Faults as the CLI would write them
 * ```ts
 * import { describeFaults, noFaults, withFault } from "@wireplay/wireplay/proxy";
 * import { assertStringIncludes } from "@std/assert";
 * const faults = withFault(noFaults(), "latency", 100, "down");
 * assertStringIncludes(describeFaults(faults), "latency");
 * ```
 */
export function describeFaults(faults: Faults): string {
  const one = (f: DirectionFaults): string => {
    const parts: string[] = [];
    for (const name of FAULT_NAMES) {
      const v = f[FIELD[name]];
      if (v === undefined) continue;
      const shown = name === "bandwidth"
        ? `${formatBytes(v)}/s`
        : name.endsWith("after") && name !== "timeout-after"
        ? formatBytes(v)
        : name === "slice"
        ? String(v)
        : formatDuration(v);
      parts.push(`${name} ${shown}`);
    }
    return parts.length ? parts.join(", ") : "none";
  };
  const up = one(faults.up);
  const down = one(faults.down);
  const dirs = up === down ? `both: ${up}` : `up: ${up}; down: ${down}`;
  const extra = [
    faults.dropConnect ? `drop-connect ${faults.dropConnect}` : "",
    faults.toxicity !== undefined ? `toxicity ${faults.toxicity}` : "",
    faults.outage ? "outage" : "",
  ].filter(Boolean);
  return [dirs, ...extra].join("; ");
}

/**
 * Parses one fault value by the fault's kind: a duration (`100ms`), a rate (`1MB/s`),
 * a size (`64KiB`) or a count (`slice 1`).
 *
 * @throws {UsageError} naming `where`.
 */
export function parseFaultValue(name: FaultName, text: string, where: string): number {
  switch (name) {
    case "bandwidth": {
      const v = parseRate(text, where);
      if (v <= 0) throw new UsageError(`"${text}" must be more than 0`, { where });
      return v;
    }
    case "slice": {
      if (!/^\d+$/.test(text) || Number(text) < 1) {
        throw new UsageError(`"${text}" is not a whole number of bytes ≥ 1`, { where });
      }
      return Number(text);
    }
    case "reset-after":
    case "close-after":
    case "stall-after":
      return parseSize(text, where);
    default:
      return parseDuration(text, where);
  }
}

/** Parses a probability from 0 to 1 (`--drop-connect`). */
export function parseProbability(text: string, where: string): number {
  const p = Number(text);
  if (!/^\d*\.?\d+$/.test(text) || p < 0 || p > 1) {
    throw new UsageError(`"${text}" is not a probability from 0 to 1`, { where });
  }
  return p;
}
