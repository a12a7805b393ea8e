/**
 * The latency distribution as an SVG chart: latency by percentile, the percentile axis
 * stretched toward the tail (90%, 99%, 99.9%…) as HdrHistogram plots do.
 *
 * @module
 */
import { atomicWrite } from "../../fs/atomic_write.ts";
import type { BenchResult } from "./bench.ts";

const W = 720, H = 420, L = 70, R = 20, T = 50, B = 50;

/**
 * Renders `result.curve` as a standalone SVG document.
 *
 * @example Draw a short benchmark
 * ```ts
 * import { latencySvg, runBench, writeLatencySvg } from "@wireplay/wireplay/tools";
 * import { serve } from "@wireplay/wireplay";
 * import { assertStringIncludes } from "@std/assert";
 * await using echo = await serve("echo", "tcp://127.0.0.1:0");
 * const result = await runBench({
 *   scheme: "tcp",
 *   host: "127.0.0.1",
 *   port: echo.port,
 *   conns: 1,
 *   durationMs: 200,
 *   warmupMs: 0,
 * });
 * assertStringIncludes(latencySvg(result), "<svg");
 * const path = await Deno.makeTempFile({ suffix: ".svg" });
 * await writeLatencySvg(path, result);
 * await Deno.remove(path);
 * ```
 */
export function latencySvg(result: BenchResult): string {
  const pts = result.curve;
  const maxX = 5; // 99.999%
  const xOf = (p: number) => Math.min(maxX, p >= 100 ? maxX : Math.log10(1 / (1 - p / 100)));
  const maxY = niceCeil(Math.max(0.001, ...pts.map(([, ms]) => ms)));
  const sx = (x: number) => L + (x / maxX) * (W - L - R);
  const sy = (ms: number) => H - B - (ms / maxY) * (H - T - B);
  const path = pts.map(([p, ms], i) =>
    `${i ? "L" : "M"}${sx(xOf(p)).toFixed(1)},${sy(ms).toFixed(1)}`
  ).join(" ");
  const xTicks = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%"]
    .map((label, k) =>
      `<line x1="${sx(k)}" y1="${T}" x2="${sx(k)}" y2="${H - B}" stroke="#ddd"/>` +
      `<text x="${sx(k)}" y="${H - B + 18}" text-anchor="middle">${label}</text>`
    ).join("");
  const yTicks = Array.from({ length: 6 }, (_, k) => (maxY * k) / 5)
    .map((v) =>
      `<line x1="${L}" y1="${sy(v).toFixed(1)}" x2="${W - R}" y2="${
        sy(v).toFixed(1)
      }" stroke="#eee"/>` +
      `<text x="${L - 6}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`
    ).join("");
  const title = `${esc(result.target)}: ${result.rps} req/s, ${result.conns} conns` +
    (result.rate ? `, rate ${result.rate}/s` : "") +
    `, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="24" text-anchor="middle" font-size="14">${title}</text>
${yTicks}${xTicks}
<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>
<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>
<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">percentile</text>
<text x="16" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${
    (T + H - B) / 2
  })">latency (ms)</text>
<path d="${path}" fill="none" stroke="#1f77b4" stroke-width="2"/>
</svg>
`;
}

/**
 * Writes the SVG to `path` through a temporary file and a rename.
 *
 * @example Draw a short benchmark
 * ```ts
 * import { latencySvg, runBench, writeLatencySvg } from "@wireplay/wireplay/tools";
 * import { serve } from "@wireplay/wireplay";
 * import { assertStringIncludes } from "@std/assert";
 * await using echo = await serve("echo", "tcp://127.0.0.1:0");
 * const result = await runBench({
 *   scheme: "tcp",
 *   host: "127.0.0.1",
 *   port: echo.port,
 *   conns: 1,
 *   durationMs: 200,
 *   warmupMs: 0,
 * });
 * assertStringIncludes(latencySvg(result), "<svg");
 * const path = await Deno.makeTempFile({ suffix: ".svg" });
 * await writeLatencySvg(path, result);
 * await Deno.remove(path);
 * ```
 */
export function writeLatencySvg(path: string, result: BenchResult): Promise<void> {
  return atomicWrite(path, latencySvg(result));
}

function niceCeil(v: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(3);
}

function esc(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
