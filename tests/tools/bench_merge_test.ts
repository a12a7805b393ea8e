/**
 * `bench --json` carries its HdrHistogram; `bench merge` adds histograms, so the merged
 * percentiles are exactly those of all the samples together.
 */
import { assert, assertEquals, assertNotEquals, assertStringIncludes } from "@std/assert";
import { combine, type MergeablePart, mergeResults } from "../../lib/tools/bench/merge.ts";
import {
  addEncoded,
  encodeHistogram,
  type Histogram,
  newHistogram,
} from "../../lib/tools/bench/histogram.ts";
import type { BenchResult } from "../../lib/tools/bench/bench.ts";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp.ts";
import { needs } from "../helpers/peers.ts";
import { socatTcpEcho } from "./_peers.ts";

/** A deterministic pseudo-random generator (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Latency-like samples (µs): a log-normal body and a far tail, different per machine. */
function samples(seed: number, n: number, scale: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const tail = r() < 0.01 ? 50 : 1;
    const z = Math.sqrt(-2 * Math.log(r() || 1e-9)) * Math.cos(2 * Math.PI * r());
    return Math.max(1, Math.round(scale * tail * Math.exp(0.8 * z)));
  });
}

function histogramOf(values: number[]): Histogram {
  const h = newHistogram();
  for (const v of values) h.recordValue(v);
  return h;
}

function part(values: number[], elapsedMs: number): MergeablePart {
  const h = histogramOf(values);
  const encoded = encodeHistogram(h);
  h.destroy();
  return {
    histogram: encoded,
    requests: values.length,
    bytesSent: values.length * 64,
    bytesReceived: values.length * 64,
    errors: { timeout: 1 },
    statuses: {},
    errorSamples: {},
    elapsedMs,
  };
}

/** Every percentile to 0.001 and the summary figures of two histograms. */
function assertSameHistogram(a: Histogram, b: Histogram): void {
  assertEquals(a.totalCount, b.totalCount);
  assertEquals([a.minNonZeroValue, a.maxValue, a.mean], [b.minNonZeroValue, b.maxValue, b.mean]);
  for (let p = 0; p <= 100; p += 0.125) {
    assertEquals(a.getValueAtPercentile(p), b.getValueAtPercentile(p), `p${p}`);
  }
  for (const p of [99.9, 99.99, 99.999]) {
    assertEquals(a.getValueAtPercentile(p), b.getValueAtPercentile(p), `p${p}`);
  }
}

Deno.test("merged histograms equal the histogram of the combined samples", () => {
  const machines = [
    samples(1, 20_000, 300),
    samples(2, 5_000, 2_000),
    samples(3, 12_345, 900),
  ];
  const merged = combine(machines.map((m) => part(m, 1000)));
  // the combined samples' histogram, in the same encoding (it keeps bucket counts; the
  // exact min and max become their buckets' values, as in any HdrHistogram)
  const exact = histogramOf(machines.flat());
  const all = newHistogram();
  addEncoded(all, encodeHistogram(exact));
  exact.destroy();
  const got = newHistogram();
  addEncoded(got, merged.histogram);
  try {
    assertSameHistogram(got, all);
    assertEquals(merged.requests, 37_345);
    assertEquals(merged.errors, { timeout: 3 });
    assertEquals(merged.latency.p99, Math.round(all.getValueAtPercentile(99)) / 1000);
    assertEquals(merged.rps, 37_345);
    // averaging the machines' p99s would be wrong: it differs from the true p99
    const avg = machines.map((m) => {
      const h = histogramOf(m);
      const v = h.getValueAtPercentile(99);
      h.destroy();
      return v;
    }).reduce((a, b) => a + b, 0) / machines.length;
    assertNotEquals(Math.round(avg), all.getValueAtPercentile(99));
    // merging is associative: (a+b)+c through JSON equals a+b+c
    const ab = combine(machines.slice(0, 2).map((m) => part(m, 1000)));
    const abc = combine([{ ...ab, elapsedMs: ab.durationMs }, part(machines[2]!, 1000)]);
    const h2 = newHistogram();
    addEncoded(h2, abc.histogram);
    assertSameHistogram(h2, all);
    h2.destroy();
  } finally {
    got.destroy();
    all.destroy();
  }
});

