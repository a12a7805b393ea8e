/**
 * Issue 17: a script runs while it is parsed. The parser stays `PARSE_AHEAD` (4 MiB) ahead
 * of what runs: a syntax error in a shorter script is reported before anything runs; in a
 * longer one, statements run before the tail is even read, and an error there is reported
 * with file:line:col when the parser reaches it.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { runScript } from "../../lib/run/interpreter.ts";
import { PARSE_AHEAD, parseStream } from "../../lib/script/stream.ts";
import { ScriptSyntaxError } from "../../lib/script/parser.ts";
import { runCli } from "../helpers/cli.ts";
import { within } from "../helpers/process.ts";
import { tempDir } from "../helpers/temp.ts";

/** `count` statements of about `size` characters each (a `let` of a long string). */
function filler(count: number, size: number): string {
  return `let pad = "${"x".repeat(size)}"\n`.repeat(count);
}

Deno.test("streaming: the first statement runs while the rest of the script is still being fed", async () => {
  let printed!: () => void;
  const firstRan = new Promise<void>((resolve) => printed = resolve);
  const head = 'print "first"\n' + filler(Math.ceil((PARSE_AHEAD * 1.5) / 100_000), 100_000);
  let fedTail = false;
  // a source that gives the rest of the script only once the first statement has run
  async function* source(): AsyncGenerator<string> {
    yield head;
    await within(firstRan, 10_000, "the first statement, before the tail of the script was fed");
    fedTail = true;
    yield 'print "last"\n';
    yield 'sned c "typo"\n'; // a syntax error at the very end
  }
  const lines = head.split("\n").length;
  const output: string[] = [];
  const e = await assertRejects(
    () =>
      runScript(parseStream(source(), "fed.wire"), {
        echo: (t) => {
          output.push(t);
          if (t === "first") printed();
        },
      }),
    ScriptSyntaxError,
  );
  assert(fedTail);
  // everything up to the tail ran, the error names its place
  assertEquals(output[0], "first");
  assertEquals(e.where, `fed.wire:${lines + 1}:1`);
  assertStringIncludes(e.message, 'unknown statement "sned"');
});

Deno.test("streaming: a syntax error anywhere in a script under 4 MiB stops it before anything runs", async () => {
  const output: string[] = [];
  const text = 'print "first"\n' + filler(20, 100_000) + "send c\n";
  const e = await assertRejects(
    () => runScript(parseStream([text], "small.wire"), { echo: (t) => output.push(t) }),
    ScriptSyntaxError,
  );
  assertEquals(output, []);
  assertEquals(e.where?.startsWith("small.wire:22:"), true);
});

Deno.test("wireplay run: a big file's first statement reaches the peer before its last line is parsed; the late error is file:line:col, exit 2", async () => {
  await using dir = await tempDir();
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const pad = filler(Math.ceil((PARSE_AHEAD * 2) / 100_000), 100_000);
  const text = `connect tcp://127.0.0.1:${listener.addr.port} as c\nsend c "hello\\n"\n` + pad +
    'close c\nsned c "late"\n';
  const path = await dir.write("big.wire", text);
  const badLine = text.split("\n").length - 1;
  const run = runCli(["run", path], { deadlineMs: 60_000 });
  let n = 0;
  const got = new Uint8Array(6);
  let r;
  try {
    // the connect and the send arrive: they ran although the file holds a syntax error
    const conn = await within(listener.accept(), 30_000, "the script's connect");
    while (n < 6) {
      const read = await within(conn.read(got.subarray(n)), 30_000, "the script's send");
      if (read === null) break;
      n += read;
    }
    conn.close();
    assertEquals(new TextDecoder().decode(got.subarray(0, n)), "hello\n");
  } finally {
    r = await run;
  }
  assertEquals(r.code, 2, r.stderr);
  assertStringIncludes(r.stderr, `big.wire:${badLine}:1`);
  assertStringIncludes(r.stderr, 'unknown statement "sned"');
  assert(!r.stderr.includes("    at "), `no stack trace:\n${r.stderr}`);
});
