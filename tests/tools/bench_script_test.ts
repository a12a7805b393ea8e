/**
 * `bench script FILE.wire`: each virtual user runs the script through the interpreter;
 * per-statement latency percentiles and errors by statement and kind. Against
 * redis-server (a recording made by `wireplay record`, used with no edits), nginx (an HTTP
 * flow) and a socat echo.
 */
import { assert, assertEquals, assertGreater, assertStringIncludes } from "@std/assert";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp.ts";
import { needs } from "../helpers/peers.ts";
import { startRedis } from "../helpers/peer.ts";
import { output } from "../helpers/process.ts";
import { freeTcpPort, nginxOneWorker, socatTcpEcho } from "./_peers.ts";
import { startRecorder } from "../helpers/recorder.ts";
import { runBench } from "../../lib/tools/bench/bench.ts";
import type { BenchResult } from "../../lib/tools/bench/bench.ts";
import { gate } from "../../lib/tools/bench/gate.ts";
import { parseThreshold } from "../../lib/tools/bench/threshold.ts";

const SCRIPT = (port: number) =>
  `# a ping-pong with the echo
connect tcp://127.0.0.1:${port} as c
send c "PING\\r\\n"
expect c line "PING"
close c
`;

/**
 * Load-tests the recording FILE against the server at PORT (its `target`): 2 virtual users,
 * 500ms, no warm-up, --json, threshold errors==0. Checks that it passed with more than three
 * iterations and returns the result.
 */
async function benchRecording(file: string, port: number): Promise<BenchResult> {
  const r = await runCli([
    "bench",
    "script",
    file,
    "--var",
    `target=tcp://127.0.0.1:${port}`,
    "--conns",
    "2",
    "--duration",
    "500ms",
    "--warmup",
    "0s",
    "--json",
    "--threshold",
    "errors==0",
  ]);
  assertEquals(r.code, 0, r.stderr + r.stdout);
  const result = JSON.parse(r.stdout) as BenchResult;
  assertGreater(result.requests, 3);
  return result;
}

Deno.test({
  name: "bench script against a socat echo: iterations, per-statement percentiles, no errors",
  ...needs("socat"),
  async fn() {
    await using echo = await socatTcpEcho();
    const r = await runBench({
      scheme: "script",
      host: "",
      port: 0,
      conns: 2,
      durationMs: 400,
      warmupMs: 0,
      script: { file: "echo.wire", text: SCRIPT(echo.port), vars: {} },
    });
    assertEquals(Object.keys(r.errors), [], JSON.stringify(r.errorSamples));
    assertGreater(r.requests, 5);
    const s = r.statements!;
    assertEquals(s.map((x) => x.where), [
      "echo.wire:2",
      "echo.wire:3",
      "echo.wire:4",
      "echo.wire:5",
    ]);
    assertEquals(s[2]!.statement, 'expect c line "PING"');
    // 6 bytes each way per iteration ("PING\r\n"), counted from the channel's events
    assertEquals([r.bytesSent, r.bytesReceived], [6 * r.requests, 6 * r.requests]);
    // every statement completed once per measured iteration
    for (const x of s) assertEquals(x.count, r.requests, x.where);
    for (const x of s) assert(x.latency.p99 > 0 && x.latency.p99 <= r.latency.max, x.where);
  },
});

Deno.test({
  name: "bench script: a failing statement is counted against it, by kind (mismatch, refused)",
  ...needs("socat"),
  async fn() {
    await using echo = await socatTcpEcho();
    const wrong = `connect tcp://127.0.0.1:${echo.port} as c
send c "PING\\r\\n"
expect c line "PONG" within 1s
`;
    const r = await runBench({
      scheme: "script",
      host: "",
      port: 0,
      conns: 1,
      durationMs: 300,
      warmupMs: 0,
      script: { file: "wrong.wire", text: wrong, vars: {} },
    });
    assertEquals(r.requests, 0);
    assertGreater(r.errors.mismatch ?? 0, 0, JSON.stringify(r.errors));
    const [connect, send, expect] = r.statements!;
    assertEquals(connect!.errors, {});
    assertEquals(send!.count, r.errors.mismatch);
    assertEquals(Object.keys(expect!.errors), ["mismatch"]);
    assertStringIncludes(r.errorSamples.mismatch!, "wrong.wire:3:");
    // thresholds per statement (k6's sub-metrics): the expect failed, the send did not
    const gated = gate(
      r,
      ["errors{3}==0", "errors{2}==0", "requests{2}>0"].map((t) => parseThreshold(t)),
    );
    assertEquals(gated.map((t) => t.ok), [false, true, true]);
    // nobody listening: refused, on the connect statement
    const closed = freeTcpPort();
    const refused = await runBench({
      scheme: "script",
      host: "",
      port: 0,
      conns: 1,
      durationMs: 200,
      warmupMs: 0,
      script: { file: "r.wire", text: `connect tcp://127.0.0.1:${closed} as c\n`, vars: {} },
    });
    assertEquals(Object.keys(refused.statements![0]!.errors), ["refused"]);
  },
});

