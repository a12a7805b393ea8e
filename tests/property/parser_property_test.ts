import { assert } from "@std/assert";
import fc from "fast-check";
import { parseScript } from "../../lib/script/parser.ts";
import { ScriptSyntaxError } from "../../lib/script/parser.ts";
import { LineJoiner } from "../../lib/script/line_joiner.ts";

/** Valid scripts to mutate: every core statement and value form. */
const SEEDS = [
  'let key = "user:${n}\\r\\n\\x41\\u{263A}"',
  "set raw = 'lit ${x} \\n'",
  'let j = {"a": [1, "${x}"], "b": null}',
  "timeout 2s",
  "connect tls://localhost:${srv.port} as c ca ${srv.cert} servername localhost timeout 1s buffer 1MiB",
  "connect tls://[::1]:443 as d insecure",
  "connect unix:///tmp/x.sock as u",
  "listen tcp://127.0.0.1:0 as srv cert a.pem key b.pem buffer 64KiB",
  "accept srv as peer within 500ms",
  "bind udp://127.0.0.1:0 as u",
  'send u "ping" hex "de ad be ef" file "x.bin" to 127.0.0.1:${v.port}',
  "expect c /(?<code>\\d+) ([a-z]+)[/]x/i as m within 3s",
  'expect c line "+OK"',
  "expect c line /^\\+(\\w+)$/ as l",
  "expect c bytes 16 as b",
  "expect c eof",
  "expect c silence 200ms",
  'expect c hex "00 ff" within 1s',
  "close c",
  "shutdown d",
  "sleep 10ms",
  'print "port ${srv.port}" 42 2s 1KiB /re/',
  'assert "${m.code}" == "200"',
  'assert "${m.1}" !~ /^o/',
  "assert ${n} >= 3",
  "serve echo udp://127.0.0.1:0 as e",
  "serve chargen tls://127.0.0.1:0 as g cert c.pem key k.pem",
  "# a comment",
  "",
];

/** Calls the parser and accepts only success or a ScriptSyntaxError. */
function parsesOrSyntaxError(text: string): boolean {
  try {
    parseScript(text, "fuzz.wire");
    return true;
  } catch (e) {
    if (e instanceof ScriptSyntaxError) {
      // the error must carry a sane position
      assert(e.span.line >= 1 && e.span.col >= 1 && e.span.endCol > e.span.col, e.where);
      assert(/^fuzz\.wire:\d+:\d+$/.test(e.where ?? ""), e.where);
      return false;
    }
    throw new Error(`parser threw ${String(e)} on ${JSON.stringify(text)}`, { cause: e });
  }
}

Deno.test("property: the seeds parse", () => {
  for (const s of SEEDS) assert(parsesOrSyntaxError(s), s);
  assert(parsesOrSyntaxError(SEEDS.join("\n")));
});

const ALPHABET = [
  ..."abcdexyz019 _-.:/\\\"'$#{}[]()<>=!~*+?|^@%&,;\t\r\n\u0000\u00e9\u263a\ud83d",
  "${",
  "\\x",
  "\\u{",
  "hex ",
  "file ",
  " as ",
  " within ",
  " to ",
  "tcp://",
  "udp://",
  "tls://",
  "unix://",
  "connect ",
  "expect ",
  "send ",
  "serve ",
  " line ",
  " bytes ",
  " eof",
  " silence ",
];

Deno.test("property: random input throws nothing but ScriptSyntaxError", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      parsesOrSyntaxError(text);
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...ALPHABET), { maxLength: 60 }), (parts) => {
      parsesOrSyntaxError(parts.join(""));
    }),
    { numRuns: 3000 },
  );
});

type Edit = { op: "insert" | "delete" | "replace"; at: number; text: string };

function mutate(seed: string, edits: Edit[]): string {
  let s = seed;
  for (const e of edits) {
    const at = s.length === 0 ? 0 : e.at % (s.length + 1);
    if (e.op === "insert") s = s.slice(0, at) + e.text + s.slice(at);
    else if (e.op === "delete") s = s.slice(0, at) + s.slice(at + e.text.length);
    else s = s.slice(0, at) + e.text + s.slice(at + 1);
  }
  return s;
}

