/**
 * `chaos` and `fuzz` from recordings, as subprocesses the way a user runs them: a
 * deliberately fragile server (tests/proxy/_fragile_server.ts) is caught by chaos (it
 * hangs when a client closes half-way through a frame) and by fuzz (it crashes on a
 * large length field), each with a reproducer that fails against it and passes against
 * the fixed server; redis-server survives both.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { fileURLToPath as fromFileUrl } from "node:url";
import { Rng } from "../../lib/fuzz/mutate.ts";
import { mutate, MUTATIONS } from "../../lib/fuzz/mutate.ts";
import { startPeer, startRedis } from "../helpers/peer.ts";
import { needs } from "../helpers/peers.ts";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp.ts";
import { freePort, startCli, writeAll } from "./_helpers.ts";

const FRAGILE = fromFileUrl(new URL("./_fragile_server.ts", import.meta.url));

/** A recording of two frames to the fragile server (16-bit length + bytes each). */
function fragileRecording(port: number): string {
  return [
    "# wireplay recording (hand-written for the test)",
    `default target = "tcp://127.0.0.1:${port}"`,
    "connect ${target} as c1",
    'send c1 hex "00 05 68 65 6c 6c 6f"',
    'expect c1 "ok:hello\\n"',
    'send c1 hex "00 03 61 62 63"',
    'expect c1 "ok:abc\\n"',
    "close c1",
    "",
  ].join("\n");
}

function fragileCommand(port: number, fixed = false): string {
  return `${Deno.execPath()} run --allow-net ${FRAGILE} ${port}${fixed ? " fixed" : ""}`;
}

/** Runs the fragile server (fixed or not) for the body of `fn`. */
async function withFragile<T>(port: number, fixed: boolean, fn: () => Promise<T>): Promise<T> {
  await using _server = await startPeer({
    cmd: Deno.execPath(),
    args: ["run", "--allow-net", FRAGILE, String(port), ...(fixed ? ["fixed"] : [])],
    waitOutput: /fragile on/,
  });
  return await fn();
}

Deno.test("fuzz mutations: seeded, reproducible, and each kind changes the messages", () => {
  const msgs = [
    new Uint8Array([0, 5, 104, 101, 108, 108, 111]),
    new TextEncoder().encode("GET 12"),
  ];
  for (const kind of MUTATIONS) {
    const a = mutate(msgs, new Rng(7), kind);
    const b = mutate(msgs, new Rng(7), kind);
    assertEquals(a, b, `${kind} is reproducible from its seed`);
    assert(
      JSON.stringify(a.messages.map((m) => [...m])) !== JSON.stringify(msgs.map((m) => [...m])),
      `${kind} changed nothing`,
    );
  }
  const len = mutate(msgs, new Rng(1), "length");
  assertMatch(len.description, /16-bit length at byte 0/);
});

Deno.test("chaos catches the fragile server hanging on a mid-message close, with a reproducer", async () => {
  await using dir = await tempDir();
  const port = freePort();
  const rec = `${dir.path}/fragile.wire`;
  await Deno.writeTextFile(rec, fragileRecording(port));
  const save = `${dir.path}/chaos`;
  const run = await runCli([
    "chaos",
    rec,
    "--target",
    `tcp://127.0.0.1:${port}`,
    "--restart",
    fragileCommand(port),
    "--timeout",
    "700ms",
    "--stall",
    "200ms",
    "--spike",
    "100ms",
    "--save",
    save,
    "--reporter",
    "tap",
  ], { deadlineMs: 120_000 });
  assertEquals(run.code, 1, run.stderr + run.stdout);
  const tap = run.stdout;
  assertMatch(tap, /^not ok \d+ - c1: close half-way through message 1\/2$/m);
  assertMatch(tap, /^ok \d+ - c1: 1-byte slices from before message 1\/2$/m);
  assertMatch(tap, /^ok \d+ - c1: latency spike before message 2\/2$/m);
  assertMatch(tap, /^ok \d+ - c1: reset half-way through message 1\/2$/m);
  assertStringIncludes(tap, "stopped answering (hang)");
  assertMatch(
    run.stderr,
    /^wireplay chaos: \d+ case\(s\) against tcp:\/\/127\.0\.0\.1:\d+, at most/m,
  );
  const repro = `${save}/${
    [...Deno.readDirSync(save)].map((e) => e.name).find((n) => /-c1-close-mid\.wire$/.test(n))
  }`;
  const text = await Deno.readTextFile(repro);
  assertStringIncludes(text, 'send c1 hex "00 05 68"\nclose c1\n');
  // the reproducer fails against the fragile server and passes against the fixed one
  const args = ["run", repro, "--var", `target=tcp://127.0.0.1:${port}`];
  const bad = await withFragile(port, false, () => runCli(args));
  assertEquals(bad.code, 1, bad.stdout + bad.stderr);
  const good = await withFragile(port, true, () => runCli(args));
  assertEquals(good.code, 0, good.stdout + good.stderr);
});

