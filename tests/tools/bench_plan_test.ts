/**
 * The pure parts of bench's load plans and gates: stages (targets over time, arrival
 * times), thresholds (parsing, k6 semantics), the live histogram and view.
 */
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import {
  arrivalTime,
  nextAbove,
  parseStages,
  stagesDuration,
  targetAt,
} from "../../lib/tools/bench/stages.ts";
import { checkThresholds, parseThreshold } from "../../lib/tools/bench/threshold.ts";
import {
  bucketLow,
  bucketPercentile,
  LIVE_BUCKETS,
  liveBucket,
} from "../../lib/tools/bench/live.ts";
import { renderLive } from "../../lib/tools/bench/live_view.ts";
import { UsageError } from "../../lib/errors.ts";

Deno.test("parseStages: k6's D:N list; bad input names --stages and the stage", () => {
  assertEquals(parseStages("10s:100,30s:1000,10s:0"), [
    { durationMs: 10_000, target: 100 },
    { durationMs: 30_000, target: 1000 },
    { durationMs: 10_000, target: 0 },
  ]);
  assertEquals(stagesDuration(parseStages("1s:5, 500ms:0")), 1500);
  const e = assertThrows(() => parseStages("10s:100,30s"), UsageError);
  assertEquals(e.toString(), '--stages: stage 2 "30s" is not DURATION:TARGET (like 10s:100)');
  assertThrows(() => parseStages("10x:5"), UsageError, "not a duration");
  assertThrows(() => parseStages("0s:5"), UsageError, "no time");
});

Deno.test("stages: linear ramps; when connection i opens; arrivals integrate the rate", () => {
  const s = parseStages("10s:100,30s:1000,10s:0");
  assertEquals(targetAt(s, 0), 0);
  assertEquals(targetAt(s, 5000), 50);
  assertEquals(targetAt(s, 25_000), 550);
  assertEquals(targetAt(s, 45_000), 500);
  assertEquals(targetAt(s, 60_000), 0);
  // connection 49 opens when the target passes 49 (at 4.9 s), 99 at 9.9 s
  assertAlmostEquals(nextAbove(s, 49, 0), 4900, 0.01);
  assertEquals(nextAbove(s, 10, 20_000), 20_000);
  // on the way down, connection 499 closes at 45.01 s and never opens again
  assert(targetAt(s, 45_100) <= 499);
  assertEquals(nextAbove(s, 499, 45_100), Infinity);
  assertEquals(nextAbove(s, 1000, 0), Infinity);
  // open model: 0→100/s over 10 s is 500 requests; request k is due at 10·sqrt(k/500) s
  assertAlmostEquals(arrivalTime(s, 125), 5000, 0.01);
  assertAlmostEquals(arrivalTime(s, 499), 10_000 * Math.sqrt(499 / 500), 0.01);
  // then 100→1000/s over 30 s: 16500 more; then 1000→0 over 10 s: 5000 more
  assertAlmostEquals(arrivalTime(s, 500 + 16_500), 40_000, 0.01);
  assert(arrivalTime(s, 21_999) < 50_000);
  assertEquals(arrivalTime(s, 22_000), Infinity);
  // a constant stage from a start rate
  const flat = parseStages("2s:50");
  assertAlmostEquals(arrivalTime(flat, 10, 50), 200, 1e-9);
  // arrivals are increasing
  let last = -1;
  for (let k = 0; k < 22_000; k += 37) {
    const t = arrivalTime(s, k);
    assert(t > last, `arrival ${k} at ${t} after ${last}`);
    last = t;
  }
});

Deno.test("parseThreshold: the k6 forms; a bad one is one line naming --threshold", () => {
  assertEquals(parseThreshold("p99<5ms"), {
    source: "p99<5ms",
    metric: "p99",
    percentile: 99,
    op: "<",
    value: 5,
  });
  assertEquals(parseThreshold("p(99.9) <= 1s").value, 1000);
  assertEquals(parseThreshold("p95<250").value, 250); // bare numbers are ms, as in k6
  assertEquals(parseThreshold("errors==0").op, "==");
  assertEquals(parseThreshold("rps>1000").value, 1000);
  assertEquals(parseThreshold("error_rate<1%").value, 0.01);
  assertEquals(parseThreshold("avg<500us").value, 0.5);
  for (const bad of ["p99", "p99<<5", "latency<5ms", "p101<5ms", "rps>fast", "errors<1%"]) {
    const e = assertThrows(() => parseThreshold(bad), UsageError);
    assert(e.toString().startsWith("--threshold: "), e.toString());
  }
});

Deno.test("checkThresholds: holds or is crossed, with what was measured", () => {
  const input = {
    percentile: (p: number) => p / 10, // p99 = 9.9 ms
    min: 0.1,
    max: 20,
    mean: 3,
    rps: 1200,
    requests: 990,
    errors: 10,
    attempts: 1000,
  };
  const results = checkThresholds(
    ["p99<5ms", "p99<10ms", "errors==0", "rps>1000", "error_rate<=1%", "max!=20"].map((t) =>
      parseThreshold(t)
    ),
    input,
  );
  assertEquals(results.map((r) => [r.threshold, r.ok, r.actual]), [
    ["p99<5ms", false, 9.9],
    ["p99<10ms", true, 9.9],
    ["errors==0", false, 10],
    ["rps>1000", true, 1200],
    ["error_rate<=1%", true, 0.01],
    ["max!=20", false, 20],
  ]);
});

Deno.test("live buckets: within a quarter octave; percentiles from them; the view", () => {
  for (const us of [1, 3, 4, 5, 7, 8, 100, 1000, 12_345, 999_999, 3_600_000_000]) {
    const i = liveBucket(us);
    assert(i < LIVE_BUCKETS);
    assert(bucketLow(i) <= us && us < bucketLow(i + 1) * 1.0001 + 1, `${us} in bucket ${i}`);
    assert(bucketLow(i + 1) <= us * 1.25 + 1, `${us}: bucket ${i} too wide`);
  }
  const buckets = new Array(LIVE_BUCKETS).fill(0);
  for (let k = 0; k < 99; k++) buckets[liveBucket(1000)]++;
  buckets[liveBucket(50_000)]++;
  const p50 = bucketPercentile(buckets, 50);
  assert(p50 >= 1 && p50 <= 1.25, String(p50));
  assert(bucketPercentile(buckets, 100) >= 50);
  const snap = { requests: 100, bytes: 6400, errors: 2, buckets };
  const lines = renderLive("bench tcp://x", 2000, 4000, snap, snap, 1000, 60);
  assert(lines[0]!.includes("2.0s / 4.0s") && lines[0]!.includes("50%"), lines[0]);
  assert(lines[1]!.includes("100/s now") && lines[1]!.includes("errors 2"), lines[1]);
  assert(lines.some((l) => l.includes("≤1.0ms") || l.includes("≤1.3ms")), lines.join("\n"));
  assert(lines.every((l) => l.length <= 60));
});
