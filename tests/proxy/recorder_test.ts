/**
 * The recorder on its own: statement order across connections, merging of adjacent
 * chunks, binary as hex, dynamic values as regex with the exact bytes kept for the
 * server's replay, `--exact`, and the plan the replayer reads back.
 */
import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { MAX_STATEMENT_BYTES, WireRecorder } from "../../lib/proxy/recorder.ts";
import { planReplay } from "../../lib/proxy/replay_plan.ts";
import { generalise } from "../../lib/script/dynamic.ts";
import { parseScript } from "../../lib/script/parser.ts";

const enc = new TextEncoder();
const c1 = { id: 7, client: "tcp://127.0.0.1:1000", upstream: "tcp://127.0.0.1:80" };
const c2 = { id: 9, client: "tcp://127.0.0.1:1001", upstream: "tcp://127.0.0.1:80" };

function recorder(exact = false) {
  const out = { text: "" };
  const r = new WireRecorder({
    upstream: "tcp://127.0.0.1:80",
    write: (t) => (out.text += t),
    exact,
    now: () => new Date(0),
  });
  return { r, out };
}

function body(text: string): string[] {
  return text.split("\n").filter((l) =>
    l && !l.startsWith("# recorded") && !l.startsWith("# replay") && !l.startsWith("# connection")
  );
}

Deno.test("recorder: merges adjacent chunks, keeps order across connections, half-closes", () => {
  const { r, out } = recorder();
  r.open(c1);
  r.data(c1, "up", enc.encode("GET / HTTP/1.0\r\n"));
  r.data(c1, "up", enc.encode("\r\n"));
  r.open(c2);
  r.data(c2, "up", enc.encode("hi"));
  r.data(c1, "down", enc.encode("HTTP/1.0 200 OK\r\n"));
  r.data(c1, "down", enc.encode("\r\nbody"));
  r.eof(c1, "down");
  r.eof(c1, "up");
  r.close(c1, "closed");
  r.eof(c2, "up");
  r.close(c2, "reset");
  r.finish();
  assertEquals(body(out.text), [
    'default target = "tcp://127.0.0.1:80"',
    "connect ${target} as c1",
    'send c1 "GET / HTTP/1.0\\r\\n\\r\\n"',
    "connect ${target} as c2",
    'send c2 "hi"',
    'expect c1 "HTTP/1.0 200 OK\\r\\n\\r\\nbody"',
    "expect c1 eof",
    "close c1",
    "shutdown c2",
    "# c2 ended: reset",
    "close c2",
  ]);
  parseScript(out.text, "r.wire");
});

Deno.test("recorder: binary as hex, long runs split, the file parses back to the same bytes", async () => {
  const { r, out } = recorder();
  const binary = new Uint8Array(300).map((_, i) => (i * 37) & 0xff);
  const big = new Uint8Array(MAX_STATEMENT_BYTES + 10).fill(0x41);
  r.open(c1);
  r.data(c1, "up", binary);
  r.data(c1, "down", big);
  r.close(c1, "closed");
  r.finish();
  assertStringIncludes(out.text, 'send c1 hex "00 25 4a 6f');
  const plan = await planReplay(out.text, "r.wire");
  assertEquals(plan.length, 1);
  const steps = plan[0]!.steps;
  assertEquals(steps[0]!.kind, "receive");
  assertEquals((steps[0] as { bytes: Uint8Array }).bytes, binary);
  assertEquals(steps[1]!.kind, "reply");
  assertEquals((steps[1] as { bytes: Uint8Array }).bytes.byteLength, big.byteLength);
  assertEquals(out.text.split("\n").filter((l) => l.startsWith("expect c1 ")).length, 2);
});

Deno.test("recorder: dynamic values become regex matchers; --exact keeps them literal", async () => {
  const reply =
    "HTTP/1.1 200 OK\r\nDate: Tue, 24 Nov 2026 06:20:00 GMT\r\nX-Id: 123e4567-e89b-12d3-a456-426614174000\r\n\r\n";
  for (const exact of [false, true]) {
    const { r, out } = recorder(exact);
    r.open(c1);
    r.data(c1, "down", enc.encode(reply));
    r.close(c1, "closed");
    r.finish();
    const script = parseScript(out.text, "r.wire");
    const expects = script.statements.filter((s) => s.kind === "expect");
    assertEquals(expects.length, 1);
    if (exact) {
      assertStringIncludes(
        out.text,
        'expect c1 "HTTP/1.1 200 OK\\r\\nDate: Tue, 24 Nov 2026 06:20:00 GMT',
      );
    } else {
      assertMatch(out.text, /^# as recorded: expect c1 "HTTP\/1\.1 200 OK/m);
      assertMatch(out.text, /^expect c1 \/\^HTTP\\\/1\\\.1 200 OK\\r\\nDate: \[A-Z\]/m);
    }
    // the server's replay sends the exact bytes either way
    const plan = await planReplay(out.text, "r.wire");
    assertEquals(
      new TextDecoder().decode((plan[0]!.steps[0] as { bytes: Uint8Array }).bytes),
      reply,
    );
  }
});

Deno.test("dynamic: the regex matches other values of the same kinds, not other text", () => {
  const g = generalise(
    enc.encode("ts=1795501719 at 2026-11-24T06:20:00.123Z id=123e4567-e89b-12d3-a456-426614174000"),
  );
  if (!("regex" in g)) throw new Error("expected a regex");
  const re = new RegExp(g.regex);
  assertMatch(
    "ts=1700000000 at 2025-01-02T03:04:05.9Z id=00000000-0000-0000-0000-000000000000",
    re,
  );
  assertEquals(re.test("ts=17000 at 2025-01-02T03:04:05.9Z id=x"), false);
  assertEquals("literal" in generalise(enc.encode("+PONG\r\n")), true);
  assertEquals("literal" in generalise(new Uint8Array([0, 1, 2, 0x31, 0x37, 0x39])), true);
});
