/**
 * The human-readable benchmark report, in the spirit of wrk's (and k6's thresholds).
 *
 * @module
 */
import { formatBytes, formatDuration } from "../../bytes/units.ts";
import type { BenchResult } from "./bench.ts";
import { thresholdUnit } from "./threshold.ts";

/** Formats a benchmark result as a short report. */
export function formatBench(r: BenchResult): string {
  const l = r.latency;
  const script = r.statements !== undefined;
  const what = r.merged
    ? `Merged ${r.merged} results,`
    : script
    ? "Script"
    : r.mode === "stream"
    ? "Stream"
    : "Benchmark";
  const users = script ? "virtual user" : "connection";
  const lines = [
    `${what} ${r.target}: ${(r.durationMs / 1000).toFixed(1)}s, ${r.conns} ${users}${
      r.conns === 1 ? "" : "s"
    }${r.workers > 1 && !r.merged ? ` on ${r.workers} workers` : ""}${
      r.rate && !r.stages ? `, constant rate ${r.rate}/s` : ""
    }`,
  ];
  if (r.stages) {
    const unit = r.rate ? "/s" : "";
    lines.push(
      `  stages ${r.rate ? `${r.rate}/s → ` : "0 → "}${
        r.stages.map((s) => `${s.target}${unit} in ${formatDuration(s.durationMs)}`).join(" → ")
      } (${r.rate ? "open model: arrival rate" : "closed model: connections"})`,
    );
  }
  if (r.mode === "stream") {
    lines.push(
      `  ${formatBytes(r.bytesSent)} sent, ${formatBytes(r.throughput)}/s (${
        ((r.throughput * 8) / 1e9).toFixed(2)
      } Gbit/s)`,
    );
  } else {
    lines.push(
      script
        ? `  ${r.requests} iterations, ${r.rps} it/s, ${formatBytes(r.throughput)}/s`
        : `  ${r.requests} requests, ${r.rps} req/s, ${formatBytes(r.throughput)}/s`,
      `  latency ms   min ${l.min}  p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  p99.9 ${l.p999}  max ${l.max}`,
      `               mean ${l.mean} ± ${l.stdev}` + (r.rate ? "  (from intended send times)" : ""),
    );
  }
  if (r.statements?.length) lines.push(...statementTable(r));
  const statuses = Object.entries(r.statuses);
  if (statuses.length) lines.push(`  status ${statuses.map(([k, v]) => `${k}: ${v}`).join(", ")}`);
  const errors = Object.entries(r.errors);
  lines.push(
    errors.length ? `  errors ${errors.map(([k, v]) => `${k}: ${v}`).join(", ")}` : "  errors none",
  );
  for (const [k, msg] of Object.entries(r.errorSamples)) lines.push(`    ${k}: ${msg}`);
  if (r.thresholds?.length) {
    lines.push("  thresholds");
    for (const t of r.thresholds) {
      lines.push(
        `    ${t.ok ? "✓" : "✗"} ${t.threshold}  (${round(t.actual)}${thresholdUnit(t.threshold)})`,
      );
    }
  }
  return lines.join("\n");
}

/** The crossed thresholds as one line, or undefined when none was. */
export function crossedLine(r: BenchResult): string | undefined {
  const crossed = (r.thresholds ?? []).filter((t) => !t.ok);
  if (!crossed.length) return undefined;
  return `${crossed.length} threshold${crossed.length === 1 ? "" : "s"} crossed: ${
    crossed.map((t) => `${t.threshold} (${round(t.actual)}${thresholdUnit(t.threshold)})`)
      .join(", ")
  }`;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Per statement: where, count, p50/p90/p99/max (ms), errors by kind. */
function statementTable(r: BenchResult): string[] {
  const rows = r.statements!.map((s) => [
    s.where,
    clip(s.statement, 40),
    String(s.count),
    String(s.latency.p50),
    String(s.latency.p90),
    String(s.latency.p99),
    String(s.latency.max),
    Object.entries(s.errors).map(([k, v]) => `${k}: ${v}`).join(", ") || "-",
  ]);
  const head = ["statement", "", "n", "p50", "p90", "p99", "max", "errors"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    "  " + cells.map((c, i) => (i >= 2 && i <= 6 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ").trimEnd();
  return [line(head), ...rows.map(line)];
}

function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, " ");
  return one.length > n ? one.slice(0, n - 1) + "…" : one;
}
