/**
 * Issue 17: a large `.wire` file (a recording of binary echo traffic, or long escaped
 * text) parses in time linear in its size, through `parseScript` and through the
 * streamed path `run` takes. Ratios of CPU time (best of three), not wall-clock limits: four
 * times the input must take less than eight times as long (linear: 4×; quadratic: 16×), a margin
 * that holds on a loaded machine.
 */
import { assert, assertEquals } from "@std/assert";
import process from "node:process";
import { wireRecording } from "../../bench/_wire_gen.ts";
import { parseScript } from "../../lib/script/parser.ts";
import { parseStream } from "../../lib/script/stream.ts";

/** The least CPU seconds of three runs of `f`. */
async function bestCpu(f: () => unknown): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const u0 = process.cpuUsage();
    await f();
    const u = process.cpuUsage(u0);
    best = Math.min(best, (u.user + u.system) / 1e6);
  }
  return best;
}

/** Cuts `text` into chunks of `size` (cuts fall inside lines, strings and escapes). */
function* chunks(text: string, size: number): Generator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function drain(text: string): Promise<number> {
  let n = 0;
  for await (const _ of parseStream(chunks(text, 65_537), "big.wire").statements) n++;
  return n;
}

/** Asserts time(4×) < 8 × time(1×) for a parse of `make(size)`. */
async function assertLinear(
  what: string,
  make: (size: number) => string,
  size: number,
  parse: (text: string) => unknown,
) {
  const small = make(size);
  const large = make(size * 4);
  await parse(small); // warm up the JIT
  const t1 = await bestCpu(() => parse(small));
  const t2 = await bestCpu(() => parse(large));
  assert(
    t2 < 8 * t1 + 0.005,
    `${what}: ${small.length} chars took ${t1.toFixed(3)} s, ${large.length} took ${
      t2.toFixed(3)
    } s (${(t2 / t1).toFixed(2)}×: not linear)`,
  );
}

Deno.test("large recording (binary, inline hex): parse time is linear in the size", async () => {
  const make = (bytes: number) => wireRecording({ bytes });
  await assertLinear("parseScript", make, 8e6, (t) => parseScript(t, "big.wire"));
  await assertLinear("parseStream", make, 8e6, drain);
});

Deno.test("large recording (escaped text): parse time is linear in the size", async () => {
  const make = (bytes: number) => wireRecording({ bytes, kind: "text" });
  await assertLinear("parseScript", make, 1e6, (t) => parseScript(t, "big.wire"));
  await assertLinear("parseStream", make, 1e6, drain);
});

Deno.test("long lines: parse time is linear in the line's length", async () => {
  // one statement a line, each a single string of `size` characters, and a line of many
  // short strings (each string must not cost the rest of its line)
  const make = (size: number) =>
    Array.from({ length: 8 }, () => `send c "${'a\\r\\n\\"b$'.repeat(size / 10)}"`).join("\n") +
    "\n" + Array.from({ length: 8 }, () => `send c ${'"ab" '.repeat(size / 40)}`).join("\n");
  await assertLinear("long lines", make, 100_000, (t) => parseScript(t, "long.wire"));
});

Deno.test("streamed parse: same statements as parseScript, whatever the chunking", async () => {
  const text = wireRecording({ bytes: 600_000, chunk: 4096, kind: "text" }) +
    "repeat 2 {\n  send c1 <<EOF\nline\nEOF\n}\r\n" +
    wireRecording({ bytes: 300_000, chunk: 1000 });
  const whole = parseScript(text, "x.wire").statements;
  for (const size of [1, 7, 4096, 1 << 20]) {
    if (size === 1 && text.length > 1e6) continue;
    const got = [];
    const source = size === 1 ? chunks(text.slice(0, 20_000), 1) : chunks(text, size);
    for await (const node of parseStream(source, "x.wire").statements) got.push(node);
    const want = size === 1 ? parseScript(text.slice(0, 20_000), "x.wire").statements : whole;
    assertEquals(got.length, want.length, `chunks of ${size}`);
    assertEquals(
      got.map((s) => [s.kind, s.span, s.source, s.text]),
      want.map((s) => [s.kind, s.span, s.source, s.text]),
    );
  }
});