Deno.test("fuzz catches the fragile server crashing on a length field, shrunk to its header", async () => {
  await using dir = await tempDir();
  const port = freePort();
  const rec = `${dir.path}/fragile.wire`;
  await Deno.writeTextFile(rec, fragileRecording(port));
  const save = `${dir.path}/fuzz`;
  const run = await runCli([
    "fuzz",
    rec,
    "--target",
    `tcp://127.0.0.1:${port}`,
    "--restart",
    fragileCommand(port),
    "--cases",
    "40",
    "--seed",
    "1",
    "--max-findings",
    "2",
    "--timeout",
    "500ms",
    "--save",
    save,
    "--json",
  ], { deadlineMs: 120_000 });
  assertEquals(run.code, 1, run.stderr + run.stdout);
  const events = run.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const crash = events.find((e) => e.event === "finding" && e.kind === "crash");
  assert(crash, `no crash found: ${run.stdout}`);
  assertEquals(crash.minimized, true);
  assertEquals(crash.messages.length, 1, "shrunk to the one message that crashes it");
  // the message holds a frame header whose length is over the server's 1000 bytes
  const bytes = (crash.messages[0] as string).split(" ").map((h) => parseInt(h, 16));
  const lengths: number[] = [];
  for (let at = 0; at + 2 <= bytes.length; at += 2 + lengths.at(-1)!) {
    lengths.push(bytes[at]! * 256 + bytes[at + 1]!);
  }
  assert(lengths.some((l) => l > 1000), `frame lengths ${lengths} (${crash.mutation})`);
  // shrunk byte-wise too: a frame header is all it takes
  assert(bytes.length <= 4, `${bytes.length} bytes left: ${crash.messages[0]}`);
  // the same seed finds the same thing
  assertEquals(events.at(-1).seed, 1);
  const args = ["run", crash.reproducer, "--var", `target=tcp://127.0.0.1:${port}`];
  const bad = await withFragile(port, false, () => runCli(args));
  assertEquals(bad.code, 1, bad.stdout + bad.stderr);
  const good = await withFragile(port, true, () => runCli(args));
  assertEquals(good.code, 0, good.stdout + good.stderr);
});

/** Records a read-only redis conversation through `wireplay record`. */
async function recordRedis(redisPort: number, file: string): Promise<void> {
  const recordPort = freePort();
  await using recorder = startCli([
    "record",
    "--listen",
    `tcp://127.0.0.1:${recordPort}`,
    "--upstream",
    `tcp://127.0.0.1:${redisPort}`,
    "--out",
    file,
  ]);
  await recorder.waitFor(/^recording /m);
  const c = await Deno.connect({ hostname: "127.0.0.1", port: recordPort });
  const enc = new TextEncoder();
  const buf = new Uint8Array(1024);
  for (
    const [cmd, reply] of [["PING\r\n", 7], ["ECHO hi\r\n", 8], ["GET nothing\r\n", 5]] as const
  ) {
    await writeAll(c, enc.encode(cmd));
    let got = 0;
    while (got < reply) got += (await c.read(buf)) ?? reply;
  }
  c.close();
  assertEquals(await recorder.stop("SIGINT"), 0, recorder.stderr());
}

