/**
 * Load that gates CI: `bench --threshold` (exit 1 listing the crossed ones, k6 semantics)
 * and `--stages` ramps (closed model: connections; open model: arrival rate), against
 * nginx and a socat echo.
 */
import {
  assert,
  assertEquals,
  assertGreater,
  assertLess,
  assertMatch,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { CLI, REPO_ROOT, runCli } from "../helpers/cli.ts";
import { output } from "../helpers/process.ts";
import { tempDir } from "../helpers/temp.ts";
import { needs } from "../helpers/peers.ts";
import { nginxOneWorker, socatTcpEcho } from "./_peers.ts";
import { runBench } from "../../lib/tools/bench/bench.ts";
import type { BenchResult } from "../../lib/tools/bench/bench.ts";
import { runScript } from "../../lib/run/interpreter.ts";
import { parseScript } from "../../lib/script/parser.ts";
import { UsageError } from "../../lib/errors.ts";

Deno.test({
  name: "cli bench --threshold against nginx: passes, crosses (exit 1, listed), bad ones exit 2",
  ...needs("nginx"),
  async fn() {
    await using dir = await tempDir();
    await using nginx = await nginxOneWorker(dir);
    const url = `http://127.0.0.1:${nginx.port}/`;
    const base = ["bench", url, "--conns", "2", "--duration", "400ms", "--warmup", "0s"];
    const ok = await runCli([
      ...base,
      "--threshold",
      "errors==0",
      "--threshold",
      "rps>10",
      "--threshold",
      "p99<2s",
    ]);
    assertEquals(ok.code, 0, ok.stderr + ok.stdout);
    assertStringIncludes(ok.stdout, "  thresholds\n    ✓ errors==0  (0)\n    ✓ rps>10");
    assertEquals(ok.stderr, "");

    const crossed = await runCli([
      ...base,
      "--threshold",
      "errors==0",
      "--threshold",
      "p99<1us",
      "--threshold",
      "rps>100000000",
      "--json",
    ]);
    assertEquals(crossed.code, 1, crossed.stderr);
    const r = JSON.parse(crossed.stdout) as BenchResult;
    assertEquals(r.thresholds!.map((t) => [t.threshold, t.ok]), [
      ["errors==0", true],
      ["p99<1us", false],
      ["rps>100000000", false],
    ]);
    assertEquals(r.thresholds![2]!.actual, r.rps);
    assertStringIncludes(crossed.stderr, "wireplay bench: 2 thresholds crossed: p99<1us (");
    assertStringIncludes(crossed.stderr, `rps>100000000 (${r.rps})`);

    // errors are what nginx's 503s are: status_5xx, counted against errors==0
    const failing = await runCli([
      "bench",
      `http://127.0.0.1:${nginx.port}/fail`,
      "--conns",
      "1",
      "--duration",
      "200ms",
      "--warmup",
      "0s",
      "--threshold",
      "errors==0",
      "--threshold",
      "error_rate>0.99",
    ]);
    assertEquals(failing.code, 1);
    assertStringIncludes(failing.stdout, "✗ errors==0");
    assertStringIncludes(failing.stdout, "✓ error_rate>0.99  (1)");

    for (
      const [flag, value, message] of [
        ["--threshold", "p99<<5ms", '--threshold: "p99<<5ms" is not METRIC OP VALUE'],
        ["--threshold", "p99<5xs", '--threshold: "5xs" is not a duration'],
        ["--threshold", "p99{3}<5ms", "no statement at 3 (only bench script has statements)"],
        ["--threshold", "latency<5ms", '--threshold: unknown metric "latency"'],
        ["--stages", "10s:100,30s", '--stages: stage 2 "30s" is not DURATION:TARGET'],
      ]
    ) {
      const bad = await runCli([...base.slice(0, 2), flag!, value!]);
      assertEquals(bad.code, 2, bad.stderr);
      assertStringIncludes(bad.stderr, message!);
      assertEquals(bad.stderr.trim().split("\n").length, 1, bad.stderr);
    }
    const both = await runCli([...base.slice(0, 2), "--stages", "1s:2", "--duration", "1s"]);
    assertEquals(both.code, 2);
    assertStringIncludes(both.stderr, "--duration: the stages set the run's length");
  },
});

/** A loopback echo that notes when each connection opened and closed (ms since listening). */
function timedEcho() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const t0 = performance.now();
  const conns: { open: number; close?: number }[] = [];
  const handlers: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      const note: { open: number; close?: number } = { open: performance.now() - t0 };
      conns.push(note);
      handlers.push((async () => {
        const buf = new Uint8Array(4096);
        try {
          for (;;) {
            const n = await conn.read(buf);
            if (n === null) break;
            await conn.write(buf.subarray(0, n));
          }
        } catch { /* reset by the client */ }
        note.close = performance.now() - t0;
        conn.close();
      })());
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    conns,
    /** Now, on the same clock as the notes. */
    now: () => performance.now() - t0,
    /** Waits (at most 5 s) until every connection so far has closed. */
    async closed() {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(handlers),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error("connections still open after 5 s")), 5000);
        }),
      ]).finally(() => clearTimeout(timer));
    },
    async [Symbol.asyncDispose]() {
      listener.close();
      await accepting;
      await Promise.all(handlers);
    },
  };
}

