/**
 * A server that speaks first (SMTP-style greeting) and pushes unasked: record it through
 * `wireplay record`, replay it as client (`run`) and as server (`replay`), a client that
 * deviates mid-conversation, and a recorder stopped by SIGTERM with a connection open.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { parseScript } from "../../lib/script/parser.ts";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp.ts";
import { greetingClient, greetingServer, Lines } from "./_greeting.ts";
import { freePort, readAll, startCli, writeAll } from "./_helpers.ts";

const EXPECTED = [
  "220 wireplay-test ESMTP ready",
  "250 hello me",
  "250 waiting",
  "NOTICE tick",
  "221 bye",
  "<eof>",
];

Deno.test("server-first: record, replay as client and as server, report a deviation", async () => {
  await using dir = await tempDir();
  await using greeter = greetingServer();
  const file = `${dir.path}/greeting.wire`;
  const recordPort = freePort();
  const recorder = startCli([
    "record",
    "--listen",
    `tcp://127.0.0.1:${recordPort}`,
    "--upstream",
    greeter.address,
    "--out",
    file,
  ]);
  await recorder.waitFor(/^recording /m);
  assertEquals(await greetingClient(recordPort), EXPECTED);
  assertEquals(await recorder.stop("SIGTERM"), 0, recorder.stderr());
  const text = await Deno.readTextFile(file);
  const kinds = parseScript(text, file).statements.map((s) => s.kind);
  // connect, then the greeting is expected before anything is sent
  assertEquals(kinds.slice(0, 3), ["default", "connect", "expect"]);
  assertStringIncludes(text, 'expect c1 "220 wireplay-test ESMTP ready\\r\\n"');
  assertStringIncludes(text, 'expect c1 "250 waiting\\r\\nNOTICE tick\\r\\n"');

  const run = await runCli(["run", file, "--var", `target=${greeter.address}`]);
  assertEquals(run.code, 0, run.stderr);

  const replayPort = freePort();
  const replay = startCli(["replay", file, "--listen", `tcp://127.0.0.1:${replayPort}`]);
  await replay.waitFor(/^replaying /m);
  assertEquals(await greetingClient(replayPort), EXPECTED);
  assertEquals(await replay.status(), 0, replay.stderr());
  assertMatch(replay.stdout(), /1 passed, 0 deviated/);

  const replay2 = startCli([
    "replay",
    file,
    "--listen",
    `tcp://127.0.0.1:${replayPort}`,
    "--timeout",
    "2s",
  ]);
  await replay2.waitFor(/^replaying /m);
  const c = await Deno.connect({ hostname: "127.0.0.1", port: replayPort });
  const lines = new Lines(c);
  assertEquals(await lines.next(), "220 wireplay-test ESMTP ready");
  await writeAll(c, new TextEncoder().encode("HELO someone-else\r\n"));
  const rest = await readAll(c, 5000);
  c.close();
  assertEquals(rest.bytes, 0, "a deviating client gets nothing further");
  assertEquals(await replay2.status(), 1);
  const err = replay2.stderr();
  assertStringIncludes(err, "FAIL c1");
  assertStringIncludes(err, 'expected: "HELO me\\r\\n"');
  assertStringIncludes(err, 'got:      "HELO someone-else\\r\\n"');
});

Deno.test("record: SIGTERM with a connection open leaves a complete, parseable file", async () => {
  await using dir = await tempDir();
  await using greeter = greetingServer();
  const file = `${dir.path}/open.wire`;
  const port = freePort();
  const recorder = startCli([
    "record",
    "--listen",
    `tcp://127.0.0.1:${port}`,
    "--upstream",
    greeter.address,
    "--out",
    file,
  ]);
  await recorder.waitFor(/^recording /m);
  const c = await Deno.connect({ hostname: "127.0.0.1", port });
  const lines = new Lines(c);
  await lines.next();
  await writeAll(c, new TextEncoder().encode("HELO half\r\n"));
  assertEquals(await lines.next(), "250 hello half");
  assertEquals(await recorder.stop("SIGTERM"), 0, recorder.stderr());
  c.close();
  const text = await Deno.readTextFile(file);
  const script = parseScript(text, file);
  assertEquals(script.statements.map((s) => s.kind), [
    "default",
    "connect",
    "expect",
    "send",
    "expect",
    "close",
  ]);
  assert(text.endsWith("close c1\n"), text);
});
