/**
 * Text lines of `ping`: one per probe, then the summary.
 *
 * @module
 */
import type { ProbeOutcome } from "../probe/probe.ts";
import type { PingSummary } from "./ping.ts";

/** One probe's line: `seq=1 time=0.214 ms` or `seq=2 failed: refused`. */
export function formatProbe(seq: number, o: ProbeOutcome): string {
  return o.ok
    ? `seq=${seq} time=${o.ms.toFixed(3)} ms${o.detail ? ` (${o.detail})` : ""}`
    : `seq=${seq} failed: ${o.error} after ${o.ms.toFixed(3)} ms`;
}

/** The summary block, as ping(8) prints it, with median and p99. */
export function formatPingSummary(s: PingSummary): string {
  const f = (n: number) => n.toFixed(3);
  const lines = [
    `--- ${s.target} ping statistics ---`,
    `${s.sent} probes sent, ${s.received} received, ${(s.loss * 100).toFixed(1)}% loss`,
  ];
  if (s.received > 0) {
    lines.push(`min/median/p99/max = ${f(s.min)}/${f(s.median)}/${f(s.p99)}/${f(s.max)} ms`);
  }
  return lines.join("\n");
}
