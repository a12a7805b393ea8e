import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { CLI, REPO_ROOT } from "../helpers/cli.ts";
import { output, statusOf, within } from "../helpers/process.ts";
import { initialState, recordProbe, windowStats } from "../../lib/tools/watch/state.ts";
import { renderMetrics } from "../../lib/tools/watch/metrics.ts";
import { formatTable } from "../../lib/tools/watch/table.ts";
import { watchTargets } from "../../lib/tools/watch/watch.ts";
import { freeTcpPort, nginxOneWorker, socatTcpEcho, socatUdpEcho } from "./_peers.ts";
import { tempDir } from "../helpers/temp.ts";
import { parseAddress } from "../../lib/address/address.ts";
import type { ProbeTarget } from "../../lib/tools/probe/probe.ts";
import { needs } from "../helpers/peers.ts";

Deno.test("recordProbe: first state, down and up transitions with durations, window", () => {
  const s = initialState("tcp://a:1");
  const first = recordProbe(s, { ok: true, ms: 2 }, 1000, 3);
  assertEquals(first, { target: "tcp://a:1", to: "up", at: 1000 });
  assertEquals(recordProbe(s, { ok: true, ms: 4 }, 2000, 3), undefined);
  assertEquals(recordProbe(s, { ok: false, ms: 1, error: "refused" }, 3000, 3), {
    target: "tcp://a:1",
    to: "down",
    at: 3000,
    after: 2000,
    error: "refused",
  });
  assertEquals(recordProbe(s, { ok: true, ms: 6 }, 3500, 3)?.after, 500);
  recordProbe(s, { ok: true, ms: 8 }, 4000, 3);
  assertEquals(s.window, [4, 6, 8]);
  assertEquals([s.probes, s.failures, s.last], [5, 1, 8]);
  assertEquals(windowStats(s), { median: 6, p99: 8 });
  const table = formatTable([s], 5000);
  assertMatch(table[0]!, /^TARGET\s+STATE\s+FOR\s+LAST\s+MEDIAN\s+P99\s+FAILED/);
  assertMatch(table[1]!, /^tcp:\/\/a:1\s+up\s+1\.50s\s+8\.0ms\s+6\.0ms\s+8\.0ms\s+1\/5\s+refused$/);
});

Deno.test("renderMetrics: Prometheus text format", () => {
  const up = {
    ...initialState("tcp://a:1"),
    up: true,
    since: 1_000_000,
    last: 2,
    probes: 3,
    failures: 1,
    window: [1, 2, 3],
  };
  const down = {
    ...initialState('udp://"b":2'),
    up: false,
    since: 2_000_000,
    probes: 2,
    failures: 2,
  };
  const text = renderMetrics([up, down]);
  assertStringIncludes(text, "# TYPE wireplay_target_up gauge\n");
  assertStringIncludes(text, 'wireplay_target_up{target="tcp://a:1"} 1\n');
  assertStringIncludes(text, 'wireplay_target_up{target="udp://\\"b\\":2"} 0\n');
  assertStringIncludes(
    text,
    'wireplay_probe_latency_seconds{target="tcp://a:1",quantile="0.5"} 0.002\n',
  );
  assertStringIncludes(
    text,
    'wireplay_probe_latency_seconds{target="udp://\\"b\\":2",quantile="0.99"} NaN\n',
  );
  assertStringIncludes(text, 'wireplay_probe_latency_seconds_count{target="tcp://a:1"} 3\n');
  assertStringIncludes(text, 'wireplay_probes_total{target="tcp://a:1"} 3\n');
  assertStringIncludes(text, 'wireplay_probe_failures_total{target="udp://\\"b\\":2"} 2\n');
  // Every sample line is NAME{labels} VALUE.
  for (const line of text.trim().split("\n")) {
    if (!line.startsWith("#")) {
      assertMatch(
        line,
        /^[a-z_]+\{target="(?:[^"\\]|\\.)*"(?:,quantile="[\d.]+")?\} (?:[\d.e-]+|NaN)$/,
      );
    }
  }
});

Deno.test({
  name: "watchTargets stops by count and reports each probe",
  ...needs("socat"),
  fn: async () => {
    await using echo = await socatTcpEcho();
    const closed = freeTcpPort();
    const seen: string[] = [];
    const states = await watchTargets([
      { scheme: "tcp", host: "127.0.0.1", port: echo.port },
      { scheme: "tcp", host: "127.0.0.1", port: closed },
    ], { every: 10, count: 3, onProbe: (s, o) => seen.push(`${s.target} ${o.ok}`) });
    assertEquals(states.map((s) => [s.up, s.probes, s.failures]), [[true, 3, 0], [false, 3, 3]]);
    assertEquals(seen.length, 6);
  },
});

/** Runs `cli.ts watch …` with its stdout and stderr as line readers. */
function spawnWatch(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", CLI, "watch", ...args],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(splitLines());
  const errLines = child.stderr.pipeThrough(new TextDecoderStream()).pipeThrough(splitLines());
  return { child, reader: lines.getReader(), errors: errLines.getReader() };
}

function splitLines(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, ctl) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const p of parts) ctl.enqueue(p);
    },
    flush(ctl) {
      if (rest) ctl.enqueue(rest);
    },
  });
}

/** The next JSON line `pred` accepts (bounded: 20 s, failing with the last lines seen). */
async function nextMatching(
  reader: ReadableStreamDefaultReader<string>,
  pred: (j: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  const seen: string[] = [];
  return await within(
    (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error("watch ended before the expected line");
        seen.push(value);
        const j = JSON.parse(value);
        if (pred(j)) return j;
      }
    })(),
    20_000,
    () => `watch: the expected JSON line (last lines: ${JSON.stringify(seen.slice(-3))})`,
  );
}

