// pingHttp: per-request phase timings and the summary; failures counted, not thrown.
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { formatPingResult, formatPingSummary, pingHttp, stats } from "../../lib/http/ping.ts";
import { startHttpServer } from "../../lib/http/server/serve.ts";
import { freePort } from "./_peers.ts";

Deno.test("ping: http and https requests with every phase timed", async () => {
  await using server = await startHttpServer("https://127.0.0.1:0");
  const lines: string[] = [];
  const { results, summary } = await pingHttp(`${server.url}/bytes/100`, {
    count: 3,
    intervalMs: 10,
    caCerts: [server.certPem!],
    onResult: (r) => lines.push(formatPingResult(r)),
  });
  assertEquals(results.length, 3);
  assert(results.every((r) => r.ok && r.status === 200 && r.bytes === 100));
  assert(results.every((r) => r.timings!.tlsMs > 0 && r.timings!.totalMs >= r.timings!.ttfbMs));
  assertEquals(summary.received, 3);
  assert(
    summary.total!.min <= summary.total!.median && summary.total!.median <= summary.total!.max,
  );
  assertMatch(
    lines[0]!,
    /^seq=1 status=200 bytes=100 from 127\.0\.0\.1: dns=.* connect=.* tls=.* ttfb=.* total=/,
  );
  const text = formatPingSummary(summary);
  assertStringIncludes(text, "3 requests, 3 answered, 0% failed");
  assertStringIncludes(text, "min/median/p99/max: total ");
});

Deno.test("ping: a closed port counts as failed; a bad URL throws; abort stops early", async () => {
  const port = freePort();
  const { results, summary } = await pingHttp(`http://127.0.0.1:${port}/`, {
    count: 2,
    intervalMs: 0,
  });
  assertEquals(summary.failed, 2);
  assertMatch(results[0]!.error!, /^connect: /);
  assertEquals(summary.total, undefined);
  await assertRejects(() => pingHttp("ftp://x/", { count: 1 }));
  await using server = await startHttpServer("http://127.0.0.1:0");
  const ac = new AbortController();
  const done = pingHttp(`${server.url}/`, {
    count: 100,
    intervalMs: 50,
    signal: ac.signal,
    onResult: (r) => r.seq === 2 && ac.abort(),
  });
  const { results: few } = await done;
  assertEquals(few.length, 2);
});

Deno.test("ping: nearest-rank statistics", () => {
  assertEquals(stats([5, 1, 3]), { min: 1, median: 3, p99: 5, max: 5 });
  const many = Array.from({ length: 100 }, (_, i) => i + 1);
  assertEquals(stats(many), { min: 1, median: 50, p99: 99, max: 100 });
});