Deno.test({
  name: "chaos and fuzz against redis-server: its case table in TAP and HTML; it survives",
  ...needs("redis-server"),
  async fn() {
    await using dir = await tempDir();
    await using _redis = await startRedis();
    const redisPort = _redis.port;
    const rec = `${dir.path}/redis.wire`;
    await recordRedis(redisPort, rec);
    const target = `tcp://127.0.0.1:${redisPort}`;
    const common = ["--target", target, "--timeout", "1s", "--stall", "200ms", "--spike", "100ms"];
    const tap = await runCli(["chaos", rec, ...common, "--reporter", "tap"], {
      deadlineMs: 120_000,
    });
    assertEquals(tap.code, 0, tap.stderr + tap.stdout);
    // 3 messages: 5 faults before each, 3 half-way through each
    assertMatch(tap.stdout, /^1\.\.24$/m);
    assertMatch(tap.stdout, /^ok 1 - c1: reset before message 1\/3$/m);
    assertMatch(tap.stdout, /^ok 24 - c1: stall half-way through message 3\/3$/m);
    assertMatch(tap.stdout, /^# 24 passed, 0 failed$/m);
    const html = `${dir.path}/chaos.html`;
    const h = await runCli(["chaos", rec, ...common, "--reporter", "html", "--out", html], {
      deadlineMs: 120_000,
    });
    assertEquals(h.code, 0, h.stderr + h.stdout);
    const page = await Deno.readTextFile(html);
    assertStringIncludes(page, "c1: close half-way through message 2/3");
    assertEquals(page.match(/<details class="test passed"/g)?.length, 24);
    const fuzz = await runCli([
      "fuzz",
      rec,
      "--target",
      target,
      "--cases",
      "60",
      "--seed",
      "7",
      "--timeout",
      "300ms",
      "--save",
      `${dir.path}/fuzz`,
    ], { deadlineMs: 120_000 });
    assertEquals(fuzz.code, 0, fuzz.stdout + fuzz.stderr);
    assertStringIncludes(fuzz.stdout, "60 case(s), ");
    // redis survives: no case made it refuse connections or stop answering. A reset can be
    // a finding: redis closes on a protocol error, and the kernel turns that close into a
    // reset when some of the random bytes were still unread — which depends on how they
    // arrived, not on the fuzzer.
    assertEquals(fuzz.stdout.match(/^(CRASH|HANG) /gm), null, fuzz.stdout);
    const c = await Deno.connect({ hostname: "127.0.0.1", port: redisPort });
    try {
      await c.write(new TextEncoder().encode("PING\r\n"));
      const buf = new Uint8Array(7);
      let got = 0;
      while (got < 7) got += (await c.read(buf.subarray(got))) ?? 7;
      assertEquals(new TextDecoder().decode(buf), "+PONG\r\n");
    } finally {
      c.close();
    }
  },
});

Deno.test({
  name:
    "chaos --client: redis-cli against the replayed server gives up on resets, hangs on a stall",
  ...needs("redis-cli"),
  async fn() {
    await using dir = await tempDir();
    const rec = `${dir.path}/ping.wire`;
    await Deno.writeTextFile(
      rec,
      [
        `default target = "tcp://127.0.0.1:1"`,
        "connect ${target} as c1",
        'send c1 "*1\\r\\n\\$4\\r\\nPING\\r\\n"',
        'expect c1 "+PONG\\r\\n"',
        "close c1",
        "",
      ].join("\n"),
    );
    const run = await runCli([
      "chaos",
      rec,
      "--client",
      "redis-cli -h {host} -p {port} PING",
      "--case-timeout",
      "1500ms",
      "--spike",
      "200ms",
      "--reporter",
      "tap",
    ], { deadlineMs: 120_000 });
    assertEquals(run.code, 1, run.stderr + run.stdout);
    assertMatch(run.stdout, /^1\.\.8$/m);
    assertMatch(run.stdout, /^ok \d+ - c1: server resets before reply 1\/1$/m);
    assertMatch(run.stdout, /^ok \d+ - c1: server closes half-way through reply 1\/1$/m);
    assertMatch(run.stdout, /^not ok \d+ - c1: server stalls before reply 1\/1$/m);
    assertMatch(run.stdout, /^ok \d+ - c1: 1-byte answers$/m);
    assertMatch(run.stdout, /^ok \d+ - c1: answers 200ms late$/m);
    assertStringIncludes(run.stdout, "the client hung: still running after 1500ms");
  },
});