Deno.test({
  name: "cli watch: JSON lines when piped, down and up reported with timestamps",
  ...needs("socat"),
  fn: async () => {
    let echo = await socatTcpEcho();
    const port = echo.port;
    const w = spawnWatch([`tcp://127.0.0.1:${port}`, "--every", "50ms", "--for", "30s"]);
    try {
      const first = await nextMatching(w.reader, (j) => j.ok === true);
      assertEquals(first.target, `tcp://127.0.0.1:${port}`);
      assertMatch(String(first.time), /^\d{4}-\d\d-\d\dT/);
      await echo.peer.stop();
      const down = await nextMatching(w.reader, (j) => j.event !== undefined);
      assertEquals([down.event, down.error], ["down", "refused"]);
      echo = await socatTcpEcho("127.0.0.1", port);
      const up = await nextMatching(w.reader, (j) => j.event !== undefined);
      assertEquals(up.event, "up");
      assert(Number(up.afterMs) > 0);
      assert(Date.parse(String(up.time)) >= Date.parse(String(down.time)));
    } finally {
      w.child.kill("SIGINT");
      await w.reader.cancel();
      await w.errors.cancel();
      assertEquals((await statusOf(w.child, "watch after SIGINT", 10_000)).code, 0);
      await echo.peer.stop();
    }
  },
});

Deno.test({
  name: "cli watch --metrics serves Prometheus text while watching",
  ...needs("socat"),
  fn: async () => {
    await using echo = await socatTcpEcho();
    const closed = freeTcpPort();
    const w = spawnWatch([
      `127.0.0.1:${echo.port}`,
      `tcp://127.0.0.1:${closed}`,
      "--every",
      "50ms",
      "--for",
      "30s",
      "--metrics",
      "127.0.0.1:0",
    ]);
    try {
      // Both targets probed at least once.
      const seen = new Set<unknown>();
      while (seen.size < 2) {
        seen.add((await nextMatching(w.reader, (j) => j.target !== undefined)).target);
      }
      const announced = await within(w.errors.read(), 20_000, "watch's metrics line on stderr");
      const metricsUrl = /^metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)$/.exec(
        announced.value ?? "",
      )?.[1];
      assert(metricsUrl, announced.value);
      const res = await fetch(metricsUrl);
      assertEquals(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      const text = await res.text();
      assertStringIncludes(text, `wireplay_target_up{target="tcp://127.0.0.1:${echo.port}"} 1`);
      assertStringIncludes(text, `wireplay_target_up{target="tcp://127.0.0.1:${closed}"} 0`);
      const notFound = await fetch(new URL("/nope", metricsUrl));
      assertEquals(notFound.status, 404);
      await notFound.body?.cancel();
    } finally {
      w.child.kill("SIGINT");
      await w.reader.cancel();
      await w.errors.cancel();
      assertEquals((await statusOf(w.child, "watch after SIGINT", 10_000)).code, 0);
    }
  },
});

Deno.test({
  name: "watchTargets over http:// (nginx: 200 up, 503 down) and udp:// with a probe",
  ...needs("nginx", "socat"),
  fn: async () => {
    await using dir = await tempDir();
    await using ngx = await nginxOneWorker(dir);
    await using udp = await socatUdpEcho();
    const targets = [
      `http://127.0.0.1:${ngx.port}/`,
      `http://127.0.0.1:${ngx.port}/fail`,
      `udp://127.0.0.1:${udp.port}`,
    ].map((t) => parseAddress(t) as ProbeTarget);
    const states = await watchTargets(targets, {
      every: 10,
      count: 2,
      payload: new TextEncoder().encode("hello there"),
      expect: new TextEncoder().encode("hello"), // the UDP reply and the HTTP body
    });
    assertEquals(states.map((s) => [s.up, s.probes]), [[true, 2], [false, 2], [true, 2]]);
    assertEquals(states[1]!.lastError, "status 503");
  },
});

Deno.test({
  name: "cli watch on a terminal draws a live table and redraws it in place",
  ...needs("script", "socat"),
  fn: async () => {
    await using echo = await socatTcpEcho();
    const closed = freeTcpPort();
    // `script` gives the command a pseudo-terminal.
    const cmd = [
      Deno.execPath(),
      "run",
      "-A",
      "--quiet",
      CLI,
      "watch",
      `127.0.0.1:${echo.port}`,
      `127.0.0.1:${closed}`,
    ]
      .concat(["--every", "50ms", "--count", "4"]).join(" ");
    const out = await output("script", {
      args: ["-qec", cmd, "/dev/null"],
      cwd: REPO_ROOT,
      env: { NO_COLOR: "1", TERM: "xterm" },
      deadlineMs: 60_000, // killed with its children, and failing by name, if it never ends
    });
    const text = new TextDecoder().decode(out.stdout);
    assertEquals(out.code, 0, text);
    assertMatch(text, /TARGET\s+STATE\s+FOR\s+LAST\s+MEDIAN\s+P99\s+FAILED/);
    assertStringIncludes(text, "\x1b[3F\x1b[J"); // moved up over the 3 lines drawn and cleared
    const last = text.slice(text.lastIndexOf("TARGET"));
    assertMatch(last, new RegExp(`tcp://127\\.0\\.0\\.1:${echo.port}\\s+up\\s.*0/4`));
    assertMatch(last, new RegExp(`tcp://127\\.0\\.0\\.1:${closed}\\s+DOWN\\s.*4/4\\s+refused`));
    assert(!text.includes('{"time"'), "no JSON lines on a terminal");
  },
});