Deno.test("mergeResults: per-statement histograms merge too; bad input names the file", () => {
  const stmt = (values: number[]) => {
    const h = histogramOf(values);
    const s = {
      where: "x.wire:2",
      statement: 'expect c line "PONG"',
      count: values.length,
      histogram: encodeHistogram(h),
      errors: { mismatch: 1 },
    };
    h.destroy();
    return s;
  };
  const result = (values: number[]): BenchResult => {
    const c = combine([{ ...part(values, 500), statements: [stmt(values)] }]);
    return { target: "x.wire", mode: "rr", conns: 2, workers: 1, ...c };
  };
  const a = samples(7, 3000, 100), b = samples(8, 4000, 700);
  const merged = mergeResults([
    { name: "a.json", text: JSON.stringify(result(a)) },
    { name: "b.json", text: JSON.stringify(result(b)) },
  ]);
  assertEquals([merged.merged, merged.conns, merged.requests], [2, 4, 7000]);
  const s = merged.statements![0]!;
  assertEquals([s.where, s.count, s.errors], ["x.wire:2", 7000, { mismatch: 2 }]);
  const all = histogramOf([...a, ...b]);
  assertEquals(s.latency.p90, Math.round(all.getValueAtPercentile(90)) / 1000);
  all.destroy();
  for (
    const [text, message] of <[string, string][]> [
      ["{", "b.json: not JSON"],
      ['{"requests": 1}', "b.json: not a bench --json result"],
      [JSON.stringify({ ...result(a), histogram: "bm90IGEgaGlzdG9ncmFt" }), "b.json: a histogram"],
      [JSON.stringify({ ...result(a), statements: "x" }), 'b.json: "statements" is not a list'],
      [JSON.stringify({ ...result(a), errors: { timeout: "1" } }), 'b.json: "errors" is not'],
      [JSON.stringify({ ...result(a), requests: -1 }), 'b.json: "requests" is not a number'],
      ["null", "b.json: not a bench --json result"],
    ]
  ) {
    try {
      mergeResults([{ name: "a.json", text: JSON.stringify(result(a)) }, { name: "b.json", text }]);
      throw new Error("accepted");
    } catch (e) {
      assertStringIncludes(String(e), message);
    }
  }
});

Deno.test({
  name: "cli: two bench --json runs against a socat echo merge into the union's percentiles",
  ...needs("socat"),
  async fn() {
    await using echo = await socatTcpEcho();
    await using dir = await tempDir();
    const files: string[] = [];
    for (const name of ["a", "b"]) {
      const r = await runCli([
        "bench",
        `tcp://127.0.0.1:${echo.port}`,
        "--conns",
        "2",
        "--duration",
        "300ms",
        "--warmup",
        "0s",
        "--json",
      ]);
      assertEquals(r.code, 0, r.stderr);
      files.push(await dir.write(`${name}.json`, r.stdout));
    }
    const results = await Promise.all(
      files.map(async (f) => JSON.parse(await Deno.readTextFile(f)) as BenchResult),
    );
    const m = await runCli(["bench", "merge", ...files, "--json"]);
    assertEquals(m.code, 0, m.stderr);
    const merged = JSON.parse(m.stdout) as BenchResult;
    assertEquals(merged.requests, results[0]!.requests + results[1]!.requests);
    const union = newHistogram();
    for (const r of results) addEncoded(union, r.histogram);
    const got = newHistogram();
    addEncoded(got, merged.histogram);
    try {
      assert(union.totalCount > 0);
      assertSameHistogram(got, union);
      assertEquals(merged.latency.p99, Math.round(union.getValueAtPercentile(99)) / 1000);
    } finally {
      union.destroy();
      got.destroy();
    }
    // a gate on the merged result, and the human report
    const gated = await runCli(["bench", "merge", ...files, "--threshold", "p50>1h"]);
    assertEquals(gated.code, 1);
    assertStringIncludes(gated.stdout, "Merged 2 results");
    assertStringIncludes(gated.stdout, "✗ p50>1h");
    assertStringIncludes(gated.stderr, "1 threshold crossed: p50>1h");
    const bad = await runCli(["bench", "merge", files[0]!, dir.join("missing.json")]);
    assertEquals(bad.code, 2);
    assertStringIncludes(bad.stderr, "missing.json");
    assertEquals(bad.stderr.trim().split("\n").length, 1, bad.stderr);
  },
});
