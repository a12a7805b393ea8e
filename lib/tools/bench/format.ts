/**
 * The human-readable benchmark report, in the spirit of wrk's.
 *
 * @module
 */
import { formatBytes } from "../../bytes/units.ts";
import type { BenchResult } from "./bench.ts";

/** Formats a benchmark result as a short report. */
export function formatBench(r: BenchResult): string {
  const l = r.latency;
  const lines = [
    `${r.mode === "stream" ? "Stream" : "Benchmark"} ${r.target}: ${
      (r.durationMs / 1000).toFixed(1)
    }s, ${r.conns} connection${r.conns === 1 ? "" : "s"}${
      r.workers > 1 ? ` on ${r.workers} workers` : ""
    }${r.rate ? `, constant rate ${r.rate}/s` : ""}`,
  ];
  if (r.mode === "stream") {
    lines.push(
      `  ${formatBytes(r.bytesSent)} sent, ${formatBytes(r.throughput)}/s (${
        ((r.throughput * 8) / 1e9).toFixed(2)
      } Gbit/s)`,
    );
  } else {
    lines.push(
      `  ${r.requests} requests, ${r.rps} req/s, ${formatBytes(r.throughput)}/s`,
      `  latency ms   min ${l.min}  p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  p99.9 ${l.p999}  max ${l.max}`,
      `               mean ${l.mean} ± ${l.stdev}` + (r.rate ? "  (from intended send times)" : ""),
    );
  }
  const statuses = Object.entries(r.statuses);
  if (statuses.length) lines.push(`  status ${statuses.map(([k, v]) => `${k}: ${v}`).join(", ")}`);
  const errors = Object.entries(r.errors);
  lines.push(
    errors.length ? `  errors ${errors.map(([k, v]) => `${k}: ${v}`).join(", ")}` : "  errors none",
  );
  for (const [k, msg] of Object.entries(r.errorSamples)) lines.push(`    ${k}: ${msg}`);
  return lines.join("\n");
}