Deno.test("bench --stages, closed model: connection i is open while the target exceeds i", async () => {
  await using echo = timedEcho();
  // 0→4 over 400 ms, 4→0 over 400 ms: connection i opens at i·100 ms and closes at 800 - i·100 ms
  const start = echo.now(); // the run's own start is a little later
  const r = await runBench({
    scheme: "tcp",
    host: "127.0.0.1",
    port: echo.port,
    stages: [{ durationMs: 400, target: 4 }, { durationMs: 400, target: 0 }],
  });
  assertEquals([r.durationMs, r.conns, r.stages!.length], [800, 4, 2]);
  assertGreater(r.requests, 20);
  assertEquals(Object.keys(r.errors), [], JSON.stringify(r.errorSamples));
  await echo.closed();
  const byOpen = [...echo.conns].sort((a, b) => a.open - b.open);
  assertEquals(byOpen.length, 4, JSON.stringify(echo.conns));
  const opened = byOpen.map((c) => c.open - start);
  const closed = byOpen.map((c) => c.close! - start);
  // timers run late on a busy machine, never early: connection i opens no sooner than
  // i·100 ms and closes no sooner than 800 - i·100 ms; the last opened closes first
  for (let i = 0; i < 4; i++) {
    assert(opened[i]! >= i * 100 - 2, `opened at ${opened}`);
    assert(closed[i]! >= 800 - i * 100 - 2, `closed at ${closed}`);
  }
  for (let i = 0; i < 3; i++) assert(closed[i]! > closed[i + 1]!, `closed at ${closed}`);
  // and they were spread over the ramp, not opened at once
  assertGreater(opened[3]! - opened[0]!, 200, `opened at ${opened}`);
  assertLess(opened[3]! - opened[0]!, 500, `opened at ${opened}`);
});

Deno.test({
  name: "bench --rate with --stages, open model: requests follow the integral of the rate",
  ...needs("socat"),
  async fn() {
    await using echo = await socatTcpEcho();
    // 20/s rising to 200/s over 0.6 s, then held 0.3 s: (20+200)/2·0.6 + 200·0.3 = 126
    const r = await runBench({
      scheme: "tcp",
      host: "127.0.0.1",
      port: echo.port,
      conns: 8,
      rate: 20,
      stages: [{ durationMs: 600, target: 200 }, { durationMs: 300, target: 200 }],
    });
    assertEquals(Object.keys(r.errors), [], JSON.stringify(r.errorSamples));
    assertGreater(r.requests, 110);
    assertLess(r.requests, 127);
    assertEquals(r.rate, 20);
    // and over two isolates, the shares add up to the same schedule
    const w = await runBench({
      scheme: "tcp",
      host: "127.0.0.1",
      port: echo.port,
      conns: 4,
      rate: 20,
      workers: 2,
      stages: [{ durationMs: 600, target: 200 }, { durationMs: 300, target: 200 }],
    });
    assertGreater(w.requests, 110);
    assertLess(w.requests, 127);
  },
});

