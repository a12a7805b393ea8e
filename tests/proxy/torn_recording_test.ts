/**
 * Issue 18.15: a recorder stopped hard (SIGKILL) may leave its last line cut; loading the
 * recording skips that line with a warning, and only that line. Issue 17: binary bulk goes
 * to side files (`rec.d/…`), and a recorder killed at any point never leaves the recording
 * naming a side file that is missing or partly written.
 */
import { assert, assertEquals, assertMatch, assertThrows } from "@std/assert";
import { parseScript, ScriptSyntaxError } from "../../lib/script/parser.ts";
import { planReplay } from "../../lib/proxy/replay_plan.ts";

const CLI = new URL("../../cli.ts", import.meta.url).pathname;

const RECORDING = [
  "# recorded by wireplay record at 2026-01-01T00:00:00.000Z through tcp://127.0.0.1:6379",
  "# replay as client: wireplay run FILE --var target=ADDR",
  'default target = "tcp://127.0.0.1:6379"',
  "",
  "# connection 1 from tcp://127.0.0.1:5000",
  "connect ${target} as c1",
  'send c1 "PING\\r\\n"',
  'expect c1 "+PONG\\r\\n"',
  'send c1 "SET key some-long-value\\r\\n"',
  "",
].join("\n");

Deno.test("torn recording: a last line cut mid-string is skipped with a warning", () => {
  const whole = parseScript(RECORDING, "rec.wire");
  assertEquals(whole.warnings, undefined);
  const cut = RECORDING.slice(0, RECORDING.indexOf("some-long") + 4); // inside the string
  const s = parseScript(cut, "rec.wire");
  assertEquals(s.statements.length, whole.statements.length - 1);
  assertEquals(s.warnings?.length, 1);
  assertMatch(s.warnings![0]!, /^rec\.wire:9: the recording's last line is cut off/);
});

Deno.test("torn recording: other syntax errors, and files that are not recordings, still fail", () => {
  const cut = RECORDING.slice(0, RECORDING.indexOf("some-long") + 4);
  const broken = cut.replace('send c1 "PING\\r\\n"', 'send c1 "PING');
  const e = assertThrows(() => parseScript(broken, "rec.wire"), ScriptSyntaxError);
  assertMatch(e.render(), /^rec\.wire:7:/);
  const plain = 'print "a"\nsend c "unterminated';
  assertThrows(() => parseScript(plain, "plain.wire"), ScriptSyntaxError);
  // a complete last line without its newline is kept, not dropped
  const s = parseScript(RECORDING.trimEnd(), "rec.wire");
  assertEquals(s.warnings, undefined);
  assertEquals(s.statements.length, parseScript(RECORDING, "rec.wire").statements.length);
});

Deno.test("torn recording: a recorder SIGKILLed mid-stream leaves a file that loads", async () => {
  const dir = await Deno.makeTempDir({ prefix: "wireplay-test-" });
  // an upstream that answers every chunk with the same bytes
  const upstream = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const echoing = (async () => {
    for await (const c of upstream) {
      (async () => {
        const buf = new Uint8Array(65536);
        try {
          while (true) {
            const n = await c.read(buf);
            if (n === null) break;
            await c.write(buf.subarray(0, n));
          }
        } catch { /* killed */ }
        try {
          c.close();
        } catch { /* closed */ }
      })();
    }
  })();
  const out = `${dir}/rec.wire`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      CLI,
      "record",
      "--listen",
      "tcp://127.0.0.1:0",
      "--upstream",
      `tcp://127.0.0.1:${upstream.addr.port}`,
      "--out",
      out,
    ],
    stdout: "piped",
    stderr: "null",
    env: { NO_COLOR: "1" },
  }).spawn();
  const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  try {
    const reader = child.stdout.getReader();
    let text = "";
    while (!/recording tcp:\/\/[\d.]+:(\d+)/.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`recorder ended: ${text}`);
      text += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    const port = Number(/recording tcp:\/\/[\d.]+:(\d+)/.exec(text)![1]);
    const client = await Deno.connect({ hostname: "127.0.0.1", port });
    const chunk = new Uint8Array(32 * 1024);
    crypto.getRandomValues(chunk);
    const draining = client.readable.pipeTo(new WritableStream()).catch(() => {});
    // stream until the recording names a few side files, then kill without warning
    let sent = 0;
    while ((await Deno.readTextFile(out).catch(() => "")).split(' file "').length < 6) {
      for (let at = 0; at < chunk.byteLength;) at += await client.write(chunk.subarray(at));
      sent++;
    }
    child.kill("SIGKILL");
    await child.status;
    try {
      client.close();
    } catch { /* closed by the kill */ }
    await draining;
    await child.stdout.cancel();
    const recorded = await Deno.readTextFile(out);
    const s = parseScript(recorded, out); // must not throw, torn or not
    assert(s.statements.length > 3, `${s.statements.length} statements`);
    if (!recorded.endsWith("\n")) assert(s.warnings?.length === 1 || s.warnings === undefined);
    assertMatch(recorded, /^send c1 file "rec\.d\/c1-\d{4}\.bin"$/m);
    // every side file named is there, whole: what the client sent replays byte for byte
    const [c1] = await planReplay(recorded, out);
    const up = c1!.steps.filter((x) => x.kind === "receive").map((x) => x.bytes);
    const total = up.reduce((n, b) => n + b.byteLength, 0);
    assert(total >= 16 * 1024 && total <= sent * chunk.byteLength, `${total} bytes up`);
    let at = 0;
    for (const b of up) {
      for (let i = 0; i < b.byteLength; i++, at++) {
        if (b[i] !== chunk[at % chunk.byteLength]) throw new Error(`byte ${at} differs`);
      }
    }
  } finally {
    clearTimeout(killer);
    upstream.close();
    await echoing.catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