Deno.test("property: mutated valid scripts throw nothing but ScriptSyntaxError", () => {
  const edit = fc.record({
    op: fc.constantFrom("insert" as const, "delete" as const, "replace" as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...ALPHABET), fc.string({ maxLength: 3 })),
  });
  fc.assert(
    fc.property(fc.constantFrom(...SEEDS), fc.array(edit, { minLength: 1, maxLength: 6 }), (
      seed,
      edits,
    ) => {
      parsesOrSyntaxError(mutate(seed, edits));
    }),
    { numRuns: 5000 },
  );
});

/** Valid scripts with blocks, heredocs and `expect … one of` (issue 11). */
const BLOCK_SEEDS = [
  'repeat 3 {\n  send c "x"\n  repeat until exists r.json.id max 5 {\n    break\n  }\n}',
  'for x in a ${l} [1, 2] {\n  if "${x}" == "b" {\n    continue\n  } else if ${x} >= 2 {\n    fail "no ${x}"\n  } else {\n    print x\n  }\n}',
  'retry 4 every 10ms backoff 2 {\n  include "other.wire"\n}',
  'expect c one of within 1s {\n  "+OK" => {\n    print ok\n  }\n  /^-ERR (.*)/ as e => {\n  }\n  eof => {\n  }\n  timeout => {\n  }\n}',
  'send c <<crlf END\nGET / HTTP/1.1\n\nEND\nsend c "a" \\\n  "b"',
  'print "${env.HOME} ${env.X:-d}"',
];

const BLOCK_PARTS = [
  "repeat 2 {",
  "repeat until 1 == 1 max 2 {",
  "for x in a b {",
  "if 1 == 1 {",
  "} else {",
  "} else if exists x {",
  "}",
  "retry 2 every 1ms {",
  "break",
  "continue",
  'fail "x"',
  "expect c one of {",
  '"a" => {',
  "/b/ as v => {",
  "timeout => {",
  "send c <<EOF",
  "EOF",
  'print "a" \\',
  "print ok",
  "",
  "# comment {",
];

/** Fails when a parse takes longer than `ms` (a hang would show up as a slow run). */
function quickly(text: string, ms = 1000): void {
  const started = performance.now();
  parsesOrSyntaxError(text);
  const took = performance.now() - started;
  assert(took < ms, `parsing took ${took}ms: ${JSON.stringify(text)}`);
}

Deno.test("property: the block seeds parse", () => {
  for (const s of BLOCK_SEEDS) assert(parsesOrSyntaxError(s), s);
  assert(parsesOrSyntaxError(BLOCK_SEEDS.join("\n")));
});

Deno.test("property: random block structure throws nothing but ScriptSyntaxError, quickly", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...BLOCK_PARTS), { maxLength: 40 }), (lines) => {
      quickly(lines.join("\n"));
    }),
    { numRuns: 4000 },
  );
  // deep nesting is linear, not a hang or a stack overflow
  quickly("repeat 1 {\n".repeat(5000) + "}\n".repeat(5000));
  quickly("if 1 == 1 {\n".repeat(5000));
});

Deno.test("property: mutated block scripts throw nothing but ScriptSyntaxError", () => {
  const edit = fc.record({
    op: fc.constantFrom("insert" as const, "delete" as const, "replace" as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.constantFrom(...ALPHABET, ...BLOCK_PARTS, "\n}", " {", "=>"),
      fc.string({ maxLength: 3 }),
    ),
  });
  fc.assert(
    fc.property(fc.constantFrom(...BLOCK_SEEDS), fc.array(edit, { minLength: 1, maxLength: 6 }), (
      seed,
      edits,
    ) => {
      quickly(mutate(seed, edits));
    }),
    { numRuns: 4000 },
  );
});

Deno.test("property: the REPL's joiner takes any lines; what it returns parses or is a ScriptSyntaxError", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constantFrom(...BLOCK_PARTS), fc.string({ maxLength: 20 })), {
        maxLength: 40,
      }),
      (lines) => {
        const joiner = new LineJoiner();
        for (const line of lines) {
          const step = joiner.feed(line);
          if ("line" in step) quickly(step.line);
        }
      },
    ),
    { numRuns: 3000 },
  );
});
