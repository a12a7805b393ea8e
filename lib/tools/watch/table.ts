/**
 * The live `watch` table and the one-line records of probes and transitions.
 *
 * @module
 */
import { formatDuration } from "../../bytes/units.ts";
import { type TargetState, type Transition, windowStats } from "./state.ts";
import type { ProbeOutcome } from "../probe/probe.ts";
import { roundMs } from "../common/stats.ts";

/** The table: TARGET STATE SINCE LAST MEDIAN P99 FAIL/PROBES ERROR. */
export function formatTable(
  states: readonly TargetState[],
  now = Date.now(),
  color = false,
): string[] {
  const head = ["TARGET", "STATE", "FOR", "LAST", "MEDIAN", "P99", "FAILED", "LAST ERROR"];
  const rows = states.map((s) => {
    const w = windowStats(s);
    const state = s.up === undefined ? "…" : s.up ? "up" : "DOWN";
    return [
      s.target,
      state,
      s.since === undefined ? "" : formatDuration(now - s.since),
      s.last === undefined ? "-" : formatDuration(s.last),
      s.window.length ? formatDuration(w.median) : "-",
      s.window.length ? formatDuration(w.p99) : "-",
      `${s.failures}/${s.probes}`,
      s.lastError ?? "",
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  const paint = (text: string, s: TargetState) =>
    !color || s.up === undefined
      ? text
      : s.up
      ? `\x1b[32m${text}\x1b[0m`
      : `\x1b[31m${text}\x1b[0m`;
  return [line(head), ...rows.map((r, i) => paint(line(r), states[i]!))];
}

/** A transition as one line: `2026-11-24T06:30:00.000Z tcp://… DOWN (refused) after up 3.0s`. */
export function formatTransition(t: Transition): string {
  return `${new Date(t.at).toISOString()} ${t.target} ${t.to === "up" ? "UP" : "DOWN"}` +
    (t.error ? ` (${t.error})` : "") +
    (t.after !== undefined
      ? ` after ${t.to === "up" ? "down" : "up"} ${formatDuration(t.after)}`
      : "");
}

/** One probe as a JSON record. */
export function probeRecord(s: TargetState, o: ProbeOutcome, at: number): Record<string, unknown> {
  return {
    time: new Date(at).toISOString(),
    target: s.target,
    ok: o.ok,
    ms: roundMs(o.ms),
    ...(o.ok ? {} : { error: o.error }),
    up: s.up,
  };
}

/** One transition as a JSON record. */
export function transitionRecord(t: Transition): Record<string, unknown> {
  return {
    time: new Date(t.at).toISOString(),
    target: t.target,
    event: t.to,
    ...(t.after !== undefined ? { afterMs: Math.round(t.after) } : {}),
    ...(t.error ? { error: t.error } : {}),
  };
}