Deno.test({
  name: "cli bench script: an HTTP flow against nginx, with a rate and a threshold",
  ...needs("nginx"),
  async fn() {
    await using dir = await tempDir();
    await using nginx = await nginxOneWorker(dir);
    const file = await dir.write(
      "flow.wire",
      `http GET \${base}/ as home
expect status 200
expect body ~ /hello from nginx/
http GET \${base}/chunked
expect status 200
`,
    );
    const r = await runCli([
      "bench",
      "script",
      file,
      "--var",
      `base=http://127.0.0.1:${nginx.port}`,
      "--conns",
      "2",
      "--rate",
      "50",
      "--duration",
      "600ms",
      "--warmup",
      "0s",
      "--threshold",
      "errors==0",
      "--threshold",
      "iterations>=20",
      "--threshold",
      "p99{3}<10s",
      "--threshold",
      `errors{${file}:2}==0`,
    ]);
    assertEquals(r.code, 0, r.stderr + r.stdout);
    assertStringIncludes(r.stdout, `Script ${file}: 0.6s, 2 virtual users, constant rate 50/s`);
    assertStringIncludes(r.stdout, "iterations");
    assertStringIncludes(r.stdout, `${file}:3  expect body ~ /hello from nginx/`);
    assertStringIncludes(r.stdout, "✓ errors==0");
    assertStringIncludes(r.stdout, "✓ p99{3}<10s");
    // a threshold about a statement the script does not have: exit 2 before the load runs
    const noLine = await runCli(["bench", "script", file, "--threshold", "p99{9}<1s"]);
    assertEquals(noLine.code, 2);
    assertEquals(
      noLine.stderr,
      'wireplay: --threshold: "p99{9}<1s": no statement at 9 (statements at lines 1, 2, 3, 4, 5)\n',
    );
    // a syntax error is the user's, as wireplay run shows it (file:line:col, a caret), exit 2
    const bad = await dir.write("bad.wire", "connect\n");
    const e = await runCli(["bench", "script", bad, "--duration", "1s"]);
    assertEquals(e.code, 2);
    assert(e.stderr.startsWith(`wireplay: ${bad}:1:8: expected an address`), e.stderr);
    assert(!e.stderr.includes("    at "), e.stderr);
    // flags of the address form do not apply to a script
    const size = await runCli(["bench", "script", file, "--size", "10"]);
    assertEquals(size.code, 2);
    assertEquals(size.stderr, "wireplay: --size: does not apply to bench script\n");
  },
});

Deno.test({
  name: "a redis session recorded by wireplay record is a load test with no edits",
  ...needs("redis-server", "redis-cli"),
  async fn() {
    await using dir = await tempDir();
    await using redis = await startRedis();
    const redisPort = redis.port;
    void redis;
    const file = dir.join("rec.wire");
    const { recorder, port: recordPort } = await startRecorder(redisPort, file);
    for (const args of [["SET", "greeting", "hello"], ["GET", "greeting"], ["PING"]]) {
      const out = await output("redis-cli", {
        args: ["-h", "127.0.0.1", "-p", String(recordPort), ...args],
      });
      assert(out.success);
    }
    assertEquals(await recorder.stop("SIGINT"), 0, recorder.stderr());
    const result = await benchRecording(file, redisPort);
    assertEquals(result.errors, {});
    // every statement of the recording measured, the GET's expect among them
    const text = await Deno.readTextFile(file);
    const expects = result.statements!.filter((s) => s.statement.startsWith("expect"));
    assertGreater(expects.length, 2);
    assert(expects.some((s) => s.statement.includes("hello")), text);
    for (const s of result.statements!) assertEquals(s.count, result.requests, s.where);
    // the histogram is there for bench merge
    assert(result.histogram.length > 20);
    // run against a server that answers differently, the recording's expects fail by kind
    await using echo = await socatTcpEcho();
    const bad = await runCli([
      "bench",
      "script",
      file,
      "--var",
      `target=tcp://127.0.0.1:${echo.port}`,
      "--conns",
      "1",
      "--duration",
      "300ms",
      "--warmup",
      "0s",
      "--timeout",
      "200ms",
      "--threshold",
      "errors==0",
    ]);
    assertEquals(bad.code, 1, bad.stdout);
    assertStringIncludes(bad.stderr, "1 threshold crossed: errors==0");
    assertStringIncludes(bad.stdout, "mismatch");
  },
});

Deno.test({
  name: "cli bench script --workers 2: the isolates' per-statement histograms add up",
  ...needs("socat"),
  async fn() {
    await using echo = await socatTcpEcho();
    await using dir = await tempDir();
    const file = await dir.write("echo.wire", SCRIPT(echo.port));
    const r = await runCli([
      "bench",
      "script",
      file,
      "--conns",
      "4",
      "--workers",
      "2",
      "--duration",
      "400ms",
      "--warmup",
      "0s",
      "--json",
    ]);
    assertEquals(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as BenchResult;
    assertEquals([result.workers, result.conns], [2, 4]);
    assertGreater(result.requests, 5);
    assertEquals(result.statements!.length, 4);
    for (const s of result.statements!) assertEquals(s.count, result.requests, s.where);
    assertEquals(result.errors, {});
  },
});

Deno.test({
  name: "an HTTP exchange recorded by wireplay record (curl → nginx) is a load test with no edits",
  ...needs("nginx", "curl"),
  async fn() {
    await using dir = await tempDir();
    await using nginx = await nginxOneWorker(dir);
    const file = dir.join("http.wire");
    const { recorder, port: recordPort } = await startRecorder(nginx.port, file);
    for (const path of ["/", "/fail"]) {
      const out = await output("curl", { args: ["-s", `http://127.0.0.1:${recordPort}${path}`] });
      assert(out.success);
    }
    assertEquals(await recorder.stop("SIGINT"), 0, recorder.stderr());
    const result = await benchRecording(file, nginx.port);
    // the recorder made the Date header a pattern, so the recorded expects hold on replay
    const expects = result.statements!.filter((s) => s.statement.startsWith("expect c"));
    assert(expects.some((s) => s.statement.includes("503 Service")), JSON.stringify(expects));
    for (const s of result.statements!) assertEquals(s.count, result.requests, s.where);
    assertGreater(result.bytesReceived, result.requests * 100);
  },
});
