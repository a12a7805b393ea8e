/**
 * `--stages 10s:100,30s:1000,10s:0`: a load that ramps linearly from one target to the
 * next (k6's stages). The targets are connections (closed model) or requests per second
 * (open model). Pure: the schedule as functions of time.
 *
 * @module
 */
import { parseDuration } from "../../bytes/units.ts";
import { UsageError } from "../../errors.ts";

/** One stage: ramp to `target` over `durationMs`. */
export interface Stage {
  /** How long the ramp takes (ms). */
  durationMs: number;
  /** Where it ends: connections (closed model) or requests/s (open model). */
  target: number;
}

/**
 * Parses `D:N,D:N,…` (a duration and a whole number per stage).
 *
 * @throws {UsageError} naming `--stages` and the stage at fault.
 */
export function parseStages(text: string, where = "--stages"): Stage[] {
  const stages: Stage[] = [];
  for (const [i, part] of text.split(",").entries()) {
    const m = /^\s*([^:\s]+)\s*:\s*(\d+)\s*$/.exec(part);
    if (!m) {
      throw new UsageError(`stage ${i + 1} "${part}" is not DURATION:TARGET (like 10s:100)`, {
        where,
      });
    }
    const durationMs = parseDuration(m[1]!, `${where} stage ${i + 1}`);
    const target = Number(m[2]);
    if (target > 1_000_000) {
      throw new UsageError(`stage ${i + 1}: target ${target} is over 1000000`, { where });
    }
    stages.push({ durationMs, target });
  }
  if (stages.every((s) => s.durationMs === 0)) {
    throw new UsageError("the stages last no time", { where });
  }
  return stages;
}

/** The stages' total time (ms). */
export function stagesDuration(stages: Stage[]): number {
  return stages.reduce((a, s) => a + s.durationMs, 0);
}

/** The highest target of any stage (and the start). */
export function stagesPeak(stages: Stage[], start = 0): number {
  return stages.reduce((a, s) => Math.max(a, s.target), start);
}

/** The stages with every target multiplied by `f` (an isolate's share). */
export function scaleStages(stages: Stage[], f: number): Stage[] {
  return stages.map((s) => ({ durationMs: s.durationMs, target: s.target * f }));
}

/** The target at `t` ms from the start, ramping linearly from `start`; after the end, the last. */
export function targetAt(stages: Stage[], t: number, start = 0): number {
  let from = start;
  let at = 0;
  for (const s of stages) {
    if (t < at + s.durationMs) return from + ((s.target - from) * (t - at)) / s.durationMs;
    at += s.durationMs;
    from = s.target;
  }
  return from;
}

/**
 * The first time at or after `t` (ms) when the target exceeds `level`, or `Infinity` when it
 * never does again (closed model: when connection number `level` is to be open).
 */
export function nextAbove(stages: Stage[], level: number, t: number, start = 0): number {
  if (targetAt(stages, t, start) > level) return t;
  let from = start;
  let at = 0;
  for (const s of stages) {
    const end = at + s.durationMs;
    if (end > t && s.target > level && s.target > from) {
      // where the ramp crosses `level`, but not before t
      const cross = at + ((level - from) / (s.target - from)) * s.durationMs;
      return Math.max(t, cross) + 1e-6;
    }
    at = end;
    from = s.target;
  }
  return Infinity;
}

/**
 * The time (ms from the start) of arrival number `k` (0-based) when the arrival rate
 * (requests/s) follows the stages: the k+1-th request is due once the integral of the
 * rate reaches k. `Infinity` when the stages end first.
 */
export function arrivalTime(stages: Stage[], k: number, start = 0): number {
  let from = start;
  let at = 0;
  let done = 0; // arrivals due by the start of this stage
  for (const s of stages) {
    const d = s.durationMs / 1000;
    const count = ((from + s.target) / 2) * d;
    if (done + count > k) {
      // solve from·x + (target - from)/(2d)·x² = k - done for x in [0, d] (seconds)
      const need = k - done;
      const a = (s.target - from) / (2 * d);
      const x = Math.abs(a) < 1e-12
        ? need / from
        : (-from + Math.sqrt(Math.max(0, from * from + 4 * a * need))) / (2 * a);
      return at + Math.min(d, Math.max(0, x)) * 1000;
    }
    done += count;
    at += s.durationMs;
    from = s.target;
  }
  return Infinity;
}
