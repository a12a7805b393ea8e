/**
 * Issue 12, timing: the recorder notes the pause before a server's answer
 * (`# after 120ms`), and `replay --timing recorded|scaled F` waits that long before
 * answering; the default answers at once.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { parseAddress } from "../../lib/address/address.ts";
import { WireRecorder } from "../../lib/proxy/recorder.ts";
import { planReplay } from "../../lib/proxy/replay_plan.ts";
import { startReplay } from "../../lib/proxy/replayer.ts";
import { splitHttp } from "../../lib/proxy/http_plan.ts";
import { defaultHttpRule } from "../../lib/proxy/http_match.ts";
import { runCli } from "../helpers/cli.ts";
import { dial, readExactly, writeAll } from "./_helpers.ts";

const enc = new TextEncoder();
const conn = { id: 1, client: "tcp://127.0.0.1:1000", upstream: "tcp://127.0.0.1:80" };

Deno.test("recorder: a pause of 10ms or more before a chunk is noted as # after", async () => {
  let now = 0;
  let text = "";
  const r = new WireRecorder({
    upstream: "tcp://127.0.0.1:80",
    write: (t) => (text += t),
    now: () => new Date(0),
    clock: () => now,
  });
  r.open(conn);
  r.data(conn, "up", enc.encode("PING\r\n"));
  now += 240;
  r.data(conn, "down", enc.encode("+PONG\r\n"));
  now += 3;
  r.data(conn, "up", enc.encode("QUIT\r\n"));
  r.data(conn, "down", enc.encode("+OK\r\n"));
  r.close(conn, "closed");
  r.finish();
  assertStringIncludes(text, '# after 240ms\nexpect c1 "+PONG\\r\\n"\n');
  assertEquals(text.match(/# after/g)?.length, 1);
  const plan = await planReplay(text, "t.wire");
  const replies = plan[0]!.steps.filter((s) => s.kind === "reply");
  assertEquals(replies.map((s) => s.kind === "reply" ? s.delayMs : -1), [240, undefined]);
});

const RECORDING = [
  'default target = "tcp://127.0.0.1:1"',
  "connect ${target} as c1",
  'send c1 "PING\\r\\n"',
  "# after 300ms",
  'expect c1 "+PONG\\r\\n"',
  "close c1",
  "connect ${target} as c2",
  'send c2 "GET /x HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n"',
  "# as recorded: (none)",
  "# after 300ms",
  'expect c2 "HTTP/1.1 200 OK\\r\\ncontent-length: 2\\r\\n\\r\\nok"',
  "close c2",
  "",
].join("\n");

/** Serves the recording with `scale`; returns how long each answer took (ms). */
async function answerTimes(scale: number): Promise<number[]> {
  const planned = await planReplay(RECORDING, "timing.wire");
  const split = splitHttp(planned);
  assertEquals(split.exchanges.length, 1);
  assertEquals(split.exchanges[0]!.delayMs, 300);
  await using server = await startReplay({
    listen: { address: parseAddress("tcp://127.0.0.1:0") },
    connections: split.byteConnections,
    exchanges: split.exchanges,
    httpRule: defaultHttpRule(),
    file: "timing.wire",
    timingScale: scale,
  });
  const times: number[] = [];
  for (
    const [ask, answer] of [
      ["PING\r\n", "+PONG\r\n"],
      ["GET /x HTTP/1.1\r\nHost: b\r\n\r\n", "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"],
    ]
  ) {
    using c = await dial(server.port);
    const t0 = performance.now();
    await writeAll(c, enc.encode(ask!));
    assertEquals(new TextDecoder().decode(await readExactly(c, answer!.length)), answer);
    times.push(performance.now() - t0);
  }
  await server.finished;
  assert(server.ok, JSON.stringify(server.results));
  return times;
}

Deno.test("replay --timing: recorded pauses replayed, scaled, or not at all", async () => {
  for (const t of await answerTimes(1)) assert(t >= 290, `recorded: ${t}ms`);
  for (const t of await answerTimes(0.5)) assert(t >= 140 && t < 290, `scaled 0.5: ${t}ms`);
  for (const t of await answerTimes(0)) assert(t < 140, `none: ${t}ms`);
});

Deno.test("replay --timing: a bad value is one line naming the flag, exit 2", async () => {
  const r = await runCli(["replay", "x.wire", "--listen", "tcp://127.0.0.1:0", "--timing", "fast"]);
  assertEquals(r.code, 2);
  assertStringIncludes(r.stderr, "--timing");
  assertStringIncludes(r.stderr, '"fast" is not recorded, none or "scaled F"');
});