Deno.test({
  name: "cli bench --stages: the report names the model; --warmup with stages exits 2",
  ...needs("socat"),
  async fn() {
    await using echo = await socatTcpEcho();
    const r = await runCli([
      "bench",
      `tcp://127.0.0.1:${echo.port}`,
      "--stages",
      "200ms:3,200ms:0",
      "--workers",
      "2",
    ]);
    assertEquals(r.code, 0, r.stderr);
    assertStringIncludes(r.stdout, "0.4s, 3 connections on 2 workers");
    assertStringIncludes(
      r.stdout,
      "stages 0 → 3 in 200ms → 0 in 200ms (closed model: connections)",
    );
    // piped: no live view, no escape codes
    assertEquals(r.stderr, "");
    const bad = await runCli([
      "bench",
      `tcp://127.0.0.1:${echo.port}`,
      "--stages",
      "1s:2",
      "--warmup",
      "1s",
    ]);
    assertEquals(bad.code, 2);
    assertStringIncludes(bad.stderr, "--warmup: the stages set the run's length");
  },
});

Deno.test({
  name: "the bench statement: threshold fails the statement naming what was crossed",
  ...needs("socat"),
  async fn() {
    await using echo = await socatTcpEcho();
    const line = `bench tcp://127.0.0.1:${echo.port} conns 1 duration 200ms warmup 0s`;
    const ok = await runScript(
      parseScript(`${line} threshold errors==0 threshold p99<1h as b\n`, "t.wire"),
    );
    assert(ok.ok, ok.failure?.message);
    assertStringIncludes(ok.output.join("\n"), "✓ p99<1h");
    const bad = await runScript(parseScript(`${line} threshold rps>1000000000\n`, "t.wire"));
    assertEquals(bad.ok, false);
    assertStringIncludes(bad.failure!.reason, "1 threshold crossed: rps>1000000000 (");
    const scoped = assertThrows(
      () => parseScript(`${line} threshold p99{2}<5ms\n`, "t.wire"),
      UsageError,
    );
    assertStringIncludes(scoped.toString(), "names a statement of bench script");
    const e = assertThrows(() => parseScript(`${line} threshold p99<<5ms\n`, "t.wire"), UsageError);
    assertStringIncludes(e.toString(), "t.wire:1:");
    assertStringIncludes(e.toString(), "threshold");
  },
});

Deno.test({
  name: "cli bench on a terminal draws the live view in place and erases it; piped, none",
  ...needs("script", "socat"),
  async fn() {
    await using echo = await socatTcpEcho();
    const args = ["bench", `tcp://127.0.0.1:${echo.port}`, "--conns", "2", "--duration", "1200ms"];
    // `script` gives the command a pseudo-terminal
    const cmd = [Deno.execPath(), "run", "-A", "--quiet", CLI, ...args, "--warmup", "0s"].join(" ");
    const out = await output("script", {
      args: ["-qec", cmd, "/dev/null"],
      cwd: REPO_ROOT,
      env: { NO_COLOR: "1", TERM: "xterm", CI: "" }, // CI=true turns the live view off
      deadlineMs: 60_000,
    });
    const text = new TextDecoder().decode(out.stdout);
    assertEquals(out.code, 0, text);
    assertMatch(text, /bench tcp:\/\/127\.0\.0\.1:\d+ {2}\d\.\ds \/ 1\.2s {2}[█░]{20} \d+%/);
    assertMatch(text, /rate +\d+\/s now, \d+\/s overall {3}requests \d+ {3}errors 0/);
    assertMatch(text, /latency {2}p50 [\d.]+ms {2}p90 [\d.]+ms {2}p99 [\d.]+ms {2}\(last second\)/);
    assertMatch(text, /≤[\d.]+ms +■+ \d+/); // the histogram
    // redrawn in place: moved up over the lines drawn, cleared
    assertMatch(text, new RegExp(String.raw`\x1b\[([4-9]|1[01])A\r\x1b\[J`));
    // the report comes after the view was erased
    const report = text.lastIndexOf("Benchmark tcp://");
    assert(report > text.lastIndexOf("\x1b[J"), "the view is erased before the report");
    // with stages, a line says where the ramp is
    const ramp = [Deno.execPath(), "run", "-A", "--quiet", CLI, ...args.slice(0, 2)]
      .concat(["--stages", "600ms:4,300ms:4"]).join(" ");
    const staged = await output("script", {
      args: ["-qec", ramp, "/dev/null"],
      cwd: REPO_ROOT,
      env: { NO_COLOR: "1", TERM: "xterm", CI: "" }, // CI=true turns the live view off
      deadlineMs: 60_000,
    });
    const stagedText = new TextDecoder().decode(staged.stdout);
    assertEquals(staged.code, 0, stagedText);
    assertMatch(stagedText, /\d+%\r?\n {2}target [1-4] connection\(s\)\r?\n {2}rate /);
  },
});
